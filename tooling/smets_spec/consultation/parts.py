"""Checks on the XML parts of a returned workbook, before openpyxl reads a cell.

Every XML part is parsed with lxml with entity expansion, DTD loading and network access
off; a part that declares a DTD or entities (an "entity bomb" needs one) is refused, as is
one that is not well-formed UTF-8/UTF-16 XML. Every cell of every worksheet is checked the
way openpyxl will read it (number, boolean, date, shared-string index, data-table and array
formulas), so a bad value is refused here with its sheet, row and column instead of
failing later without a location. Text a respondent may have put where the import does not
read it (cell notes and threaded comments, text boxes and shapes, page headers and
footers) is refused with its location: nothing is dropped silently.
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl.utils.datetime import from_ISO8601

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from .filecheck import printable

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DRAWING_TEXT = "{http://schemas.openxmlformats.org/drawingml/2006/main}t"
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_REF = re.compile(r"^([A-Z]{1,3})([1-9]\d{0,6})$")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_MAX_COLUMN, _MAX_ROW = 16_384, 1_048_576
#: Parts kept parsed for a second look (relationships, comments, drawings); sheets are re-parsed.
_CACHED_BYTES = 1_000_000
_RESAVE = "open it in Excel or LibreOffice, save it again as .xlsx, and re-send"


def parser() -> etree.XMLParser:
    """The only XML parser used on a workbook: no entities, no DTD, no network, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, dtd_validation=False
    )


