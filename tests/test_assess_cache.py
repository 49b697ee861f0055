"""``assess``'s kept candidates (``SMETS_ASSESS_CACHE``): each data item's candidates read back from
the user cache are what ``_candidates`` finds for it, on seeded random variants of the repository's
data items (titles, units, types, devices shuffled between them), and a whole assessment is the
same with the switch off, on a cold cache, on a warm one and on a tampered one."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from clitools import ROOT
from smets_spec.corpus.load import load
from smets_spec.corpus.schema import DataItem
from smets_spec.corpus.usercache import entry_path
from smets_spec.protocols import assess as a
from smets_spec.protocols import catalogue

pytestmark = pytest.mark.skipif(
    catalogue.installed("gurux-dlms") is None or catalogue.installed("zigpy") is None,
    reason="the 'dlms' and 'zigbee' extras are not installed (pip install -e '.[test]')",
)


def _variants(items: list[DataItem], rng: random.Random) -> list[DataItem]:
    out = []
    for item in items:
        other = rng.choice(items)
        update: dict[str, object] = {}
        if rng.random() < 0.5:
            update["title"] = rng.choice((other.title, item.title + " " + other.title, other.title.lower()))
        if rng.random() < 0.4:
            update["unit"] = other.unit
        if rng.random() < 0.3:
            update["data_type"] = other.data_type
        if rng.random() < 0.3:
            update["held_by"] = other.held_by
        if rng.random() < 0.2:
            update["assessment_note"] = other.assessment_note
        out.append(item.model_copy(update=update))
    return out


@pytest.mark.parametrize("seed", range(2))
def test_kept_candidates_are_what_the_catalogues_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    corpus = load(ROOT / "spec", relative_to=ROOT)
    dlms, zigbee = a._catalogues(corpus, [], False)
    assert dlms is not None and zigbee is not None
    rng = random.Random(seed)
    items = [i for i in corpus.of_type(DataItem) if not i.maps_to] + list(corpus.of_type(DataItem))
    variants = _variants(items, rng)
    fresh = [a._candidates(v, dlms, zigbee) for v in variants]
    assert any(fresh) and not all(fresh)  # the variants have candidates and lack them
    cold = a._Kept(dlms, zigbee)
    assert [cold.candidates(v, dlms, zigbee) for v in variants] == fresh
    assert cold.hits == 0
    cold.save()
    warm = a._Kept(dlms, zigbee)
    assert [warm.candidates(v, dlms, zigbee) for v in variants] == fresh
    assert warm.hits == len(variants)
    path = entry_path(a.KEPT_KIND, warm.key)
    data = json.loads(path.read_text(encoding="utf-8"))
    for n, (key, value) in enumerate(sorted(data["value"].items())):  # tamper with every entry's shape
        if value:
            if n % 2:
                value[0]["interface_class"] = [True, "3", 1.0][n % 3]
            else:
                value[0]["says"] = [7, None, ["x"]][n % 3]
        else:
            data["value"][key] = {"not": "a list"} if n % 2 else [{"extra": 1}]
    path.write_text(json.dumps(data), encoding="utf-8")
    tampered = a._Kept(dlms, zigbee)
    assert [tampered.candidates(v, dlms, zigbee) for v in variants] == fresh


def test_an_assessment_is_the_same_on_every_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    corpus = load(ROOT / "spec", relative_to=ROOT)
    monkeypatch.setenv("SMETS_ASSESS_CACHE", "off")
    oracle = a.assess(corpus, checks=False)
    assert not (tmp_path / "cache" / a.KEPT_KIND).exists()
    monkeypatch.delenv("SMETS_ASSESS_CACHE")
    assert a.assess(corpus, checks=False) == oracle  # cold: found and kept
    assert list((tmp_path / "cache" / a.KEPT_KIND).glob("*.json"))
    assert a.assess(corpus, checks=False) == oracle  # warm: read back
    assert a.assess(corpus, checks=True).items == oracle.items
