"""The catalogue helpers' answers kept in the user's cache: reused, invalidated, never trusted blindly."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smets_spec.corpus import usercache
from smets_spec.protocols import answers, catalogue

CHECK = [("1-0:1.8.0.255", 3)]
DESCRIBE = ["1-0:3.8.0.255"]


@pytest.fixture
def asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A fresh cache folder; the list of helpers actually started."""
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    started: list[str] = []
    real = catalogue._run

    def counting(module: str, request: dict[str, Any] | None) -> dict[str, Any]:
        started.append(module)
        return real(module, request)

    monkeypatch.setattr(catalogue, "_run", counting)
    catalogue._query_dlms.cache_clear()
    catalogue._load_zigbee.cache_clear()
    yield started
    catalogue._query_dlms.cache_clear()
    catalogue._load_zigbee.cache_clear()


def _dlms() -> catalogue.DlmsCatalogue:
    catalogue._query_dlms.cache_clear()
    got = catalogue.query_dlms(CHECK, DESCRIBE)
    assert got is not None
    return got


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / answers.KIND).glob("*.json"))


def test_an_answer_is_asked_once_then_read_from_the_cache(tmp_path: Path, asked: list[str]) -> None:
    first = _dlms()
    assert asked == [catalogue.DLMS_HELPER]
    assert len(_entries(tmp_path)) == 1
    second = _dlms()
    assert asked == [catalogue.DLMS_HELPER]  # no helper started the second time
    assert second.answers == first.answers and second.table_rows == first.table_rows
    assert second.classes == first.classes and second.version == first.version
    assert second.answers[("1-0:1.8.0.255", 3)].with_class  # a real answer, not an empty one


def test_zigbee_tables_are_cached_too(asked: list[str]) -> None:
    first = catalogue.load_zigbee()
    catalogue._load_zigbee.cache_clear()
    second = catalogue.load_zigbee()
    assert asked == [catalogue.ZIGBEE_HELPER]
    assert first is not None and second is not None
    assert second.clusters == first.clusters and len(second.clusters) > 50


@pytest.mark.parametrize(
    "planted",
    [
        b"not json at all",
        b"",
        pickle.dumps({"version": "1"}),
        b'{"key": "other", "value": {}}',
        b"[" * 100_000,
    ],
    ids=["text", "empty", "pickle", "another-key", "deep"],
)
def test_an_unreadable_entry_is_ignored_and_replaced(
    tmp_path: Path, asked: list[str], planted: bytes
) -> None:
    live = _dlms()
    (entry,) = _entries(tmp_path)
    entry.write_bytes(planted)
    again = _dlms()
    assert asked == [catalogue.DLMS_HELPER] * 2
    assert again.answers == live.answers
    assert json.loads(entry.read_text())["value"]["version"] == live.version  # rewritten whole


def test_an_entry_of_the_wrong_shape_is_ignored(tmp_path: Path, asked: list[str]) -> None:
    live = _dlms()
    (entry,) = _entries(tmp_path)
    data = json.loads(entry.read_text())
    data["value"]["table_rows"][0]["pattern"] = ["not", "a", "string"]
    entry.write_text(json.dumps(data))
    assert _dlms().table_rows == live.table_rows
    data["value"]["check"] = []  # answers for another request
    entry.write_text(json.dumps(data))
    assert _dlms().answers == live.answers
    assert asked == [catalogue.DLMS_HELPER] * 3


def test_a_changed_question_or_library_version_asks_again(
    tmp_path: Path, asked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _dlms()
    catalogue.query_dlms([("1-0:2.8.0.255", 3)], DESCRIBE)
    assert asked == [catalogue.DLMS_HELPER] * 2 and len(_entries(tmp_path)) == 2
    real = catalogue.installed
    monkeypatch.setattr(catalogue, "installed", lambda dist: "0.0.1" if dist == "gurux-dlms" else real(dist))
    _dlms()
    assert asked == [catalogue.DLMS_HELPER] * 3 and len(_entries(tmp_path)) == 3


def test_keys_and_kinds_cannot_name_a_path_outside_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        usercache.read_entry("catalogue", "../../etc/passwd", tmp_path)
    with pytest.raises(ValueError):
        usercache.write_entry("../x", "ab" * 16, {}, tmp_path)
    assert usercache.read_entry("catalogue", "ab" * 16, tmp_path) is None
    usercache.write_entry("catalogue", "ab" * 16, {"a": [1]}, tmp_path)
    assert usercache.read_entry("catalogue", "ab" * 16, tmp_path) == {"a": [1]}


def test_digest_parts_do_not_run_together() -> None:
    assert usercache.digest(["ab", "c"]) != usercache.digest(["a", "bc"])
