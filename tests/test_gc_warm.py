"""A full build with a warm cache runs the cyclic garbage collector more seldom after its read
(``SMETS_GC_WARM``, issue 20): the thresholds raised only then, and the same site. Its two full
collections before a freeze (after the read, after sphinx-needs' post-processing) are left out,
what they would find going at ``build-finished`` (``SMETS_GC_WARM_SKIP``)."""

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
from smets_spec.sphinx import envpickle, eventlog, forkwrite, halfread, jobs, readback, rendercache, warmfull


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setattr(jobs, "warm", lambda app, later=frozenset(): None)
    monkeypatch.setattr(jobs, "purge_first", lambda app, env, docs: None)
    monkeypatch.setattr(jobs, "trim", lambda: None)
    for switch in (jobs.GC_WARM, jobs.GC_EDIT, jobs.GC_WARM_SKIP):
        monkeypatch.delenv(switch, raising=False)
    monkeypatch.setattr(jobs, "_WARM_AT_START", [False])
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


def _warm_cache(tmp_path: Path) -> None:
    (tmp_path / "cache" / rendercache.FOLDER).mkdir(parents=True)
    (tmp_path / "cache" / rendercache.FOLDER / "00.json").write_text("{}", encoding="utf-8")


@pytest.mark.parametrize(
    ("warm_at_start", "count", "switch", "collected"),
    [
        (True, jobs.SERIAL_BELOW, "on", False),  # a warm full build: left for build-finished
        (True, jobs.SERIAL_BELOW, "off", True),  # SMETS_GC_WARM_SKIP=off
        (False, jobs.SERIAL_BELOW, "on", True),  # a cold build (cards kept by its own readers)
    ],
)
def test_the_collections_after_the_read_and_the_post_processing(
    app: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    warm_at_start: bool,
    count: int,
    switch: str,
    collected: bool,
) -> None:
    """A cycle left before the read's end, and one left before the post-processing's freeze: collected
    there (a cold build, or the switch off), or frozen with the rest and collected only once the
    build hands the frozen objects back (``build-finished``)."""
    monkeypatch.setenv(jobs.GC_WARM_SKIP, switch)
    monkeypatch.setattr(jobs, "_WARM_AT_START", [warm_at_start])
    _warm_cache(tmp_path)  # (by the end of a cold build's read, its readers kept cards too)
    before = gc.get_threshold()
    try:
        jobs._before_read(app, None, [f"d{k}" for k in range(count)])  # type: ignore[arg-type]
        left = _Cycle()
        gone_read = weakref.ref(left)
        del left
        jobs._after_read(app, None)  # type: ignore[arg-type]
        assert (gone_read() is None) == collected
        assert gc.get_threshold() == jobs.EDIT_THRESHOLDS
        left = _Cycle()
        gone_post = weakref.ref(left)
        del left
        jobs._after_post_processing(app, None)  # type: ignore[arg-type]
        assert (gone_post() is None) == collected
        jobs._unfreeze(app, None)
        gc.collect()
        assert gone_read() is None and gone_post() is None
    finally:
        jobs._unfreeze(app, None)
        gc.unfreeze()
        gc.set_threshold(*before)
        jobs._SAVED_THRESHOLDS.clear()


def test_the_start_decides_whether_the_cache_is_warm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``register`` (as the build starts) looks at the user cache: the cards a cold build's readers
    keep later do not make it a warm build."""
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(jobs, "_WARM_AT_START", [True])
    monkeypatch.setattr(jobs, "map_large_blocks", lambda keep=False: None)
    recorded = SimpleNamespace(connect=lambda *args, **kwargs: None)
    monkeypatch.setattr(warmfull, "register", lambda app: None)
    monkeypatch.setattr(eventlog, "install", lambda app: None)
    monkeypatch.setattr(readback, "register", lambda app: None)
    monkeypatch.setattr(halfread, "install", lambda below: None)
    monkeypatch.setattr(forkwrite, "register", lambda app, cut: None)
    jobs.register(recorded)  # type: ignore[arg-type]
    assert jobs._WARM_AT_START == [False]
    _warm_cache(tmp_path)
    jobs.register(recorded)  # type: ignore[arg-type]
    assert jobs._WARM_AT_START == [True]


def test_a_warm_full_build_gives_the_same_site_with_the_switch_on_and_off(
    first_built_60: FirstBuilt, tmp_path: Path
) -> None:
    """The 60-requirement project built (cache warm, conftest's ``first_built_60``), then built
    again into two empty folders with the switches on and off (``SMETS_GC_WARM``,
    ``SMETS_GC_WARM_SKIP``, ``SMETS_GC_MERGE_FREEZE``), each from its own
    copy of that cache: the thresholds set and restored once in the "on" build's process, never in
    the "off" one's; the "on" build's process two full collections fewer (after the read, after the
    post-processing); and the same site, file for file (needs.json and the search index with it)."""
    root, _ = first_built_60.again()
    cache = first_built_60.base / "work" / "cache-on"
    sites, sets, collects = {}, {}, {}
    for switch in ("on", "off"):
        copy = tmp_path / f"cache-{switch}"
        shutil.copytree(cache, copy, symlinks=True)
        sites[switch] = tmp_path / f"site-{switch}"
        settings = {
            "SMETS_CACHE_DIR": str(copy),
            jobs.GC_WARM: switch,
            jobs.GC_WARM_SKIP: switch,
            envpickle.MERGE_FREEZE: switch,
        }
        watched = [("gc", "set_threshold"), ("gc", "collect")]
        sets[switch], collects[switch] = counted_calls(root, sites[switch], watched, settings, "-j", "2")
    assert sets == {"on": 2, "off": 0}
    assert collects["off"] - collects["on"] == 2
    assert differences(sites["on"], sites["off"]) == []


@pytest.mark.parametrize(
    ("merging", "switch", "frozen"), [("this", "on", True), ("this", "off", False), ("another", "on", False)]
)
def test_a_warm_full_reads_merges_freeze_what_they_unpickle(
    monkeypatch: pytest.MonkeyPatch, merging: str, switch: str, frozen: bool
) -> None:
    """In the process that merges a warm full read's workers (``envpickle.FREEZE_LOADED``), a worker's
    unpickled result is frozen before the collector is on again (``SMETS_GC_MERGE_FREEZE=off``: not);
    elsewhere (a forked reader, say) it is not. The same object either way."""
    import os
    import pickle

    monkeypatch.setenv(envpickle.MERGE_FREEZE, switch)
    monkeypatch.setattr(envpickle, "FREEZE_LOADED", [os.getpid() if merging == "this" else os.getpid() + 1])
    value = {"docs": [f"d{k}" for k in range(500)], "parts": [[k, {"k": k}] for k in range(2000)]}
    data = pickle.dumps(value)
    gc.unfreeze()
    try:
        before = gc.get_freeze_count()
        loaded = envpickle._loads(data)
        assert loaded == value
        assert (gc.get_freeze_count() - before >= 4000) == frozen
    finally:
        gc.unfreeze()
