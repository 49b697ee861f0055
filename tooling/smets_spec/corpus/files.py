"""Writing files without ever losing what was there: atomic replacement, and output paths checked
before anything is written.

Every file the tool writes goes through :func:`write_atomic` (or :func:`atomic_path` for
writers that need a path, such as openpyxl): the new content goes to a temporary file beside
the target, is flushed to disk, then renamed over the target. A full disk, a kill or an
exception leaves the old file whole and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

from .cachedir import switched_off


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


def _mode_for(target: str | Path, new_mode: int | None = None) -> int:
    """The permissions the new file gets: the replaced file's, else the umask's default
    (``new_mode`` when the caller has it already).

    A symlink at ``target`` counts as no file: it is replaced, and the mode of what it points
    to is not copied.
    """
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        status = None
    if status is None or stat.S_ISLNK(status.st_mode):
        return 0o666 & ~_umask() if new_mode is None else new_mode
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


#: ``SMETS_NEW_WRITES=off``: a file known not to be there is written by :meth:`FolderWriter.write`
NEW_SWITCH = "SMETS_NEW_WRITES"
#: ``SMETS_UNNAMED_WRITES=off``: :meth:`FolderWriter.write_new` writes a named temporary file and
#: renames it, as before, instead of an unnamed one linked in whole (:meth:`FolderWriter._write_unnamed`)
UNNAMED_SWITCH = "SMETS_UNNAMED_WRITES"
#: where a process's open files have a name (an unnamed file is linked into its folder through it)
_PROC_FD = "/proc/self/fd"
_UNNAMED = getattr(os, "O_TMPFILE", 0) | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
#: a link through :data:`_PROC_FD` refused: no such file (no /proc), or not this way (EXDEV, EPERM...)
_CANNOT_LINK = frozenset({errno.ENOENT, errno.EXDEV, errno.EPERM, errno.EACCES, errno.ENOTDIR, errno.ELOOP})


def _check_name(name: str) -> None:
    if not name or os.sep in name or name in {".", ".."} or (os.altsep and os.altsep in name):
        raise ValueError(f"not a file name: {name!r}")


class FolderWriter:
    """Many files written into one folder, each atomically as :func:`write_atomic` does with
    ``durable=False`` (a temporary file beside its target, renamed over it: a reader sees the
    old file or the new one, never a part, and a failure leaves the old one and no temporary
    file), for thousands of small pages at a time.

    Cheaper per file than :func:`write_atomic`: the umask is read once, and the temporary names
    are this writer's own (its process id, a random token and a counter, opened exclusively)
    instead of :func:`tempfile.mkstemp`'s. Make one in the process that writes (a forked child
    makes its own). The new file gets the replaced file's permissions, else the umask's default;
    a symlink at the target is replaced, never followed.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = os.fspath(folder)
        self._prefix = f".{os.getpid()}-{os.urandom(4).hex()}-"
        self._count = 0
        self._new_mode = 0o666 & ~_umask()
        #: new files written by :meth:`write_new` (``SMETS_NEW_WRITES=off``: by :meth:`write`)
        self.quick_new = not switched_off(NEW_SWITCH)
        self._fix_mode: bool | None = None
        #: new files written unnamed and linked in (until this system or folder refuses one)
        self.unnamed = hasattr(os, "O_TMPFILE") and not switched_off(UNNAMED_SWITCH)
        self._folder_fd: int | None = None

    def write(self, name: str, data: bytes) -> None:
        """``folder/name`` (a plain file name) replaced by ``data``."""
        self._write(name, data, 0o600, lambda target, _fd: self._mode(target))

    def write_if_changed(self, name: str, data: bytes, present: bool = True) -> bool:
        """:meth:`write`, unless ``folder/name`` already holds ``data`` (``present=False``: the
        caller knows the file was not there, so it is not read, and it is written with
        :meth:`write_new`); whether it was written."""
        if present:
            old = read_regular(Path(self.folder, name), len(data))
            if old == data:
                return False
        elif self.quick_new:
            self.write_new(name, data)
            return True
        self.write(name, data)
        return True

    def write_new(self, name: str, data: bytes) -> None:
        """``folder/name``, a file the caller knows is not there (the first write into a folder
        that did not hold it), written as :meth:`write` does in two system calls fewer: the
        temporary file is made with the new file's mode (the umask's default) at once, so no
        file is looked up for a mode to copy and the mode is not set again. As atomic as
        :meth:`write`: a reader sees no file or the whole file, never a part; a failure leaves
        no file and no temporary one. Where the system allows, the file is written unnamed and
        linked in whole (:meth:`_write_unnamed`)."""
        if self.unnamed and self._write_unnamed(name, data):
            return
        self._write(name, data, self._new_mode, lambda _target, fd: self._new_file_mode(fd))

    def _write_unnamed(self, name: str, data: bytes) -> bool:
        """``data`` written into an unnamed file of the folder (``O_TMPFILE``), then given the name
        ``name`` (``linkat``): the file appears whole, as a rename makes it, but no temporary name
        is made in the folder and taken out again (less system time a file), and a failure or a
        kill leaves nothing behind (an unnamed file goes with its last descriptor). False, with
        nothing written, where this system or folder cannot (then this writer renames as before,
        for this file and every later one) or where ``name`` is there after all (a rename
        replaces it)."""
        _check_name(name)
        try:
            folder = self._folder()
            fd = os.open(".", _UNNAMED, self._new_mode, dir_fd=folder)
        except OSError:  # no O_TMPFILE on this file system or kernel
            self.unnamed = False
            return False
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            mode = self._new_file_mode(fd)
            if mode is not None:
                os.fchmod(fd, mode)
            os.link(f"{_PROC_FD}/{fd}", name, dst_dir_fd=folder, follow_symlinks=True)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _CANNOT_LINK:
                raise
            self.unnamed = False  # no /proc to link through
            return False
        finally:
            os.close(fd)
        return True

    def _folder(self) -> int:
        """The folder, opened once (closed with this writer)."""
        if self._folder_fd is None:
            self._folder_fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
            weakref.finalize(self, os.close, self._folder_fd)
        return self._folder_fd

    def _new_file_mode(self, fd: int) -> int | None:
        """None when the folder gives a new file the umask's mode (asked of the first file), else
        that mode, to set (a default ACL)."""
        if self._fix_mode is None:
            self._fix_mode = stat.S_IMODE(os.fstat(fd).st_mode) != self._new_mode
        return self._new_mode if self._fix_mode else None

    def _write(self, name: str, data: bytes, made: int, mode_of: Callable[[str, int], int | None]) -> None:
        """``data`` into a temporary file opened with mode ``made``, its mode set to what
        ``mode_of(target, fd)`` gives (None: left), then renamed to ``folder/name``."""
        _check_name(name)
        target = os.path.join(self.folder, name)  # noqa: PTH118 (str paths: thousands of files)
        tmp, fd = self._open(name, made)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                mode = mode_of(target, fd)
                if mode is not None:
                    os.fchmod(fd, mode)
            finally:
                os.close(fd)
            os.replace(tmp, target)  # noqa: PTH105
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # noqa: PTH108
            raise

    def _open(self, name: str, mode: int = 0o600) -> tuple[str, int]:
        flags = (
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        )
        while True:
            self._count += 1
            tmp = os.path.join(self.folder, f".{name}.{self._prefix}{self._count}.tmp")  # noqa: PTH118
            try:
                return tmp, os.open(tmp, flags, mode)
            except FileExistsError:  # left by a process of the same id and token: take the next
                continue

    def _mode(self, target: str) -> int | None:
        """The new file's mode (:func:`_mode_for`; None: left as made, 0o600, when that is already it)."""
        mode = _mode_for(target, self._new_mode)
        return None if mode == 0o600 else mode


def file_stamp(path: Path | None) -> str:
    """The SHA-256 of a file's bytes, for a key or stamp of what a page reads: "none" when there is
    no file, and why when it cannot be read."""
    try:
        return (
            hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.is_file() else "none"
        )
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
