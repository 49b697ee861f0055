"""The output folder's lock names the build that holds it, also when that build has taken the
lock but not yet written its process id (a waiting build found "another process" under load)."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from smets_spec.corpus import locking


def _hold(folder: Path) -> int:
    """Take the folder's lock as another build would, before writing its process id."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / locking.LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    return fd


def _wait_for(folder: Path, holder: int) -> list[str]:
    said: list[str] = []
    release = threading.Timer(locking.HOLDER_WAIT + 0.5, os.close, (holder,))
    release.start()
    with locking.folder_lock(folder, said.append):
        pass
    release.join()
    return said


def test_the_process_id_written_just_after_the_lock_is_named(tmp_path: Path) -> None:
    holder = _hold(tmp_path / "out")
    threading.Timer(0.2, os.pwrite, (holder, b"4242\n", 0)).start()
    said = _wait_for(tmp_path / "out", holder)
    waiting = "waiting for that build to finish"
    assert said == [f"{tmp_path / 'out'} is being written by process 4242; {waiting}"]


def test_a_holder_that_never_writes_its_id_is_another_process(tmp_path: Path) -> None:
    holder = _hold(tmp_path / "out")
    said = _wait_for(tmp_path / "out", holder)
    waiting = "waiting for that build to finish"
    assert said == [f"{tmp_path / 'out'} is being written by another process; {waiting}"]
    assert (tmp_path / "out" / locking.LOCK_NAME).read_text(encoding="ascii") == f"{os.getpid()}\n"
