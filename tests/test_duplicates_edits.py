"""A duplicate is a paraphrase: texts that differ in one word the corpus varies, a limit word, a
negation inside a qualifying clause, or one added phrase are parallel variants (or an overlap), and
words in clauses that describe a noun bind nothing (issue 16, foreign corpora)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from smets_spec.duplicates.classify import Kind
from smets_spec.duplicates.contrasts import varied
from smets_spec.duplicates.edits import one_edit, same_word, swapped
from smets_spec.duplicates.features import profile
from smets_spec.duplicates.items import Source, from_needs_json
from smets_spec.duplicates.scan import names_of, scan
from smets_spec.duplicates.text import Role, tokenize


def _findings(tmp_path: Path, needs: dict[str, dict[str, Any]]) -> dict[tuple[str, str], tuple[Kind, str]]:
    for need_id, need in needs.items():
        need.update({"id": need_id, "docname": "doc", "lineno": 1})
    path = tmp_path / "needs.json"
    path.write_text(
        json.dumps({"current_version": "1", "versions": {"1": {"needs": needs}}}), encoding="utf-8"
    )
    return {f.ids: (f.kind, f.reason) for f in scan(from_needs_json(path), terms=False).findings}


def _req(text: str) -> dict[str, Any]:
    return {"type": "req", "content": text}


def test_varied_words_need_a_family_not_a_list_of_synonyms() -> None:
    # add swaps with get and subtract, which swap with each other: alternatives of one slot
    assert varied([("add", "get"), ("add", "subtract"), ("get", "subtract")]) == {"add", "get", "subtract"}
    # record's three synonyms never meet in a pair: nothing is varied
    assert varied([("record", "capture"), ("record", "note"), ("record", "save")]) == frozenset()
    t = tokenize
    adding, setting = (
        t("The kernel shall support adding data to a timer."),
        t("The kernel shall support setting data from a timer."),
    )
    assert swapped(adding, setting, {"add"}) == ("adding", "setting")  # to / from: function words
    assert swapped(adding, setting, set()) is None  # a one-off swap: no evidence
    assert (
        swapped(adding, t("The kernel shall support setting the data from a timer."), {"add"}) is None
    )  # two edits
    assert swapped(t("It shall set it."), t("It shall sets it."), {"set"}) is None  # one word
    assert same_word("sets", "set") and same_word("interoperablity", "interoperability")
    assert not same_word("set", "add")


def test_one_word_the_corpus_varies_makes_a_parallel_variant(tmp_path: Path) -> None:
    frame = "The kernel shall provide a mechanism for {} an atomic variable and returning its previous value."
    needs = {f"A{i}": _req(frame.format(verb)) for i, verb in enumerate(("adding", "getting", "subtracting"))}
    # adding swaps with getting and subtracting (which swap with each other): a word the corpus varies,
    # though no slot (only one of its partners' pairs meets); here it swaps with retrieving
    needs["T1"] = _req("The kernel shall support adding user defined data to a timer.")
    needs["T2"] = _req("The kernel shall support retrieving user defined data from a timer.")
    # a paraphrase: record / capture, swapped once in the corpus, stays a duplicate
    needs["L1"] = {"type": "log", "content": "The hub shall record each alarm in the event log."}
    needs["L2"] = {"type": "log", "content": "The hub shall capture each alarm in the event log."}
    found = _findings(tmp_path, needs)
    kind, reason = found[("T1", "T2")]
    assert kind is Kind.PARALLEL
    assert reason == (
        "the texts differ only in 'adding' / 'retrieving', words this corpus swaps with others between "
        "requirements: a different operation or object, not the same thing in other words; a parallel variant"
    )
    assert found[("L1", "L2")][0] is Kind.DUPLICATE


def test_capitalised_and_or_name_operators() -> None:
    roles = {t.text: (t.role, t.acronym) for t in tokenize("a bitwise AND operation and an OR operation")}
    assert roles["AND"] == (Role.CONTENT, True) and roles["OR"] == (Role.CONTENT, True)
    assert roles["and"][0] is Role.FUNCTION  # the conjunction stays a function word


def test_bitwise_and_or_are_a_parallel_variant(tmp_path: Path) -> None:
    frame = (
        "The kernel shall provide a mechanism for performing a bitwise {} operation on an atomic variable."
    )
    found = _findings(tmp_path, {"A": _req(frame.format("AND")), "O": _req(frame.format("OR"))})
    assert found[("A", "O")][0] is Kind.PARALLEL and "AND / OR" in found[("A", "O")][1]


def test_an_added_phrase_is_a_case_or_an_overlap_not_a_duplicate(tmp_path: Path) -> None:
    needs = {
        "Z1": _req(
            "The kernel shall provide a mechanism for setting an atomic variable "
            "and returning its previous value."
        ),
        "Z2": _req(
            "The kernel shall provide a mechanism for setting an atomic variable under a lock "
            "and returning its previous value."
        ),
        "F1": {
            "type": "fifo",
            "content": "The kernel shall offer a way to append a list to a FIFO.",
        },
        "F2": {
            "type": "fifo",
            "content": "The kernel shall offer a way to append a list to a FIFO and then empty the list.",
        },
        # a paraphrase that drops one word is no added phrase: still a duplicate
        "P1": {"type": "pay", "content": "The meter shall display the configured tariff to the consumer."},
        "P2": {"type": "pay", "content": "The meter shall display the tariff to the consumer."},
    }
    found = _findings(tmp_path, needs)
    assert found[("Z1", "Z2")] == (
        Kind.PARALLEL,
        "only the second text adds 'under a lock': a qualified case of the same requirement, "
        "a parallel variant",
    )
    assert found[("F1", "F2")][0] is Kind.OVERLAP
    assert "adds 'and then empty the list': it requires more" in found[("F1", "F2")][1]
    assert found[("P1", "P2")][0] is Kind.DUPLICATE


def test_one_edit_reads_phrases_not_moved_clauses() -> None:
    edit = one_edit(
        tokenize("Resume a suspended thread."), tokenize("Resume a suspended thread after a timeout.")
    )
    assert edit is not None and edit.words_b == "after a timeout" and not edit.joins
    # a moved clause is two edits: left to the other rules
    assert (
        one_edit(
            tokenize("Within 5 s, the meter shall log it."), tokenize("The meter shall log it within 5 s.")
        )
        is None
    )
    assert one_edit(tokenize("The meter shall log it."), tokenize("The meter shall log it.")) is None


def test_limit_words_and_qualified_negations_make_parallel_variants(tmp_path: Path) -> None:
    needs = {
        "M1": _req("When initialising a semaphore, the maximum count a semaphore can have shall be set."),
        "V1": {"type": "val", "content": "The kernel shall provide a mechanism for setting an atomic flag."},
        "V2": {
            "type": "val",
            "content": "The kernel shall provide a mechanism for clearing an atomic flag to zero.",
        },
        "M2": _req("When initialising a semaphore, the initial semaphore count shall be set."),
        "N1": {
            "type": "hw",
            "content": "The kernel shall run atomics on hardware that does not provide atomic instructions.",
        },
        "N2": {
            "type": "hw",
            "content": "The kernel shall run atomics on hardware that provides atomic instructions.",
        },
    }
    found = _findings(tmp_path, needs)
    assert found[("M1", "M2")][0] is Kind.PARALLEL and "'maximum' vs (none)" in found[("M1", "M2")][1]
    assert found[("V1", "V2")][0] is Kind.PARALLEL and "names a value ('zero')" in found[("V1", "V2")][1]
    assert found[("N1", "N2")][0] is Kind.PARALLEL and "'not provide' vs (none)" in found[("N1", "N2")][1]


def test_modals_and_negations_of_describing_clauses_bind_nothing() -> None:
    def sentence(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        first = profile(tokenize(text), names_of(Source("t"))).sentences[0]
        return first.modals, first.negations

    assert sentence("The maximum count a semaphore can have shall be set.") == (("shall",), ())
    assert sentence("The kernel shall return an error indicating that the mutex was not locked.") == (
        ("shall",),
        (),
    )
    # two obligations joined by 'and' both bind; a negation of the obligation itself still counts
    assert sentence("The meter may log it and shall report it.") == (("may", "shall"), ())
    assert sentence("The meter shall not report the error.") == (("shall",), ("not",))


def test_containment_is_no_overlap_when_the_longer_is_another_case(tmp_path: Path) -> None:
    needs = {
        # the shorter's action is a state in the longer: another operation, no finding
        "S1": _req("The kernel shall provide a mechanism to disable a specified IRQ."),
        "S2": _req(
            "The kernel shall provide a mechanism that returns the enabled status of a specified IRQ, "
            "where the status is enabled or disabled."
        ),
        # a superlative on one side: the longer picks one of the shorter's many
        "H1": {
            "type": "cv",
            "content": "The kernel shall provide a mechanism to signal all waiting threads.",
        },
        "H2": {
            "type": "cv",
            "content": "The kernel shall provide a mechanism to signal the highest priority waiting thread.",
        },
        # a true containment stays an overlap
        "O1": {"type": "log", "content": "The meter shall record each alarm in the event log."},
        "O2": {
            "type": "log",
            "content": "The meter shall record each alarm in the event log with its time, "
            "its source and its severity for later audit by the supplier.",
        },
    }
    found = _findings(tmp_path, needs)
    assert ("S1", "S2") not in found
    assert found[("H1", "H2")] == (
        Kind.PARALLEL,
        "the limit or order words differ ((none) vs 'highest'): a bound or sequence one text states and "
        "the other does not, a parallel variant",
    )
    assert found[("O1", "O2")][0] is Kind.OVERLAP


def test_a_negation_on_one_side_of_a_one_sentence_containment_is_another_case(tmp_path: Path) -> None:
    needs = {
        "B": _req(
            "The kernel shall provide a mechanism for a thread to post a message through a pipe "
            "and block until the message is consumed or a timeout occurs."
        ),
        "N": _req(
            "The kernel shall provide a mechanism for a thread to post a message through a pipe "
            "without waiting for it to be consumed."
        ),
    }
    found = _findings(tmp_path, needs)
    kind, reason = found[("B", "N")]
    assert kind is Kind.PARALLEL and "the negations differ ((none) vs 'without')" in reason
