"""The scan after a need added or deleted, with the full computation from the kept word counts
(incremental._counted), gives exactly the scan as before (``SMETS_SCAN_COUNTED=off``) and the
full scan: every finding, terminology finding, group compared and candidate count, and the state
kept (through JSON, as the cache).

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
from smets_spec.duplicates import incremental, store
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
def test_adds_and_deletes_from_the_kept_counts_give_the_scan_as_before(
    corpus: Corpus, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _copy(from_corpus(corpus))
    counted: list[bool] = []
    full = incremental._counted

    def full_counted(*args: Any) -> incremental.Paired:
        counted.append(True)
        return full(*args)

    monkeypatch.setattr(incremental, "_counted", full_counted)
    _, state = store.scan_kept(source, None)
    rng = random.Random(seed)
    for serial in range(6):
        what = _add_or_delete(rng, source, serial)
        kept = _through_json(state)
        monkeypatch.setenv(incremental.COUNTED_SWITCH, "off")
        before, state_before = store.scan_kept(source, _through_json(state))
        monkeypatch.delenv(incremental.COUNTED_SWITCH)
        got, state = store.scan_kept(source, kept)
        try:
            _same(got, before)
            _same(got, scan(source))
            assert _state(state) == _state(state_before)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, edit {serial}: {what}") from exc
    assert len(counted) >= 3  # full computations (of the groups, here) from the kept counts
