"""The latest conformance results, as the site sees them.

The Sphinx adapter points this module at the results file of the build
(``<output>/.smets/conformance.json``, i.e. ``_build/html/.smets/conformance.json``); renderers
call :func:`current`, which re-reads the file only when it changed.
"""

from __future__ import annotations

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
#: Work to finish before the results are read (a suite run started beside the build).
_PENDING: list[Callable[[], None]] = []


def defer(finish: Callable[[], None]) -> None:
    """Have :func:`settle` call ``finish`` (e.g. wait for a suite run writing the results)."""
    _PENDING.append(finish)


def settle() -> None:
    """Finish whatever :func:`defer` registered, in order (a no-op when nothing is pending)."""
    while _PENDING:
        _PENDING.pop(0)()


def results_file_for(html_dir: Path) -> Path:
    """Where a build into ``html_dir`` reads (and ``smets build`` writes) the results: inside it."""
    return html_dir / STATE_FOLDER / RESULTS_NAME


def set_results_path(path: Path | None) -> None:
    if path != _LIVE.path:
        _LIVE.path, _LIVE.stamp, _LIVE.results, _LIVE.error = path, None, None, None


def results_path() -> Path | None:
    return _LIVE.path


def stamp(path: Path | None = None) -> tuple[int, int] | None:
    """(mtime, size) of the results file, or None when there is none."""
    where = path or _LIVE.path
    if where is None or not where.is_file():
        return None
    info = where.stat()
    return (info.st_mtime_ns, info.st_size)


def current() -> Results | None:
    """The results at the configured path (None when there are none or they cannot be read)."""
    now = stamp()
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
