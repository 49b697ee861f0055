"""The first real dataset: the DECC 2011 consultation and Elster Metering's response.

``python -m smets_spec.consultation.decc2011`` (re)writes, from the seed CSVs in
``tests/data/seed/``:

* ``spec/consultations/decc-2011/index.rst``: the consultation ``CON_DECC_2011``;
* ``spec/consultations/decc-2011/questions.rst``: its questions 1-62;
* ``spec/consultations/decc-2011/elster-metering-limited.rst``: the response of
  13 October 2011, imported THROUGH THE SAME PATH as any returned workbook: the
  consultation workbook is exported, filled in from the CSVs (answers from
  ``elster_answer``; ratings and comments from ``elster_issue`` /
  ``elster_comment``; rows that are not requirements become general comments
  under their IDTS section as topic) and imported.

The seed document does not state the consultation's closing date; the date of
the response (2011-10-13) stands in for it and is marked as a placeholder.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

from ..corpus.diagnostics import Reporter
from ..corpus.files import write_atomic
from ..corpus.ids import canonical
from ..corpus.load import Corpus, load_spec
from ..corpus.schema import ConsultationQuestion
from ..markup.rst import heading
from .export import export_workbook, spec_revision
from .fill import Filled, fill_workbook
from .importer import read_workbook
from .model import pick_consultation
from .reader import ImportReport
from .store import StoreResult, consultation_folder, store
from .textcodec import encode_text

CONSULTATION_ID = "CON_DECC_2011"
FOLDER = Path("consultations") / "decc-2011"
RESPONDENT = "Elster Metering Limited"
CLOSING_DATE = "2011-10-13"
CLOSING_DATE_SOURCE = (
    "PLACEHOLDER: the seed document (Elster's response, dated 13 October 2011) does not state the "
    "closing date; the date of the response stands in for it"
)
ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "tests" / "data" / "seed"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def question_id(number: int) -> str:
    return f"{ConsultationQuestion.prefix}DECC_2011_{number:02d}"


def consultation_page() -> str:
    return "\n".join(
        [
            "DECC 2011 consultation",
            "======================",
            "",
            ".. consultation:: DECC Smart Metering Implementation Programme consultation (2011)",
            f"   :id: {CONSULTATION_ID}",
            f"   :closing_date: {CLOSING_DATE}",
            f"   :closing_date_source: {CLOSING_DATE_SOURCE}",
            "",
            "   The consultation of the Department of Energy and Climate Change (DECC) on the Smart Metering",
            "   Implementation Programme, October 2011, with its questions 1-62. The response of Elster",
            "   Metering Limited, dated 13 October 2011, is the seed document of this repository; it answers",
            "   the questions and rates individual requirements of the industry draft technical",
            "   specification (IDTS) Major or Minor.",
            "",
            f".. smets-consultation:: {CONSULTATION_ID}",
            "",
            ".. toctree::",
            "   :maxdepth: 1",
            "   :glob:",
            "",
            "   *",
            "",
        ]
    )


def questions_page(rows: list[dict[str, str]]) -> str:
    out = [heading("DECC 2011 consultation: questions", "="), ""]
    for row in rows:
        number = int(row["number"])
        out += [
            f".. cquestion:: Question {number}",
            f"   :id: {question_id(number)}",
            f"   :number: {number}",
            f"   :part_of: {CONSULTATION_ID}",
            "",
        ]
        out += [f"   {line}" for line in encode_text(row["question"])]
        out.append("")
    return "\n".join(out)


OVERVIEW = """Consultations
=============

Consultations on the specification, their questions, and every response imported from the
returned workbooks (see the :doc:`consultation guide </guide/consultation>`).

.. toctree::
   :maxdepth: 2
   :glob:

   */index
"""


def write_definitions(spec: Path, questions_csv: Path) -> list[Path]:
    """Write the consultation, its questions and the overview page; return the files written."""
    files = {
        spec / "consultations" / "index.rst": OVERVIEW,
        spec / FOLDER / "index.rst": consultation_page(),
        spec / FOLDER / "questions.rst": questions_page(read_csv(questions_csv)),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    return list(files)


def elster_response(corpus: Corpus, questions_csv: Path, requirements_csv: Path) -> Filled:
    """What Elster wrote, as a respondent would type it into the workbook."""
    filled = Filled(RESPONDENT)
    for row in read_csv(questions_csv):
        if row["elster_answer"]:
            filled.answers[int(row["number"])] = row["elster_answer"]
    missing = []
    for row in read_csv(requirements_csv):
        issue, comment = row["elster_issue"] or None, row["elster_comment"] or None
        if issue is None and comment is None:
            continue
        if not row["summary_requirement"]:
            filled.general.append((row["idts_section"], issue, comment, None))
        elif canonical(row["id"]) in corpus.needs:  # the 2011 table gives clause numbers (GS.08)
            filled.comments[canonical(row["id"])] = (issue, comment, None)
        else:
            missing.append(row["id"])
    if missing:
        raise ValueError(f"requirements not in the spec: {', '.join(missing)}; nothing imported")
    return filled


def import_elster(
    root: Path, seed: Path = SEED, workdir: Path | None = None
) -> tuple[ImportReport, StoreResult | None]:
    """Export the workbook, fill it in from the CSVs, import it (replacing an earlier import)."""
    corpus = load_spec(root / "spec", relative_to=root)
    consultation = pick_consultation(corpus, CONSULTATION_ID)
    with tempfile.TemporaryDirectory() as tmp:
        folder = workdir or Path(tmp)
        blank, answered = folder / "decc-2011-blank.xlsx", folder / "decc-2011-elster.xlsx"
        export_workbook(corpus, consultation, spec_revision(root), blank)
        fill_workbook(
            blank,
            answered,
            elster_response(corpus, seed / "consultation-questions.csv", seed / "idts-requirements.csv"),
        )
        report = read_workbook(answered, corpus, where=answered.name)
        if report.result is None:
            return report, None
        return report, store(
            report.result, consultation_folder(corpus, root, CONSULTATION_ID), root, replace=True
        )


def main() -> int:
    root = ROOT
    write_definitions(root / "spec", SEED / "consultation-questions.csv")
    report, stored = import_elster(root)
    reporter = Reporter()
    reporter.extend(report.diagnostics)
    reporter.print()
    if stored is None:
        return 1
    sys.stdout.write(f"{stored.path.relative_to(root)}: {stored.outcome.value}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
