"""`smets review` lists every change under spec/, not only changes to needs: a plain page, an
image, a new file. A pull request that adds a page with no need is not "no change"."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from changetools import commit, history_repo
from clitools import smets


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    history_repo(root)
    return root


def test_a_plain_page_change_is_listed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = repo / "spec" / "index.rst"
    index.write_text(index.read_text(encoding="utf-8") + "\nA sentence added to a page without needs.\n")
    (repo / "spec" / "notes.rst").write_text("Notes\n=====\n\nPlain text.\n", encoding="utf-8")
    (repo / "spec" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    commit(git.Repo(repo), "pages only", 9)
    result = smets(capsys, repo, "review", "HEAD~1", "HEAD")
    assert result.code == 0, result.err
    assert "No change to the specification" not in result.out
    assert "### Files changed under spec/" in result.out
    for line in (
        "| spec/index.rst | modified | no need changed |",
        "| spec/logo.svg | added | no need changed |",
        "| spec/notes.rst | added | no need changed |",
    ):
        assert line in result.out, result.out
    data = json.loads(smets(capsys, repo, "review", "HEAD~1", "HEAD", "--format", "json").out)
    assert data["files"] == [
        {"path": "spec/index.rst", "status": "modified"},
        {"path": "spec/logo.svg", "status": "added"},
        {"path": "spec/notes.rst", "status": "added"},
    ]
    assert data["summary"]["files_changed"] == 3


def test_a_worktree_edit_outside_needs_is_listed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "spec" / "index.rst").write_text(".. raw:: html\n\n   <script>alert(1)</script>\n")
    result = smets(capsys, repo, "review", "HEAD")
    assert "| spec/index.rst | modified | no need changed |" in result.out, result.out
    assert "[smets.unsafe-markup]" in result.out  # and the head side's validation finds the raw HTML
    assert result.code == 0  # review reports; it does not gate


def test_no_change_is_still_no_change(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = smets(capsys, repo, "review", "HEAD", "HEAD")
    assert "No change to the specification between these revisions." in result.out
    assert result.code == 0
