"""Malformed and hostile workbooks through the real `smets consult import`: each is refused with a
located `smets.consult-*` message and exit 1, nothing in the repository changes, never a traceback,
and the other workbooks on the same command line are still imported."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from clitools import smets
from consulthostile import (
    COVER_XML,
    INTEGRITY_XML,
    REQUIREMENTS_XML,
    part_patch,
    rezip,
    set_cell,
    snapshot,
)
from consulttools import answer, mini_project
from smets_spec.consultation.fill import Filled

GOOD = Filled("Elster Metering Limited", answers={1: "Yes."}, comments={"PC_01": ("Major", "No.", None)})
OTHER = Filled("Other Org", comments={"PC_02": ("Minor", "Typed by Other Org.", None)})
RESPONSES = Path("spec/consultations/test")

Patch = Callable[[str, bytes], bytes]


def _cell(ref: str, xml: str) -> Patch:
    return part_patch(REQUIREMENTS_XML, lambda data: set_cell(data, ref, xml))


_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)
_NOTE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rIdN" Type="http://schemas.openxmlformats.org/officeDocument/'
    b'2006/relationships/comments" Target="../comments1.xml"/></Relationships>'
)
_NOTE = (
    b'<?xml version="1.0" encoding="UTF-8"?><comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main"><authors><author>A</author></authors><commentList><comment ref="H2" authorId="0"><text><r>'
    b"<t>Please also see our letter of 3 May</t></r></text></comment></commentList></comments>"
)
_DRAWING_RELS = _NOTE_RELS.replace(b"relationships/comments", b"relationships/drawing").replace(
    b"../comments1.xml", b"../drawings/drawing1.xml"
)
_DRAWING = (
    b'<?xml version="1.0" encoding="UTF-8"?><xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/'
    b'2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:twoCellAnchor>'
    b"<xdr:sp><xdr:txBody><a:p><a:r><a:t>Our main concern is cost</a:t></a:r></a:p></xdr:txBody></xdr:sp>"
    b"</xdr:twoCellAnchor></xdr:wsDr>"
)

#: name -> (how the answered workbook is changed, extra parts, the message expected on stderr)
CASES: dict[str, tuple[Patch, dict[str, bytes], str]] = {
    "bad number": (
        _cell("H2", '<c r="H2" t="n"><v>12abc</v></c>'),
        {},
        "sheet 'Requirements', row 2, column H: '12abc' is not a number [smets.consult-value]",
    ),
    "bad boolean": (
        _cell("H2", '<c r="H2" t="b"><v>yes</v></c>'),
        {},
        "sheet 'Requirements', row 2, column H: 'yes' is not a boolean (0 or 1) [smets.consult-value]",
    ),
    "bad date": (
        _cell("H2", '<c r="H2" t="d"><v>2024-13-45</v></c>'),
        {},
        "sheet 'Requirements', row 2, column H: '2024-13-45' is not a date [smets.consult-value]",
    ),
    "a number": (
        _cell("H2", '<c r="H2" s="0" t="n"><v>1e300</v></c>'),
        {},
        "",  # accepted, as text (below)
    ),
    "inline string in a number cell": (
        _cell("H2", '<c r="H2" t="n"><is><t>Typed text.</t></is></c>'),
        {},
        "sheet 'Requirements', row 2, column H: a cell of type 'n' holds an inline string that would be "
        "dropped [smets.consult-value]",
    ),
    "value in an inline-string cell": (
        _cell("H2", '<c r="H2" t="inlineStr"><v>Typed text.</v></c>'),
        {},
        "sheet 'Requirements', row 2, column H: an inline-string cell also holds a value ('Typed text.') "
        "that would be dropped [smets.consult-value]",
    ),
    "shared string out of range": (
        _cell("H2", '<c r="H2" t="s"><v>99</v></c>'),
        {},
        "sheet 'Requirements', row 2, column H: shared string '99' does not exist (the workbook has 0)",
    ),
    "malformed sheet XML": (
        _cell("H2", '<c r="H2" t="inlineStr"><is><t>unclosed</is></c>'),
        {},
        "sheet 'Requirements': the workbook is corrupt: the XML part xl/worksheets/sheet3.xml is malformed "
        "(XML line 1, column",
    ),
    "non-UTF-8 sheet XML": (
        part_patch(REQUIREMENTS_XML, lambda d: d.replace(b"<t>No.</t>", b"<t>N\xe9.</t>")),
        {},
        "in or after row 2, column H: Invalid bytes in character encoding) [smets.consult-file]",
    ),
    "entity bomb": (
        part_patch(REQUIREMENTS_XML, lambda d: _BOMB + d.replace(b"<t>No.</t>", b"<t>&lol9;</t>")),
        {},
        "sheet 'Requirements': the XML part xl/worksheets/sheet3.xml declares a DTD or entities",
    ),
    "entity bomb in UTF-16": (
        part_patch(
            REQUIREMENTS_XML,
            lambda d: (
                _BOMB.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>').decode()
                + d.decode().replace("<t>No.</t>", "<t>&lol9;</t>")
            ).encode("utf-16"),
        ),
        {},
        "sheet 'Requirements': the XML part xl/worksheets/sheet3.xml declares a DTD or entities",
    ),
    "malformed integrity JSON": (
        part_patch(INTEGRITY_XML, lambda d: d.replace(b'{"marker"', b'{"marker" oops', 1)),
        {},
        "sheet '_smets', row 5, column B: integrity data unreadable",
    ),
    "data-table formula": (
        _cell("H2", '<c r="H2"><f t="dataTable" ref="H2" dt2D="0" dtr="0" r1="A1"/><v>1</v></c>'),
        {},
        "sheet 'Requirements', row 2, column H: holds a dataTable formula, whose text cannot be kept",
    ),
    "array formula": (
        _cell("H2", '<c r="H2"><f t="array" ref="H2">A1:A2</f><v>1</v></c>'),
        {},
        "sheet 'Requirements', row 2, column H: holds a array formula",
    ),
    "text on the Cover sheet": (
        part_patch(
            COVER_XML, lambda d: set_cell(d, "C6", '<c r="C6" t="inlineStr"><is><t>see letter</t></is></c>')
        ),
        {},
        "sheet 'Cover', row 6, column C: text outside the yellow cell ('see letter'); it would not be "
        "imported",
    ),
    "edited Cover text": (
        part_patch(COVER_XML, lambda d: d.replace(b"<t>Closing date</t>", b"<t>Closing date: too soon!</t>")),
        {},
        "sheet 'Cover', row 5, column A: protected text was edited; it would not be imported",
    ),
    "cell note": (
        lambda n, d: d,
        {"xl/worksheets/_rels/sheet3.xml.rels": _NOTE_RELS, "xl/comments1.xml": _NOTE},
        "sheet 'Requirements', row 2, column H: a cell note or comment ('Please also see our letter of "
        "3 May') would not be imported [smets.consult-protected]",
    ),
    "text box": (
        lambda n, d: d,
        {"xl/worksheets/_rels/sheet3.xml.rels": _DRAWING_RELS, "xl/drawings/drawing1.xml": _DRAWING},
        "sheet 'Requirements': a text box or shape holds text ('Our main concern is cost')",
    ),
    "page header": (
        part_patch(
            REQUIREMENTS_XML,
            lambda d: d.replace(
                b"</worksheet>",
                b"<headerFooter><oddHeader>Draft: see p2</oddHeader></headerFooter></worksheet>",
            ),
        ),
        {},
        "sheet 'Requirements': the page header or footer holds text ('Draft: see p2')",
    ),
    "hyperlink": (
        part_patch(
            REQUIREMENTS_XML,
            lambda d: d.replace(
                b"<pageMargins",
                b'<hyperlinks><hyperlink ref="H2" location="Cover!A1"/></hyperlinks><pageMargins',
            ),
        ),
        {},
        "sheet 'Requirements', row 2, column H: a hyperlink added to the cell would not be imported",
    ),
    "text in the integrity sheet": (
        part_patch(
            INTEGRITY_XML, lambda d: set_cell(d, "C2", '<c r="C2" t="inlineStr"><is><t>hi</t></is></c>')
        ),
        {},
        "sheet '_smets', row 2, column C: text in the integrity sheet ('hi') would not be imported",
    ),
    "added row without an id": (
        _cell("H9", '<c r="H9" t="inlineStr"><is><t>An extra thought</t></is></c>'),
        {},
        "",
    ),
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return mini_project(tmp_path / "repo")


def _run(capsys: pytest.CaptureFixture[str], root: Path, *books: Path) -> tuple[int, str, str]:
    result = smets(capsys, root, "consult", "import", *(str(b) for b in books))
    assert "Traceback" not in result.err + result.out
    return result.code, result.out, result.err


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][2]])
def test_malformed_workbook_is_refused_with_its_location(
    case: str, root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patch, extra, needle = CASES[case]
    bad = rezip(answer(root, GOOD, tmp_path), tmp_path / "bad.xlsx", patch, extra)
    good = answer(root, OTHER, tmp_path, "other.xlsx")
    before = snapshot(root)
    code, out, err = _run(capsys, root, bad)
    assert code == 1, out + err
    assert f"{bad}: refused (" in out
    assert f"{bad}: error: " in err and needle in err, err
    assert snapshot(root) == before
    # the other workbook on the same command line is still imported
    code, out, err = _run(capsys, root, bad, good)
    assert code == 1
    assert f"{good}: Other Org -> spec/consultations/test/other-org.rst: written" in out
    assert set(snapshot(root)) - set(before) == {"spec/consultations/test/other-org.rst"}


def test_a_row_added_below_the_requirements_is_refused(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patch, extra, _ = CASES["added row without an id"]
    bad = rezip(answer(root, GOOD, tmp_path), tmp_path / "bad.xlsx", patch, extra)
    before = snapshot(root)
    code, _, err = _run(capsys, root, bad)
    assert code == 1
    assert "sheet 'Requirements', row 9, column A (Id): unknown requirement id ''" in err
    assert snapshot(root) == before


def test_a_number_typed_as_a_number_is_kept_as_text(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patch, extra, _ = CASES["a number"]
    book = rezip(answer(root, GOOD, tmp_path), tmp_path / "num.xlsx", patch, extra)
    code, out, err = _run(capsys, root, book)
    assert code == 0, out + err
    text = (root / RESPONSES / "elster-metering-limited.rst").read_text(encoding="utf-8")
    assert "   **Comment**\n\n   | 1e+300\n" in text


def test_not_a_zip_and_zip_bombs(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(root)
    text = tmp_path / "text.xlsx"
    text.write_bytes(b"hello, this is not a workbook")
    code, _, err = _run(capsys, root, text)
    assert code == 1
    assert f"{text}: error: the file is not an .xlsx workbook (not a zip archive) [smets.consult-file]" in err
    # a real bomb: 210 MB of zeros in a few hundred kB
    bomb = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(answer(root, GOOD, tmp_path)) as src,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in src.infolist():
            out.writestr(info.filename, src.read(info.filename))
        with out.open("xl/media/image1.bin", "w") as handle:
            block = bytes(1 << 20)
            for _ in range(210):
                handle.write(block)
    assert bomb.stat().st_size < 2_000_000
    code, _, err = _run(capsys, root, bomb)
    assert code == 1
    assert "the workbook unpacks to 220," in err and "(limit 209,715,200) [smets.consult-file]" in err
    # a bomb that lies about its size in the zip directory is read only as far as it claims, then
    # fails its checksum: refused as corrupt
    liar = tmp_path / "liar.xlsx"
    data = bytearray(bomb.read_bytes())
    name = b"xl/media/image1.bin"
    entry = data.find(b"PK\x01\x02", data.rfind(b"PK\x01\x02", 0, data.rfind(name)) - 1)
    assert data[entry + 46 : entry + 46 + len(name)] == name  # its central directory entry
    data[entry + 24 : entry + 28] = (1000).to_bytes(4, "little")  # "uncompressed size: 1,000 bytes"
    liar.write_bytes(bytes(data))
    code, _, err = _run(capsys, root, liar)
    assert code == 1
    assert f"{liar}: error: the workbook is corrupt" in err
    assert snapshot(root) == before


def test_a_missing_workbook_exits_2_and_the_others_are_imported(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = answer(root, OTHER, tmp_path, "other.xlsx")
    code, out, err = _run(capsys, root, tmp_path / "nowhere.xlsx", good)
    assert code == 2
    assert (
        f"smets consult import: error: {tmp_path / 'nowhere.xlsx'}: no such workbook; check the path\n" in err
    )
    assert f"{good}: Other Org -> spec/consultations/test/other-org.rst: written" in out


def test_names_with_line_breaks_stay_on_one_message_line(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = answer(root, GOOD, tmp_path)
    bad = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(bad, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b'name="General"', b'name="Gen&#10;eral"')
            out.writestr(info.filename, data)
    code, _, err = _run(capsys, root, bad)
    assert code == 1
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert errors and all(line.startswith(f"{bad}: error: ") for line in errors), err
    assert "sheet 'Gen\\neral' is not part of the consultation workbook" in err


def test_a_part_given_twice_is_refused(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = answer(root, GOOD, tmp_path)
    twice = tmp_path / "twice.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(twice, "w") as out, pytest.warns(UserWarning):
        for info in src.infolist():
            out.writestr(info.filename, src.read(info.filename))
        out.writestr(REQUIREMENTS_XML, src.read(REQUIREMENTS_XML).replace(b"No.", b"Hidden text."))
    code, _, err = _run(capsys, root, twice)
    assert code == 1
    assert f"{twice}: error: the workbook holds two parts named xl/worksheets/sheet3.xml" in err


def test_an_impossible_date_is_refused_not_read_as_an_error_value(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """openpyxl reads a date-formatted number outside the date range as ``#VALUE!`` (with a
    warning): the typed value would be lost, so the import refuses it at its cell."""

    book = answer(root, GOOD, tmp_path)
    with zipfile.ZipFile(book) as archive:
        found = re.search(rb'<cellXfs count="(\d+)"', archive.read("xl/styles.xml"))
    assert found is not None
    style = int(found.group(1))  # the index of the date style added below
    date_style = b'<xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1" xfId="0"/>'

    def add_style(data: bytes) -> bytes:
        data = data.replace(b"</cellXfs>", date_style + b"</cellXfs>")
        return data.replace(b'<cellXfs count="%d"' % style, b'<cellXfs count="%d"' % (style + 1))

    styled = rezip(book, tmp_path / "styled.xlsx", part_patch("xl/styles.xml", add_style))
    bad = rezip(styled, tmp_path / "date.xlsx", _cell("H2", f'<c r="H2" s="{style}"><v>1e300</v></c>'))
    before = snapshot(root)
    code, _, err = _run(capsys, root, bad)
    assert code == 1
    assert (
        "sheet 'Requirements', row 2, column H: the value cannot be read as written (Cell H2 is marked as a "
        "date but the serial value 1e+300 is outside the limits for dates."
    ) in err
    assert "[smets.consult-value]" in err
    assert snapshot(root) == before
