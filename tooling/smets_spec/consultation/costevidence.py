"""Respondents' cost evidence per requirement: the workbook's cost columns (defined in
:data:`layout.COST_COLUMNS`), read and checked like the other response columns, stored on
the ``ccomment``, and summarised per requirement (count, minimum, median, maximum).

Table-driven: a column's checks come from its :class:`layout.EvidenceColumn`; adding a
column there adds it to the export, the import and the store.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ..corpus.diagnostics import Rule, Severity
from ..corpus.schema import ConsultationComment
from . import layout


class Reader(Protocol):
    """What the cost columns need of :class:`smets_spec.consultation.reader.Reader` (declared
    here: the reader imports the response model, which imports this module)."""

    def problem(self, message: str, rule: Rule, fix: str, severity: Severity = ...) -> None: ...

    def cell_name(self, sheet: str, row: int, column: int, header: str = "") -> str: ...

    def text(self, cell: Any, sheet: str, row: int, header: str) -> str | None: ...


@dataclass(frozen=True)
class CostEvidence:
    """What one respondent says meeting (or changing) a requirement costs them."""

    kind: str | None = None  # hardware / firmware
    gbp_per_unit: float | None = None
    lead_time_months: float | None = None
    note: str | None = None

    def options(self) -> list[tuple[str, str]]:
        """The ccomment options holding it (the note goes into the content)."""
        values = {"cost_kind": self.kind, "cost_gbp_per_unit": self.gbp_per_unit}
        values["lead_time_months"] = self.lead_time_months
        return [(name, _show(value)) for name, value in values.items() if value is not None]


def _show(value: object) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def _number(reader: Reader, cell: Any, column: layout.EvidenceColumn, sheet: str, row: int) -> float | None:
    value = getattr(cell, "value", None)
    if value is None or value == "":
        return None
    where = reader.cell_name(sheet, row, cell.column, column.header)
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").removeprefix("£").strip()
        try:
            number = float(text)
        except ValueError:
            number = None
    if number is None or number != number or not 0 <= number <= column.maximum:
        reader.problem(
            f"{where}: {str(value)[:40]!r} is not a number from 0 to {column.maximum:,.0f}",
            Rule.CONSULT_VALUE,
            f"write {column.prompt}, or leave it empty",
        )
        return None
    return number


def _choice(reader: Reader, cell: Any, column: layout.EvidenceColumn, sheet: str, row: int) -> str | None:
    text = reader.text(cell, sheet, row, column.header)
    if text is None:
        return None
    for choice in column.choices:
        if text.strip().casefold() == choice:
            return choice
    reader.problem(
        f"{reader.cell_name(sheet, row, cell.column, column.header)}: {text[:40]!r} is not one of "
        f"{', '.join(column.choices)}",
        Rule.CONSULT_VALUE,
        f"choose {' or '.join(column.choices)} from the drop-down, or leave it empty",
    )
    return None


def read_cost(reader: Reader, cells: list[Any], sheet: str, row: int) -> CostEvidence | None:
    """The cost evidence of one Requirements row (None when its cost cells are empty)."""
    values: dict[str | None, Any] = {}
    for offset, column in enumerate(layout.COST_COLUMNS):
        index = layout.COST_FIRST + offset
        cell = cells[index] if index < len(cells) else None
        if cell is None:
            continue
        if column.kind == "number":
            values[column.field] = _number(reader, cell, column, sheet, row)
        elif column.kind == "choice":
            values[column.field] = _choice(reader, cell, column, sheet, row)
        else:
            values[column.field] = reader.text(cell, sheet, row, column.header)
    if all(v is None for v in values.values()):
        return None
    return CostEvidence(
        values.get("cost_kind"),
        values.get("cost_gbp_per_unit"),
        values.get("lead_time_months"),
        values.get(None),
    )


def cost_of(need: ConsultationComment, parts: dict[str, str]) -> CostEvidence | None:
    """The cost evidence stored on a ccomment (its fields and the content's cost part)."""
    evidence = CostEvidence(
        need.cost_kind, need.cost_gbp_per_unit, need.lead_time_months, parts.get(layout.PART_COST)
    )
    return None if evidence == CostEvidence() else evidence


@dataclass(frozen=True)
class Stat:
    count: int
    minimum: float
    median: float
    maximum: float

    @staticmethod
    def of(values: list[float]) -> Stat | None:
        if not values:
            return None
        return Stat(len(values), min(values), statistics.median(values), max(values))


@dataclass(frozen=True)
class EvidenceSummary:
    """Respondents' cost evidence on one requirement."""

    requirement: str
    respondents: tuple[str, ...]
    kinds: dict[str, int]
    gbp_per_unit: Stat | None
    lead_time_months: Stat | None
    sources: tuple[str, ...]  # ccomment ids

    def text(self) -> str:
        parts = [f"{len(self.respondents)} respondent(s) ({', '.join(self.respondents)})"]
        if self.kinds:
            parts.append("kind: " + ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items())))
        if self.gbp_per_unit:
            s = self.gbp_per_unit
            parts.append(
                f"£ per unit: {s.count} figure(s), min £{s.minimum:,.2f}, median £{s.median:,.2f}, "
                f"max £{s.maximum:,.2f}"
            )
        if self.lead_time_months:
            s = self.lead_time_months
            parts.append(f"lead time: min {s.minimum:g}, median {s.median:g}, max {s.maximum:g} months")
        return "; ".join(parts)


def summarise(requirement: str, evidence: Iterable[tuple[str, str, CostEvidence]]) -> EvidenceSummary | None:
    """Summary of ``(ccomment id, respondent, evidence)`` triples on one requirement."""
    items = list(evidence)
    if not items:
        return None
    kinds: dict[str, int] = {}
    for _, _, e in items:
        if e.kind:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
    return EvidenceSummary(
        requirement,
        tuple(sorted({r for _, r, _ in items}, key=str.casefold)),
        kinds,
        Stat.of([e.gbp_per_unit for _, _, e in items if e.gbp_per_unit is not None]),
        Stat.of([e.lead_time_months for _, _, e in items if e.lead_time_months is not None]),
        tuple(i for i, _, _ in items),
    )
