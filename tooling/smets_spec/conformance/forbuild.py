"""Conformance results for a site build: report how old they are, or run the suite when there are none.

Both front ends use it: ``smets build`` starts the suite beside Sphinx's start-up, and the
Sphinx extension runs it when a plain ``sphinx-build`` finds no results, so both build the
same site.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .. import forking
from ..corpus.load import Corpus, load_spec
from ..corpus.project import Project
from ..corpus.schema import ConformanceTest
from . import live
from .results import age_text, load
from .runner import newest_source, run_suite


def _suite_in_child(spec: Path, path: Path) -> None:
    """The body of the forked suite run: pytest in-process, its output dropped, its status the exit code."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.exit(run_suite(spec, path).exit_code)


def _start_for_build(project: Project, path: Path) -> Callable[[], None]:
    """Start the suite on the reference models beside the build; return what waits for it.

    Where the platform can fork, the suite runs in a forked copy of this process (no second
    start-up of Python and the package); elsewhere in a ``smets conform`` subprocess.
    """
    sys.stdout.write(
        f"conformance: no results at {project.rel(path)}; running the suite on the "
        "reference models (smets conform), beside the build\n"
    )
    started = time.monotonic()
    child = forking.start(_suite_in_child, (project.spec, path), "smets-conformance")
    if child is not None:

        def status() -> int | None:
            child.join()
            return child.exitcode
    else:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smets_spec.cli",
                "--root",
                str(project.root),
                "conform",
                "--out",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def status() -> int | None:
            return proc.wait()

    def finish() -> None:
        code = status()
        sys.stdout.write(
            f"conformance: suite ran in {time.monotonic() - started:.1f} s (exit status {code})\n"
        )
        report(path)

    return finish


#: results files this process has started a suite run for (``smets build`` starts it before
#: Sphinx; the extension then must not start a second one)
_STARTED: set[Path] = set()


def build_finished(html_dir: Path) -> None:
    """Forget the run started for a build into ``html_dir`` (the next build may start one again)."""
    _STARTED.discard(live.results_file_for(html_dir))


def ensure_results(
    project: Project, html_dir: Path, corpus: Corpus | None = None, wait: bool = True
) -> Path | None:
    """For ``smets build``: say how old the results are, or run the suite when there are none.

    With ``wait=False`` the suite runs beside the caller, which must call
    :func:`smets_spec.conformance.live.settle` before reading the results (the Sphinx
    extension does at ``builder-inited``). Nothing happens for a spec that lists no
    conformance tests.
    """
    corpus = corpus or load_spec(project.spec, relative_to=project.root)
    if not corpus.of_type(ConformanceTest):
        return None
    path = live.results_file_for(html_dir)
    if path in _STARTED:  # this process already ran the suite for this build (once is enough)
        return path
    if path.is_file():
        report(path)
        return path
    _STARTED.add(path)
    finish = _start_for_build(project, path)
    if wait:
        finish()
    else:
        live.defer(finish)
    return path


def report(path: Path) -> None:
    try:
        results = load(path)
    except ValueError as exc:
        sys.stdout.write(f"conformance: {exc}; the site shows every requirement as not tested\n")
        return
    stale = (
        " (older than the models or the suite: run `smets conform`)"
        if (results.generated.timestamp() < newest_source())
        else ""
    )
    counts = ", ".join(f"{n} {o}" for o, n in results.summary().items() if n)
    sys.stdout.write(
        f"conformance: results {age_text(results.age())} old, against {results.target}: {counts}{stale}\n"
    )
