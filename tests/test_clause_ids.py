"""Clause numbers (GS.08, 5.4.8.1) and the need ids sphinx-needs reads whole (GS_08, SMETS_5_4_8_1).

smets-rename: keep (this file is about the two spellings)
"""

from __future__ import annotations

import pytest

from smets_spec.corpus.ids import canonical, clause_for_id, id_for_clause, options_with_ids, roles_with_ids
from smets_spec.corpus.load import build_corpus, raw_values
from smets_spec.corpus.rstreader import read_text
from smets_spec.corpus.schema import BY_DIRECTIVE, Requirement, type_for_id


@pytest.mark.parametrize(
    ("clause", "need_id"),
    [
        ("GS.08", "GS_08"),
        ("SP.2", "SP_2"),
        ("DI.009", "DI_009"),
        ("5.4.8.1", "SMETS_5_4_8_1"),
        ("7", "SMETS_7"),
    ],
)
def test_clause_and_id_are_one_to_one(clause: str, need_id: str) -> None:
    assert id_for_clause(clause) == need_id
    assert clause_for_id(need_id) == clause
    assert type_for_id(need_id) is Requirement


@pytest.mark.parametrize("text", ["DEV_ESME", "GS", "XX.01", "1.0.1.8.0.255.7.8.9", "PC.01x", ""])
def test_other_text_is_not_a_clause(text: str) -> None:
    assert id_for_clause(text) is None
    assert canonical(text) == text.strip()


def test_parts_and_sources() -> None:
    assert canonical(" GS.08.a ") == "GS_08.a"
    assert roles_with_ids("see :need:`GS.08` and :need:`x <GS.08.a>`, :need:`GS_09`") == (
        "see :need:`GS.08 <GS_08>` and :need:`x <GS_08.a>`, :need:`GS_09`"
    )
    text = "   :refines: GS.08, GS_09\n   :title_note: GS.08\n"
    assert (
        options_with_ids(text, frozenset({"refines"})) == "   :refines: GS_08, GS_09\n   :title_note: GS.08\n"
    )


OLD = """\
.. req:: Valve
   :id: GS.05
   :status: proposed
   :section: GS
   :impact: hardware
   :mandatory_for: DEV_GSME

.. req:: Valve state kept
   :id: GS.06
   :status: proposed
   :section: GS
   :impact: firmware
   :mandatory_for: DEV_GSME
   :refines: GS.05
"""


def test_a_revision_from_before_the_rename_reads_as_the_same_needs() -> None:
    raws, problems = read_text(OLD, "spec/gs.rst", BY_DIRECTIVE)
    corpus = build_corpus([(raw, raw_values(raw)) for raw in raws], problems)
    assert list(corpus.needs) == ["GS_05", "GS_06"]
    assert corpus["GS_06"].clause == "GS.06" and corpus["GS_06"].refines == ("GS_05",)
    # still an error to write today, with the fix
    fixes = [d.fix for d in corpus.diagnostics if d.rule.value == "smets.id"]
    assert fixes == [
        "write ':id: GS_05' and ':clause: GS.05' (the clause number is a field)",
        "write ':id: GS_06' and ':clause: GS.06' (the clause number is a field)",
    ]


def test_the_section_codes_are_the_schemas() -> None:
    from smets_spec.corpus.ids import SECTION_CODES
    from smets_spec.corpus.schema import Section

    assert tuple(s.value for s in Section) == SECTION_CODES
