"""Helpers for the consultation tests: a tiny project, and export -> fill -> import in one call."""

from __future__ import annotations

from pathlib import Path

from smets_spec.consultation.export import export_workbook
from smets_spec.consultation.fill import Filled, fill_workbook
from smets_spec.consultation.importer import read_workbook
from smets_spec.consultation.layout import Limits
from smets_spec.consultation.model import Kind, Stored, pick_consultation
from smets_spec.consultation.reader import ImportReport
from smets_spec.consultation.store import StoreResult, consultation_folder, store
from smets_spec.corpus.load import Corpus, load_spec

DEVICE = """Devices
=======

.. device:: Electricity meter
   :id: DEV_ESME
   :firmware_upgradeable: true
   :installed_base: unknown
   :installed_base_source: none (test)
"""

REQUIREMENTS = {
    "PC_01": ("Switch mode", "The meter shall switch between prepayment and credit."),
    "PC_02": ("Formula-like text", "=SUM(A1:A2) looks like a formula; - so does this; @ and + too."),
    "SP_2": ("Markup", "Text with *stars*, `ticks`, _under_ and |bars| and :field: lists."),
}


def requirement(need_id: str, title: str, text: str) -> str:
    return (
        f".. req:: {title}\n   :id: {need_id}\n   :status: proposed\n   :section: {need_id[:2]}\n"
        f"   :impact: firmware\n   :mandatory_for: DEV_ESME\n\n   {text}\n"
    )


CONSULTATION = """Test consultation
=================

.. consultation:: A test consultation
   :id: CON_TEST
   :closing_date: 2030-01-31

.. cquestion:: Question 1
   :id: CQ_TEST_01
   :number: 1
   :part_of: CON_TEST

   | Do you agree?

.. cquestion:: Question 2
   :id: CQ_TEST_02
   :number: 2
   :part_of: CON_TEST

   | Why?
   | Say more.
"""


def mini_project(root: Path) -> Path:
    """A tiny valid project: one device, three requirements, a consultation with two questions."""
    spec = root / "spec"
    (spec / "consultations" / "test").mkdir(parents=True)
    (spec / "devices.rst").write_text(DEVICE, encoding="utf-8")
    reqs = "Requirements\n============\n\n" + "\n".join(
        requirement(i, t, x) for i, (t, x) in REQUIREMENTS.items()
    )
    (spec / "requirements.rst").write_text(reqs, encoding="utf-8")
    (spec / "consultations" / "test" / "index.rst").write_text(CONSULTATION, encoding="utf-8")
    (root / "conf.py").write_text('extensions = ["smets_spec.sphinx"]\n', encoding="utf-8")
    corpus = load(root)
    assert corpus.errors == 0, [d.format() for d in corpus.diagnostics]
    return root


def load(root: Path) -> Corpus:
    return load_spec(root / "spec", relative_to=root)


def export(root: Path, out: Path, revision: str = "test-rev") -> Path:
    corpus = load(root)
    export_workbook(corpus, pick_consultation(corpus, None), revision, out)
    return out


def answer(root: Path, filled: Filled, work: Path, name: str = "answered.xlsx") -> Path:
    """Export a fresh workbook and fill it in; return the answered workbook."""
    blank = export(root, work / f"blank-{name}")
    fill_workbook(blank, work / name, filled)
    return work / name


def import_one(
    root: Path, path: Path, replace: bool = False, limits: Limits | None = None
) -> tuple[ImportReport, StoreResult | None]:
    corpus = load(root)
    report = read_workbook(path, corpus, where=path.name, limits=limits)
    if report.result is None:
        return report, None
    folder = consultation_folder(corpus, root, report.result.consultation)
    return report, store(report.result, folder, root, replace=replace)


def messages(report: ImportReport) -> str:
    return "\n".join(d.format() for d in report.diagnostics)


Comment = tuple[str | None, str | None, str | None]
General = tuple[str | None, str | None, str | None, str | None]


def stored_texts(
    items: list[Stored],
) -> tuple[dict[int, str | None], dict[str, Comment], list[General]]:
    """Stored responses shaped as :class:`Filled` holds them: answers by question number, comments
    (issue, comment, wording) by requirement id, and the general rows in order."""
    answers: dict[int, str | None] = {}
    comments: dict[str, Comment] = {}
    general: list[General] = []
    for s in items:
        rating = s.response.rating.value if s.response.rating else None
        if s.response.kind is Kind.ANSWER:
            answers[int(s.response.target[-2:])] = s.response.text
        elif s.response.kind is Kind.REQUIREMENT:
            comments[s.response.target] = (rating, s.response.text, s.response.wording)
        elif s.response.kind is Kind.GENERAL:
            general.append((s.response.topic, rating, s.response.text, s.response.wording))
    return answers, comments, general
