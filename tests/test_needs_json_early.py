"""needs.json written by a forked copy started as the HTML builder's finish begins
(sphinx/needs_early.py, ``SMETS_NEEDS_JSON_EARLY``): the same needs.json, site and search index as
written at ``build-finished`` (by the build itself, or for an edit by a copy started then), in a
build from nothing and in the build of an edit.

The same builds check the navigation trees remade from the root folder's (sphinx/navtree.py
``_rebased``, ``SMETS_NAV_REBASE``, on and off with this switch: the two are independent, the
one touches the pages' navigation, the other how needs.json is written): each folder's tree as
used is the one Sphinx and furo draw for it (logged by the driver), and the site is the same as
with every tree drawn (tests/test_nav_rebase.py made that comparison with two builds of its own).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from clitools import SHARED_LOGGED, EditedBuilt, counted_calls
from sitecompare import differences


def _build(root: Path, site: Path, cache: Path, switch: str) -> tuple[list[str], dict[str, Any]]:
    """`smets build` of ``root`` into ``site`` with both switches ``switch``, run by the shared
    builds' driver (:data:`clitools.SHARED_LOGGED`, its logs beside ``site``): what it logged."""
    logs = site.parent / f"{site.name}-logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    settings = {
        "SMETS_CACHE_DIR": str(cache),
        "SMETS_NEEDS_JSON_EARLY": switch,
        "SMETS_NAV_REBASE": switch,
        "SHARED_LOGS": str(logs),
    }
    counted_calls(root, site, [], settings, "-j", "2", logged=SHARED_LOGGED)
    return _shared(logs)


def _shared(logs: Path) -> tuple[list[str], dict[str, Any]]:
    """:func:`_build`'s log and outcome of a shared build (every switch on), from what it logged
    in ``logs`` (the same driver's logs: :data:`clitools.SHARED_LOGGED`)."""
    outcome: dict[str, Any] = json.loads((logs / "outcome.json").read_text(encoding="utf-8"))
    return (logs / "early.log").read_text(encoding="utf-8").split(), outcome


def _same(one: Path, other: Path) -> None:
    assert differences(one, other) == []
    for name in ("needs.json", "searchindex.js"):
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


def test_needs_json_started_as_the_finish_begins_is_the_same(tmp_path: Path, edited_60: EditedBuilt) -> None:
    """The "on" side is conftest's ``first_built_60`` (the same generated project, cold, ``-j 2``,
    every switch on) and ``edited_60`` (its edit, tag "edited"); the "off" side builds that project
    into a folder of its own, with a copy of the cache the "on" side's first build filled."""
    first = edited_60.first
    root, _ = first.again()
    on, off, cache = first.sites["on"], tmp_path / "site-off", tmp_path / "cache-off"
    shutil.copytree(first.base / "work" / "cache-on", cache, symlinks=True)  # (the same either way)
    log_on, outcome_on = _shared(first.logs)
    logged = (
        (first.logs / "nav.log").read_text(encoding="utf-8").split()
    )  # the trees of the build from nothing
    folders = {entry.split(":", 1)[1] for entry in logged}
    assert len(folders) >= 10 and {"sections", "guide", "req"} <= folders
    assert [entry for entry in logged if not entry.startswith("same:")] == []
    log_off, outcome_off = _build(root, off, cache, "off")
    assert log_on == ["copy", "build-finished"]  # from nothing: a copy, before build-finished
    assert log_off == ["build-finished"]  # written by the build itself
    assert outcome_on == outcome_off and outcome_on["mode"] == "full"
    _same(on, off)
    edited_60.again()  # the project edited, the edit built into "on"
    edited_60.touch()  # (edited before the "off" side's first build)
    log_on, outcome_on = _shared(edited_60.logs)
    log_off, outcome_off = _build(root, off, cache, "off")
    assert log_on == ["copy", "build-finished"]
    assert log_off == ["build-finished", "copy"]  # an edit's copy, started at build-finished
    assert outcome_on == outcome_off and outcome_on["mode"] == "spliced"
    _same(on, off)
    assert b"EDITEDedited" in (on / "needs.json").read_bytes()
    assert not any(name.startswith("EARLY") for name in os.environ)
