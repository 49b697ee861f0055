"""Terminology checks: one unit or term written several ways, and abbreviations the glossary lacks."""

from __future__ import annotations

from smets_spec.corpus.diagnostics import Location
from smets_spec.corpus.load import Corpus
from smets_spec.duplicates.items import DEFINITIONS, GlossaryEntry, Item, Source, from_corpus
from smets_spec.duplicates.terms import TermFinding, terminology


def _by(findings: list[TermFinding]) -> dict[tuple[str, str], TermFinding]:
    return {(f.check, f.term): f for f in findings}


def test_this_spec(corpus: Corpus) -> None:
    found = _by(terminology(from_corpus(corpus)))
    var = found[("unit", "var")]
    assert var.forms["Var (in kVarh)"] == ("ES_04", "ES_05")
    assert var.forms["VAr (in kVAr)"] == ("ES_08", "ES_09")
    spelling = found[("spelling", "authorized")]
    assert {"authorised", "authorized", "Authorized"} <= set(spelling.forms)
    assert "HA_02" in spelling.forms["Authorized"]
    assert found[("hyphenation", "realtime")].forms["real-time"][0] == "HA_03"
    assert found[("misspelling", "interoperablity")].ids == ("WA_04", "HA_05")
    variant = found[("term-variant", "smart meter system")]
    assert variant.forms["smart meter system"] == ("DI_06", "PC_11")
    assert variant.flagged == ("DI_06", "PC_11")  # only the users of the rarer form are pointed at
    assert found[("synonym", "comms hub")].forms == {"Comms Hub": ("SP_20",)}
    defined = {e.abbreviation for e in from_corpus(corpus).glossary}
    undefined = {term for check, term in found if check == "undefined-abbreviation"}
    assert not undefined & defined and {"HAN", "WAN", "UTC"}.isdisjoint(undefined)


def test_synonyms_and_abbreviations_against_a_glossary() -> None:
    def item(need_id: str, text: str, group: str = "requirements") -> Item:
        return Item(need_id, text, group, "X", Location("x.rst", 1))

    source = Source(
        "t",
        {
            "requirements": [
                item("X.1", "The ESME shall open the switch when the energy consumption limit is exceeded."),
                item("X.2", "The ESME shall report the Load limit to the DCC over the WAN."),
            ],
            DEFINITIONS: [item("TERM_LL", "A demand limit; Energy Consumption Limit in 2011.", DEFINITIONS)],
        },
        [
            GlossaryEntry("TERM_LL", "Load limit", "", ("energy consumption limit",)),
            GlossaryEntry("TERM_ESME", "Electricity smart metering equipment", "ESME"),
            GlossaryEntry("TERM_WAN", "Wide area network", "WAN"),
        ],
        has_glossary=True,
    )
    found = _by(terminology(source))
    synonym = found[("synonym", "energy consumption limit")]
    assert synonym.forms == {"energy consumption limit": ("X.1",)}  # not the glossary's own definition
    assert "'Load limit'" in synonym.message and synonym.fix == "write 'Load limit'"
    undefined = found[("undefined-abbreviation", "DCC")]
    assert undefined.forms == {"DCC": ("X.2",)} and undefined.location == Location("x.rst", 1)
    assert ("undefined-abbreviation", "ESME") not in found and ("undefined-abbreviation", "WAN") not in found
    assert {check for check, _ in found} == {"synonym", "undefined-abbreviation"}


def test_no_glossary_no_abbreviation_check() -> None:
    source = Source("t", {"spec": [Item("S1", "The PLC shall poll the RTU.", "spec", "", Location("s", 1))]})
    assert [f.check for f in terminology(source)] == []
