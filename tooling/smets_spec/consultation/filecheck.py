"""Checks on a returned workbook *file*, before any spreadsheet code reads it.

A file that is not an .xlsx, is macro-enabled, is corrupt or too large is
refused here with a message saying what it is and what to do; only a plain,
intact .xlsx within the limits reaches openpyxl.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from .layout import Limits

_MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlam", ".xlsb"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def printable(text: str, limit: int = 80) -> str:
    """``text`` for a one-line message: unprintable characters (line breaks too) as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])


def _error(where: str, message: str, fix: str, rule: Rule = Rule.CONSULT_FILE) -> Diagnostic:
    return Diagnostic(Location(where), Severity.ERROR, message, rule, fix)


_RESAVE = "open it in Excel or LibreOffice, save it again as .xlsx, and re-send"


def _archive_problems(archive: zipfile.ZipFile, where: str, limits: Limits) -> list[Diagnostic]:
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if len(infos) > limits.zip_entries:
        return [
            _error(
                where,
                f"the workbook holds {len(infos)} files (limit {limits.zip_entries})",
                "save the response as a plain .xlsx without embedded objects",
            )
        ]
    total = sum(info.file_size for info in infos)
    if total > limits.unzipped_bytes:
        return [
            _error(
                where,
                f"the workbook unpacks to {total:,} bytes (limit {limits.unzipped_bytes:,})",
                "shorten the response or split it; ask the programme team for help",
            )
        ]
    if len(names) != len(infos):
        twice = sorted({i.filename for i in infos if sum(1 for j in infos if j.filename == i.filename) > 1})
        return [
            _error(
                where,
                f"the workbook holds two parts named {printable(twice[0])} (spreadsheet programs would read "
                "only one of them)",
                _RESAVE,
            )
        ]
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return [
            _error(
                where,
                "the workbook contains macros (vbaProject.bin)",
                "save it as 'Excel Workbook (.xlsx)', which removes macros, and send it again",
            )
        ]
    if "[Content_Types].xml" not in names:
        return [
            _error(
                where,
                "the file is a zip archive but not an Excel workbook",
                "send the .xlsx file exported by `smets consult export`",
            )
        ]
    if b"macroEnabled" in archive.read("[Content_Types].xml"):
        return [
            _error(
                where,
                "the workbook is macro-enabled",
                "save it as 'Excel Workbook (.xlsx)' and send it again",
            )
        ]
    bad = archive.testzip()
    if bad is not None:
        return [_error(where, f"the workbook is corrupt (damaged part {printable(bad)})", _RESAVE)]
    return []


def _zip_problems(path: Path, where: str, limits: Limits) -> list[Diagnostic]:
    try:
        with zipfile.ZipFile(path) as archive:
            return _archive_problems(archive, where, limits)
    except (
        zipfile.BadZipFile,
        OSError,
        KeyError,
        EOFError,
        ValueError,
        zlib.error,
        NotImplementedError,
    ) as exc:
        return [_error(where, f"the workbook is corrupt ({' '.join(str(exc).split())[:200]})", _RESAVE)]


def check_file(path: Path, where: str, limits: Limits) -> list[Diagnostic]:
    """Problems that stop ``path`` from being read at all ([] when it may be read)."""
    if not path.is_file():
        return [_error(where, "no such file", "check the path")]
    suffix = path.suffix.lower()
    if suffix in _MACRO_SUFFIXES:
        return [
            _error(
                where,
                f"a macro-enabled or binary workbook ({suffix}) is not accepted",
                "save it as 'Excel Workbook (.xlsx)' and send it again",
            )
        ]
    size = path.stat().st_size
    if size > limits.file_bytes:
        return [
            _error(
                where,
                f"the file is {size:,} bytes (limit {limits.file_bytes:,})",
                "remove pictures or embedded objects, or split the response",
            )
        ]
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_OLE_MAGIC):
        return [
            _error(
                where,
                "an Excel 97-2003 (.xls) or encrypted workbook is not accepted",
                "remove any password and save it as 'Excel Workbook (.xlsx)'",
            )
        ]
    if not head.startswith(b"PK"):
        return [
            _error(
                where,
                "the file is not an .xlsx workbook (not a zip archive)",
                "send the .xlsx file exported by `smets consult export`",
            )
        ]
    if suffix not in {".xlsx", ".xltx"}:
        return [_error(where, f"unexpected file type '{suffix or '(none)'}'", "send the response as .xlsx")]
    return _zip_problems(path, where, limits)
