"""``smets consult import``: read one returned workbook into a :class:`ResponseSet`.

Nothing is written here; :mod:`.store` writes the result. Every problem is a
diagnostic naming the workbook, sheet, row and column and suggesting a fix. A
workbook with any error is refused as a whole (nothing of it is stored), so a
corrected workbook can simply be imported again. Rows whose requirement or
question changed since the export are kept and marked stale (a warning).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from openpyxl import load_workbook

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.load import Corpus
from ..corpus.schema import Consultation
from . import layout
from .filecheck import check_file
from .importrows import read_general, read_questions, read_requirements
from .model import Response, ResponseSet
from .reader import ImportReport, Reader

_REVISION = re.compile(r"^[A-Za-z0-9+._-]{1,64}$")
_NAME_EXTRA = set(" .,&'()/+-’")


_FRESH = "fill in a fresh workbook made by `smets consult export`"


def _integrity(reader: Reader) -> layout.Payload | None:
    """The integrity data, when it is there, ours and unchanged."""
    if layout.INTEGRITY not in reader.wb.sheetnames:
        reader.problem(
            "not a consultation workbook of this project (no integrity data)",
            Rule.CONSULT_WORKBOOK,
            _FRESH + "; copy your answers into it",
        )
        return None
    values = {i: [reader.raw(c) for c in cells] for i, cells in reader.rows(layout.INTEGRITY)}
    if values.get(1, [])[:1] != [layout.MARKER]:
        reader.problem(
            f"sheet '{layout.INTEGRITY}': not the integrity data of this project",
            Rule.CONSULT_WORKBOOK,
            _FRESH,
        )
        return None
    text = "".join(v[1] for i, v in sorted(values.items()) if i > 4 and v[:1] == ["payload"] and len(v) > 1)
    try:
        payload = layout.Payload.from_json(text)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        reader.problem(
            f"sheet '{layout.INTEGRITY}': integrity data unreadable ({exc})", Rule.CONSULT_WORKBOOK, _FRESH
        )
        return None
    checksum = values.get(4, ["", ""])
    if len(checksum) < 2 or checksum[1] != payload.checksum():
        reader.problem(
            f"sheet '{layout.INTEGRITY}': integrity data was changed (checksum mismatch)",
            Rule.CONSULT_WORKBOOK,
            _FRESH,
        )
        return None
    if not _REVISION.match(payload.revision):
        reader.problem(
            f"sheet '{layout.INTEGRITY}': bad revision {payload.revision[:40]!r}",
            Rule.CONSULT_WORKBOOK,
            _FRESH,
        )
        return None
    return payload


def _payload(reader: Reader) -> layout.Payload | None:
    """The integrity data, with the workbook's sheets and consultation checked against it."""
    payload = _integrity(reader)
    if payload is None:
        return None
    names, expected = set(reader.wb.sheetnames), set(layout.SHEETS)
    for name in sorted(names - expected):
        reader.problem(
            f"sheet '{name}' is not part of the consultation workbook; its content would not be imported",
            Rule.CONSULT_PROTECTED,
            "move its text to the General sheet and delete it",
        )
    for name in sorted(expected - names):
        reader.problem(f"sheet '{name}' is missing", Rule.CONSULT_PROTECTED, _FRESH)
    if not isinstance(reader.corpus.needs.get(payload.consultation), Consultation):
        reader.problem(
            f"consultation '{payload.consultation}' is not in the spec",
            Rule.CONSULT_WORKBOOK,
            "import into the repository (or branch) the workbook was exported from",
        )
        return None
    return None if expected - names else payload


def respondent_problem(name: str, limits: layout.Limits) -> str | None:
    """Why ``name`` cannot be an organisation name (None when it can)."""
    if len(name) > limits.respondent_chars:
        return f"is {len(name)} characters long (limit {limits.respondent_chars})"
    if unicodedata.category(name[0])[0] not in "LN":
        return "must start with a letter or a digit"
    if "  " in name or any(not (unicodedata.category(c)[0] in "LNM" or c in _NAME_EXTRA) for c in name):
        return "may hold only letters, digits, single spaces and . , & ' ( ) / + -"
    return None


def _respondent(reader: Reader) -> str | None:
    rows = dict(reader.rows(layout.COVER))
    cells = rows.get(6, [])
    label = reader.raw(cells[0]) if cells else ""
    value = reader.text(cells[1], layout.COVER, 6, layout.RESPONDENT_LABEL) if len(cells) > 1 else None
    name = (value or "").strip()
    where = reader.cell_name(layout.COVER, 6, 2, layout.RESPONDENT_LABEL)
    if label != layout.RESPONDENT_LABEL:
        reader.problem(
            f"{reader.cell_name(layout.COVER, 6, 1)}: expected '{layout.RESPONDENT_LABEL}'",
            Rule.CONSULT_PROTECTED,
            "fill in a fresh workbook made by `smets consult export`",
        )
        return None
    if not name:
        reader.problem(
            f"{where}: the organisation's name is empty",
            Rule.CONSULT_VALUE,
            "type the responding organisation's name in the yellow cell",
        )
        return None
    why = respondent_problem(name, reader.limits)
    if why:
        reader.problem(
            f"{where}: organisation name {name[:40]!r} {why}",
            Rule.CONSULT_VALUE,
            "write the organisation's name plainly, e.g. 'Elster Metering Limited'",
        )
        return None
    return name


def read_workbook(
    path: Path, corpus: Corpus, where: str | None = None, limits: layout.Limits | None = None
) -> ImportReport:
    """Read and check one returned workbook against the current corpus."""
    limits = limits or layout.Limits()
    shown = where or path.as_posix()
    report = ImportReport(shown)
    report.diagnostics.extend(check_file(path, shown, limits))
    if report.errors:
        return report
    try:
        wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:
        report.diagnostics.append(
            Diagnostic(
                Location(shown),
                Severity.ERROR,
                f"the workbook is corrupt ({type(exc).__name__}: {exc})",
                Rule.CONSULT_FILE,
                "open it in Excel or LibreOffice, save it again as .xlsx, and re-send",
            )
        )
        return report
    try:
        reader = Reader(wb, shown, corpus, limits, report)
        payload = _payload(reader)
        if payload is None:
            return report
        respondent = _respondent(reader)
        responses: list[Response] = []
        responses += read_questions(reader, payload)
        responses += read_requirements(reader, payload)
        responses += read_general(reader, payload)
    finally:
        wb.close()
    if respondent is not None and not report.errors:
        report.result = ResponseSet(payload.consultation, respondent, payload.revision, tuple(responses))
    return report
