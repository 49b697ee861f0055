"""``smets consult export``: the workbook a respondent fills in.

Written with openpyxl in write-only mode (streamed, so 10,000 requirements take
a second or two). Sheet protection, the Issue drop-down (data validation), the
frozen header, the filter and the print settings are openpyxl's own. Every text
is written as a string cell, never a formula; text starting with ``= + - @``
also gets Excel's "quote prefix" so it stays text when a respondent edits it.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from ..corpus.files import atomic_path
from ..corpus.load import Corpus
from ..corpus.schema import Consultation, Device
from . import layout
from .model import (
    REQUIREMENT_CELLS,
    consulted_requirements,
    question_cells,
    questions_of,
    requirement_cells,
    requirement_text,
)

_FORMULA_START = ("=", "+", "-", "@")
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_PAPER_A4 = "9"

HOW_TO_RESPOND = (
    "1. Type your organisation's name in the yellow cell above.\n"
    "2. Questions sheet: write your answer to each question in the Answer column.\n"
    "3. Requirements sheet: for each requirement you wish to comment on, choose Major, Minor or none "
    "in the Issue column, and write your comment and any proposed wording.\n"
    "4. General sheet: comments on no single requirement, with a topic of your choice.\n"
    "Only the yellow columns can be edited. Do not rename sheets or save as .xlsm; "
    "return this file as .xlsx by the closing date."
)


@dataclass(frozen=True)
class ExportResult:
    consultation: str
    revision: str
    requirements: int
    questions: int


class _Cells:
    """Cell factory for one write-only sheet, with styles built once and copied."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._styles: dict[str, Any] = {}
        for name, kwargs in {
            "plain": {},
            "wrap": {"alignment": _TOP_WRAP},
            "header": {"font": Font(bold=True), "fill": _HEADER_FILL, "alignment": _TOP_WRAP},
            "input": {"alignment": _TOP_WRAP, "fill": _INPUT_FILL, "protection": Protection(locked=False)},
            "title": {"font": Font(bold=True, size=14)},
        }.items():
            cell = WriteOnlyCell(ws)
            for attr, value in kwargs.items():
                setattr(cell, attr, value)
            self._styles[name] = cell._style

    def text(self, value: str | None, style: str = "wrap") -> Any:
        """A string cell (never a formula), quote-prefixed when it starts like one."""
        cell = WriteOnlyCell(self.ws)
        if value is not None:
            cell._value = value
            cell.data_type = "s"
        cell._style = copy(self._styles[style])
        if value and value.startswith(_FORMULA_START):
            cell.quotePrefix = True
        return cell

    def number(self, value: int) -> Any:
        cell = WriteOnlyCell(self.ws, value)
        cell._style = copy(self._styles["wrap"])
        return cell


def _setup_table(ws: Any, widths: tuple[int, ...], response_from: int, rows: int) -> None:
    """Widths, editable response columns, frozen header, filter, protection, print settings."""
    for index, width in enumerate(widths, start=1):
        dim = ws.column_dimensions[get_column_letter(index)]
        dim.width = width
        if index >= response_from:
            dim.protection = Protection(locked=False)
            dim.alignment = _TOP_WRAP
            dim.fill = _INPUT_FILL
    last = get_column_letter(len(widths))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{max(rows + 1, 2)}"
    ws.protection.sheet = True
    ws.protection.autoFilter = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = _PAPER_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _rating_validation(ws: Any, cells: str) -> None:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(layout.RATINGS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Issue",
        error="Choose Major, Minor or none (or leave it empty).",
        showInputMessage=True,
        promptTitle="Issue",
        prompt="Major, Minor or none",
    )
    validation.add(cells)
    ws.data_validations.append(validation)


def _cost_validations(ws: Any, rows: int) -> None:
    """Drop-downs and number checks of the cost-evidence columns (see layout.COST_COLUMNS)."""
    for offset, column in enumerate(layout.COST_COLUMNS):
        letter = get_column_letter(layout.COST_FIRST + offset + 1)
        if column.kind == "choice":
            validation = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"')
        elif column.kind == "number":
            validation = DataValidation(
                type="decimal", operator="between", formula1="0", formula2=str(int(column.maximum))
            )
        else:
            continue
        validation.allow_blank = True
        validation.showErrorMessage = validation.showInputMessage = True
        validation.errorTitle = validation.promptTitle = column.header
        validation.error = f"Write {column.prompt}, or leave it empty."
        validation.prompt = column.prompt
        validation.add(f"{letter}2:{letter}{rows + 1}")
        ws.data_validations.append(validation)


def cover_cells(consultation: Consultation, revision: str) -> dict[str, str]:
    """The Cover sheet's protected text by cell (everything but the respondent's cell)."""
    return {
        "A1": consultation.title,
        "A3": "Consultation",
        "B3": consultation.id,
        "A4": "Specification version",
        "B4": revision,
        "A5": "Closing date",
        "B5": consultation.closing_date or "",
        "A6": layout.RESPONDENT_LABEL,
        "A8": "How to respond",
        "B8": HOW_TO_RESPOND,
    }


