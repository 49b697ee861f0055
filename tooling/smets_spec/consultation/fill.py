"""Fill in an exported consultation workbook programmatically, as a respondent would.

Used to import the 2011 response through the same path as any returned
workbook, and by the tests and the benchmark. Text is typed as text: a value
starting with ``=`` stays a string (as when a respondent types ``'=...``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from . import layout


@dataclass
class Filled:
    """What a respondent writes: by question number, by requirement id, and general rows."""

    respondent: str
    answers: dict[int, str] = field(default_factory=dict)
    #: requirement id -> (issue, comment, proposed wording)
    comments: dict[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)
    #: (topic, issue, comment, proposed wording) per General row
    general: list[tuple[str | None, str | None, str | None, str | None]] = field(default_factory=list)
    #: requirement id -> the cost-evidence cells in layout.COST_COLUMNS order (kind, £/unit, months, text)
    costs: dict[str, tuple[object, ...]] = field(default_factory=dict)


def set_text(cell: Any, value: str | None) -> None:
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def fill_workbook(source: Path, dest: Path, filled: Filled) -> None:
    """Copy the exported workbook ``source`` to ``dest`` with ``filled`` typed in."""
    wb = load_workbook(source)
    set_text(wb[layout.COVER][layout.RESPONDENT_CELL], filled.respondent)
    questions = wb[layout.QUESTIONS]
    rows = {questions.cell(r, 1).value: r for r in range(2, questions.max_row + 1)}
    for number, answer in filled.answers.items():
        set_text(questions.cell(rows[number], 3), answer)
    reqs = wb[layout.REQUIREMENTS]
    rows = {reqs.cell(r, 1).value: r for r in range(2, reqs.max_row + 1)}
    for req_id, (issue, comment, wording) in filled.comments.items():
        row = rows[req_id]
        for column, value in ((7, issue), (8, comment), (9, wording)):
            if value is not None:
                set_text(reqs.cell(row, column), value)
    for req_id, values in filled.costs.items():
        for offset, cost in enumerate(values):
            cell = reqs.cell(rows[req_id], layout.COST_FIRST + 1 + offset)
            if isinstance(cost, str):
                set_text(cell, cost)
            elif cost is not None:
                cell.value = cost
    general = wb[layout.GENERAL]
    for offset, values in enumerate(filled.general):
        for column, value in enumerate(values, start=1):
            if value is not None:
                set_text(general.cell(2 + offset, column), value)
    wb.save(dest)
