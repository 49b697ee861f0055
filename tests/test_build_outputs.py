"""Builds write only into their output folder, never into the source tree.

``smets build --out X`` keeps the HTML, the doctrees and the conformance results under X; a
plain ``sphinx-build -c ROOT ROOT/spec OUT`` builds the same site; ``sphinx-build . OUT`` from
the repository root (a wrong source folder) stops at once with the command to use, and writes
nothing into the repository.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from clitools import sourcedir


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _git_repo(root: Path) -> None:
    commit = ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]
    for args in (["init", "-q"], ["add", "-A"], commit):
        subprocess.run(["git", *args], cwd=root, check=True)


def _status(root: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def _sphinx(*args: str) -> subprocess.CompletedProcess[str]:
    """``sphinx-build -q ARGS`` with every Python warning shown (deprecations included)."""
    return subprocess.run(
        [sys.executable, "-W", "always", "-m", "sphinx", "-q", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_smets_build_writes_only_under_its_out_folder(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    _git_repo(root)
    before = _tree(tmp_path)
    out = tmp_path / "elsewhere" / "site"
    result = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "--out-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _status(root) == ""
    after = _tree(tmp_path)
    new = sorted(set(after) - set(before))
    assert new and all(name.startswith("elsewhere/site/") for name in new), [
        n for n in new if not n.startswith("elsewhere/site/")
    ]
    assert any(name.startswith("elsewhere/site/.doctrees/") for name in new)
    assert "elsewhere/site/index.html" in new
    assert {name for name in before if after.get(name) != before[name]} == set()


def test_plain_sphinx_build_gives_the_same_site(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    smets_out, plain_out = tmp_path / "smets", tmp_path / "plain"
    built = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "--out-dir", str(smets_out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    plain = _sphinx("-W", "-c", str(root), str(root / "spec"), str(plain_out))
    assert plain.returncode == 0, plain.stdout + plain.stderr
    ours = [line for line in plain.stderr.splitlines() if "/smets_spec/" in line and "Warning" in line]
    assert ours == []  # no deprecation warning from this package's own code (sphinx-needs has its own)
    assert (
        "RemovedInSphinx11Warning" in plain.stderr
    )  # the check sees warnings: sphinx-needs still uses env.app
    pages = {p.relative_to(smets_out).as_posix() for p in smets_out.rglob("*.html")}
    assert pages == {p.relative_to(plain_out).as_posix() for p in plain_out.rglob("*.html")}
    assert "req/PC_01.html" in pages
    needs = json.loads((smets_out / "needs.json").read_text(encoding="utf-8"))
    again = json.loads((plain_out / "needs.json").read_text(encoding="utf-8"))
    assert needs["versions"].keys() == again["versions"].keys()
    version = next(iter(needs["versions"]))
    assert needs["versions"][version]["needs"].keys() == again["versions"][version]["needs"].keys()


def test_sphinx_build_from_the_repository_root_says_how_and_writes_nothing(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    _git_repo(root)
    out = tmp_path / "x"
    result = _sphinx(str(root), str(out))
    assert result.returncode != 0
    said = f"{root} has no index.rst, so it is not a spec folder; this is the repository root: build with "
    assert said in result.stderr
    assert f"`sphinx-build -c {root} {root / 'spec'} OUT` or `smets build` [smets.config]" in result.stderr
    assert "Traceback" not in result.stderr
    assert _status(root) == ""


def test_a_folder_that_is_no_project_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text('extensions = ["smets_spec.sphinx"]\n', encoding="utf-8")
    result = _sphinx("-c", str(tmp_path), str(tmp_path), str(tmp_path / "out"))
    assert result.returncode != 0
    assert f"{tmp_path} has no index.rst, so it is not a spec folder [smets.config]" in result.stderr
