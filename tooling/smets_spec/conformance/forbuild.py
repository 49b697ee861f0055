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
from . import live, suitecache
from .results import age_text, load
from .runner import SuiteCannotRunError, newest_source, run_suite

#: pytest's exit statuses that still leave a full results file (0 all passed, 1 some failed)
_RAN = (0, 1)
_CANNOT_RUN = 3


def log_file_for(path: Path) -> Path:
    """Where the suite's own output goes when it runs beside a build (next to the results)."""
    return path.with_suffix(".log")


def _suite_in_child(spec: Path, path: Path, corpus: tuple[Path, Corpus] | None = None) -> None:
    """The forked suite run: pytest in-process, its output in the log, its status the exit code.
    ``corpus``: the build's corpus of ``spec`` and the folder it was read relative to, which the
    suite takes if the files are unchanged (:func:`.plugin.hand_over`)."""
    if corpus is not None:
        try:
            from .plugin import hand_over  # pytest's import: in the copy, not the build
        except ImportError:  # no pytest: run_suite says so below
            pass
        else:
            hand_over(spec, corpus[0], corpus[1])
    log = log_file_for(path)
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    try:
        sys.exit(run_suite(spec, path).exit_code)
    except SuiteCannotRunError as exc:
        sys.stderr.write(f"{exc}\n")
        sys.exit(_CANNOT_RUN)


def _cause(path: Path, code: int | None) -> str:
    """Why a suite run beside the build failed: the last lines it printed (they name the error)."""
    try:
        lines = [line for line in log_file_for(path).read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    tail = "\n    ".join(lines[-8:]) or "(it printed nothing)"
    return f"the conformance suite failed (exit status {code}); its last output:\n    {tail}"


def _start_for_build(
    project: Project, path: Path, key: str | None = None, corpus: Corpus | None = None
) -> Callable[[], None]:
    """Start the suite on the reference models beside the build; return what waits for it.

    Where the platform can fork, the suite runs in a forked copy of this process (no second
    start-up of Python and the package); elsewhere in a ``smets conform`` subprocess. With a
    ``key`` (:func:`.suitecache.suite_key`), a finished run is kept in the user cache when the
    key is still the same afterwards (nothing it read changed meanwhile). ``corpus``: the build's,
    read relative to the project's root, which the forked suite takes while the files are unchanged.
    """
    sys.stdout.write(
        f"conformance: no results at {project.rel(path)}; running the suite on the "
        "reference models (smets conform), beside the build\n"
    )
    started = time.monotonic()
    log = log_file_for(path)
    log.parent.mkdir(parents=True, exist_ok=True)
    handed = (project.root, corpus) if corpus is not None else None
    child = forking.start(_suite_in_child, (project.spec, path, handed), "smets-conformance")
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
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

        def status() -> int | None:
            return proc.wait()

    def finish() -> None:
        code = status()
        sys.stdout.write(
            f"conformance: suite ran in {time.monotonic() - started:.1f} s (exit status {code})\n"
        )
        if code not in _RAN or not path.is_file():
            raise live.StepFailedError(_cause(path, code))
        if key is not None and suitecache.suite_key(project.spec) == key:
            suitecache.store(key, path, log)
        report(path)

    return finish


#: results files this process has started a suite run for (``smets build`` starts it before
#: Sphinx; the extension then must not start a second one)
_STARTED: set[Path] = set()


def running_for(path: Path) -> bool:
    """Whether a suite run this process started beside the build is still writing ``path`` (the
    build waits for it where it first needs the results, doing meanwhile what needs none)."""
    return path in _STARTED and live.pending()


def build_finished(html_dir: Path) -> None:
    """Forget the run started for a build into ``html_dir`` (the next build may start one again)."""
    _STARTED.discard(live.results_file_for(html_dir))


def ensure_results(
    project: Project,
    html_dir: Path,
    corpus: Corpus | None = None,
    wait: bool = True,
    *,
    from_root: bool = False,
) -> Path | None:
    """For ``smets build``: say how old the results are, or run the suite when there are none.

    With ``wait=False`` the suite runs beside the caller, which must call
    :func:`smets_spec.conformance.live.settle` before reading the results (the Sphinx
    extension does at ``builder-inited``). Nothing happens for a spec that lists no
    conformance tests. ``from_root``: ``corpus`` was read relative to the project's root (then a suite
    run forked from here takes it instead of reading the spec again).
    """
    if corpus is None:
        corpus, from_root = load_spec(project.spec, relative_to=project.root), True
    if not corpus.of_type(ConformanceTest):
        return None
    path = live.results_file_for(html_dir)
    if path in _STARTED:  # this process already ran the suite for this build (once is enough)
        return path
    if path.is_file():
        report(path)
        return path
    key = suitecache.suite_key(project.spec)
    if key is not None and suitecache.restore(key, path, log_file_for(path)):
        sys.stdout.write(
            "conformance: results of an earlier run of the same suite on the same models, "
            "libraries and spec (user cache; SMETS_CONFORMANCE_CACHE=off runs it again)\n"
        )
        report(path)
        return path
    _STARTED.add(path)
    finish = _start_for_build(project, path, key, corpus if from_root else None)
    if wait:
        finish()
    else:
        live.defer(finish)
    return path


def report(path: Path) -> None:
    """Say how old the results are; raise :class:`live.StepFailedError` when they cannot be read."""
    try:
        results = load(path)
    except ValueError as exc:
        raise live.StepFailedError(
            f"{exc}; delete it or run `smets conform` to write it again (the site would show no results)"
        ) from exc
    stale = (
        " (older than the models or the suite: run `smets conform`)"
        if (results.generated.timestamp() < newest_source())
        else ""
    )
    counts = ", ".join(f"{n} {o}" for o, n in results.summary().items() if n)
    sys.stdout.write(
        f"conformance: results {age_text(results.age())} old, against {results.target}: {counts}{stale}\n"
    )
