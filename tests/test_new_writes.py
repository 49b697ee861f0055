"""A file known not to be in its folder written in two system calls fewer (``FolderWriter.write_new``,
``SMETS_NEW_WRITES``, issue 20): its temporary file made with the new file's mode at once, so no
target is looked up for a mode to copy and no mode set again; the same files, modes and site
either way."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from oscalls import count_os_calls, umask_mode
from smets_spec.corpus import files
from smets_spec.corpus.files import FolderWriter


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times the writer looked a target up (``os.lstat``) and set a mode (``os.fchmod``)."""
    return count_os_calls(monkeypatch, ("lstat", "fchmod"))


def test_a_new_file_gets_its_bytes_and_the_umask_mode_without_a_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: dict[str, int]
) -> None:
    monkeypatch.delenv(files.NEW_SWITCH, raising=False)
    writer = FolderWriter(tmp_path)
    assert writer.write_if_changed("a.html", "é".encode(), present=False)
    writer.write_new("b.html", b"")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html"]
    assert (tmp_path / "a.html").read_bytes() == "é".encode()
    assert (tmp_path / "b.html").read_bytes() == b""
    assert stat.S_IMODE((tmp_path / "a.html").stat().st_mode) == umask_mode()
    assert stat.S_IMODE((tmp_path / "b.html").stat().st_mode) == umask_mode()
    assert calls == {"lstat": 0, "fchmod": 0}


def test_switched_off_a_new_file_is_written_as_any_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: dict[str, int]
) -> None:
    monkeypatch.setenv(files.NEW_SWITCH, "off")
    writer = FolderWriter(tmp_path)
    assert writer.write_if_changed("a.html", b"x", present=False)
    assert (tmp_path / "a.html").read_bytes() == b"x"
    assert stat.S_IMODE((tmp_path / "a.html").stat().st_mode) == umask_mode()
    assert calls == {"lstat": 1, "fchmod": 1}  # the target looked up, the temporary file's 0o600 changed


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = FolderWriter(tmp_path)

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError):
        writer.write_new("a.html", b"new")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        writer.write_new("../escape.html", b"x")


def _req_files(site: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode)) for p in (site / "req").iterdir()}


# The sites with the switch on and off: tests/test_warm_full.py's
# test_the_requirement_pages_are_the_same_either_way (its "on" side is that file's cold build).
