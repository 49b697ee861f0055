"""Export -> fill -> import -> summary gives back exactly what the respondent wrote."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.xml import LXML

from consulttools import answer, import_one, load, mini_project, stored_texts
from smets_spec.consultation import layout
from smets_spec.consultation.fill import Filled
from smets_spec.consultation.model import pick_consultation, read_responses
from smets_spec.consultation.store import Outcome
from smets_spec.consultation.summary import summarise, write_summary

#: Characters an .xlsx can hold (XML 1.0 forbids most C0 controls; openpyxl refuses them).
_XML_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(32) if c not in (9, 10, 13) or (c == 13 and not LXML)]
    + ["\ufffe", "\uffff"],
)
SPECIAL = [
    "=SUM(A1:A9)",
    "=1+2",
    "+44 1785 275200",
    "-- dashes",
    "@mention",
    "line one\nline two\n\nafter a blank line",
    "  indented\n\ttabbed\ntrailing   ",
    ".. note:: not a directive\n* not a bullet\n:id: PC_99",
    "unicode: £ € ü ß 日本語 😀 \u2028 \u00a0",
    "windows line ends are below",
    "x" * 32_767,
    ("A long paragraph with spaces. " * 1000).strip(),
]
TEXT = st.one_of(st.text(_XML_CHARS, min_size=1, max_size=300), st.sampled_from(SPECIAL))
RATING = st.sampled_from(["Major", "Minor", "none", None])
RESPONDENT = st.sampled_from(
    ["Elster Metering Limited", "Énergie & Société (UK) Ltd.", "株式会社テスト", "O'Brien-Smith"]
)
TOPIC = st.one_of(st.none(), st.sampled_from(["Architectures", "App B Normative References", "= topic"]))


@st.composite
def responses(draw: Any) -> Filled:
    filled = Filled(draw(RESPONDENT))
    for number in (1, 2):
        if draw(st.booleans()):
            filled.answers[number] = draw(TEXT)
    for req_id in ("PC_01", "PC_02", "SP_2"):
        rating, comment, wording = draw(RATING), draw(st.none() | TEXT), draw(st.none() | TEXT)
        if rating or comment or wording:
            filled.comments[req_id] = (rating, comment, wording)
    for _ in range(draw(st.integers(0, 2))):
        filled.general.append((draw(TOPIC), draw(RATING), draw(TEXT), draw(st.none() | TEXT)))
    return filled


def _sheet(path: Path, name: str) -> list[tuple[Any, ...]]:
    wb = load_workbook(path, read_only=True)
    rows = [tuple(row) for row in wb[name].iter_rows(min_row=2, values_only=True)]
    wb.close()
    return rows


def check_round_trip(filled: Filled, work: Path) -> None:
    root = mini_project(work / "repo")
    book = answer(root, filled, work)
    report, stored = import_one(root, book)
    assert report.result is not None, [d.format() for d in report.diagnostics]
    assert stored is not None and stored.outcome is Outcome.WRITTEN
    corpus = load(root)
    assert corpus.errors == 0, [d.format() for d in corpus.diagnostics]
    items, problems = read_responses(corpus, "CON_TEST")
    assert problems == []
    answers, comments, general = stored_texts(items)
    assert answers == filled.answers
    assert comments == filled.comments
    assert general == filled.general
    assert {s.respondent for s in items} <= {filled.respondent}
    # the summary workbook gives back the same texts
    summary_path = work / "summary.xlsx"
    write_summary(corpus, summarise(corpus, pick_consultation(corpus, None)), summary_path)
    sheet_reqs = {row[0]: (row[4], row[5], row[6]) for row in _sheet(summary_path, "Requirements")}
    assert sheet_reqs == filled.comments
    assert {row[0]: row[3] for row in _sheet(summary_path, "Questions")} == filled.answers
    assert [(r[0], r[2], r[3], r[4]) for r in _sheet(summary_path, "General")] == filled.general
    # importing the same workbook again changes nothing
    before = stored.path.read_bytes()
    _, again = import_one(root, book)
    assert again is not None and again.outcome is Outcome.UNCHANGED
    assert stored.path.read_bytes() == before


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(responses())
def test_round_trip_property(filled: Filled) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        check_round_trip(filled, Path(tmp))


def test_round_trip_of_every_special_text(tmp_path: Path) -> None:
    filled = Filled("Elster Metering Limited", answers={1: SPECIAL[0], 2: SPECIAL[-1]})
    filled.comments = {
        "PC_01": ("Major", SPECIAL[5], SPECIAL[7]),
        "PC_02": (None, SPECIAL[10], None),
        "SP_2": ("none", None, SPECIAL[9]),
    }
    filled.general = [(None, None, text, None) for text in SPECIAL]
    check_round_trip(filled, tmp_path)


def test_rating_only_row_is_stored(tmp_path: Path) -> None:
    check_round_trip(Filled("A Ltd", comments={"PC_01": ("Minor", None, None)}), tmp_path)


def test_stored_file_is_plain_rest(tmp_path: Path) -> None:
    root = mini_project(tmp_path / "repo")
    book = answer(
        root,
        Filled(
            "Elster Metering Limited",
            answers={2: "Yes.\n* because"},
            comments={"PC_01": ("Major", "=bad idea", "shall *not*")},
        ),
        tmp_path,
    )
    _, stored = import_one(root, book)
    assert stored is not None
    assert stored.path == root / "spec" / "consultations" / "test" / "elster-metering-limited.rst"
    text = stored.path.read_text(encoding="utf-8")
    assert (
        ".. ccomment:: Elster Metering Limited on PC.01\n"  # the title shows the clause
        "   :id: CC_TEST_ELSTER_METERING_LIMITED_PC_01\n"
        "   :respondent: Elster Metering Limited\n"
        "   :rating: Major\n"
        "   :responds_to: CON_TEST\n"
        "   :comments_on: PC_01\n" in text
    )
    assert "   **Comment**\n\n   | =bad idea\n\n   **Proposed wording**\n\n   | shall \\*not\\*\n" in text
    assert "   **Answer**\n\n   | Yes.\n   | \\* because\n" in text
    assert f"   :fingerprint: {layout.fingerprint('Why?' + chr(10) + 'Say more.')}\n" in text


@pytest.mark.skipif(
    not LXML,
    reason="openpyxl writes a carriage return unescaped unless lxml is installed, and XML readers then read "
    "it as a line feed (the .rst files keep it either way: see test_consult_textcodec)",
)
def test_carriage_returns_round_trip(tmp_path: Path) -> None:
    text = "windows\r\nline ends\r"
    check_round_trip(Filled("A Ltd", answers={1: text}, comments={"PC_01": (None, text, "\r")}), tmp_path)
