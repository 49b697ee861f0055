"""`--out FILE` of diff, impact, review and conform: written atomically, and never onto the
specification or a tracked file by accident (refused with exit 2 and nothing written, unless
--force); a symlink at --out is replaced, never followed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from changetools import history_repo
from clitools import smets

SPEC = (
    "is a specification source (spec/ or conf.py); writing there would overwrite what its authors "
    "wrote; choose another file, or pass --force if you mean it"
)
TRACKED = (
    "is a file git tracks; writing it would replace committed work; choose another file, or pass "
    "--force if you mean it"
)


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("out") / "repo"
    history_repo(root)
    return root


@pytest.mark.parametrize("command", ["diff", "impact", "review"])
@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("spec/requirements.rst", SPEC),
        ("spec/new-page.rst", SPEC),
        ("conf.py", SPEC),
        ("README.md", TRACKED),
        ("spec", "is a folder; --out takes a file name"),
    ],
)
def test_out_onto_the_spec_or_a_tracked_file_is_refused(
    command: str, target: str, why: str, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tree(repo)
    result = smets(capsys, repo, command, "v1.0", "v1.1", "--out", str(repo / target))
    assert result.code == 2
    out = repo / target
    assert result.err == f"smets {command}: {out}: {why.format(out=out)}\n"
    assert _tree(repo) == before


def test_force_overwrites_a_tracked_file_atomically(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = repo / "README.md"
    old = target.read_text(encoding="utf-8")
    try:
        result = smets(capsys, repo, "diff", "v1.0", "v1.1", "--out", str(target), "--force")
        assert result.code == 0, result.err
        assert "PC_02" in target.read_text(encoding="utf-8")
        assert not list(repo.glob(".README.md.*"))
    finally:
        target.write_text(old, encoding="utf-8")


def test_a_symlink_at_out_is_replaced_not_followed(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "report.md"
    link.symlink_to(outside)
    result = smets(capsys, repo, "review", "v1.0", "v1.1", "--out", str(link))
    assert result.code == 0, result.err
    assert outside.read_text(encoding="utf-8") == "keep me\n"
    assert not link.is_symlink() and link.read_text(encoding="utf-8").startswith("<!-- smets-review -->")


def test_conform_out_into_the_spec_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _tree(repo)
    result = smets(capsys, repo, "conform", "--out", str(repo / "spec" / "results.json"))
    assert (result.code, result.err) == (
        2,
        f"smets conform: {repo / 'spec' / 'results.json'}: {SPEC}\n",
    )
    assert _tree(repo) == before
