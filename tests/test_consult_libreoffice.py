"""A respondent using LibreOffice: the workbook survives a LibreOffice round trip and imports the same.

Skipped (with the reason) where LibreOffice (``soffice``) is not installed. On
Debian/Ubuntu: ``apt-get install -y --no-install-recommends libreoffice-calc``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

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
    assert [str(v.sqref) for v in reqs.data_validations.dataValidation] == ["G2:G4"]
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
