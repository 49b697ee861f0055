"""The first real dataset: Elster Metering's response to the DECC 2011 consultation.

Its texts must survive byte for byte: in the committed reST files (fast reader),
in the needs.json of the real Sphinx build, and when the import is run again
through the same path (export -> fill from the CSVs -> import).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from conftest import ROOT, copy_project
from smets_spec.consultation.decc2011 import CONSULTATION_ID, RESPONDENT, SEED, import_elster
from smets_spec.consultation.model import Kind, Stored, question_text, questions_of, read_responses
from smets_spec.consultation.store import Outcome
from smets_spec.corpus.ids import canonical
from smets_spec.corpus.load import Corpus, load_needs_json
from smets_spec.corpus.rstreader import read_file

RESPONSE_FILE = ROOT / "spec" / "consultations" / "decc-2011" / "elster-metering-limited.rst"


def _csv(name: str) -> list[dict[str, str]]:
    with (SEED / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


QUESTIONS = _csv("consultation-questions.csv")
ROWS = _csv("idts-requirements.csv")


def _expected() -> tuple[dict[int, str], dict[str, tuple[str | None, str | None]], list[tuple[str, ...]]]:
    answers = {int(q["number"]): q["elster_answer"] for q in QUESTIONS}
    comments: dict[str, tuple[str | None, str | None]] = {}
    general: list[tuple[str, ...]] = []
    for row in ROWS:
        issue, comment = row["elster_issue"] or None, row["elster_comment"] or None
        if issue is None and comment is None:
            continue
        if row["summary_requirement"]:
            comments[canonical(row["id"])] = (issue, comment)  # the seed gives clause numbers
        else:
            general.append((row["idts_section"], row["elster_issue"], row["elster_comment"]))
    return answers, comments, general


def _check(corpus: Corpus) -> list[Stored]:
    items, problems = read_responses(corpus, CONSULTATION_ID)
    assert problems == []
    assert {s.respondent for s in items} == {RESPONDENT}
    answers, comments, general = _expected()
    by_number = {
        int(s.response.target.rsplit("_", 1)[1]): s.response.text
        for s in items
        if s.response.kind is Kind.ANSWER
    }
    assert by_number == answers
    assert {
        s.response.target: (s.response.rating.value if s.response.rating else None, s.response.text)
        for s in items
        if s.response.kind is Kind.REQUIREMENT
    } == comments
    assert [
        (s.response.topic or "", s.response.rating.value if s.response.rating else "", s.response.text or "")
        for s in items
        if s.response.kind is Kind.GENERAL
    ] == general
    for item in items:
        assert not item.response.stale and item.response.wording is None
    return items


def test_committed_response_matches_the_csv_byte_for_byte(corpus: Corpus) -> None:
    items = _check(corpus)
    # the README of the seed data: 18 Major, 28 Minor; 62 answers; 9 non-requirement rows, 7 with text
    ratings = Counter(s.response.rating.value for s in items if s.response.rating)
    assert ratings == Counter({"Minor": 28, "Major": 18})
    assert Counter(s.response.kind for s in items) == Counter(
        {Kind.ANSWER: 62, Kind.REQUIREMENT: 53, Kind.GENERAL: 7}
    )


def test_questions_match_the_csv(corpus: Corpus) -> None:
    questions = questions_of(corpus, CONSULTATION_ID)
    assert [(q.number, question_text(q)) for q in questions] == [
        (int(q["number"]), q["question"]) for q in QUESTIONS
    ]


def test_needs_json_gives_back_the_same_texts(built_site: Path) -> None:
    corpus = load_needs_json(built_site / "needs.json")
    _check(corpus)
    questions = questions_of(corpus, CONSULTATION_ID)
    assert [question_text(q) for q in questions] == [q["question"] for q in QUESTIONS]


def _needs(path: Path) -> list[tuple[object, ...]]:
    needs, errors = read_file(path, path.name, ["ccomment"])
    assert errors == []
    return [(n.title, sorted((k, v.value) for k, v in n.options.items()), n.content) for n in needs]


def test_the_committed_file_is_what_the_import_path_produces(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    produced = root / RESPONSE_FILE.relative_to(ROOT)
    produced.unlink()
    report, stored = import_elster(root)
    assert stored is not None, [d.format() for d in report.diagnostics]
    assert stored.outcome is Outcome.WRITTEN and stored.path == produced
    assert _needs(produced) == _needs(RESPONSE_FILE)
    skipped_rows = sum(
        1 for r in ROWS if r["summary_requirement"] and not (r["elster_issue"] or r["elster_comment"])
    )
    assert len(report.skipped) == skipped_rows == 51  # requirement rows Elster left blank
    _, again = import_elster(root)
    assert again is not None and again.outcome is Outcome.UNCHANGED
