"""The build of an edit runs the cyclic garbage collector more seldom (``SMETS_GC_EDIT``, issue 20):
the same site, and the collector's thresholds raised only while a build reads a few documents."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from clitools import EditedBuilt, build_argv, run_ok
from sitecompare import differences
from smets_spec.sphinx import jobs


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(jobs, "warm", lambda app, later=frozenset(): None)
    monkeypatch.setattr(jobs, "purge_first", lambda app, env, docs: None)
    monkeypatch.delenv(jobs.GC_EDIT, raising=False)
    return SimpleNamespace(parallel=1)


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.mark.parametrize("switch", ["on", "off"])
def test_an_edit_freezes_the_cycles_left_before_reading_and_they_go_at_the_end(
    app: Any, switch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import weakref

    monkeypatch.setenv(jobs.GC_EDIT, switch)
    before = gc.get_threshold()
    left = _Cycle()
    gone = weakref.ref(left)
    del left
    try:
        jobs._before_read(app, None, ["d0"])  # type: ignore[arg-type]
        assert (gone() is None) == (switch == "off")  # on: frozen with the rest, not collected first
        jobs._unfreeze(app, None)
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        jobs._SAVED_THRESHOLDS.clear()


@pytest.mark.parametrize("count", [0, 1, jobs.SERIAL_BELOW - 1, jobs.SERIAL_BELOW])
def test_thresholds_raised_only_in_the_read_of_a_few_documents_and_restored_after(
    app: Any, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = gc.get_threshold()
    try:
        jobs._before_read(app, None, [f"d{k}" for k in range(count)])  # type: ignore[arg-type]
        quiet = 0 < count < jobs.SERIAL_BELOW
        assert gc.get_threshold() == (jobs.EDIT_THRESHOLDS if quiet else before)
        jobs._before_read(app, None, ["again"])  # type: ignore[arg-type]
        jobs._after_read(app, None)  # type: ignore[arg-type]
        jobs._unfreeze(app, None)
        assert gc.get_threshold() == before  # build-finished: as they were
        monkeypatch.setenv(jobs.GC_EDIT, "off")
        jobs._before_read(app, None, ["d0"])  # type: ignore[arg-type]
        assert gc.get_threshold() == before  # switched off: untouched
        jobs._unfreeze(app, None)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        jobs._SAVED_THRESHOLDS.clear()


def _build(root: Path, out: Path, switch: str) -> int:
    env = dict(os.environ, SMETS_CACHE_DIR=str(root.parent / f"cache-{switch}"), SMETS_GC_EDIT=switch)
    run_ok(build_argv(root, out, "-j", "1"), env=env)
    return 0


def test_an_edit_builds_the_same_site_with_the_switch_on_and_off(edited_60_serial: EditedBuilt) -> None:
    """One built site and its copy (conftest's ``edited_60_serial``: a full build reads more than
    ``SERIAL_BELOW`` documents, which the switch leaves alone, as the test above shows), a
    requirement's title and text edited as bench/build_phases.py --edit does, built each way (on:
    the build shared with other tests)."""
    _, _, root, sites = edited_60_serial.again()
    _build(root, sites["off"], "off")  # incremental: one document read
    assert differences(sites["on"], sites["off"]) == []


@pytest.mark.parametrize("count", [0, 1, jobs.SERIAL_BELOW - 1, jobs.SERIAL_BELOW])
@pytest.mark.parametrize("switch", ["on", "off"])
def test_a_few_changed_sources_quieten_before_the_pages_are_compared(
    app: Any, count: int, switch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SMETS_GC_EARLY``: raised at env-get-outdated for a few changed sources; a read that is not
    of a few documents has the usual thresholds back before it starts."""
    monkeypatch.setenv(jobs.GC_EARLY, switch)
    before = gc.get_threshold()
    try:
        jobs._quieten_early(app, None, {f"d{k}" for k in range(count)}, set(), set())  # type: ignore[arg-type]
        early = 0 < count < jobs.SERIAL_BELOW and switch == "on"
        assert gc.get_threshold() == (jobs.EDIT_THRESHOLDS if early else before)
        jobs._before_read(app, None, [f"r{k}" for k in range(jobs.SERIAL_BELOW)])  # type: ignore[arg-type]
        assert gc.get_threshold() == before  # a large read after all: as they were
        jobs._unfreeze(app, None)
        jobs._quieten_early(app, None, {"d0"}, set(), set())  # type: ignore[arg-type]
        jobs._before_read(app, None, ["d0"])  # type: ignore[arg-type]
        assert gc.get_threshold() == jobs.EDIT_THRESHOLDS
        jobs._unfreeze(app, None)
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        jobs._SAVED_THRESHOLDS.clear()
