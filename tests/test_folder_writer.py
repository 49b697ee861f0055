"""corpus.files.FolderWriter: many files written atomically into one folder, as write_atomic does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smets_spec.corpus.files import FolderWriter


def test_writes_keep_the_mode_replace_a_symlink_and_leave_no_temporary(tmp_path: Path) -> None:
    (tmp_path / "kept.html").write_text("old", encoding="utf-8")
    (tmp_path / "kept.html").chmod(0o640)
    (tmp_path / "elsewhere.txt").write_text("not mine", encoding="utf-8")
    (tmp_path / "link.html").symlink_to(tmp_path / "elsewhere.txt")
    writer = FolderWriter(tmp_path)
    writer.write("kept.html", b"new")
    writer.write("new.html", "é".encode())
    writer.write("link.html", b"page")
    assert (tmp_path / "kept.html").read_bytes() == b"new"
    assert (tmp_path / "kept.html").stat().st_mode & 0o777 == 0o640
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "new.html").stat().st_mode & 0o777 == 0o666 & ~mask
    assert not (tmp_path / "link.html").is_symlink() and (tmp_path / "link.html").read_bytes() == b"page"
    assert (tmp_path / "elsewhere.txt").read_text(encoding="utf-8") == "not mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "elsewhere.txt",
        "kept.html",
        "link.html",
        "new.html",
    ]


def test_write_if_changed_reads_only_what_may_be_there(tmp_path: Path) -> None:
    writer = FolderWriter(tmp_path)
    assert writer.write_if_changed("a.html", b"x", present=False)
    before = (tmp_path / "a.html").stat().st_ino
    assert not writer.write_if_changed("a.html", b"x")  # same bytes: not touched
    assert (tmp_path / "a.html").stat().st_ino == before
    assert writer.write_if_changed("a.html", b"y") and (tmp_path / "a.html").read_bytes() == b"y"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.html").write_bytes(b"old")
    writer = FolderWriter(tmp_path)

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError):
        writer.write("a.html", b"new")
    monkeypatch.undo()
    assert (tmp_path / "a.html").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]
    with pytest.raises(ValueError):
        writer.write("../escape.html", b"x")