def column_letters(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


@dataclass
class _Checker:
    archive: zipfile.ZipFile
    where: str
    problems: list[Diagnostic] = field(default_factory=list)
    trees: dict[str, Any] = field(default_factory=dict)

    def error(self, message: str, fix: str, rule: Rule = Rule.CONSULT_FILE) -> None:
        self.problems.append(Diagnostic(Location(self.where), Severity.ERROR, message, rule, fix))

    def tree(self, part: str, shown: str) -> Any:
        """The parsed part (None, with the problem reported, when it cannot be parsed safely);
        ``shown`` prefixes the messages ("sheet 'General': " or "")."""
        if part in self.trees:
            return self.trees[part]
        data = self.archive.read(part)
        tree = None
        wide = b"\x00" in data[:4] or data[:2] in (b"\xff\xfe", b"\xfe\xff")  # UTF-16 or UTF-32
        if _DTD.search(data.replace(b"\x00", b"") if wide else data):
            self.error(
                f"{shown}the XML part {printable(part)} declares a DTD or entities, which no workbook needs "
                "(an 'entity bomb' uses them)",
                _RESAVE,
            )
        else:
            try:
                tree = etree.fromstring(data, parser())
                info = tree.getroottree().docinfo
                if info.doctype or info.internalDTD is not None:  # e.g. a DTD in UTF-16 text
                    tree = None
                    self.error(
                        f"{shown}the XML part {printable(part)} declares a DTD or entities, which no "
                        "workbook needs (an 'entity bomb' uses them)",
                        _RESAVE,
                    )
            except (etree.XMLSyntaxError, ValueError) as exc:
                why = _xml_error(exc, data)
                self.error(
                    f"{shown}the workbook is corrupt: the XML part {printable(part)} is malformed ({why})",
                    _RESAVE,
                )
        if len(data) < _CACHED_BYTES or tree is None:
            self.trees[part] = tree
        return tree


def _xml_error(exc: Exception, data: bytes) -> str:
    """Where the XML breaks: its line and column, and the sheet cell (or row) it breaks in or after."""
    if not isinstance(exc, etree.XMLSyntaxError) or exc.position is None:
        return " ".join(str(exc).split())[:200]
    line, column = exc.position
    lines = data.split(b"\n")
    offset = sum(len(chunk) + 1 for chunk in lines[: max(line - 1, 0)]) + max(column - 1, 0)
    cells = re.findall(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"', data[:offset])
    rows = re.findall(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"', data[:offset])
    where = ""
    if cells and (not rows or int(cells[-1][1]) >= int(rows[-1])):
        where = f", in or after row {int(cells[-1][1])}, column {cells[-1][0].decode()}"
    elif rows:
        where = f", in or after row {int(rows[-1])}"
    message = re.sub(r", line \d+, column \d+$", "", " ".join(str(exc.msg).split()))[:120]
    return f"XML line {line}, column {column}{where}: {message}"


def _rels(checker: _Checker, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type's last word, target part)."""
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", name + ".rels")
    if rels_part not in checker.archive.namelist():
        return {}
    tree = checker.tree(rels_part, "")
    out: dict[str, tuple[str, str]] = {}
    for rel in [] if tree is None else tree.iter(f"{{{_PKG_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        resolved = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], resolved)
    return out


def _sheets(checker: _Checker) -> Iterator[tuple[str, str]]:
    """(sheet name, worksheet part) for every sheet the workbook lists."""
    book = "xl/workbook.xml"
    if book not in checker.archive.namelist():
        checker.error("the workbook has no xl/workbook.xml", _RESAVE)
        return
    tree = checker.tree(book, "")
    if tree is None:
        return
    rels = _rels(checker, book)
    for sheet in tree.iter(f"{{{_MAIN}}}sheet"):
        kind, target = rels.get(sheet.get(f"{{{_REL}}}id", ""), ("", ""))
        if kind == "worksheet" and target in checker.archive.namelist():
            yield printable(sheet.get("name", "")), target


def _shared_count(checker: _Checker) -> int:
    for name in checker.archive.namelist():
        if name.lower() == "xl/sharedstrings.xml":
            tree = checker.tree(name, "")
            return 0 if tree is None else sum(1 for _ in tree.iter(f"{{{_MAIN}}}si"))
    return 0


def _value_problem(kind: str, value: str | None, shared: int) -> str | None:
    """Why openpyxl could not read a cell of type ``kind`` holding ``value`` (None when it can)."""
    if value is None or kind in {"str", "inlineStr", "e"}:
        return None
    if kind == "n":
        ok = bool(_NUMBER.match(value)) and math.isfinite(float(value))
        return None if ok else f"{value[:40]!r} is not a number"
    if kind == "b":
        return None if value in {"0", "1"} else f"{value[:40]!r} is not a boolean (0 or 1)"
    if kind == "s":
        ok = value.isdigit() and int(value) < shared
        return None if ok else f"shared string {value[:20]!r} does not exist (the workbook has {shared})"
    if kind == "d":
        try:
            from_ISO8601(value)
        except (ValueError, TypeError, OverflowError):
            return f"{value[:40]!r} is not a date"
        return None
    return f"unknown cell type {kind[:20]!r}"


_ROW, _C, _F, _V, _IS = (f"{{{_MAIN}}}{tag}" for tag in ("row", "c", "f", "v", "is"))


_RETYPE = "retype the cell's text and save the workbook again"


def _cell_problem(cell: Any, shared: int) -> tuple[str, str, Rule] | None:
    """Why openpyxl could not read this cell as written: (message, fix, rule), or None."""
    kind = cell.get("t", "n")
    if len(cell) == 1 and cell[0].tag == _V and kind != "inlineStr":  # the common case: one value
        why = _value_problem(kind, cell[0].text, shared)
        return (why, _RETYPE, Rule.CONSULT_VALUE) if why else None
    formula = cell.find(_F)
    if formula is not None:  # openpyxl reads the formula's text (a cached result is not typed text)
        formula_kind = formula.get("t")
        if formula_kind in {"dataTable", "array"}:
            fix = "type your text as text (not a formula) and send the workbook again"
            return f"holds a {formula_kind} formula, whose text cannot be kept", fix, Rule.CONSULT_VALUE
        return None
    value = cell.find(_V)
    if kind == "inlineStr" and value is not None and value.text:
        return (
            f"an inline-string cell also holds a value ({value.text[:40]!r}) that would be dropped",
            _RETYPE,
            Rule.CONSULT_VALUE,
        )
    if kind != "inlineStr" and cell.find(_IS) is not None:
        return (
            f"a cell of type {kind[:20]!r} holds an inline string that would be dropped",
            _RETYPE,
            Rule.CONSULT_VALUE,
        )
    why = _value_problem(kind, None if value is None else value.text, shared)
    return (why, _RETYPE, Rule.CONSULT_VALUE) if why else None


def _cells(checker: _Checker, name: str, tree: Any, shared: int) -> None:
    row_no = 0
    for row in tree.iter(_ROW):
        number = row.get("r") or ""
        row_no = int(number) if number.isdigit() else row_no + 1
        column = 0
        for cell in row.iter(_C):
            ref = cell.get("r")
            match = _REF.match(ref) if ref else None
            if ref is not None and match is None:
                checker.error(f"sheet '{name}', row {row_no}: bad cell reference {ref[:20]!r}", _RESAVE)
                continue
            column = _column_number(match.group(1)) if match else column + 1
            at_row = int(match.group(2)) if match else row_no
            outside = column > _MAX_COLUMN or at_row > _MAX_ROW or at_row != row_no
            problem = (
                ("cell outside its row or the sheet's limits", _RESAVE, Rule.CONSULT_FILE)
                if outside
                else None
            )
            problem = problem or _cell_problem(cell, shared)
            if problem is not None:
                letters = column_letters(min(column, _MAX_COLUMN + 1))
                checker.error(
                    f"sheet '{name}', row {at_row}, column {letters}: {problem[0]}", problem[1], problem[2]
                )


def _text_of(tree: Any, tag: str) -> str:
    return "".join(t.text or "" for t in tree.iter(tag)).strip()


def _comments(checker: _Checker, name: str, part: str) -> None:
    tree = checker.tree(part, f"sheet '{name}': ")
    if tree is None:
        return
    for comment in tree.iter(f"{{{_MAIN}}}comment", "{*}threadedComment"):
        ref = comment.get("ref", "?")
        text = "".join(comment.itertext()).strip()
        match = _REF.match(ref)
        where = (
            f"sheet '{name}', row {match.group(2)}, column {match.group(1)}"
            if match
            else f"sheet '{name}', cell {ref[:20]}"
        )
        checker.error(
            f"{where}: a cell note or comment ({text[:40]!r}) would not be imported",
            "move its text into the Comment column (or the General sheet) and delete the note",
            Rule.CONSULT_PROTECTED,
        )


def _attachments(checker: _Checker, name: str, part: str) -> None:
    """Notes, comments, text boxes and shapes with text attached to one sheet."""
    for kind, target in _rels(checker, part).values():
        if target not in checker.archive.namelist():
            continue
        if kind in {"comments", "threadedComment"}:
            _comments(checker, name, target)
        elif kind == "drawing":
            tree = checker.tree(target, f"sheet '{name}': ")
            text = "" if tree is None else _text_of(tree, _DRAWING_TEXT)
            if text:
                checker.error(
                    f"sheet '{name}': a text box or shape holds text ({text[:40]!r}), which would not be "
                    "imported",
                    "move the text into the Comment column (or the General sheet) and delete the shape",
                    Rule.CONSULT_PROTECTED,
                )


def _hyperlinks(checker: _Checker, name: str, tree: Any) -> None:
    """A link added to a cell keeps its address outside the cell's text: refused, not dropped."""
    for link in tree.iter(f"{{{_MAIN}}}hyperlink"):
        ref = link.get("ref", "")
        match = _REF.match(ref.split(":")[0])
        where = (
            f"sheet '{name}', row {match.group(2)}, column {match.group(1)}" if match else f"sheet '{name}'"
        )
        checker.error(
            f"{where}: a hyperlink added to the cell would not be imported (only the cell's text is)",
            "remove the link and type the address into the text, then send the workbook again",
            Rule.CONSULT_PROTECTED,
        )


def _header_footer(checker: _Checker, name: str, tree: Any) -> None:
    for element in tree.iter(f"{{{_MAIN}}}headerFooter"):
        text = "".join(element.itertext()).strip()
        if text:
            checker.error(
                f"sheet '{name}': the page header or footer holds text ({text[:40]!r}), which would "
                "not be imported",
                "move the text into the Comment column (or the General sheet) and clear the header",
                Rule.CONSULT_PROTECTED,
            )


def check_parts(path: Path, where: str) -> list[Diagnostic]:
    """Problems in the XML parts of ``path`` (an intact zip within the size limits)."""
    with zipfile.ZipFile(path) as archive:
        checker = _Checker(archive, where)
        sheets = {part: name for name, part in _sheets(checker)}
        for part in archive.namelist():  # worksheets are parsed (once) below
            if part.lower().endswith(_XML_SUFFIXES) and part not in sheets:
                checker.tree(part, "")
        if checker.problems:
            return checker.problems
        shared = _shared_count(checker)
        for part, name in sheets.items():  # a malformed sheet is reported with its name
            tree = checker.tree(part, f"sheet '{name}': ")
            if tree is None:
                continue
            _cells(checker, name, tree, shared)
            _header_footer(checker, name, tree)
            _hyperlinks(checker, name, tree)
            _attachments(checker, name, part)
        return checker.problems


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Excel's ``_xHHHH_`` escapes decoded (``_x000D_`` is a carriage return, ``_x005F_`` an
    underscore), left to right as Excel and LibreOffice write them."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def shared_strings(path: Path) -> list[str] | None:
    """The workbook's shared strings as typed (None when it has none).

    openpyxl deletes the text ``x005F_`` wherever it occurs and leaves the other escapes
    encoded, so a respondent who typed ``x005F_`` would lose it and a carriage return would
    show as ``_x000D_``; this reading keeps both. Phonetic runs (``rPh``) are not the cell's text.
    """
    with zipfile.ZipFile(path) as archive:
        name = next((n for n in archive.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
        if name is None:
            return None
        root = etree.fromstring(archive.read(name), parser())
    out: list[str] = []
    for item in root.iter(f"{{{_MAIN}}}si"):
        parts = [t.text or "" for t in item.findall(f"{{{_MAIN}}}t")]
        parts += [t.text or "" for t in item.findall(f"{{{_MAIN}}}r/{{{_MAIN}}}t")]
        out.append(_unescape("".join(parts)))
    return out
