"""Helpers for the hostile-workbook tests: change a workbook's XML parts, and snapshot a repository."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

#: Parts of a workbook exported and filled in by the tests (openpyxl names sheets in order).
COVER_XML = "xl/worksheets/sheet1.xml"
QUESTIONS_XML = "xl/worksheets/sheet2.xml"
REQUIREMENTS_XML = "xl/worksheets/sheet3.xml"
GENERAL_XML = "xl/worksheets/sheet4.xml"
INTEGRITY_XML = "xl/worksheets/sheet5.xml"


def rezip(
    source: Path,
    dest: Path,
    patch: Callable[[str, bytes], bytes] = lambda name, data: data,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A copy of the workbook ``source`` with each part passed through ``patch`` and ``extra`` added."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, patch(info.filename, src.read(info.filename)))
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return dest


def part_patch(part: str, change: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda name, data: change(data) if name == part else data


def set_cell(data: bytes, ref: str, xml: str) -> bytes:
    """Replace cell ``ref`` of a sheet's XML by ``xml`` (added to its row when it is not there)."""
    cell = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
    if cell.search(data):
        return cell.sub(xml.encode().replace(b"\\", b"\\\\"), data, count=1)
    row = re.sub(r"[A-Z]+", "", ref)
    row_end = re.compile(rb'(<row r="' + row.encode() + rb'"[^>]*>.*?)(</row>)', re.S)
    if not row_end.search(data):
        return data.replace(b"</sheetData>", f'<row r="{row}">{xml}</row></sheetData>'.encode(), 1)
    return row_end.sub(lambda m: m.group(1) + xml.encode() + m.group(2), data, count=1)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (symbolic links by their target)."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[key] = b"-> " + str(path.readlink()).encode()
        elif path.is_file():
            out[key] = path.read_bytes()
    return out
