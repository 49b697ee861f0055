"""The repository's spec/ content against its seed data: requirements, catalogue, protocol objects."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from smets_spec.corpus.load import Corpus
from smets_spec.corpus.schema import DataItem, Device, Evidence, Protocol, ProtocolObject, Status

SEED = Path(__file__).parent / "data" / "seed"


def _seed_requirements() -> dict[str, str]:
    with (SEED / "idts-requirements.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["id"]: row["summary_requirement"]
            for row in csv.DictReader(handle)
            if row["summary_requirement"]
        }


def _mapping_rows() -> list[str]:
    text = (SEED / "protocol-mappings.md").read_text(encoding="utf-8")
    return [
        line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| data item")
    ]


def test_every_seed_requirement_is_in_the_spec_with_its_exact_text(corpus: Corpus) -> None:
    seed = _seed_requirements()
    reqs = {r.clause: r for r in corpus.requirements}  # the 2011 table numbers its rows by clause
    assert len(seed) == 104
    assert sorted(reqs) == sorted(seed)
    assert [rid for rid, text in seed.items() if reqs[rid].content != text] == []


def test_requirement_fields_follow_the_content_rules(corpus: Corpus) -> None:
    counts = Counter(r.section.value for r in corpus.requirements if r.section)
    assert counts == {
        "IM": 12,
        "OP": 8,
        "DS": 9,
        "IN": 3,
        "PC": 10,
        "ES": 13,
        "GS": 9,
        "DI": 6,
        "HA": 18,
        "WA": 6,
        "IH": 3,
        "SP": 7,
    }
    for req in corpus.requirements:
        assert req.status is Status.PROPOSED, req.id
        assert req.section is not None and req.id.startswith(req.section.value + "_"), req.id
        assert req.clause == req.id.replace("_", "."), req.id
        assert req.introduced == "VER_IDTS_2011", req.id
        assert req.applicability_basis and "editorial reading" in req.applicability_basis, req.id
        assert req.mandatory_for or req.optional_for, req.id


def test_devices_of_the_gb_system_are_all_there(corpus: Corpus) -> None:
    ids = {d.id for d in corpus.of_type(Device)}
    assert ids == {
        f"DEV_{k}" for k in ("ESME", "GSME", "CHF", "GPF", "IHD", "PPMID", "HCALCS", "ALCS", "SAPC")
    }
    chf = corpus["DEV_CHF"]
    assert isinstance(chf, Device)
    assert chf.installed_base == "unknown"  # the figures are in spec/costs.toml, never in two places
    assert chf.installed_base_source is not None and "spec/costs.toml" in chf.installed_base_source


def test_catalogue_has_forty_items_each_used_by_a_requirement(corpus: Corpus) -> None:
    items = corpus.of_type(DataItem)
    used = {item for req in corpus.requirements for item in req.uses}
    assert len(items) >= 40
    assert [i.id for i in items if i.id not in used] == []
    assert all((i.mapping_evidence is Evidence.UNMAPPED) == (not i.maps_to) for i in items)


@pytest.mark.parametrize("protocol", list(Protocol))
def test_protocol_objects_are_exactly_rows_of_the_mappings_table(corpus: Corpus, protocol: Protocol) -> None:
    rows = _mapping_rows()
    text = (SEED / "protocol-mappings.md").read_text(encoding="utf-8")
    objects = [o for o in corpus.of_type(ProtocolObject) if o.protocol is protocol]
    assert objects
    for obj in objects:
        if protocol is Protocol.DLMS_COSEM:
            hits = [r for r in rows if f"class {obj.interface_class}" in r and f"OBIS {obj.obis}" in r]
        elif protocol is Protocol.ZIGBEE_SE:
            hits = [r for r in rows if f"{obj.cluster}" in r and f"{obj.attribute}" in r]
        else:
            hits = [text] if re.search(rf"\b{obj.use_case}\b", text) else []
            if obj.message_code:
                assert f"{obj.use_case} ({obj.message_code})" in text, obj.id
        assert len(hits) == 1, obj.id
        evidence = hits[0].split("|")[4].strip() if protocol is not Protocol.GBCS else "verified"
        assert obj.evidence is not None and evidence.startswith(obj.evidence.value), obj.id
