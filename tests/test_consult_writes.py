"""No consult write can lose what a user wrote: atomic replacement, guarded --out, pages that are not
responses and symbolic links never overwritten; all through the real `smets consult` command."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import git
import pytest
from openpyxl import load_workbook

from clitools import smets
from consulthostile import snapshot
from consulttools import answer, mini_project
from smets_spec.consultation import layout
from smets_spec.consultation.fill import Filled

FIRST = Filled("Elster Metering Limited", comments={"PC_01": ("Major", "First thoughts.", None)})
SECOND = Filled("Elster Metering Limited", comments={"PC_01": ("Minor", "Second thoughts.", None)})
RESPONSE = Path("spec/consultations/test/elster-metering-limited.rst")
ACTOR = git.Actor("t", "t@example.org")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return mini_project(tmp_path / "repo")


def _commit(root: Path) -> git.Repo:
    files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    repo = git.Repo.init(root)
    repo.index.add(files)
    repo.index.commit("spec", author=ACTOR, committer=ACTOR)
    return repo


def test_export_without_out_writes_to_the_build_folder(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = smets(capsys, root, "consult", "export")
    assert result.code == 0, result.err
    assert (
        result.out == "_build/consultations/CON_TEST.xlsx: CON_TEST at revision unversioned: "
        "2 questions, 3 requirements\n"
    )
    assert (
        load_workbook(root / "_build" / "consultations" / "CON_TEST.xlsx")[layout.COVER]["B3"].value
        == "CON_TEST"
    )


@pytest.mark.parametrize("command", ["export", "summary"])
@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("spec/requirements.rst", "is a specification source (spec/ or conf.py)"),
        ("spec/new-folder/x.xlsx", "is a specification source (spec/ or conf.py)"),
        ("conf.py", "is a specification source (spec/ or conf.py)"),
        ("README.md", "is a file git tracks"),
    ],
)
def test_out_refuses_sources_and_tracked_files_without_force(
    root: Path, command: str, target: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "README.md").write_text("committed work\n", encoding="utf-8")
    _commit(root)
    before = snapshot(root)
    result = smets(capsys, root, "consult", command, "--out", str(root / target))
    assert result.code == 2
    assert result.err.startswith(f"smets consult: {root / target}: {needle}")
    assert "pass --force if you mean it" in result.err
    assert snapshot(root) == before
    forced = smets(capsys, root, "consult", command, "--out", str(root / target), "--force")
    assert forced.code == 0, forced.err
    assert (root / target).read_bytes()[:2] == b"PK"


def test_out_never_follows_a_symlinked_folder_out_of_the_repository(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "exports").symlink_to(outside)
    result = smets(capsys, root, "consult", "export", "--out", str(root / "exports" / "c.xlsx"), "--force")
    assert result.code == 2
    assert "its folder is a symbolic link leading out of the repository" in result.err
    assert list(outside.iterdir()) == []


def test_out_replaces_a_symlink_instead_of_writing_through_it(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (root / "c.xlsx").symlink_to(victim)
    result = smets(capsys, root, "consult", "export", "--out", str(root / "c.xlsx"))
    assert result.code == 0, result.err
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (root / "c.xlsx").is_symlink() and (root / "c.xlsx").read_bytes()[:2] == b"PK"


def test_out_is_a_file_not_a_folder(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "outdir").mkdir()
    result = smets(capsys, root, "consult", "export", "--out", str(root / "outdir"))
    assert result.code == 2 and "is a folder; --out takes a file name" in result.err


def test_a_full_disk_during_replace_leaves_the_old_response_whole(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = answer(root, FIRST, tmp_path, "first.xlsx"), answer(root, SECOND, tmp_path, "second.xlsx")
    assert smets(capsys, root, "consult", "import", str(first)).code == 0
    old = (root / RESPONSE).read_bytes()
    real = Path.write_bytes

    def full_disk(self: Path, data: Any) -> int:
        real(self, data[: len(data) // 3])
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    result = smets(capsys, root, "consult", "import", "--replace", str(second))
    monkeypatch.undo()
    assert result.code == 2
    assert "cannot write (No space left on device); an earlier file there is left whole" in result.err
    assert (root / RESPONSE).read_bytes() == old
    assert sorted(p.name for p in (root / RESPONSE).parent.iterdir()) == [
        "elster-metering-limited.rst",
        "index.rst",
    ]
    # and with space again, the replacement goes through
    result = smets(capsys, root, "consult", "import", "--replace", str(second))
    assert result.code == 0, result.err
    assert "| Second thoughts." in (root / RESPONSE).read_text(encoding="utf-8")


def test_a_page_that_is_not_a_response_is_never_overwritten(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = root / RESPONSE
    page.write_text("Elster notes\n============\n\nOur own page about Elster.\n", encoding="utf-8")
    book = answer(root, FIRST, tmp_path)
    before = snapshot(root)
    for flags in ([], ["--replace"]):
        result = smets(capsys, root, "consult", "import", *flags, str(book))
        assert result.code == 1
        assert (
            "spec/consultations/test/elster-metering-limited.rst is not a response file written by "
            "`smets consult import`; it is left as it is [smets.consult-conflict]"
        ) in result.err
        assert snapshot(root) == before


def test_a_symlink_with_a_respondents_name_is_never_written_through(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.rst"
    victim.write_text("precious\n", encoding="utf-8")
    (root / RESPONSE).symlink_to(victim)
    book = answer(root, FIRST, tmp_path)
    before = snapshot(root)
    result = smets(capsys, root, "consult", "import", "--replace", str(book))
    assert result.code == 1
    assert "is a symbolic link or not a regular file, not a response file written by smets" in result.err
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert snapshot(root) == before
