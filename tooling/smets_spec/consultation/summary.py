"""``smets consult summary``: every response to a consultation, consolidated.

The same figures feed the site's consultation page (:mod:`.render`) and the
summary workbook for the programme team: per requirement every respondent's
rating and comment, per question every answer, the general comments, and the
Major / Minor counts by section and by respondent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus.diagnostics import Diagnostic
from ..corpus.files import atomic_path
from ..corpus.load import Corpus
from ..corpus.schema import Consultation, ConsultationQuestion, Rating, Requirement
from .model import Kind, Stored, consulted_requirements, question_text, questions_of, read_responses

if TYPE_CHECKING:  # openpyxl (and numpy, which it imports) only for the workbook: not in a site build
    from openpyxl import Workbook

_FORMULA_START = ("=", "+", "-", "@")
UNRATED = "unrated"
COUNT_COLUMNS = (Rating.MAJOR.value, Rating.MINOR.value, Rating.NONE.value, UNRATED)


@dataclass
class Summary:
    consultation: Consultation
    questions: list[ConsultationQuestion]
    stored: list[Stored]
    diagnostics: list[Diagnostic]
    by_section: dict[str, Counter[str]] = field(default_factory=dict)
    by_respondent: dict[str, Counter[str]] = field(default_factory=dict)

    def of_kind(self, kind: Kind) -> list[Stored]:
        return [s for s in self.stored if s.response.kind is kind]


def _rating_key(stored: Stored) -> str:
    rating = stored.response.rating
    return rating.value if rating is not None else UNRATED


def summarise(corpus: Corpus, consultation: Consultation) -> Summary:
    stored, problems = read_responses(corpus, consultation.id)
    summary = Summary(consultation, questions_of(corpus, consultation.id), stored, problems)
    for item in stored:
        if item.response.kind is Kind.ANSWER:
            continue
        req = corpus.needs.get(item.response.target)
        section = req.section.value if isinstance(req, Requirement) and req.section else "general"
        summary.by_section.setdefault(section, Counter())[_rating_key(item)] += 1
        summary.by_respondent.setdefault(item.respondent, Counter())[_rating_key(item)] += 1
    return summary


class _Sheet:
    def __init__(self, wb: Workbook, title: str, headers: tuple[str, ...], widths: tuple[int, ...]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        self.ws = wb.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = "A2"
        self.ws.print_title_rows = "1:1"
        self.ws.page_setup.orientation = "landscape"
        self._wrap = WriteOnlyCell(self.ws)
        self._wrap.alignment = Alignment(wrap_text=True, vertical="top")
        header = []
        for text in headers:
            cell = WriteOnlyCell(self.ws, text)
            cell.font = Font(bold=True)
            header.append(cell)
        self.ws.append(header)
        self.rows = 0
        self.width = len(headers)

    def add(self, values: list[Any]) -> None:
        from openpyxl.cell import WriteOnlyCell

        row = []
        for value in values:
            cell = WriteOnlyCell(self.ws)
            if isinstance(value, str):
                cell._value = value
                cell.data_type = "s"
                if value.startswith(_FORMULA_START):
                    cell.quotePrefix = True
            elif value is not None:
                cell.value = value
            cell._style = self._wrap._style
            row.append(cell)
        self.ws.append(row)
        self.rows += 1

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        self.ws.auto_filter.ref = f"A1:{get_column_letter(self.width)}{self.rows + 1}"


def _rating_value(stored: Stored) -> str | None:
    return stored.response.rating.value if stored.response.rating else None


def _requirements_sheet(wb: Workbook, corpus: Corpus, summary: Summary) -> None:
    sheet = _Sheet(
        wb,
        "Requirements",
        ("Id", "Section", "Title", "Respondent", "Issue", "Comment", "Proposed wording", "Stale"),
        (9, 8, 28, 24, 9, 60, 40, 7),
    )
    order = {req.id: n for n, req in enumerate(consulted_requirements(corpus))}
    items = summary.of_kind(Kind.REQUIREMENT)
    for item in sorted(
        items, key=lambda s: (order.get(s.response.target, len(order)), s.respondent.casefold())
    ):
        req = corpus.needs.get(item.response.target)
        section = req.section.value if isinstance(req, Requirement) and req.section else ""
        r = item.response
        sheet.add(
            [
                r.target,
                section,
                req.title if req else "",
                item.respondent,
                _rating_value(item),
                r.text,
                r.wording,
                "stale" if r.stale else None,
            ]
        )
    sheet.finish()


def _questions_sheet(wb: Workbook, summary: Summary) -> None:
    sheet = _Sheet(
        wb, "Questions", ("Number", "Question", "Respondent", "Answer", "Stale"), (8, 60, 24, 80, 7)
    )
    answers: dict[str, list[Stored]] = {}
    for item in summary.of_kind(Kind.ANSWER):
        answers.setdefault(item.response.target, []).append(item)
    for question in summary.questions:
        for item in sorted(answers.get(question.id, []), key=lambda s: s.respondent.casefold()):
            sheet.add(
                [
                    question.number,
                    question_text(question),
                    item.respondent,
                    item.response.text,
                    "stale" if item.response.stale else None,
                ]
            )
    sheet.finish()


def write_summary(corpus: Corpus, summary: Summary, out: Path) -> None:
    """The consolidated responses as a workbook for the programme team."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    _requirements_sheet(wb, corpus, summary)
    _questions_sheet(wb, summary)
    general = _Sheet(
        wb, "General", ("Topic", "Respondent", "Issue", "Comment", "Proposed wording"), (30, 24, 9, 70, 40)
    )
    for item in summary.of_kind(Kind.GENERAL):
        general.add(
            [
                item.response.topic,
                item.respondent,
                _rating_value(item),
                item.response.text,
                item.response.wording,
            ]
        )
    general.finish()
    counts = _Sheet(wb, "Counts", ("By", "Name", *COUNT_COLUMNS, "Total"), (12, 30, 9, 9, 9, 9, 9))
    for by, table in (("section", summary.by_section), ("respondent", summary.by_respondent)):
        for name, counter in sorted(table.items()):
            counts.add([by, name, *(counter.get(c, 0) for c in COUNT_COLUMNS), sum(counter.values())])
    counts.finish()
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        wb.save(tmp)
