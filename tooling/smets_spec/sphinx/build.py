"""Run Sphinx on a spec tree; any warning fails the build.

An output folder that cannot be written (read-only, full) makes Sphinx print its "please
report this" traceback; :func:`run_sphinx` raises the OSError instead, so that ``smets build``
says in one line what is wrong.
"""

from __future__ import annotations

import contextlib
import errno
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

#: errno names a parallel build's error text carries (the worker's exception arrives as text).
_DISK_ERRORS = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "Read-only file system": errno.EROFS,
    "Permission denied": errno.EACCES,
}


def _os_error(exc: BaseException) -> OSError | None:
    """The disk error behind a Sphinx exception (handlers' errors are wrapped), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in set(_DISK_ERRORS.values()) | {errno.ENOENT}:
            return current
        for text, number in _DISK_ERRORS.items():
            if text in str(current):
                match = re.search(r"'([^']+)'", str(current).split(text, 1)[1])
                return OSError(number, text, match[1] if match else None)
        current = getattr(current, "orig_exc", None) or current.__cause__ or current.__context__
    return None


@contextlib.contextmanager
def _disk_errors_raised(found: list[OSError]) -> Iterator[None]:
    """While Sphinx runs: a disk error is kept in ``found`` instead of printed as a traceback."""
    import sphinx._cli.util.errors as errors

    original = errors.handle_exception

    def handle(exception: BaseException, *args: Any, **kwargs: Any) -> None:
        error = _os_error(exception)
        if error is None:
            original(exception, *args, **kwargs)
        else:
            found.append(error)

    errors.handle_exception = handle
    try:
        yield
    finally:
        errors.handle_exception = original


def warm_up(theme: str | None = None) -> None:
    """Import what every build needs (Sphinx, sphinx-needs, this extension) ahead of a build.

    ``smets serve`` calls it once; each build then runs in a forked copy that has them. ``smets
    build`` calls it while its forked copy loads the spec (:mod:`..commands.loadbeside`), which at
    10,000 requirements takes longer than these imports: what is imported here, beside the load, is
    not imported later on the build's own path. So it also imports sphinx-needs' setup, GitPython
    (every build stamps the change-control pages with the repository's commits:
    :func:`..change.changelog.history_stamp`) and ``theme``'s module (conf.py's ``html_theme``, when
    it is one), which the build imported only once Sphinx had started (0.1 s of CPU). An import
    that fails here is left to fail where the build imports it, as before.
    """
    import importlib

    import sphinx.cmd.build  # noqa: F401
    import sphinx_needs.needs  # noqa: F401  - what sphinx-needs' setup imports
    from sphinx.application import builtin_extensions

    from . import site  # noqa: F401  - and with it the rest of the extension

    for name in builtin_extensions:  # Sphinx sets each of them up in every build
        importlib.import_module(name)
    for later in ("git", theme):
        if later and all(part.isidentifier() for part in later.split(".")):
            with contextlib.suppress(ImportError):
                importlib.import_module(later)


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
    found: list[OSError] = []
    tee = _Tee(sys.stderr)
    with _disk_errors_raised(found), contextlib.redirect_stderr(tee):
        try:
            status = build_main(argv)
        except SystemExit as stop:  # the extension stops at once on a wrong source folder
            status = stop.code if isinstance(stop.code, int) else 2
    if found:
        raise found[0]
    written = _WRITE_ERROR.search(tee.seen.getvalue())
    if written:  # Sphinx reports a failed page write as a warning
        raise OSError(int(written[2]), written[3], written[1])
    return status


#: Sphinx's warning for a page it could not write.
_WRITE_ERROR = re.compile(r"error writing file (.+?): \[Errno (\d+)\] ([^\n]+)")


class _Tee(io.TextIOBase):
    """Writes through to ``stream`` and keeps what was written."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.seen = io.StringIO()

    def write(self, text: str) -> int:
        self.seen.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()
