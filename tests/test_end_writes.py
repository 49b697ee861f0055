"""The cold build's last writes made cheaper, the same site (issue 20, session 22):

* a new file written unnamed and linked in whole (``FolderWriter._write_unnamed``,
  ``SMETS_UNNAMED_WRITES``): no temporary name made in the folder and taken out again; as atomic
  (a reader sees no file or the whole file), nothing left by a failure;
* Sphinx's asset checksums (``?v=`` of each stylesheet and script link) without resolving the
  asset's path again for every link of every page (:mod:`smets_spec.sphinx.quickassets`,
  ``SMETS_QUICK_ASSETS``).

A cold build of a generated project with both on (as by default: conftest's
``first_built_60_serial``) against one with both off: every page, needs.json and the search index
the same.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from clitools import FIRST_WATCHED, FirstBuilt, counted_calls
from oscalls import count_os_calls, umask_mode
from sitecompare import differences
from smets_spec.corpus import files
from smets_spec.corpus.files import FolderWriter
from smets_spec.sphinx import quickassets


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many renames (``os.replace``) and links (``os.link``) the writer made."""
    return count_os_calls(monkeypatch, ("replace", "link"))


def test_a_new_file_is_linked_in_whole_with_no_temporary_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: dict[str, int]
) -> None:
    monkeypatch.delenv(files.UNNAMED_SWITCH, raising=False)
    writer = FolderWriter(tmp_path)
    writer.write_new("a.html", "é".encode() * 40000)
    writer.write_new("b.html", b"")
    assert writer.unnamed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html"]
    assert (tmp_path / "a.html").read_bytes() == "é".encode() * 40000
    assert (tmp_path / "b.html").read_bytes() == b""
    assert stat.S_IMODE((tmp_path / "a.html").stat().st_mode) == umask_mode()
    assert calls == {"replace": 0, "link": 2}


def test_a_file_there_after_all_is_replaced_by_a_rename(tmp_path: Path, calls: dict[str, int]) -> None:
    (tmp_path / "a.html").write_bytes(b"old")
    writer = FolderWriter(tmp_path)
    writer.write_new("a.html", b"new")
    assert (tmp_path / "a.html").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]
    assert calls == {"replace": 1, "link": 1}  # the link refused (the name taken), then renamed over
    assert writer.unnamed  # the next new file is linked again


def test_switched_off_or_refused_a_new_file_is_renamed_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: dict[str, int]
) -> None:
    monkeypatch.setenv(files.UNNAMED_SWITCH, "off")
    FolderWriter(tmp_path).write_new("a.html", b"x")
    assert calls == {"replace": 1, "link": 0}
    monkeypatch.delenv(files.UNNAMED_SWITCH)
    opened = os.open

    def no_tmpfile(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(95, "Operation not supported")
        return opened(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_tmpfile)
    writer = FolderWriter(tmp_path)
    writer.write_new("b.html", b"y")
    writer.write_new("c.html", b"z")
    assert not writer.unnamed
    written = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert written == {"a.html": b"x", "b.html": b"y", "c.html": b"z"}
    assert calls == {"replace": 3, "link": 0}


def test_a_failed_unnamed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = FolderWriter(tmp_path)

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError, match="No space"):
        writer.write_new("a.html", b"new")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
    assert writer.unnamed
    with pytest.raises(ValueError, match="not a file name"):
        writer.write_new("../escape.html", b"x")


def test_the_installed_sphinx_is_the_code_known() -> None:
    assert quickassets.same_code(), "Sphinx's _file_checksum or handle_page changed: check quickassets.KNOWN"


def test_an_asset_checksum_is_asked_once_and_a_refused_name_each_time(tmp_path: Path) -> None:
    asked: list[str] = []

    def checksum(outdir: Any, filename: Any) -> str:
        asked.append(os.fspath(filename))
        if "?" in os.fspath(filename):
            raise ValueError("query string")
        return f"sum-{filename}"

    remembered = quickassets._remembered(checksum)
    quickassets._MEMO.clear()
    got = [remembered(tmp_path, name) for name in ("a.css", "b.js", "a.css", Path("a.css"), "b.js")]
    assert got == ["sum-a.css", "sum-b.js", "sum-a.css", "sum-a.css", "sum-b.js"]
    for _ in range(2):
        with pytest.raises(ValueError, match="query"):
            remembered(tmp_path, "c.js?v=1")
    assert asked == ["a.css", "b.js", "c.js?v=1", "c.js?v=1"]
    quickassets._MEMO.clear()


#: what the two switches' paths call: a file linked in, Sphinx's checksum of an asset's link (the
#: last two of :data:`clitools.FIRST_WATCHED`: the "on" side's counts)
_WATCHED = FIRST_WATCHED[-2:]


def test_a_cold_build_is_the_same_site_either_way(tmp_path: Path, first_built_60_serial: FirstBuilt) -> None:
    """The "on" side is conftest's ``first_built_60_serial`` (the same generated project built cold
    with one process, every switch on, these calls counted); the "off" side builds that project
    into a folder of its own."""
    assert _WATCHED == [
        ("smets_spec.corpus.files", "FolderWriter._write_unnamed"),
        ("sphinx.builders.html", "_file_checksum"),
    ]
    root, counts = first_built_60_serial.again()
    site_on = first_built_60_serial.sites["on"]
    settings = {
        "SMETS_CACHE_DIR": str(tmp_path / "cache-off"),
        files.UNNAMED_SWITCH: "off",
        quickassets.SWITCH: "off",
    }
    made = {
        "on": [counts[watched] for watched in _WATCHED],
        "off": counted_calls(root, tmp_path / "site-off", _WATCHED, settings, "-j", "1"),
    }
    pages = [p for p in (site_on / "req").iterdir() if p.name != "index.html"]
    assert len([p for p in pages if p.suffix == ".html"]) >= 120  # each requirement's page and its redirect
    linked, on_checksums = made["on"]
    assert linked >= 120
    unlinked, off_checksums = made["off"]
    assert unlinked == 0
    pages_written = len(list(site_on.rglob("*.html")))
    # each asset once, against each link of each page
    assert 0 < on_checksums < 40 < pages_written < off_checksums
    assert not list(site_on.rglob("*.tmp"))
    assert differences(site_on, tmp_path / "site-off") == []
    for name in ("needs.json", "searchindex.js"):
        assert (site_on / name).is_file()
