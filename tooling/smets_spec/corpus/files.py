"""Writing files without ever losing what was there: atomic replacement, and output paths checked
before anything is written.

Every file the tool writes goes through :func:`write_atomic` (or :func:`atomic_path` for
writers that need a path, such as openpyxl): the new content goes to a temporary file beside
the target, is flushed to disk, then renamed over the target. A full disk, a kill or an
exception leaves the old file whole and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path, durable: bool = True) -> Iterator[Path]:
    """A temporary path beside ``target``; renamed over it when the block ends without error.

    The target's folder must exist. A symlink at ``target`` is replaced by the new file, never
    followed: the file the link pointed to is left as it was. ``durable=False`` skips the two
    fsyncs, for output a build regenerates (site pages): a reader still sees the old file or the
    new one, never a part, but a power cut may leave the old one.
    """
    folder = target.parent
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if durable:
            with tmp.open("rb+") as handle:
                os.fsync(handle.fileno())
        tmp.chmod(_mode_for(target))
        tmp.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    if durable:
        _fsync_folder(folder)


def write_atomic(target: Path, data: str | bytes, encoding: str = "utf-8", durable: bool = True) -> None:
    """Write ``data`` to ``target`` atomically (see the module docstring and :func:`atomic_path`)."""
    raw = data.encode(encoding) if isinstance(data, str) else data
    with atomic_path(target, durable) as tmp:
        tmp.write_bytes(raw)


def _mode_for(target: Path) -> int:
    """The permissions the new file gets: the replaced file's, else the umask's default.

    A symlink at ``target`` counts as no file: it is replaced, and the mode of what it points
    to is not copied.
    """
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    if stat.S_ISLNK(status.st_mode):
        return 0o666 & ~_umask()
    return status.st_mode & 0o7777


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def read_regular(path: Path, largest: int) -> bytes | None:
    """The bytes of the regular file ``path`` (at most ``largest``), not through a symlink and never
    waiting on a FIFO or a device; None for anything else (missing, unreadable, too large, grown
    while read)."""
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > largest:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(info.st_size + 1)  # a file grown meanwhile is not taken
        return data if len(data) == info.st_size else None
    except OSError:
        return None
    finally:
        os.close(fd)
