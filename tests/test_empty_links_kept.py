"""Empty link lists kept through sphinx-needs' post-processing (``SMETS_EMPTY_LINKS_KEPT``:
``backlinks.build_backlinks`` and ``needs_sort.sort_links``): the same back links, needs.json and
site as with every list made anew."""

from __future__ import annotations

import copy
import operator
import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from clitools import EditedBuilt, build_argv, run_ok
from sitecompare import differences as site_differences
from smets_spec.sphinx import backlinks, needs_sort
from test_backlinks import _original, _state


@pytest.fixture(scope="module")
def environment(built_site: Path) -> Any:
    # the environment this test session's own build pickled (not outside input)
    with (built_site / ".doctrees" / "environment.pickle").open("rb") as handle:
        return pickle.load(handle)


def _lists_of(needs: dict[str, Any]) -> dict[str, list[Any]]:
    """Each need's back-link lists (the objects: kept alive, so that no id is reused)."""
    return {key: list(need._backlinks.values()) for key, need in needs.items()}


def _shared(one: list[Any], other: list[Any]) -> bool:
    return bool({id(v) for v in one} & {id(v) for v in other})


@pytest.mark.parametrize("switch", ["on", "off"])
def test_back_links_are_the_same_and_empty_lists_kept_only_when_on(
    environment: Any, switch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(needs_sort.EMPTY_KEPT, switch)
    original = _original()
    needs, schema = environment._needs_all_needs, environment._needs_schema
    ours, theirs = copy.deepcopy(needs), copy.deepcopy(needs)
    before = _lists_of(ours)
    backlinks.build_backlinks(ours, schema)
    original(theirs, schema)
    assert _state(ours) == _state(theirs)
    after = _lists_of(ours)
    kept = [key for key in ours if _shared(before[key], after[key])]
    if switch == "off":
        assert kept == []  # every list a new one, as sphinx-needs' reset makes them
        return
    # the saved environment holds no back link: every need without parts kept its lists (those
    # filled since are the same objects, filled in place)
    assert all(not any(need._backlinks.values()) for need in needs.values())
    assert kept == [key for key, need in ours.items() if not need._parts] and len(kept) > 100
    assert all(map(operator.is_, before[key], after[key]) for key in kept)
    # a second pass over filled lists resets them, as sphinx-needs' does
    backlinks.build_backlinks(ours, schema)
    original(theirs, schema)
    assert _state(ours) == _state(theirs)
    again = _lists_of(ours)
    filled = [key for key, need in ours.items() if any(need._backlinks.values())]
    assert len(filled) > 100 and not any(_shared(after[key], again[key]) for key in filled)


def test_an_edit_builds_the_same_site_both_ways(edited_60: EditedBuilt) -> None:
    """From conftest's ``edited_60`` (the first build and the edit's build, with two processes and
    every switch on, shared with other tests): the edit built here with the switch off."""
    _, _, root, sites = edited_60.again()
    env = dict(os.environ, SMETS_CACHE_DIR=str(root.parent / "cache-off"), SMETS_EMPTY_LINKS_KEPT="off")
    run_ok(build_argv(root, sites["off"], "-j", "2"), env=env)
    assert site_differences(sites["on"], sites["off"]) == []
    needs_json = (sites["on"] / "needs.json").read_bytes()
    assert b" edited" in needs_json and needs_json == (sites["off"] / "needs.json").read_bytes()
