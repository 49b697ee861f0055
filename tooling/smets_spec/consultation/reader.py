"""Reading the cells of a returned workbook, with messages naming sheet, row and column."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.load import Corpus
from ..corpus.schema import Rating
from . import layout
from .baseline import Baseline
from .model import ResponseSet

_WARNED_CELL = re.compile(r"\bCell ([A-Z]{1,3})([0-9]+)\b")


@dataclass
class ImportReport:
    """What one workbook gave: the responses, what was skipped and why, and the problems."""

    workbook: str
    result: ResponseSet | None = None
    skipped: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)


class Reader:
    """Reads the sheets of one open workbook, collecting diagnostics."""

    def __init__(self, wb: Any, where: str, corpus: Corpus, limits: layout.Limits, report: ImportReport):
        self.wb = wb
        self.where = where
        self.corpus = corpus
        self.limits = limits
        self.report = report
        #: the spec at the workbook's revision, read from git (None: check against the workbook's data)
        self.baseline: Baseline | None = None
        #: the sheet and row being read, for a message if reading fails
        self.at: tuple[str, int] = ("", 0)

    # -- messages ---------------------------------------------------------------------
    def problem(self, message: str, rule: Rule, fix: str, severity: Severity = Severity.ERROR) -> None:
        self.report.diagnostics.append(Diagnostic(Location(self.where), severity, message, rule, fix))

    @staticmethod
    def cell_name(sheet: str, row: int, column: int, header: str = "") -> str:
        name = f"sheet '{sheet}', row {row}, column {get_column_letter(column)}"
        return f"{name} ({header})" if header else name

    # -- cells ------------------------------------------------------------------------
    def text(self, cell: Any, sheet: str, row: int, header: str) -> str | None:
        """A respondent's cell as text (None when empty); numbers, dates, formulas kept as written."""
        value = getattr(cell, "value", None)
        if value is None or value == "":
            return None
        column = cell.column
        if isinstance(value, str):
            if getattr(cell, "data_type", "s") == "f":
                self.problem(
                    f"{self.cell_name(sheet, row, column, header)}: holds a formula; its text "
                    f"{value[:40]!r} is stored as written",
                    Rule.CONSULT_VALUE,
                    "type text without a leading '=' if the formula was not intended",
                    Severity.WARNING,
                )
            text = value
        elif isinstance(value, bool):
            text = "TRUE" if value else "FALSE"
        elif isinstance(value, dt.datetime | dt.date | dt.time):
            text = value.isoformat()
        else:
            text = str(getattr(value, "text", value))
        if len(text) > self.limits.cell_chars:
            self.problem(
                f"{self.cell_name(sheet, row, column, header)}: {len(text):,} characters "
                f"(limit {self.limits.cell_chars:,})",
                Rule.CONSULT_VALUE,
                "shorten the text or continue it on the General sheet",
            )
        return text

    @staticmethod
    def raw(cell: Any) -> str:
        value = getattr(cell, "value", None)
        return "" if value is None else str(value)

    def rows(self, sheet: str) -> Iterator[tuple[int, list[Any]]]:
        """Every row with its number; the sheet's stated dimensions are not trusted (some writers
        state them wrong, which would hide rows), so rows are read to the last one present."""
        ws = self.wb[sheet]
        ws.reset_dimensions()
        self.at = (sheet, 0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for index, row in enumerate(ws.iter_rows(), start=1):
                self.at = (sheet, index)
                for warning in caught:
                    self._openpyxl_warning(sheet, index, str(warning.message))
                caught.clear()
                yield index, list(row)

    def _openpyxl_warning(self, sheet: str, row: int, message: str) -> None:
        """openpyxl warns (and reads ``#VALUE!``) where a date cell holds an impossible number."""
        match = _WARNED_CELL.search(message)
        where = (
            f"sheet '{sheet}', row {match[2]}, column {match[1]}" if match else f"sheet '{sheet}', row {row}"
        )
        self.problem(
            f"{where}: the value cannot be read as written ({message[:120]})",
            Rule.CONSULT_VALUE,
            "type the text as text (format the cell as Text) and send the workbook again",
        )

    def extra_cells(self, sheet: str, row: int, cells: list[Any], width: int) -> None:
        for cell in cells[width:]:
            if self.raw(cell) != "":
                self.problem(
                    f"{self.cell_name(sheet, row, cell.column)}: text outside the response "
                    f"columns ({self.raw(cell)[:40]!r}) would not be imported",
                    Rule.CONSULT_PROTECTED,
                    "move it into the Comment column (or the General sheet) and send the workbook again",
                )

    def protected(
        self, sheet: str, row: int, cells: list[Any], expected: str | list[str], headers: tuple[str, ...]
    ) -> bool:
        """Compare a row's protected cells with the export; name the first changed column.

        ``expected`` is the exact text of each cell (from git, :mod:`.baseline`) or, failing
        that, the short hashes the workbook's integrity data holds.
        """
        values = [self.raw(cells[i]) if i < len(cells) else "" for i in range(len(headers))]
        exact = isinstance(expected, list)
        got = values if exact else layout.cells_hash(values).split()
        want_all = expected if isinstance(expected, list) else expected.split()
        for index, (have, want) in enumerate(zip(got, want_all, strict=True)):
            if have != want:
                self.problem(
                    f"{self.cell_name(sheet, row, index + 1, headers[index])}: protected text was edited",
                    Rule.CONSULT_PROTECTED,
                    "put your text in the response columns; restore the cell from a fresh export",
                )
                return False
        return True

    def rating(self, cell: Any, sheet: str, row: int) -> Rating | None:
        text = self.text(cell, sheet, row, "Issue")
        if text is None:
            return None
        for rating in Rating:
            if text.strip().casefold() == rating.value.casefold():
                return rating
        self.problem(
            f"{self.cell_name(sheet, row, cell.column, 'Issue')}: {text[:40]!r} is not an issue rating",
            Rule.CONSULT_VALUE,
            "choose Major, Minor or none from the drop-down, or leave it empty",
        )
        return None

    def header(self, sheet: str, cells: list[Any], payload: layout.Payload) -> bool:
        got = "\t".join(self.raw(c) for c in cells).rstrip("\t")
        if got != payload.headers.get(sheet):
            self.problem(
                f"sheet '{sheet}', row 1: the header row was changed",
                Rule.CONSULT_PROTECTED,
                "fill in a fresh workbook made by `smets consult export`",
            )
            return False
        return True
