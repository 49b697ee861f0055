"""The saved parts' needs pickled as their slots' state (``envpickle.state_form``,
``SMETS_ENV_NEED_STATE``): the same needs as the flat form, and the same site and needs.json."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from sphinx_needs.data import NeedsInfoType
from sphinx_needs.need_item import NeedItem, NeedLink, NeedsContent

from clitools import EditedBuilt, build_argv, run_ok
from envcompare import differences
from sitecompare import differences as site_differences
from smets_spec.corpus.synthetic import edit_requirement, generate
from smets_spec.sphinx import envparts, envpickle
from test_envpickle import need_sets

#: what a part pickled in the state form names (and the flat form does not)
STATE_MARK = b"_new_need"


def _need(need_id: str) -> NeedItem:
    core = dict.fromkeys(NeedsInfoType.__annotations__) | {"id": need_id, "sections": ()}
    content = NeedsContent(doctype=".rst", content="x")
    return NeedItem(source=None, content=content, core=core, extras={}, links={"uses": []})  # type: ignore[arg-type]


def _pickled(obj: Any, state: bool) -> bytes:
    assert envpickle.install()
    if not state:
        return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    with envpickle.state_form():
        return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


@settings(max_examples=150, deadline=None)
@given(need_sets())
def test_random_needs_unpickle_as_the_flat_form_does(found: dict[str, NeedItem]) -> None:
    state_bytes = _pickled(found, state=True)
    assert STATE_MARK in state_bytes
    state, flat = pickle.loads(state_bytes), pickle.loads(_pickled(found, state=False))
    assert differences(found, state) == []
    assert differences(flat, state) == []
    assert state == found


def test_equal_links_are_stored_once_and_a_link_list_may_hold_anything() -> None:
    def need(need_id: str, *targets: Any) -> NeedItem:
        item = _need(need_id)
        item._links = {"uses": list(targets), "refines": []}
        item._backlinks = {"uses": [], "refines": [NeedLink(id="R_9")]}
        return item

    found = {"R_1": need("R_1", NeedLink(id="R_2")), "R_3": need("R_3", NeedLink(id="R_2"), "R_4")}
    state = pickle.loads(_pickled(found, state=True))
    assert differences(found, state) == []
    # one object, as the flat form shares them
    assert state["R_1"]._links["uses"][0] is state["R_3"]._links["uses"][0]
    assert state["R_3"]._links["uses"][1] == "R_4"  # not a NeedLink: kept as it is
    assert state["R_1"]._backlinks["refines"][0] is state["R_3"]._backlinks["refines"][0]
    assert state["R_1"]._links["refines"] is not state["R_3"]._links["refines"]  # lists never shared
    # the form is only for the block: copies and readers' pickles are the flat form again
    assert STATE_MARK not in pickle.dumps(found, pickle.HIGHEST_PROTOCOL)


def test_switched_off_the_parts_are_the_flat_form(monkeypatch: Any) -> None:
    monkeypatch.setenv(envpickle.STATE, "off")
    found = {"R_1": _need("R_1")}
    assert STATE_MARK not in _pickled(found, state=True)


def _build(root: Path, out: Path, cache: Path, switch: str, *more: str) -> None:
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), SMETS_ENV_NEED_STATE=switch)
    run_ok(build_argv(root, out, "-j", "2", *more), env=env)


def _parts(site: Path) -> list[bytes]:
    folder = site / ".doctrees" / envparts.FOLDER
    return [path.read_bytes() for path in sorted(folder.glob("*.pickle"))]


def test_edits_build_the_same_site_and_environment_both_ways(tmp_path: Path, edited_60: EditedBuilt) -> None:
    """A generated spec built fresh with the state form on and off, then two edits built into both:
    the state form is in the "on" site's parts only; after each edit the two saved environments
    hold the same needs, and the two sites (needs.json, pages, search index)
    are the same. The "on" side's first build and first edit's build are conftest's shared ones
    (:class:`clitools.EditedBuilt`: every switch on, two processes); the "off" side builds its
    own copy of the project (generated alike) with its own cache."""
    _, _, root, built = edited_60.again()  # the project edited (tag "edited"), its build in "on"
    sites = {"on": built["on"], "off": tmp_path / "site-off"}
    caches = {"on": edited_60.first.base / "work" / "cache-on", "off": tmp_path / "cache-off"}
    roots = {"on": root, "off": generate(tmp_path / "off" / "project", 60)}
    _build(roots["off"], sites["off"], caches["off"], "off", "--fresh")
    first_on = built["off"]  # (the first build, every switch on, as it was before the edit)
    on_parts, off_parts = _parts(first_on), _parts(sites["off"])
    assert any(STATE_MARK in part for part in on_parts)
    assert not any(STATE_MARK in part for part in off_parts)
    assert site_differences(first_on, sites["off"]) == []
    for tag in ("edited", "second"):
        for switch in ("on", "off") if tag == "second" else ("off",):  # ("edited" is built "on")
            edit_requirement(roots[switch], tag)
            _build(roots[switch], sites[switch], caches[switch], switch)
        loaded = {
            switch: envparts.load(site / ".doctrees" / "environment.pickle") for switch, site in sites.items()
        }
        # the same needs by id: after an edit read with -j 2 their order follows the order the
        # readers' results were merged in, which differs from build to build with either form
        needs = dict(sorted(loaded["on"]._needs_all_needs.items()))
        assert len(needs) == len(loaded["off"]._needs_all_needs)
        assert differences(needs, dict(sorted(loaded["off"]._needs_all_needs.items()))) == []
        assert any(f" {tag}" in need["title"] for need in needs.values())
        assert site_differences(sites["on"], sites["off"]) == []
        on_json = (sites["on"] / "needs.json").read_bytes()
        assert f" {tag}".encode() in on_json
        assert on_json == (sites["off"] / "needs.json").read_bytes()
