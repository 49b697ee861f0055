"""Atomic writes: the old file survives any failure, symlinks are replaced and never followed."""

from __future__ import annotations

from pathlib import Path

import pytest

from smets_spec.corpus.files import atomic_path, write_atomic


def test_write_replaces_content_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.rst"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new ünicode\n")
    assert target.read_text(encoding="utf-8") == "new ünicode\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.rst"]


def test_a_failure_while_writing_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "a.rst"
    target.write_text("whole old text\n", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"), atomic_path(target) as tmp:
        tmp.write_text("half of the ne", encoding="utf-8")
        raise OSError(28, "disk full")
    assert target.read_text(encoding="utf-8") == "whole old text\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.rst"]


def test_a_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n", encoding="utf-8")
    folder = tmp_path / "repo"
    folder.mkdir()
    link = folder / "response.rst"
    link.symlink_to(outside)
    write_atomic(link, "response\n")
    assert outside.read_text(encoding="utf-8") == "secret\n"
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "response\n"


def test_regenerated_output_may_skip_the_fsync_but_is_still_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    target.write_text("old page", encoding="utf-8")
    with pytest.raises(OSError, match="killed"), atomic_path(target, durable=False) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise OSError("killed")
    assert target.read_text(encoding="utf-8") == "old page"
    write_atomic(target, "new page", durable=False)
    assert target.read_text(encoding="utf-8") == "new page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_a_new_file_gets_the_umask_default_and_no_temporary_is_left(tmp_path: Path) -> None:
    import os

    mask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.html", b"\x00bytes")
        with atomic_path(tmp_path / "other.xlsx", durable=False) as tmp:
            tmp.write_bytes(b"book")
    finally:
        os.umask(mask)
    assert (tmp_path / "new.html").read_bytes() == b"\x00bytes"
    assert (tmp_path / "new.html").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "other.xlsx").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.html", "other.xlsx"]


def test_a_failed_write_removes_its_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(LookupError):
        write_atomic(target, "new", encoding="no-such-codec")
    with pytest.raises(TypeError):
        write_atomic(target, 12)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]
