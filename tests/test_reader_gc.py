"""A forked reader of a full read runs the collector's young collections less often
(``jobs._young_later``, ``SMETS_READER_GC``): the same site, needs.json and search index as with the
usual thresholds, and only a forked reader changes them. The same two builds compare the read's
next reader forked before the last one's result is merged (``forkahead``, ``SMETS_FORK_AHEAD``)
with Sphinx's order (merge, then fork), and the cards' fingerprints of a build with none kept
worked out in a forked copy (``cardsbeside``, ``SMETS_CARDS_BESIDE``) with those worked out here:
the same ones kept for the next build."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clitools import FirstBuilt, driven_build
from sitecompare import differences
from smets_spec.sphinx import forkahead, jobs

#: `smets build`, printing once per process that read with the readers' thresholds
_DRIVER = """
import gc, os, sys
from smets_spec import cli
from smets_spec.sphinx import forkahead, jobs
young, seen = jobs._young_later, set()
classes = forkahead.tasks_class
def tasks_class():
    chosen = classes()
    print("AHEAD" if chosen is forkahead.ForkAheadTasks else "PLAIN", flush=True)
    return chosen
forkahead.tasks_class = tasks_class
import hashlib, json, sphinx.application
from smets_spec.sphinx import cardsbeside
started = cardsbeside.start
def start(*args):
    ok = started(*args)
    print("BESIDE" if ok else "HERE", flush=True)
    return ok
cardsbeside.start = start
build = sphinx.application.Sphinx.build
def built(app, *args, **kwargs):
    try:
        return build(app, *args, **kwargs)
    finally:
        kept = json.dumps(getattr(app.env, "smets_card_fingerprints", None), sort_keys=True)
        print("CARDS", hashlib.sha1(kept.encode()).hexdigest(), "{}" in kept or "null" in kept, flush=True)
sphinx.application.Sphinx.build = built
def logged():
    young()
    if gc.get_threshold() == jobs.READER_THRESHOLDS and os.getpid() not in seen:
        seen.add(os.getpid())
        print("RAISED", flush=True)
jobs._young_later = logged
sys.exit(cli.main(sys.argv[1:]))
"""
_STEPS = {"AHEAD", "PLAIN", "BESIDE", "HERE"}


def _build(root: Path, site: Path, cache: Path, switch: str) -> tuple[int, list[str]]:
    """A cold build with ``-j 2`` (every document read by forked readers), the three switches set to
    ``switch``; how many raised, the read's task classes, where the cards' fingerprints were
    worked out and a digest of those kept."""
    # (the conformance suite's cached run is keyed by pytest's variables too: one for every build)
    settings = {
        "SMETS_CACHE_DIR": str(cache),
        jobs.READER_GC: switch,
        forkahead.SWITCH: switch,
        "SMETS_CARDS_BESIDE": switch,
        "PYTEST_CURRENT_TEST": "readergc",
    }
    result = driven_build(_DRIVER, root, site, settings, "-j", "2")
    lines = result.stdout.splitlines()
    return lines.count("RAISED"), [line for line in lines if line in _STEPS or line.startswith("CARDS")]


def _shared(first: FirstBuilt) -> tuple[int, list[str]]:
    """:func:`_build`'s figures of ``first``'s build (every switch on, the same driver's logs:
    :data:`clitools.SHARED_LOGGED`)."""
    raised = (first.logs / "raised.log").read_text(encoding="utf-8").split()
    lines = (first.logs / "steps.log").read_text(encoding="utf-8").splitlines()
    return len(raised), [line for line in lines if line in _STEPS or line.startswith("CARDS")]


def test_readers_with_fewer_young_collections_build_the_same_site(
    tmp_path: Path, first_built_60: FirstBuilt
) -> None:
    """The "on" side is conftest's ``first_built_60`` (the same generated project, cold, ``-j 2``,
    every switch on); the "off" side builds that project into a folder of its own."""
    root, _ = first_built_60.again()
    on_site = first_built_60.sites["on"]
    on, tasks_on = _shared(first_built_60)
    off, tasks_off = _build(root, tmp_path / "off", tmp_path / "cache-off", "off")
    assert on >= 2 and off == 0  # (one per forked reader: four chunks at this size)
    assert tasks_on[:2] == ["BESIDE", "AHEAD"] and tasks_off[:2] == ["HERE", "PLAIN"]
    assert tasks_on[2] == tasks_off[2] and tasks_on[2].endswith(" False")  # the same fingerprints kept
    for name in ("needs.json", "searchindex.js"):
        assert (on_site / name).read_bytes() == (tmp_path / "off" / name).read_bytes(), name
    assert differences(on_site, tmp_path / "off") == []


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved, reading = gc.get_threshold(), jobs._READING_PROCESS[0]
    yield
    gc.set_threshold(*saved)
    jobs._READING_PROCESS[0] = reading


@pytest.mark.usefixtures("thresholds")
@pytest.mark.parametrize(
    ("reader", "switch", "raised"),
    [(True, "", True), (True, "off", False), (False, "", False)],
)
def test_only_a_forked_reader_raises_them(
    monkeypatch: pytest.MonkeyPatch, reader: bool, switch: str, raised: bool
) -> None:
    monkeypatch.setenv(jobs.READER_GC, switch)
    gc.set_threshold(700, 10, 10)
    jobs._READING_PROCESS[0] = os.getpid() + 1 if reader else os.getpid()  # (a reader: another id)
    jobs._young_later()
    assert (gc.get_threshold() == jobs.READER_THRESHOLDS) is raised
