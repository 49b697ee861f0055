"""A lock on an output folder, so that two builds never write one folder at once.

The lock is an advisory ``flock`` on ``<folder>/.smets-build.lock`` (released by the kernel when
the process ends, however it ends). A second build into the same folder says who holds it and
waits for it; the file holds the holder's process id for that message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_NAME = ".smets-build.lock"


#: how long a waiting build looks for the holder's process id (the holder writes it just after
#: taking the lock: a build that finds the lock held in between would otherwise name no process)
HOLDER_WAIT = 1.0


def _holder(fd: int) -> str:
    deadline = time.monotonic() + HOLDER_WAIT
    while True:
        with contextlib.suppress(OSError, ValueError):
            text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
            if text.isdigit():
                return f"process {text}"
        if time.monotonic() >= deadline:
            return "another process"
        time.sleep(0.02)


@contextlib.contextmanager
def folder_lock(folder: Path, notify: Callable[[str], object]) -> Iterator[None]:
    """Hold the lock of ``folder`` (created if needed) for the block; wait, after ``notify``, if held.

    OSError when the folder cannot be made or written (the caller reports it).
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            notify(f"{folder} is being written by {_holder(fd)}; waiting for that build to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
