"""`smets consult export | import | summary` on a copy of the repository, and the spec revision from git."""

from __future__ import annotations

from pathlib import Path

import git
import pytest
from openpyxl import load_workbook

from clitools import smets
from conftest import copy_project
from consulttools import export, mini_project
from smets_spec.consultation import layout
from smets_spec.consultation.export import spec_revision
from smets_spec.consultation.fill import Filled, fill_workbook
from smets_spec.corpus.load import load_spec


def test_export_import_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path)
    blank = tmp_path / "out" / "decc.xlsx"
    result = smets(capsys, root, "consult", "export", "--out", str(blank))
    assert result.code == 0, result.err
    assert result.out == f"{blank}: CON_DECC_2011 at revision unversioned: 62 questions, 104 requirements\n"
    answered = tmp_path / "test-org.xlsx"
    fill_workbook(
        blank,
        answered,
        Filled(
            "Test Org",
            answers={7: "Six months."},
            comments={"PC_01": ("Major", "=Too vague", "Shall switch.")},
            general=[("Costs", "Minor", "Who pays?", None)],
        ),
    )
    result = smets(capsys, root, "consult", "import", "-v", str(answered))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == (
        f"{answered}: Test Org -> spec/consultations/decc-2011/test-org.rst: written; "
        "1 answers, 1 requirement comments (0 stale), 1 general comments; 164 rows skipped"
    )
    assert "    skipped: Questions row 2: question 1: no answer" in lines
    assert (root / "spec" / "consultations" / "decc-2011" / "test-org.rst").is_file()
    again = smets(capsys, root, "consult", "import", str(answered))
    assert again.code == 0 and ": unchanged;" in again.out
    summary = tmp_path / "summary.xlsx"
    result = smets(capsys, root, "consult", "summary", "--out", str(summary))
    assert result.code == 0, result.err
    assert "  Test Org: 1 Major, 1 Minor, 0 none, 0 unrated\n" in result.out
    assert "  Elster Metering Limited: 18 Major, 28 Minor, 0 none, 14 unrated\n" in result.out
    wb = load_workbook(summary, read_only=True)
    rows = [r for r in wb["Requirements"].iter_rows(min_row=2, values_only=True) if r[3] == "Test Org"]
    title = load_spec(root / "spec", relative_to=root)["PC_01"].title
    assert rows == [("PC_01", "PC", title, "Test Org", "Major", "=Too vague", "Shall switch.", None)]
    assert smets(capsys, root, "validate").code == 0


def test_refused_workbook_exits_1_with_gcc_style_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_project(tmp_path)
    bad = tmp_path / "macro.xlsm"
    bad.write_bytes(b"PK\x03\x04")
    result = smets(capsys, root, "consult", "import", str(bad))
    assert result.code == 1
    assert f"{bad}: refused (1 error(s)); nothing imported from it" in result.out
    assert (
        f"{bad}: error: a macro-enabled or binary workbook (.xlsm) is not accepted "
        "[smets.consult-file]\n    fix: save it as 'Excel Workbook (.xlsx)' and send it again"
    ) in result.err


def test_unknown_consultation_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path)
    result = smets(
        capsys, root, "consult", "export", "--consultation", "NOPE", "--out", str(tmp_path / "x.xlsx")
    )
    assert result.code == 2
    assert "no consultation 'NOPE' in the spec (consultations: CON_DECC_2011)" in result.err


def test_spec_revision_comes_from_git(tmp_path: Path) -> None:
    root = mini_project(tmp_path / "repo")
    assert spec_revision(root) == "unversioned"
    repo = git.Repo.init(root)
    repo.index.add(["conf.py", "spec"])
    commit = repo.index.commit(
        "spec", author=git.Actor("t", "t@example.org"), committer=git.Actor("t", "t@example.org")
    )
    assert spec_revision(root) == commit.hexsha[:12]
    (root / "spec" / "new.rst").write_text("New\n===\n", encoding="utf-8")
    assert spec_revision(root) == commit.hexsha[:12] + "+modified"
    book = export(root, tmp_path / "x.xlsx", revision=spec_revision(root))
    assert load_workbook(book)[layout.COVER]["B4"].value == commit.hexsha[:12] + "+modified"