def _cover(wb: Workbook, consultation: Consultation, revision: str, payload: layout.Payload) -> None:
    ws = wb.create_sheet(layout.COVER)
    cells = _Cells(ws)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    ws.protection.sheet = True
    text = cover_cells(consultation, revision)
    payload.cover = {k: v for k, v in text.items() if v}
    ws.append([cells.text(text["A1"], "title")])
    ws.append([])
    for row in (3, 4, 5):
        ws.append([cells.text(text[f"A{row}"], "header"), cells.text(text[f"B{row}"])])
    assert layout.RESPONDENT_CELL == "B6"
    ws.append([cells.text(text["A6"], "header"), cells.text(None, "input")])
    ws.append([])
    ws.append([cells.text(text["A8"], "header"), cells.text(text["B8"])])
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = _PAPER_A4


def _questions(wb: Workbook, corpus: Corpus, consultation: Consultation, payload: layout.Payload) -> int:
    ws = wb.create_sheet(layout.QUESTIONS)
    cells = _Cells(ws)
    questions = questions_of(corpus, consultation.id)
    _setup_table(ws, layout.QUESTION_WIDTHS, layout.QUESTION_PROTECTED + 1, len(questions))
    ws.append([cells.text(h, "header") for h in layout.QUESTION_COLUMNS])
    for question in questions:
        number = question.number or 0
        values = question_cells(question)
        ws.append([cells.number(number), cells.text(values[1])])
        payload.questions[question.id] = (number, layout.fingerprint(values[1]), layout.cells_hash(values))
    return len(questions)


def _requirements(wb: Workbook, corpus: Corpus, payload: layout.Payload) -> int:
    ws = wb.create_sheet(layout.REQUIREMENTS)
    cells = _Cells(ws)
    reqs = consulted_requirements(corpus)
    devices = corpus.of_type(Device)
    _setup_table(ws, layout.REQUIREMENT_WIDTHS, layout.REQUIREMENT_PROTECTED + 1, len(reqs))
    issue = get_column_letter(layout.column(layout.REQUIREMENT_COLUMNS, "Issue") + 1)
    _rating_validation(ws, f"{issue}2:{issue}{len(reqs) + 1}")
    _cost_validations(ws, len(reqs))
    ws.append([cells.text(h, "header") for h in layout.REQUIREMENT_COLUMNS])
    styles = [style for _, _, style in REQUIREMENT_CELLS]
    for req in reqs:
        values = requirement_cells(req, devices)
        ws.append([cells.text(value, style) for value, style in zip(values, styles, strict=True)])
        payload.requirements[req.id] = (layout.fingerprint(requirement_text(req)), layout.cells_hash(values))
    return len(reqs)


def _general(wb: Workbook) -> None:
    ws = wb.create_sheet(layout.GENERAL)
    cells = _Cells(ws)
    _setup_table(ws, layout.GENERAL_WIDTHS, 1, layout.GENERAL_ROWS)
    ws.protection.insertRows = False
    _rating_validation(ws, f"B2:B{layout.GENERAL_ROWS + 1}")
    ws.append([cells.text(h, "header") for h in layout.GENERAL_COLUMNS])


def _integrity(wb: Workbook, payload: layout.Payload) -> None:
    ws = wb.create_sheet(layout.INTEGRITY)
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
    text = payload.to_json()
    ws.append([layout.MARKER, layout.FORMAT_VERSION])
    ws.append(["consultation", payload.consultation])
    ws.append(["spec_revision", payload.revision])
    ws.append(["payload_sha256", payload.checksum()])
    for chunk in layout.chunks(text):
        ws.append(["payload", chunk])


def export_workbook(corpus: Corpus, consultation: Consultation, revision: str, out: Path) -> ExportResult:
    """Write the consultation workbook for ``consultation`` to ``out``."""
    wb = Workbook(write_only=True)
    payload = layout.Payload(consultation.id, revision)
    payload.headers = {
        layout.QUESTIONS: "\t".join(layout.QUESTION_COLUMNS),
        layout.REQUIREMENTS: "\t".join(layout.REQUIREMENT_COLUMNS),
        layout.GENERAL: "\t".join(layout.GENERAL_COLUMNS),
    }
    _cover(wb, consultation, revision, payload)
    n_questions = _questions(wb, corpus, consultation, payload)
    n_reqs = _requirements(wb, corpus, payload)
    _general(wb)
    _integrity(wb, payload)
    wb.security = WorkbookProtection(lockStructure=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return ExportResult(consultation.id, revision, n_reqs, n_questions)


def spec_revision(root: Path) -> str:
    """The git revision of the spec (``+modified`` when spec/ has uncommitted changes)."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return "unversioned"
    if not repo.head.is_valid():
        return "unversioned"
    revision = str(repo.head.commit.hexsha)[:12]
    try:
        spec = (root / "spec").resolve().relative_to(Path(str(repo.working_tree_dir)).resolve()).as_posix()
    except ValueError:
        return revision
    dirty = repo.is_dirty(untracked_files=True, path=spec)
    return revision + ("+modified" if dirty else "")
