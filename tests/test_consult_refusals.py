"""Every hostile or broken workbook is refused with a message naming sheet, row and column."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from consulttools import answer, export, import_one, load, messages, mini_project
from smets_spec.consultation import layout
from smets_spec.consultation.fill import Filled
from smets_spec.consultation.layout import Limits
from smets_spec.consultation.model import Kind, read_responses
from smets_spec.consultation.store import Outcome
from smets_spec.corpus.diagnostics import Rule, Severity

GOOD = Filled("Elster Metering Limited", answers={1: "Yes."}, comments={"PC_01": ("Major", "No.", None)})


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return mini_project(tmp_path / "repo")


def tamper(path: Path, change: Callable[[Any], None], dest: Path | None = None) -> Path:
    wb = load_workbook(path)
    change(wb)
    out = dest or path
    wb.save(out)
    return out


def refused(root: Path, book: Path, rule: Rule, *needles: str, limits: Limits | None = None) -> str:
    report, stored = import_one(root, book, limits=limits)
    text = messages(report)
    assert report.result is None and stored is None, text
    assert any(d.rule is rule and d.severity is Severity.ERROR for d in report.diagnostics), text
    for needle in needles:
        assert needle in text
    assert not list((root / "spec" / "consultations" / "test").glob("elster*.rst"))
    return text


def test_a_workbook_that_is_not_ours(root: Path, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active["A1"] = "my own table"
    wb.save(tmp_path / "other.xlsx")
    refused(
        root, tmp_path / "other.xlsx", Rule.CONSULT_WORKBOOK, "other.xlsx: error: not a consultation workbook"
    )


def test_changed_integrity_data(root: Path, tmp_path: Path) -> None:
    book2 = answer(root, GOOD, tmp_path, "b2.xlsx")

    def edit_payload(wb: Any) -> None:
        cell = wb[layout.INTEGRITY].cell(5, 2)
        cell.value = cell.value.replace("PC_01", "PC_09")

    tamper(book2, edit_payload)
    refused(root, book2, Rule.CONSULT_WORKBOOK, "sheet '_smets': integrity data was changed")


def test_unknown_requirement_id(root: Path, tmp_path: Path) -> None:
    book = tamper(answer(root, GOOD, tmp_path), lambda wb: wb[layout.REQUIREMENTS].cell(3, 1, "PC_99"))
    refused(
        root,
        book,
        Rule.CONSULT_PROTECTED,
        "sheet 'Requirements', row 3, column A (Id): unknown requirement id 'PC_99'",
    )


def test_edited_protected_text(root: Path, tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb[layout.REQUIREMENTS].cell(2, 4).value += " (edited)"

    book = tamper(answer(root, GOOD, tmp_path), edit)
    refused(
        root,
        book,
        Rule.CONSULT_PROTECTED,
        "sheet 'Requirements', row 2, column D (Text): protected text was edited",
    )


def test_edited_question(root: Path, tmp_path: Path) -> None:
    book = tamper(answer(root, GOOD, tmp_path), lambda wb: wb[layout.QUESTIONS].cell(3, 2, "Why not?"))
    refused(
        root, book, Rule.CONSULT_PROTECTED, "sheet 'Questions', row 3, column B (Question): protected text"
    )


def test_edited_header(root: Path, tmp_path: Path) -> None:
    book = tamper(answer(root, GOOD, tmp_path), lambda wb: wb[layout.REQUIREMENTS].cell(1, 8, "Remarks"))
    refused(root, book, Rule.CONSULT_PROTECTED, "sheet 'Requirements', row 1: the header row was changed")


def test_duplicated_row(root: Path, tmp_path: Path) -> None:
    book = tamper(answer(root, GOOD, tmp_path), lambda wb: wb[layout.REQUIREMENTS].cell(3, 1, "PC_01"))
    refused(
        root,
        book,
        Rule.CONSULT_PROTECTED,
        "sheet 'Requirements', row 3, column A (Id): requirement PC_01 appears twice",
    )


def test_text_outside_the_response_columns(root: Path, tmp_path: Path) -> None:
    book = tamper(answer(root, GOOD, tmp_path), lambda wb: wb[layout.REQUIREMENTS].cell(4, 14, "see also"))
    refused(
        root,
        book,
        Rule.CONSULT_PROTECTED,
        "sheet 'Requirements', row 4, column N: text outside the response columns ('see also')",
    )


def test_extra_sheet(root: Path, tmp_path: Path) -> None:
    def add(wb: Any) -> None:
        wb.create_sheet("Notes")["A1"] = "more thoughts"

    refused(
        root,
        tamper(answer(root, GOOD, tmp_path), add),
        Rule.CONSULT_PROTECTED,
        "sheet 'Notes' is not part of the consultation workbook",
    )


def test_bad_rating(root: Path, tmp_path: Path) -> None:
    book = answer(root, Filled("A Ltd", comments={"PC_02": ("Severe", "x", None)}), tmp_path)
    refused(
        root,
        book,
        Rule.CONSULT_VALUE,
        "sheet 'Requirements', row 3, column G (Issue): 'Severe' is not an issue rating",
    )


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        (None, "the organisation's name is empty"),
        ("[[copy('id')]]", "must start with a letter or a digit"),
        ("Evil [[copy('id')]]", "may hold only letters"),
        ("A" * 121, "is 121 characters long (limit 120)"),
    ],
)
def test_bad_organisation(root: Path, tmp_path: Path, name: str | None, needle: str) -> None:
    def write(wb: Any) -> None:
        wb[layout.COVER]["B6"].value = name

    book = tamper(answer(root, GOOD, tmp_path), write)
    refused(root, book, Rule.CONSULT_VALUE, "sheet 'Cover', row 6, column B (Your organisation)", needle)


def test_unsafe_topic(root: Path, tmp_path: Path) -> None:
    book = answer(root, Filled("A Ltd", general=[("[[copy('id')]]", None, "text", None)]), tmp_path)
    refused(
        root, book, Rule.CONSULT_VALUE, "sheet 'General', row 2, column A (Topic): a topic must be one line"
    )


def test_oversize_cell(root: Path, tmp_path: Path) -> None:
    book = answer(root, Filled("A Ltd", comments={"SP_2": (None, "y" * 1001, None)}), tmp_path)
    refused(
        root,
        book,
        Rule.CONSULT_VALUE,
        "sheet 'Requirements', row 4, column H (Comment): 1,001 characters (limit 1,000)",
        limits=Limits(cell_chars=1000),
    )


def test_oversize_file(root: Path, tmp_path: Path) -> None:
    book = answer(root, GOOD, tmp_path)
    refused(root, book, Rule.CONSULT_FILE, "(limit 1,000)", limits=Limits(file_bytes=1000))
    refused(root, book, Rule.CONSULT_FILE, "the workbook unpacks to", limits=Limits(unzipped_bytes=10_000))


def test_macro_enabled_by_name(root: Path, tmp_path: Path) -> None:
    book = answer(root, GOOD, tmp_path)
    macro = book.with_suffix(".xlsm")
    macro.write_bytes(book.read_bytes())
    refused(root, macro, Rule.CONSULT_FILE, "a macro-enabled or binary workbook (.xlsm) is not accepted")


def _rezip(source: Path, dest: Path, extra: dict[str, bytes], patch: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, patch(info.filename, src.read(info.filename)))
        for name, data in extra.items():
            out.writestr(name, data)
    return dest


def test_macro_inside_an_xlsx(root: Path, tmp_path: Path) -> None:
    book = answer(root, GOOD, tmp_path)
    vba = _rezip(book, tmp_path / "vba.xlsx", {"xl/vbaProject.bin": b"\x00" * 64}, lambda n, d: d)
    refused(root, vba, Rule.CONSULT_FILE, "the workbook contains macros (vbaProject.bin)")

    def macro_type(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
        return data

    typed = _rezip(book, tmp_path / "typed.xlsx", {}, macro_type)
    refused(root, typed, Rule.CONSULT_FILE, "the workbook is macro-enabled")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "not an .xlsx workbook"),
        (b"just some text", "not an .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003 (.xls) or encrypted"),
        (b"PK\x03\x04 truncated", "the workbook is corrupt"),
    ],
)
def test_corrupt_files(root: Path, tmp_path: Path, content: bytes, needle: str) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(content)
    refused(root, bad, Rule.CONSULT_FILE, needle)


def test_truncated_and_broken_workbooks(root: Path, tmp_path: Path) -> None:
    book = answer(root, GOOD, tmp_path)
    data = book.read_bytes()
    (tmp_path / "half.xlsx").write_bytes(data[: len(data) // 2])
    refused(root, tmp_path / "half.xlsx", Rule.CONSULT_FILE, "the workbook is corrupt")
    broken = _rezip(
        book, tmp_path / "broken.xlsx", {}, lambda n, d: b"<not xml" if n == "xl/workbook.xml" else d
    )
    refused(root, broken, Rule.CONSULT_FILE, "the workbook is corrupt")
    empty_zip = tmp_path / "empty.xlsx"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("hello.txt", "hi")
    refused(root, empty_zip, Rule.CONSULT_FILE, "a zip archive but not an Excel workbook")


def test_stale_rows_are_kept_and_marked(root: Path, tmp_path: Path) -> None:
    book = answer(root, Filled("A Ltd", comments={"PC_01": ("Major", "About the old text.", None)}), tmp_path)
    reqs = root / "spec" / "requirements.rst"
    reqs.write_text(
        reqs.read_text(encoding="utf-8").replace("switch between", "toggle between"), encoding="utf-8"
    )
    report, stored = import_one(root, book)
    assert stored is not None and stored.outcome is Outcome.WRITTEN
    warnings = [d for d in report.diagnostics if d.rule is Rule.CONSULT_STALE]
    assert len(warnings) == 1 and warnings[0].severity is Severity.WARNING
    assert (
        "sheet 'Requirements', row 2, column D (Text): requirement PC_01 changed since the export"
        in warnings[0].format()
    )
    items, _ = read_responses(load(root), "CON_TEST")
    (comment,) = [s.response for s in items if s.response.kind is Kind.REQUIREMENT]
    assert comment.stale and comment.text == "About the old text."
    assert comment.fingerprint == layout.fingerprint("The meter shall switch between prepayment and credit.")
    assert "   :stale: true\n" in stored.path.read_text(encoding="utf-8")


def test_requirement_removed_since_export(root: Path, tmp_path: Path) -> None:
    book = answer(root, Filled("A Ltd", comments={"SP_2": ("Minor", "x", None)}), tmp_path)
    reqs = root / "spec" / "requirements.rst"
    text = reqs.read_text(encoding="utf-8")
    reqs.write_text(text[: text.index(".. req:: Markup")], encoding="utf-8")
    refused(
        root,
        book,
        Rule.CONSULT_PROTECTED,
        "sheet 'Requirements', row 4, column A (Id): requirement SP_2 is no longer in the spec",
    )


def test_formulas_and_numbers_are_kept_as_written(root: Path, tmp_path: Path) -> None:
    def type_in(wb: Any) -> None:
        wb[layout.REQUIREMENTS].cell(2, 8).value = "=1+1"  # a real formula, as Excel would store it
        wb[layout.REQUIREMENTS].cell(3, 8).value = 42

    book = tamper(answer(root, Filled("A Ltd"), tmp_path), type_in)
    report, stored = import_one(root, book)
    assert stored is not None, messages(report)
    assert "sheet 'Requirements', row 2, column H (Comment): holds a formula" in messages(report)
    items, _ = read_responses(load(root), "CON_TEST")
    assert {s.response.target: s.response.text for s in items} == {"PC_01": "=1+1", "PC_02": "42"}


def test_reimport_is_idempotent_and_replacing_needs_a_flag(root: Path, tmp_path: Path) -> None:
    book = answer(root, GOOD, tmp_path)
    _, first = import_one(root, book)
    assert first is not None and first.outcome is Outcome.WRITTEN
    before = first.path.read_bytes()
    _, again = import_one(root, book)
    assert again is not None and again.outcome is Outcome.UNCHANGED
    changed = answer(
        root,
        Filled(GOOD.respondent, answers={1: "No."}, comments={"PC_02": ("Minor", "Hm", None)}),
        tmp_path,
        "v2.xlsx",
    )
    _, refusal = import_one(root, changed)
    assert refusal is not None and refusal.outcome is Outcome.REFUSED and refusal.diagnostic is not None
    assert refusal.diagnostic.rule is Rule.CONSULT_CONFLICT
    assert (
        "already holds a different response from Elster Metering Limited (1 new, 1 withdrawn, 1 changed)"
        in refusal.diagnostic.message
    )
    assert first.path.read_bytes() == before
    _, replaced = import_one(root, changed, replace=True)
    assert replaced is not None and replaced.outcome is Outcome.REPLACED
    assert (replaced.added, replaced.removed, replaced.changed) == (1, 1, 1)


def test_other_respondents_are_never_touched(root: Path, tmp_path: Path) -> None:
    _, first = import_one(root, answer(root, GOOD, tmp_path))
    assert first is not None
    before = first.path.read_bytes()
    _, other = import_one(root, answer(root, Filled("Another Org", answers={2: "Maybe"}), tmp_path, "o.xlsx"))
    assert other is not None and other.outcome is Outcome.WRITTEN and other.path != first.path
    clash = answer(root, Filled("Elster-Metering Limited", answers={2: "Hijack"}), tmp_path, "c.xlsx")
    _, refusal = import_one(root, clash, replace=True)
    assert refusal is not None and refusal.outcome is Outcome.REFUSED and refusal.diagnostic is not None
    assert (
        "holds the response of Elster Metering Limited, not of 'Elster-Metering Limited'"
        in refusal.diagnostic.message
    )
    assert first.path.read_bytes() == before
    items, _ = read_responses(load(root), "CON_TEST")
    assert sorted({s.respondent for s in items}) == ["Another Org", "Elster Metering Limited"]


def test_blank_rows_are_reported_as_skipped(root: Path, tmp_path: Path) -> None:
    report, _ = import_one(root, answer(root, GOOD, tmp_path))
    assert report.skipped == [
        "Questions row 3: question 2: no answer",
        "Requirements row 3: PC_02: no response",
        "Requirements row 4: SP_2: no response",
    ]


def test_exported_workbook_is_protected_and_formula_free(root: Path, tmp_path: Path) -> None:
    book = export(root, tmp_path / "blank.xlsx")
    wb = load_workbook(book)
    reqs = wb[layout.REQUIREMENTS]
    assert [c.value for c in reqs[1]] == list(layout.REQUIREMENT_COLUMNS)
    formula_like = reqs.cell(3, 4)
    assert (
        formula_like.value.startswith("=SUM") and formula_like.data_type == "s" and formula_like.quotePrefix
    )
    assert reqs.protection.sheet and not reqs.protection.autoFilter
    assert reqs.freeze_panes == "A2" and reqs.auto_filter.ref == "A1:M4"
    assert reqs.cell(2, 4).protection.locked and reqs.cell(2, 4).alignment.wrap_text
    assert not reqs.column_dimensions["H"].protection.locked
    validation, kind, price, months = reqs.data_validations.dataValidation
    assert validation.formula1 == '"Major,Minor,none"' and str(validation.sqref) == "G2:G4"
    assert (kind.formula1, str(kind.sqref)) == ('"hardware,firmware"', "J2:J4")  # the cost evidence
    assert (price.type, price.formula2, str(price.sqref)) == ("decimal", "100000", "K2:K4")
    assert (months.type, months.formula2, str(months.sqref)) == ("decimal", "240", "L2:L4")
    assert wb[layout.INTEGRITY].sheet_state == "veryHidden"
    assert wb.security is not None and wb.security.lockStructure
    assert reqs.page_setup.orientation == "landscape" and reqs.print_title_rows == "$1:$1"
    cover = wb[layout.COVER]
    assert cover["A6"].value == layout.RESPONDENT_LABEL and not cover["B6"].protection.locked
    assert cover["B4"].value == "test-rev" and cover["B5"].value == "2030-01-31"
    assert [c.value for c in wb[layout.QUESTIONS]["B"]][1:] == ["Do you agree?", "Why?\nSay more."]
    reqs_row = [c.value for c in reqs[2]][:6]
    assert reqs_row == [
        "PC_01",
        "PC",
        "Switch mode",
        "The meter shall switch between prepayment and credit.",
        "ESME mandatory",
        "firmware",
    ]


def test_wrong_sheet_dimensions_hide_no_rows(root: Path, tmp_path: Path) -> None:
    """Some writers state a sheet's used range wrongly; the import reads every row regardless."""
    book = answer(root, Filled("A Ltd", comments={"SP_2": ("Minor", "last row", None)}), tmp_path)

    def shrink(name: str, data: bytes) -> bytes:
        return (
            re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:A1"/>', data)
            if "worksheets" in name
            else data
        )

    small = _rezip(book, tmp_path / "small.xlsx", {}, shrink)
    report, stored = import_one(root, small)
    assert stored is not None, messages(report)
    items, _ = read_responses(load(root), "CON_TEST")
    assert [(s.response.target, s.response.text) for s in items] == [("SP_2", "last row")]
