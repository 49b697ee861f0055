"""Duplicates on text nobody here wrote: reader text, body-less needs, titles, types, learned contrasts,
sentence boundaries, negation and modal scope, misspellings (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smets_spec.cli import main
from smets_spec.corpus.diagnostics import Location
from smets_spec.duplicates.classify import Kind
from smets_spec.duplicates.features import profile
from smets_spec.duplicates.items import GlossaryEntry, Item, Source, from_needs_json
from smets_spec.duplicates.reader import reader_text
from smets_spec.duplicates.scan import names_of, scan
from smets_spec.duplicates.spelling import misspellings
from smets_spec.duplicates.text import tokenize


def test_reader_text_keeps_what_the_page_shows() -> None:
    source = (
        "See :need:`the braking goal <SG_01>` and `the guide <https://example.org/g>`_, or "
        "https://example.org/raw.\n"
        'Released on :ndf:`copy("date")`; **bold** and ``code`` stay.\n\n'
        ".. note::\n   :class: small\n\n   Keep this e.g. here.\n\n"
        ".. code-block:: c\n\n   int secret_code;\n\n"
        ".. needtable::\n   :types: req\n   :columns: id\n\n"
        ".. rationale::\n   :id: RAT_1\n\n   Nested need body, not ours.\n\n"
        "* first item\n* second item\n\n"
        "{{ flow(need().id) }}\nA literal follows::\n\n   not prose\n"
    )
    text = reader_text(source, {"rationale"}, {"date": "1.6.2025"})
    assert text.split("\n") == [
        "See the braking goal and the guide, or Released on 1.6.2025; bold and code stay.",
        "Keep this e.g. here.",
        "first item",
        "second item",
        "A literal follows:",
    ]


def _needs_json(tmp_path: Path, needs: dict[str, dict[str, Any]]) -> Path:
    for need_id, need in needs.items():
        need.setdefault("id", need_id)
        need.setdefault("docname", "doc")
        need.setdefault("lineno", 1)
    path = tmp_path / "needs.json"
    data = {"current_version": "1", "versions": {"1": {"needs": needs}}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _findings(tmp_path: Path, needs: dict[str, dict[str, Any]]) -> list[tuple[Kind, tuple[str, str], str]]:
    result = scan(from_needs_json(_needs_json(tmp_path, needs)), terms=False)
    return [(f.kind, f.ids, f.reason) for f in result.findings]


def test_bodyless_needs_compared_by_title_and_placeholder_titles_ignored(tmp_path: Path) -> None:
    concept = {f"C{i}": {"type": "doc", "title": "Concept Description"} for i in range(5)}
    needs = {
        **concept,
        "R1": {"type": "req", "title": "Brake release", "content": "The brake shall release within 2 s."},
        "R2": {"type": "req", "title": "Brake release", "content": "The brake shall hold till the horn."},
        "R3": {"type": "req", "title": "Horn", "content": ""},
        "T1": {"type": "test", "title": "Brake release", "content": "Check the release time."},
    }
    found = _findings(tmp_path, needs)
    assert found == [
        (
            Kind.SAME_TITLE,
            ("R1", "R2"),
            "same title 'Brake release' on two req needs; the bodies differ (20% of their words shared)",
        )
    ]  # five "Concept Description" needs with no body: a placeholder, no finding; T1 is another type


def test_identical_bodies_across_types_and_boilerplate(tmp_path: Path) -> None:
    shared = "Reviews shall be recorded with the name of the reviewer and the date."
    needs = {
        "GD_1": {"type": "guideline", "title": "Reviews", "content": shared},
        "TPL_1": {"type": "template", "title": "Review template", "content": shared},
        **{
            f"G{i}": {"type": "guideline", "title": f"G{i}", "content": "Description goes here."}
            for i in range(5)
        },
    }
    found = _findings(tmp_path, needs)
    assert found == [
        (
            Kind.DUPLICATE,
            ("GD_1", "TPL_1"),
            "identical text across need types (guideline GD_1 / template TPL_1)",
        )
    ]  # the placeholder body on five guidelines is boilerplate, not five duplicates


def test_subject_swaps_are_parallel_variants_never_duplicates(tmp_path: Path) -> None:
    needs = {
        "S1": {"type": "req", "content": "The gateway shall log every safety event with its time."},
        "S2": {"type": "req", "content": "The gateway shall log every security event with its time."},
        "I1": {"type": "api", "content": "The setter shall accept an int16 value and store it."},
        "I2": {"type": "api", "content": "The setter shall accept an int32 value and store it."},
        # the corpus swaps Temperature / Brew in two places: a learned contrast
        "M1": {"type": "msg", "content": "Safety Monitor starts Temperature Controller Module."},
        "M2": {"type": "msg", "content": "Safety Monitor starts Brew Controller Module."},
        "M3": {"type": "msg", "content": "Operator panel stops Temperature Controller Module now."},
        "M4": {"type": "msg", "content": "Operator panel stops Brew Controller Module now."},
    }
    found = {ids: (kind, reason) for kind, ids, reason in _findings(tmp_path, needs)}
    assert found[("S1", "S2")][0] is Kind.PARALLEL and "safety / security" in found[("S1", "S2")][1]
    assert found[("I1", "I2")][0] is Kind.PARALLEL and "int16 / int32" in found[("I1", "I2")][1]
    assert found[("M1", "M2")][0] is Kind.PARALLEL and "Temperature / Brew" in found[("M1", "M2")][1]
    assert Kind.DUPLICATE not in {kind for kind, _ in found.values()}


def test_words_the_titles_also_swap_name_the_difference(tmp_path: Path) -> None:
    """Bodies that differ only in words their titles differ in too are two things the authors named
    apart (queue at compile time / at run time); titles that differ in other words leave the pair a
    duplicate."""
    body = "The kernel shall provide a mechanism to define and initialise a queue at {} time."
    needs = {
        "Q1": {"type": "req", "title": "Queue definition at compile time", "content": body.format("compile")},
        "Q2": {"type": "req", "title": "Queue definition at run time", "content": body.format("run")},
        "L1": {
            "type": "log",
            "title": "Alarm log",
            "content": "The hub shall record each alarm in the event log.",
        },
        "L2": {
            "type": "log",
            "title": "Logging of alarms",
            "content": "The hub shall capture each alarm in the event log.",
        },
    }
    found = {ids: (kind, reason) for kind, ids, reason in _findings(tmp_path, needs)}
    assert found[("Q1", "Q2")][0] is Kind.PARALLEL and "compile / run" in found[("Q1", "Q2")][1]
    assert found[("L1", "L2")][0] is Kind.DUPLICATE  # record / capture: not where the titles differ


def test_negation_in_a_condition_or_relative_clause_negates_no_obligation(tmp_path: Path) -> None:
    def negations(text: str) -> tuple[str, ...]:
        return profile(tokenize(text), names_of(Source("t"))).sentences[0].negations

    assert negations("The kernel shall provide default handlers for errors that do not have one.") == ()
    assert negations("When a mutex does not become free in time, the kernel shall return an error.") == ()
    assert negations("The supplier shall ensure that the device does not transmit.") == ("not",)
    assert negations("The meter shall not keep data which is older than a year.") == ("not",)
    needs = {
        "A": {
            "type": "req",
            "content": "The kernel shall run atomic operations on hardware that does not "
            "provide native atomic instructions.",
        },
        "B": {
            "type": "req",
            "content": "The kernel shall run atomic operations on hardware that provides "
            "native atomic instructions.",
        },
        "C": {"type": "req", "content": "The supplier shall ensure that the hub does not send the tariff."},
        "D": {"type": "req", "content": "The supplier shall ensure that the hub does send the tariff."},
    }
    found = {ids: kind for kind, ids, _ in _findings(tmp_path, needs)}
    assert found.get(("A", "B")) is not Kind.CONFLICT  # two kinds of hardware, no contradiction
    assert found[("C", "D")] is Kind.CONFLICT  # the negation is the obligation's own


def test_lower_case_slot_words_learned_from_a_family_of_swaps(tmp_path: Path) -> None:
    """An RTOS's requirements fill one slot with queue / semaphore / mutex / stack (each swapped with
    the others): a pair differing in one of them is a parallel variant, even where the swap itself
    was never seen. A word with three synonyms that never meet in a pair is no slot."""
    pattern = "The kernel shall provide a mechanism to define and initialise a {} at compile time."
    objects = ("queue", "semaphore", "mutex", "stack")
    needs: dict[str, dict[str, Any]] = {
        f"O{i}": {"type": "req", "content": pattern.format(word)} for i, word in enumerate(objects)
    }
    needs["T"] = {
        "type": "req",
        "content": "The kernel shall provide a mechanism to initialise timers at compile time.",
    }
    needs["Q"] = {
        "type": "req",
        "content": "The kernel shall provide a mechanism to define and initialise a queue at run time.",
    }
    # three requirements, each with a paraphrased copy: 'record' swapped for three synonyms that never
    # meet in a pair of their own
    frames = (
        "The meter shall {} each alarm in the event register within one second of the alarm.",
        "The hub shall {} every failed login attempt with the user name and the time of day.",
        "The display shall {} the tariff change notice received from the supplier before midnight.",
    )
    for i, (frame, synonym) in enumerate(zip(frames, ("capture", "note", "save"), strict=True)):
        needs[f"P{i}"] = {"type": "log", "content": frame.format("record")}
        needs[f"C{i}"] = {"type": "log", "content": frame.format(synonym)}
    found = {ids: (kind, reason) for kind, ids, reason in _findings(tmp_path, needs)}
    assert found[("O0", "O1")][0] is Kind.PARALLEL and "queue / semaphore" in found[("O0", "O1")][1]
    assert {found[("O0", f"O{i}")][0] for i in (1, 2, 3)} == {Kind.PARALLEL}
    assert found[("O0", "T")][0] is Kind.PARALLEL  # queue (a slot) replaced by timers: never seen swapped
    assert found[("O0", "Q")][0] is Kind.DUPLICATE  # compile / run: one swap, no family (a known limit)
    assert {found[(f"P{i}", f"C{i}")][0] for i in (0, 1, 2)} == {Kind.DUPLICATE}


def test_sentences_negation_and_modals_read_per_clause(tmp_path: Path) -> None:
    sentences = profile(
        tokenize("The tool shall, e.g. on request, export the log. It shall sign it."), names_of(Source("t"))
    ).sentences
    assert len(sentences) == 2  # "e.g." ends no sentence (pysbd)
    non = profile(tokenize("All non-functional requirements shall be met."), names_of(Source("t"))).sentences
    assert non[0].negations == ()
    only = profile(tokenize("The key can only be read by the owner."), names_of(Source("t"))).sentences
    assert only[0].modals == ("can-only",)
    above = profile(tokenize("The above limits shall apply."), names_of(Source("t"))).sentences
    assert above[0].comparators == ()
    needs = {
        "A": {"type": "req", "content": "All non-functional requirements shall be reviewed, e.g. by a peer."},
        "B": {"type": "req", "content": "All functional requirements shall be reviewed, e.g. by a peer."},
        "C": {"type": "req", "content": "The key can only be read by the owner of the device."},
        "D": {"type": "req", "content": "The key may be read by the owner of the device."},
    }
    found = {ids: (kind, reason) for kind, ids, reason in _findings(tmp_path, needs)}
    assert found[("A", "B")][0] is Kind.PARALLEL  # functional / non-functional: two subjects, no negation
    kind, reason = found[("C", "D")]
    assert kind is Kind.CONFLICT and "modal verbs differ: 'can only' vs 'may'" in reason


def _item(item_id: str, text: str) -> Item:
    return Item(item_id, text, "requirements", "", Location("t.rst", 1))


def test_misspellings_use_the_library_and_the_corpus_vocabulary() -> None:
    texts = {
        "A": "The security log shall record every security event; the device's security key is kept.",
        "B": "The secrity log shall keep relations between events and the throughput of the link.",
        "C": "The HAN's FIPS140-2 module shall debounce inputs at the premises within 2 metres.",
        "D": "The premise of the meters is that the security data is authorised.",
    }
    tokenised = [(item, tokenize(item.text)) for item in (_item(k, v) for k, v in texts.items())]
    glossary = [GlossaryEntry("T1", "Home area network", "HAN")]
    found = [
        (written, suggested, [i.id for i in items])
        for written, suggested, items, _ in misspellings(tokenised, glossary)
    ]
    # relations, throughput, device's, debounce, premises / premise, metres / meters: no finding
    assert found == [("secrity", "security", ["B"])]


def test_hostile_needs_json_is_refused_or_read_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _needs_json(
        tmp_path,
        {
            "A": {"type": "req", "title": 5, "content": ["x"], "lineno": "x"},
            "C": {
                "type": "req",
                "title": "T",
                "content": ":need:`<>` `broken <http://x` **open\n\n.. note::",
            },
            "D": {"type": "req", "title": "T", "content": '{% for x %} :ndf:`copy("__class__")` shall.'},
        },
    )
    assert main(["dups", str(path), "--no-terms", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "C and D: same-title" in out and "compared 2 req" in out  # A has no body: title only
    data = json.loads(path.read_text(encoding="utf-8"))
    data["versions"]["1"]["needs"]["B"] = "not a need"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["dups", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: need 'B' is a str, not an object [smets.input]" in err and "fix:" in err
