"""Run the conformance suite (pytest, in-process) against a target and read its results."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import DEFAULT_TARGET
from .results import Results, load

SUITE_DIR = Path(__file__).resolve().parent / "suite"
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
PLUGIN = "smets_spec.conformance.plugin"


class SuiteCannotRunError(RuntimeError):
    """The suite could not start (pytest missing); the message says what to install."""


@dataclass(frozen=True)
class Run:
    """What a suite run left behind: pytest's exit code and the results (None if none were written)."""

    exit_code: int
    results: Results | None


def pytest_args(
    target: str,
    spec: Path,
    out: Path,
    *,
    collect_only: bool = False,
    quiet: bool = True,
    select: str | None = None,
) -> list[str]:
    args = [str(SUITE_DIR), "-p", PLUGIN, "--smets-target", target, "--smets-spec", str(spec)]
    args += ["--smets-results", str(out), "-p", "no:cacheprovider", "--rootdir", str(SUITE_DIR)]
    # the suite's own settings: no ini file of the caller's project, no plugins it happens to have installed
    args += ["-c", os.devnull, "--disable-plugin-autoload", "-o", "console_output_style=classic"]
    if collect_only:
        args.append("--collect-only")
    if quiet:
        args += ["-q", "--no-header", "-p", "no:warnings", "--tb=short"]
    if select:
        args += ["-k", select]
    return args


def run_suite(
    spec: Path,
    out: Path,
    target: str = DEFAULT_TARGET,
    *,
    collect_only: bool = False,
    quiet: bool = True,
    select: str | None = None,
) -> Run:
    """Run (or only collect) the suite; the results land in ``out``.

    The target's module is imported with the current folder on the path, as
    ``python -m`` would, so a target next to the caller's code is found.
    """
    try:
        import pytest
    except ImportError as exc:  # a runtime dependency: only a broken installation lacks it
        raise SuiteCannotRunError(
            f"the conformance suite needs pytest, which is not importable ({exc}); "
            "reinstall the package (pip install -e .) so its dependencies are installed"
        ) from exc

    if out.exists():
        out.unlink()
    added = str(Path.cwd())
    sys.path.insert(0, added)
    try:
        code = int(
            pytest.main(pytest_args(target, spec, out, collect_only=collect_only, quiet=quiet, select=select))
        )
    finally:
        if added in sys.path:
            sys.path.remove(added)
    return Run(code, load(out) if out.is_file() else None)


def collect(spec: Path) -> Run:
    """Collect the suite's tests (without running them), with their requirement ids.

    pytest's listing is dropped; its errors (such as an unknown requirement id) still go to stderr.
    """
    with (
        tempfile.TemporaryDirectory(prefix="smets-collect-") as folder,
        contextlib.redirect_stdout(io.StringIO()),
    ):
        return run_suite(spec, Path(folder) / "collected.json", collect_only=True)


def newest_source() -> float:
    """Modification time of the newest model or suite source file."""
    files = [*REFERENCE_DIR.rglob("*.py"), *REFERENCE_DIR.rglob("*.toml"), *SUITE_DIR.rglob("*.py")]
    return max((f.stat().st_mtime for f in files), default=0.0)
