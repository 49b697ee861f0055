"""A respondent using LibreOffice: the workbook survives a LibreOffice round trip and imports the same.

Skipped (with the reason) where LibreOffice (``soffice``) is not installed. On
Debian/Ubuntu: ``apt-get install -y --no-install-recommends libreoffice-calc``.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment

from clitools import smets
from consulttools import answer, export, import_one, load, messages, mini_project, stored_texts
from smets_spec.consultation import layout
from smets_spec.consultation.fill import Filled
from smets_spec.consultation.model import read_responses

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

FILLED = Filled(
    "Énergie & Société (UK) Ltd.",
    answers={1: "=1+2 stays text", 2: "multi\nline\n\n  indented  "},
    comments={
        "PC_01": ("Major", "comment\nwith £ and 日本語 😀", None),
        "SP_2": ("Minor", None, "shall *not* -x"),
    },
    general=[("Architectures", "none", "@general", None)],
    costs={"PC_01": ("firmware", 12.5, 9, "remote update, £ per meter\nincl. testing")},
)


def _through_libreoffice(files: list[Path], out: Path, profile: Path) -> list[Path]:
    """Open and save each workbook as .xlsx with LibreOffice, as a respondent's save would."""
    assert SOFFICE is not None
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = [out / f.name for f in files]
    assert all(p.is_file() for p in converted), list(out.iterdir())
    return converted


def test_libreoffice_round_trip(tmp_path: Path) -> None:
    root = mini_project(tmp_path / "repo")
    blank = export(root, tmp_path / "blank.xlsx")
    answered = answer(root, FILLED, tmp_path)
    lo_blank, lo_answered = _through_libreoffice([blank, answered], tmp_path / "lo", tmp_path / "profile")

    # the blank workbook's content survived: texts, hidden integrity data, protection, drop-down
    wb = load_workbook(lo_blank)
    assert wb.sheetnames == list(layout.SHEETS)
    assert wb[layout.INTEGRITY].sheet_state in {"hidden", "veryHidden"}
    reqs = wb[layout.REQUIREMENTS]
    assert [c.value for c in reqs[1]] == list(layout.REQUIREMENT_COLUMNS)
    assert [c.value for c in reqs["D"]][1:] == [
        "The meter shall switch between prepayment and credit.",
        "=SUM(A1:A2) looks like a formula; - so does this; @ and + too.",
        "Text with *stars*, `ticks`, _under_ and |bars| and :field: lists.",
    ]
    assert all(reqs.cell(r, 4).data_type == "s" for r in (2, 3, 4))
    assert reqs.protection.sheet
    assert sorted(str(v.sqref) for v in reqs.data_validations.dataValidation) == [
        "G2:G4",
        "J2:J4",
        "K2:K4",
        "L2:L4",
    ]
    assert [c.value for c in wb[layout.QUESTIONS]["B"]][1:] == ["Do you agree?", "Why?\nSay more."]

    # the answered workbook, saved by LibreOffice, imports exactly what was typed
    report, stored = import_one(root, lo_answered)
    assert stored is not None, messages(report)
    items, _ = read_responses(load(root), "CON_TEST")
    answers, comments, general = stored_texts(items)
    assert answers == FILLED.answers
    assert comments == FILLED.comments
    assert general == FILLED.general
    assert {s.respondent for s in items} == {FILLED.respondent}
    costs = {s.response.target: s.response.cost for s in items if s.response.cost is not None}
    assert {k: (c.kind, c.gbp_per_unit, c.lead_time_months, c.note) for k, c in costs.items()} == {
        "PC_01": ("firmware", 12.5, 9.0, "remote update, £ per meter\nincl. testing")
    }


#: openpyxl writes cell text without Excel's escapes, so the cell LibreOffice opens holds
#: ``_x000D_`` (typed) where the file says ``_x005F_x000D_``; what the respondent sees is TYPED.
ESCAPES = Filled(
    "Escapes Ltd",
    comments={
        "PC_01": ("Minor", "carriage\rreturn, typed _x005F_x000D_ and x005F_ kept", None),
        "PC_02": (None, 'it\'s "quoted" -- see javascript:alert(1) ... ok', "tab\there"),
    },
)
TYPED = {
    "PC_01": ("Minor", "carriage\rreturn, typed _x000D_ and x005F_ kept", None),
    "PC_02": ESCAPES.comments["PC_02"],
}


def test_libreoffice_escapes_and_notes_through_the_real_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Excel's ``_xHHHH_`` escapes as LibreOffice writes them decode to what was typed; a cell note
    and text typed on the Cover sheet, saved by LibreOffice, are refused with their cell, not dropped."""
    root = mini_project(tmp_path / "repo")
    answered = answer(root, ESCAPES, tmp_path)
    noted = tmp_path / "noted.xlsx"
    wb = load_workbook(answered)
    wb[layout.REQUIREMENTS]["H3"].comment = Comment("See our letter of 3 May", "Escapes Ltd")
    wb.save(noted)
    covered = tmp_path / "covered.xlsx"
    wb = load_workbook(answered)
    wb[layout.COVER]["B7"] = "Please treat our response as confidential."
    wb.save(covered)
    lo_answered, lo_noted, lo_covered = _through_libreoffice(
        [answered, noted, covered], tmp_path / "lo", tmp_path / "profile"
    )
    with zipfile.ZipFile(lo_answered) as archive:
        strings = archive.read("xl/sharedStrings.xml")
    assert b"typed _x005F_x000D_ and x005F_ kept" in strings  # LibreOffice escapes as Excel does

    result = smets(capsys, root, "consult", "import", str(lo_noted))
    assert result.code == 1
    assert (
        "sheet 'Requirements', row 3, column H: a cell note or comment ('See our letter of 3 May') would "
        "not be imported [smets.consult-protected]"
    ) in result.err
    assert not (root / "spec" / "consultations" / "test" / "escapes-ltd.rst").exists()

    result = smets(capsys, root, "consult", "import", str(lo_covered))
    assert result.code == 1
    assert (
        "sheet 'Cover', row 7, column B: text outside the yellow cell ('Please treat our response as "
        "confidentia'); it would not be imported [smets.consult-protected]"  # the first 40 characters
    ) in result.err

    result = smets(capsys, root, "consult", "import", str(lo_answered))
    assert result.code == 0, result.err
    items, _ = read_responses(load(root), "CON_TEST")
    _, comments, _ = stored_texts(items)
    assert comments == TYPED
