"""The latest conformance results, as the site sees them.

The Sphinx adapter points this module at the results file of the build
(``<output>/.smets/conformance.json``, i.e. ``_build/html/.smets/conformance.json``); renderers
call :func:`current`, which re-reads the file only when it changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .results import Results, load

RESULTS_NAME = "conformance.json"
#: the folder, inside the output folder, of what a build keeps beside the HTML
STATE_FOLDER = ".smets"


class StepFailedError(RuntimeError):
    """A conformance step inside a build failed (the suite could not run, the results are unreadable).

    The message gives the real cause; the build stops with it instead of publishing a site
    that shows every requirement as not tested.
    """


class BuildAbortedError(BaseException):
    """Carries a :class:`StepFailedError` out of Sphinx to ``smets build``, which prints it in one line.

    A BaseException, so Sphinx's event machinery and ``build_main`` let it through instead of
    printing their crash report; raised only when :func:`report_failures_to_caller` was called.
    """


_CALLER_REPORTS: list[bool] = [False]


def report_failures_to_caller(on: bool = True) -> None:
    """``smets build`` says it reports a failed step itself (a plain sphinx-build does not)."""
    _CALLER_REPORTS[0] = on


def caller_reports_failures() -> bool:
    return _CALLER_REPORTS[0]


@dataclass
class _Live:
    path: Path | None = None
    stamp: tuple[int, int] | None = None
    results: Results | None = None
    error: str | None = None


_LIVE = _Live()
#: Work to finish before the results are read (a suite run started beside the build), and the
#: process that registered it (only it can wait for its children).
_PENDING: list[Callable[[], None]] = []
_PENDING_IN: list[int] = []


def defer(finish: Callable[[], None]) -> None:
    """Have :func:`settle` call ``finish`` (e.g. wait for a suite run writing the results)."""
    _PENDING.append(finish)
    _PENDING_IN[:] = [os.getpid()]


def pending() -> bool:
    """Whether something :func:`defer` registered is still to be finished."""
    return bool(_PENDING)


def settle() -> None:
    """Finish whatever :func:`defer` registered, in order (a no-op when nothing is pending)."""
    if _PENDING and [os.getpid()] != _PENDING_IN:
        raise RuntimeError("conformance results read in a forked copy before the suite run was waited for")
    while _PENDING:
        _PENDING.pop(0)()


def _ready() -> None:
    """The results are about to be read: wait for a suite run still writing them (the Sphinx
    extension waits for it at a set point, this is for any reader before that point); a failed
    run stops the build as it would there."""
    if _PENDING:
        try:
            settle()
        except StepFailedError as exc:
            if caller_reports_failures():
                raise BuildAbortedError(str(exc)) from exc
            raise


def results_file_for(html_dir: Path) -> Path:
    """Where a build into ``html_dir`` reads (and ``smets build`` writes) the results: inside it."""
    return html_dir / STATE_FOLDER / RESULTS_NAME


def set_results_path(path: Path | None) -> None:
    if path != _LIVE.path:
        _LIVE.path, _LIVE.stamp, _LIVE.results, _LIVE.error = path, None, None, None


def results_path() -> Path | None:
    _ready()
    return _LIVE.path


def stamp(path: Path | None = None) -> tuple[int, int] | None:
    """(mtime, size) of the results file, or None when there is none."""
    if path is None:
        _ready()
    where = path or _LIVE.path
    if where is None or not where.is_file():
        return None
    info = where.stat()
    return (info.st_mtime_ns, info.st_size)


def current() -> Results | None:
    """The results at the configured path (None when there are none or they cannot be read)."""
    now = stamp()  # (waits for a suite run still writing them)
    if now != _LIVE.stamp:
        _LIVE.stamp, _LIVE.results, _LIVE.error = now, None, None
        if now is not None and _LIVE.path is not None:
            try:
                _LIVE.results = load(_LIVE.path)
            except ValueError as exc:
                _LIVE.error = str(exc)
    return _LIVE.results


def error() -> str | None:
    current()
    return _LIVE.error
