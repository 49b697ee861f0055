"""The two loaders agree on the whole spec, and needs.json holds every item.

The engine reads ``spec/`` itself (milliseconds, no Sphinx); later analyses may
read the needs.json the site build writes. Both must give the same corpus:
the same records (every field, typed) at the same locations.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from smets_spec.corpus.ids import canonical
from smets_spec.corpus.load import Corpus, load_needs_json
from smets_spec.corpus.project import Project
from smets_spec.corpus.schema import DataItem, Device, ProtocolObject, Requirement

SEED = Path(__file__).resolve().parent / "data" / "seed" / "idts-requirements.csv"


def _raw_needs(site: Path) -> dict[str, Any]:
    data = json.loads((site / "needs.json").read_text(encoding="utf-8"))
    needs: dict[str, Any] = data["versions"][data["current_version"]]["needs"]
    return needs


def test_spec_and_needs_json_give_the_same_corpus(built_site: Path, corpus: Corpus) -> None:
    from_json = load_needs_json(built_site / "needs.json")
    assert corpus.diagnostics == []
    assert from_json.diagnostics == []
    assert len(corpus) > 0
    assert list(from_json.needs) == list(corpus.needs)  # same ids, same (source) order
    differing = [i for i in corpus.needs if corpus.needs[i] != from_json.needs[i]]
    assert differing == [], {i: (corpus.needs[i], from_json.needs[i]) for i in differing[:3]}
    assert from_json.locations == corpus.locations


def test_needs_json_holds_every_requirement_data_item_device_and_protocol_object(
    built_site: Path, corpus: Corpus
) -> None:
    needs = _raw_needs(built_site)
    for need_type in (Requirement, DataItem, Device, ProtocolObject):
        ids = {n.id for n in corpus.of_type(need_type)}
        assert ids, need_type.directive
        assert {i for i, n in needs.items() if n["type"] == need_type.directive} == ids


def test_needs_json_holds_the_104_seed_requirements_with_their_ids(built_site: Path) -> None:
    with SEED.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seed_ids = [row["id"] for row in rows if re.fullmatch(r"[A-Z]{2}\.[0-9]+", row["id"])]
    assert len(seed_ids) == 104
    needs = _raw_needs(built_site)
    # the seed gives clause numbers (GS.08); each is the clause of the need GS_08
    missing = [i for i in seed_ids if needs.get(canonical(i), {}).get("type") != "req"]
    assert [i for i in seed_ids if needs[canonical(i)].get("clause") != i] == []
    assert missing == []


def test_locations_name_real_directive_lines(corpus: Corpus, project: Project) -> None:
    """Every location is the line of the need's directive in the named file."""
    lines: dict[str, list[str]] = {}
    for need in corpus:
        where = corpus.location(need.id)
        if where.file not in lines:
            lines[where.file] = (project.root / where.file).read_text(encoding="utf-8").splitlines()
        text = lines[where.file]
        assert where.line is not None
        assert re.match(rf"\s*\.\. {need.directive}::", text[where.line - 1]), (need.id, where)
