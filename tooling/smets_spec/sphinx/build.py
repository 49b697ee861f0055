"""Run Sphinx on a spec tree; any warning fails the build."""

from __future__ import annotations

from pathlib import Path


def doctrees_for(out: Path) -> Path:
    """Sphinx's saved environment for a build into ``out``: inside it, as plain ``sphinx-build`` does."""
    return out / ".doctrees"


def run_sphinx(
    root: Path,
    spec: Path,
    out: Path,
    jobs: str = "1",
    quiet: bool = True,
    fresh: bool = False,
    builder: str = "html",
    warnings: Path | None = None,
) -> int:
    """Build ``spec`` with ``root/conf.py`` into ``out``; return Sphinx's exit status.

    Warnings are errors (``-W --keep-going``): every problem is listed, and the
    status is non-zero if there was any. ``warnings``: a file that gets them too.
    """
    from sphinx.cmd.build import build_main

    argv = [
        "-b",
        builder,
        "-c",
        str(root),
        "-W",
        "--keep-going",
        "-j",
        jobs,
        "-d",
        str(doctrees_for(out)),
        str(spec),
        str(out),
    ]
    if quiet:
        argv.insert(0, "-q")
    if warnings is not None:
        argv[:0] = ["-w", str(warnings)]
    if fresh:
        argv.insert(0, "-E")
    try:
        return build_main(argv)
    except SystemExit as stop:  # the extension stops at once on a wrong source folder
        return stop.code if isinstance(stop.code, int) else 2
