"""The scan after a need added or deleted, split over two processes (duplicates/apart.py) and with
the full computation from the kept word counts (incremental._counted), gives exactly the scan of
one process as before (``SMETS_SCAN_COUNTED=off``, no ``SMETS_SCAN_SPLIT=on``) and the full
scan: every finding, terminology finding, group compared and candidate count, and the state kept
(through JSON, as the cache).

Seeded random adds and deletes (in every group, a text made identical to one of another group
now and then, so the across-types check finds exact and near copies) on the repository's corpus,
one after another, each from the state the last one kept.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import pytest

from smets_spec.corpus.load import Corpus
from smets_spec.duplicates import apart, incremental, store
from smets_spec.duplicates.classify import Finding, Kind
from smets_spec.duplicates.items import Source, from_corpus
from smets_spec.duplicates.scan import scan
from test_dups_incremental import _copy, _same, _through_json


def _add_or_delete(rng: random.Random, source: Source, serial: int) -> str:
    """A need added after another of its group, or one deleted (in place); what it was."""
    group = rng.choice([g for g, items in source.groups.items() if len(items) > 3])
    items = source.groups[group]
    other = rng.choice(items)
    if rng.random() < 0.5:
        if rng.random() < 0.3:  # word for word the text of an item of another group: across-types
            text = rng.choice([i for i in source.items() if i.group != group]).text
        else:
            text = f"{other.text} too" if rng.random() < 0.5 else other.text.replace("shall", "should", 1)
        new = replace(other, id=f"{other.id}_ADD{serial}", title=f"{other.title} ({serial})", text=text)
        items.insert(rng.randrange(len(items) + 1), new)
        what = f"added {new.id}"
    else:
        what = f"deleted {other.id}"
        items.remove(other)
    source.all_ids = frozenset(i.id for i in source.items())
    return f"{group}: {what}"


def _state(state: store.State) -> Any:
    data = store.to_json(state)
    data["lemmas"] = dict(sorted(data["lemmas"].items()))  # the answers' order is not the state's
    data["unknown"] = dict(sorted(data["unknown"].items()))
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("seed", [5, 6])
def test_adds_and_deletes_split_give_the_one_process_scan(
    corpus: Corpus, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _copy(from_corpus(corpus))
    taken: list[bool] = []
    counted: list[bool] = []
    take, full = apart.Apart.take, incremental._counted

    def take_counted(self: apart.Apart) -> apart.Result | None:
        got = take(self)
        taken.append(got is not None)
        return got

    def full_counted(*args: Any) -> incremental.Paired:
        counted.append(True)
        return full(*args)

    monkeypatch.setattr(apart.Apart, "take", take_counted)
    monkeypatch.setattr(incremental, "_counted", full_counted)
    _, state = store.scan_kept(source, None)
    rng = random.Random(seed)
    for serial in range(6):
        what = _add_or_delete(rng, source, serial)
        kept = _through_json(state)
        monkeypatch.setenv(incremental.COUNTED_SWITCH, "off")
        monkeypatch.delenv(apart.SWITCH, raising=False)
        before, state_before = store.scan_kept(source, _through_json(state), split=True)
        monkeypatch.delenv(incremental.COUNTED_SWITCH)
        monkeypatch.setenv(apart.SWITCH, "on")
        got, state = store.scan_kept(source, kept, split=True)
        try:
            _same(got, before)
            _same(got, scan(source))
            assert _state(state) == _state(state_before)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, edit {serial}: {what}") from exc
    assert taken == [True] * 6  # each scan split, the copy's result taken
    assert len(counted) >= 3  # full computations (of the groups, here) from the kept counts


def test_a_copy_that_fails_or_a_pair_the_groups_found_leaves_the_check_here(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy failing (nothing handed over), or an across-types finding of a pair the groups
    found (which cannot be: a planted result), makes this process run the check itself."""
    monkeypatch.setenv(apart.SWITCH, "on")
    source = _copy(from_corpus(corpus))
    _, state = store.scan_kept(source, None)
    _add_or_delete(random.Random(1), source, 0)
    want, _ = store.scan_kept(source, _through_json(state))

    def fails(*args: object) -> object:
        raise RuntimeError("in the copy")

    with monkeypatch.context() as patch:
        patch.setattr(apart, "across_types_kept", fails)
        got, _ = store.scan_kept(source, _through_json(state), split=True)
    _same(got, want)
    take = apart.Apart.take

    def planted(self: apart.Apart) -> apart.Result | None:
        got = take(self)
        assert got is not None
        group = want.findings[0]  # a pair found by the groups
        assert group.a.group == group.b.group
        got.across = [*got.across, Finding(Kind.DUPLICATE, group.a, group.b, 1.0, "planted", {})]
        return got

    monkeypatch.setattr(apart.Apart, "take", planted)
    got, _ = store.scan_kept(source, _through_json(state), split=True)
    _same(got, want)


def test_no_split_without_an_added_or_removed_text(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(apart.SWITCH, raising=False)
    source = from_corpus(corpus)
    _, state = store.scan_kept(source, None)
    ids = [kept.ids for kept in state.groups.values()]
    assert not apart.wanted(source, ids)
    assert not apart.wanted(source, None)
    source.groups["requirements"] = source.groups["requirements"][1:]
    assert not apart.wanted(source, ids)  # off by default
    monkeypatch.setenv(apart.SWITCH, "on")
    assert apart.wanted(source, ids)
