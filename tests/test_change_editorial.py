"""The editorial / normative rule on wording, case by case (smets_spec.change.editorial)."""

from __future__ import annotations

import pytest

from smets_spec.change.editorial import Op, edit_distance, normal_form, text_reasons, tokens, word_diff

BASE = "The meter shall record the import register every 30 minutes and retain it for 13 months."


@pytest.mark.parametrize(
    "new",
    [
        BASE.rstrip("."),  # full stop
        BASE.replace("The meter", "the METER").replace("import", "Import"),  # case
        "The meter  shall record the import register\nevery 30 minutes, and retain it for 13 months.",
        BASE.replace("the import", "an import"),  # article
        BASE.replace("meter", "metre"),  # spelling
        BASE.replace("register", "registre"),  # swap
        BASE.replace("import register", "import-register"),  # hyphen
    ],
)
def test_editorial_changes_have_no_reason(new: str) -> None:
    assert text_reasons(BASE, new) == []


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        (BASE.replace("30", "15"), "'30' → '15' (number)"),
        (BASE.replace("shall", "should"), "'shall' → 'should' (modal verb)"),
        (BASE.replace("shall record", "shall not record"), "added 'not' (negation)"),
        (BASE.replace("import", "export"), "'import' → 'export' (quantifier)"),
        (BASE.replace("minutes", "seconds"), "'minutes' → 'seconds' (unit)"),
        (BASE.replace("13 months", "13 years"), "'months' → 'years' (unit)"),
        (BASE.replace("register", "counter"), "'register' → 'counter'"),
        (BASE.replace("the import", "the daily import"), "added 'daily'"),
        (BASE + " It shall also log it.", "added 'it shall also log it' (modal verb)"),
    ],
)
def test_normative_changes_name_the_token(new: str, reason: str) -> None:
    assert text_reasons(BASE, new) == [reason]


def test_named_entities_are_not_spelling_corrected() -> None:
    old = "The ESME shall send the alert to the DCC."
    assert text_reasons(old, old.replace("DCC", "DSC")) == ["'dcc' → 'dsc' (named entity)"]
    assert text_reasons("Send it to the Supplier.", "Send it to the Supplies.") == [
        "'supplier' → 'supplies' (named entity)"
    ]
    # a capital at the start of a sentence is not a name
    assert text_reasons("Meters shall log.", "Metres shall log.") == []


def test_numbers_with_units_and_codes_are_one_token() -> None:
    text = "Use 1-0:1.8.0.255 (see PC.01) at 0.5s."  # a clause number in prose
    assert [t.text for t in tokens(text)] == [
        "use",
        "1-0:1.8.0.255",
        "see",
        "pc.01",
        "at",
        "0.5s",
    ]
    assert text_reasons("within 0.5s.", "within 0.6s.") == ["'0.5s' → '0.6s' (number)"]
    assert text_reasons("at most 10%", "at most 10 %") == []
    assert text_reasons("at most 10%", "at most 10 kWh") == ["'%' → 'kwh' (symbol, unit)"]
    assert text_reasons("costs £5.", "costs £6.") == ["'5' → '6' (number)"]


def test_short_words_and_different_first_letters_are_not_spelling() -> None:
    assert text_reasons("the red wire", "the rod wire") == ["'red' → 'rod'"]
    assert text_reasons("send a credit", "send a debit") == ["'credit' → 'debit'"]
    assert edit_distance("ballance", "balance") == 1
    assert edit_distance("registre", "register") == 1


def test_normal_form_and_word_diff() -> None:
    assert normal_form("The  Meter, shall:") == "the meter shall"
    ops = word_diff("a b c d", "a x c d e")
    assert [(s.op, s.text) for s in ops] == [
        (Op.EQUAL, "a"),
        (Op.DELETE, "b"),
        (Op.INSERT, "x"),
        (Op.EQUAL, "c d"),
        (Op.INSERT, "e"),
    ]
