"""Stale and edited rows are judged against the spec at the export revision read from git, not against
the workbook's own integrity data (which anyone can recompute)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import git
import pytest
from openpyxl import load_workbook

from clitools import smets
from consulthostile import snapshot
from consulttools import REQUIREMENTS, mini_project, requirement
from smets_spec.consultation import layout
from smets_spec.consultation.fill import Filled, fill_workbook

ACTOR = git.Actor("t", "t@example.org")
FILLED = Filled("Elster Metering Limited", comments={"PC_01": ("Major", "Too vague.", None)})
RESPONSE = Path("spec/consultations/test/elster-metering-limited.rst")
EDITED = "The meter may switch between prepayment and credit when convenient."


def _commit(root: Path, message: str) -> str:
    repo = git.Repo.init(root) if not (root / ".git").exists() else git.Repo(root)
    repo.index.add([p.relative_to(root).as_posix() for p in (root / "spec").rglob("*.rst")] + ["conf.py"])
    return str(repo.index.commit(message, author=ACTOR, committer=ACTOR).hexsha)


def _exported(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    blank = tmp_path / "blank.xlsx"
    assert smets(capsys, root, "consult", "export", "--out", str(blank)).code == 0
    answered = tmp_path / "answered.xlsx"
    fill_workbook(blank, answered, FILLED)
    return answered


def _recompute(book: Path, change: Any) -> None:
    """What a determined respondent does: edit, then make the integrity data agree with the edit."""
    wb = load_workbook(book)
    sheet = wb[layout.INTEGRITY]
    text = "".join(str(sheet.cell(r, 2).value) for r in range(5, sheet.max_row + 1))
    payload = layout.Payload.from_json(text)
    change(wb, payload)
    chunks = layout.chunks(payload.to_json())
    for index in range(5, sheet.max_row + 1):
        sheet.cell(index, 1).value = sheet.cell(index, 2).value = None
    for index, chunk in enumerate(chunks, start=5):
        sheet.cell(index, 1).value, sheet.cell(index, 2).value = "payload", chunk
    sheet.cell(4, 2).value = payload.checksum()
    wb.save(book)


def _edit_text(wb: Any, payload: layout.Payload) -> None:
    reqs = wb[layout.REQUIREMENTS]
    assert reqs.cell(2, 1).value == "PC_01"
    reqs.cell(2, 4).value = EDITED
    values = [str(reqs.cell(2, c).value or "") for c in range(1, 7)]
    payload.requirements["PC_01"] = (layout.fingerprint(EDITED), layout.cells_hash(values))


def test_edited_protected_text_with_a_recomputed_checksum_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mini_project(tmp_path / "repo")
    _commit(root, "spec")
    book = _exported(root, tmp_path, capsys)
    _recompute(book, _edit_text)
    before = snapshot(root)
    result = smets(capsys, root, "consult", "import", str(book))
    assert result.code == 1
    assert (
        f"{book}: error: sheet 'Requirements', row 2, column D (Text): protected text was edited "
        "[smets.consult-protected]"
    ) in result.err
    assert snapshot(root) == before


def test_a_changed_requirement_is_stale_whatever_fingerprint_the_workbook_claims(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mini_project(tmp_path / "repo")
    _commit(root, "spec")
    book = _exported(root, tmp_path, capsys)
    reqs = root / "spec" / "requirements.rst"
    reqs.write_text(
        reqs.read_text(encoding="utf-8").replace(REQUIREMENTS["PC_01"][1], EDITED), encoding="utf-8"
    )
    _commit(root, "PC_01 changed")

    def hide(wb: Any, payload: layout.Payload) -> None:  # claim the row was made on the new text
        payload.requirements["PC_01"] = (layout.fingerprint(EDITED), payload.requirements["PC_01"][1])

    _recompute(book, hide)
    result = smets(capsys, root, "consult", "import", str(book))
    assert result.code == 0, result.err
    assert (
        "sheet 'Requirements', row 2, column D (Text): requirement PC_01 changed since the export; the "
        "response is kept and marked stale [smets.consult-stale]"
    ) in result.err
    text = (root / RESPONSE).read_text(encoding="utf-8")
    old = layout.fingerprint(REQUIREMENTS["PC_01"][1])
    assert f"   :fingerprint: {old}\n   :stale: true\n" in text


def test_an_unchanged_requirement_in_a_later_commit_is_not_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mini_project(tmp_path / "repo")
    _commit(root, "spec")
    book = _exported(root, tmp_path, capsys)
    reqs = root / "spec" / "requirements.rst"
    reqs.write_text(
        reqs.read_text(encoding="utf-8") + requirement("PC_03", "New", "A new one."), encoding="utf-8"
    )
    _commit(root, "PC_03 added")
    result = smets(capsys, root, "consult", "import", str(book))
    assert result.code == 0, result.err
    assert "stale" not in result.err and "warning" not in result.err
    assert ":stale:" not in (root / RESPONSE).read_text(encoding="utf-8")


def test_without_git_history_the_edit_is_still_flagged_and_the_weaker_check_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mini_project(tmp_path / "repo")  # not a git checkout: the export says "unversioned"
    book = _exported(root, tmp_path, capsys)
    _recompute(book, _edit_text)
    result = smets(capsys, root, "consult", "import", str(book))
    assert result.code == 0, result.err
    assert (
        "sheet 'Cover', row 4, column B (Specification version): the spec at the export revision cannot be "
        "read (revision 'unversioned' is not a git revision)"
    ) in result.err
    assert (
        "sheet 'Requirements', row 2, column D (Text): requirement PC_01 changed since the export"
        in result.err
    )
    text = (root / RESPONSE).read_text(encoding="utf-8")
    assert f"   :fingerprint: {layout.fingerprint(EDITED)}\n   :stale: true\n" in text


def test_a_revision_missing_from_the_clone_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mini_project(tmp_path / "repo")
    exported_at = _commit(root, "spec")
    book = _exported(root, tmp_path, capsys)
    shutil.rmtree(root / ".git")
    _commit(root, "another history")
    result = smets(capsys, root, "consult", "import", str(book))
    assert result.code == 0, result.err
    assert (
        f"the spec at the export revision cannot be read (revision {exported_at[:12]} is not in this "
        "repository's history (a shallow clone?)); protected text is checked against the workbook's own "
        "integrity data only [smets.consult-workbook]"
    ) in result.err


def test_cover_text_whitelisted_in_recomputed_integrity_data_is_still_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mini_project(tmp_path / "repo")
    _commit(root, "spec")
    book = _exported(root, tmp_path, capsys)

    def whitelist(wb: Any, payload: layout.Payload) -> None:
        wb[layout.COVER]["C9"] = "Our real objections are in the attached letter."
        payload.cover["C9"] = "Our real objections are in the attached letter."

    _recompute(book, whitelist)
    before = snapshot(root)
    result = smets(capsys, root, "consult", "import", str(book))
    assert result.code == 1
    assert (
        "sheet 'Cover', row 9, column C: text outside the yellow cell ('Our real objections are in the "
        "attached '); it would not be imported [smets.consult-protected]"
    ) in result.err
    assert snapshot(root) == before
