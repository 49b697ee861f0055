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
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.load import Corpus
from ..corpus.schema import Consultation
from . import layout
from .baseline import load_baseline
from .export import cover_cells
from .filecheck import check_file, printable
from .importrows import read_general, read_questions, read_requirements
from .model import Response, ResponseSet
from .parts import check_parts, shared_strings
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
    _integrity_extras(reader, values)
    text = "".join(v[1] for i, v in sorted(values.items()) if i > 4 and v[:1] == ["payload"] and len(v) > 1)
    try:
        payload = layout.Payload.from_json(text)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError) as exc:
        reader.problem(
            f"{reader.cell_name(layout.INTEGRITY, 5, 2)}: integrity data unreadable ({_one_line(exc)})",
            Rule.CONSULT_WORKBOOK,
            _FRESH,
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


def _integrity_extras(reader: Reader, values: dict[int, list[str]]) -> None:
    """Text typed into the integrity sheet (LibreOffice can show it) is refused, not ignored."""
    for row, cells in sorted(values.items()):
        for index, value in enumerate(cells):
            if value and (index > 1 or (row > 4 and cells[0] != "payload")):
                reader.problem(
                    f"{reader.cell_name(layout.INTEGRITY, row, index + 1)}: text in the integrity sheet "
                    f"({value[:40]!r}) would not be imported",
                    Rule.CONSULT_PROTECTED,
                    "move it into the Comment column (or the General sheet) and clear the cell",
                )


def _payload(reader: Reader) -> layout.Payload | None:
    """The integrity data, with the workbook's sheets and consultation checked against it."""
    payload = _integrity(reader)
    if payload is None:
        return None
    names, expected = set(reader.wb.sheetnames), set(layout.SHEETS)
    for name in sorted(names - expected):
        reader.problem(
            f"sheet '{printable(name)}' is not part of the consultation workbook; its content would not be "
            "imported",
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


def _cover_expected(reader: Reader, payload: layout.Payload) -> dict[str, str]:
    """The Cover as exported: from git when the revision can be read, else from the workbook."""
    if reader.baseline is not None and reader.baseline.cover:
        return reader.baseline.cover
    if payload.cover:
        return payload.cover
    consultation = reader.corpus.needs[payload.consultation]
    assert isinstance(consultation, Consultation)
    return {k: v for k, v in cover_cells(consultation, payload.revision).items() if v}


def _cover_text(reader: Reader, payload: layout.Payload) -> None:
    """Every Cover cell but the respondent's must be as exported: other text is refused, not dropped."""
    expected = _cover_expected(reader, payload)
    seen: set[str] = set()
    for row, cells in reader.rows(layout.COVER):
        for cell in cells:
            column = getattr(cell, "column", None)
            value = reader.raw(cell)
            if column is None:
                continue
            name = f"{get_column_letter(column)}{row}"
            seen.add(name)
            want = expected.get(name, "")
            if name == layout.RESPONDENT_CELL or value == want:
                continue
            what = "protected text was edited" if want else f"text outside the yellow cell ({value[:40]!r})"
            reader.problem(
                f"{reader.cell_name(layout.COVER, row, column)}: {what}; it would not be imported",
                Rule.CONSULT_PROTECTED,
                "write your organisation's name in the yellow cell and your comments on the General sheet",
            )
    for name in sorted(set(expected) - seen):
        letters, row = coordinate_from_string(name)
        column = column_index_from_string(letters)
        reader.problem(
            f"{reader.cell_name(layout.COVER, row, column)}: protected text was deleted",
            Rule.CONSULT_PROTECTED,
            _FRESH,
        )


def _respondent(reader: Reader, payload: layout.Payload) -> str | None:
    _cover_text(reader, payload)
    rows = dict(reader.rows(layout.COVER))
    cells = rows.get(6, [])
    value = reader.text(cells[1], layout.COVER, 6, layout.RESPONDENT_LABEL) if len(cells) > 1 else None
    name = (value or "").strip()
    where = reader.cell_name(layout.COVER, 6, 2, layout.RESPONDENT_LABEL)
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


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _use_shared_strings(wb: Any, strings: list[str] | None) -> None:
    """Give every sheet the shared strings as typed (:func:`.parts.shared_strings`)."""
    for ws in wb.worksheets:
        table = getattr(ws, "_shared_strings", None)
        if strings is not None and isinstance(table, list) and len(table) == len(strings):
            table[:] = strings


def _open(path: Path, shown: str, report: ImportReport, limits: layout.Limits) -> Any:
    """The workbook opened by openpyxl after every file and XML check (None when refused)."""
    report.diagnostics.extend(check_file(path, shown, limits))
    if report.errors:
        return None
    try:
        report.diagnostics.extend(check_parts(path, shown))
        if report.errors:
            return None
        wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
        _use_shared_strings(wb, shared_strings(path))
        return wb
    except Exception as exc:  # openpyxl raises many types on a damaged file; each is a refusal here
        report.diagnostics.append(
            Diagnostic(
                Location(shown),
                Severity.ERROR,
                f"the workbook is corrupt ({type(exc).__name__}: {_one_line(exc)})",
                Rule.CONSULT_FILE,
                "open it in Excel or LibreOffice, save it again as .xlsx, and re-send",
            )
        )
        return None


def _responses(reader: Reader, root: Path | None) -> ResponseSet | None:
    payload = _payload(reader)
    if payload is None:
        return None
    if root is not None:
        reader.baseline, why = load_baseline(root, payload.revision, payload.consultation, reader.corpus)
        if reader.baseline is None:
            reader.problem(
                f"sheet '{layout.COVER}', row 4, column B (Specification version): the spec at the "
                f"export revision cannot be read ({why}); protected text is checked against the "
                "workbook's own integrity data only",
                Rule.CONSULT_WORKBOOK,
                "export workbooks from a committed spec, and import in a clone that has that commit",
                Severity.WARNING,
            )
    respondent = _respondent(reader, payload)
    responses: list[Response] = []
    responses += read_questions(reader, payload)
    responses += read_requirements(reader, payload)
    responses += read_general(reader, payload)
    if respondent is None or reader.report.errors:
        return None
    return ResponseSet(payload.consultation, respondent, payload.revision, tuple(responses))


def read_workbook(
    path: Path,
    corpus: Corpus,
    where: str | None = None,
    limits: layout.Limits | None = None,
    root: Path | None = None,
) -> ImportReport:
    """Read and check one returned workbook against the current corpus.

    With ``root`` (the repository), protected text is compared with the spec at the
    workbook's export revision read from git (:mod:`.baseline`).
    """
    limits = limits or layout.Limits()
    shown = where or path.as_posix()
    report = ImportReport(shown)
    wb = _open(path, shown, report, limits)
    if wb is None:
        return report
    reader = Reader(wb, shown, corpus, limits, report)
    try:
        report.result = _responses(reader, root)
    except Exception as exc:  # a backstop: whatever openpyxl fails on is a located refusal
        sheet, row = reader.at
        report.result = None
        reader.problem(
            f"sheet '{sheet}', row {row}: the workbook cannot be read here ({type(exc).__name__}: "
            f"{_one_line(exc)})",
            Rule.CONSULT_FILE,
            "open it in Excel or LibreOffice, save it again as .xlsx, and re-send",
        )
    finally:
        wb.close()
    return report
