"""A full build with a warm cache runs the cyclic garbage collector more seldom after its read
(``SMETS_GC_WARM``, issue 20): the thresholds raised only then, every explicit collection kept,
and the same site."""

from __future__ import annotations

import gc
import shutil
import weakref
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from clitools import FirstBuilt, counted_calls
from sitecompare import differences
from smets_spec.sphinx import jobs, rendercache


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setattr(jobs, "warm", lambda app, later=frozenset(): None)
    monkeypatch.setattr(jobs, "purge_first", lambda app, env, docs: None)
    monkeypatch.setattr(jobs, "trim", lambda: None)
    for switch in (jobs.GC_WARM, jobs.GC_EDIT):
        monkeypatch.delenv(switch, raising=False)
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    return SimpleNamespace(parallel=1)


def _read(app: Any, count: int) -> None:
    jobs._before_read(app, None, [f"d{k}" for k in range(count)])  # type: ignore[arg-type]
    jobs._after_read(app, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cards", "count", "switch", "quiet"),
    [
        (True, jobs.SERIAL_BELOW, "on", True),
        (True, jobs.SERIAL_BELOW + 100, "on", True),
        (True, jobs.SERIAL_BELOW, "off", False),  # SMETS_GC_WARM=off
        (False, jobs.SERIAL_BELOW, "on", False),  # a cold build: no card kept
        (True, jobs.SERIAL_BELOW - 1, "on", False),  # an edit's read: quieten() (not after the read)
    ],
)
def test_raised_after_a_warm_full_read_and_restored_at_the_finish(
    app: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cards: bool,
    count: int,
    switch: str,
    quiet: bool,
) -> None:
    monkeypatch.setenv(jobs.GC_WARM, switch)
    if cards:
        (tmp_path / "cache" / rendercache.FOLDER).mkdir(parents=True)
        (tmp_path / "cache" / rendercache.FOLDER / "00.json").write_text("{}", encoding="utf-8")
    before = gc.get_threshold()
    try:
        _read(app, count)
        edit = 0 < count < jobs.SERIAL_BELOW
        assert gc.get_threshold() == (jobs.EDIT_THRESHOLDS if quiet or edit else before)
        assert jobs._WARM_QUIET[0] == quiet
        jobs._unfreeze(app, None)
        assert gc.get_threshold() == before and not jobs._WARM_QUIET[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        jobs._SAVED_THRESHOLDS.clear()
        jobs._WARM_QUIET[0] = False


def test_the_collection_after_the_post_processing_stays(app: Any, tmp_path: Path) -> None:
    """Unlike an edit's build, the warm full build still collects what sphinx-needs' post-processing
    left in reference cycles before freezing what lives on (``write-started``)."""
    (tmp_path / "cache" / rendercache.FOLDER).mkdir(parents=True)
    (tmp_path / "cache" / rendercache.FOLDER / "00.json").write_text("{}", encoding="utf-8")
    before = gc.get_threshold()
    try:
        _read(app, jobs.SERIAL_BELOW)
        assert gc.get_threshold() == jobs.EDIT_THRESHOLDS
        left = _Cycle()
        gone = weakref.ref(left)
        del left
        jobs._after_post_processing(app, None)  # type: ignore[arg-type]
        assert gone() is None
    finally:
        jobs._unfreeze(app, None)
        gc.unfreeze()
        gc.set_threshold(*before)
        jobs._SAVED_THRESHOLDS.clear()


def test_a_warm_full_build_gives_the_same_site_with_the_switch_on_and_off(
    first_built_60: FirstBuilt, tmp_path: Path
) -> None:
    """The 60-requirement project built (cache warm, conftest's ``first_built_60``), then built
    again into two empty folders with the switch on and off, each from its own copy of that cache:
    the thresholds set and restored once in the "on" build's process, never in the "off" one's,
    and the same site, file for file."""
    root, _ = first_built_60.again()
    cache = first_built_60.base / "work" / "cache-on"
    sites, sets = {}, {}
    for switch in ("on", "off"):
        copy = tmp_path / f"cache-{switch}"
        shutil.copytree(cache, copy, symlinks=True)
        sites[switch] = tmp_path / f"site-{switch}"
        settings = {"SMETS_CACHE_DIR": str(copy), jobs.GC_WARM: switch}
        (sets[switch],) = counted_calls(root, sites[switch], [("gc", "set_threshold")], settings, "-j", "2")
    assert sets == {"on": 2, "off": 0}
    assert differences(sites["on"], sites["off"]) == []
