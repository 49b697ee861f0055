"""Real git repositories for the change-control tests (GitPython, in temporary folders).

``history_repo(path)`` builds the fixture project ``tests/sourcedirs/changes`` into a repository
with this history (commits with fixed authors and dates, so their ids never change):

* ``v0`` (no tag): a README only, before the spec existed;
* ``v1.0``: the fixture as it is;
* ``v1.1``: editorial changes only: PC_02's spelling fixed ("ballance" → "balance"), IH_01
  given an ``:applicability_basis:`` (metadata), SP_2 moved to a new file ``security.rst``;
* ``HEAD`` (branch ``main``): PC_01's time limit cut from 30 to 10 seconds, with retrofit
  asked; IH_01 removed; DS_01 added; TERM_CREDIT rewritten as a data item with the same id (a
  retyped need, and a validation error, since DAT_ ids are the data item pattern).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import git

from clitools import SOURCEDIRS

FIXTURE = SOURCEDIRS / "changes"
ENV = {
    "GIT_AUTHOR_NAME": "Fixture Author",
    "GIT_AUTHOR_EMAIL": "fixture@example.invalid",
    "GIT_COMMITTER_NAME": "Fixture Author",
    "GIT_COMMITTER_EMAIL": "fixture@example.invalid",
}


def commit(repo: git.Repo, message: str, day: int) -> str:
    """Commit everything with a fixed author and date; returns the commit id."""
    when = f"2026-01-{day:02d}T12:00:00+00:00"
    repo.git.add("-A")
    with repo.git.custom_environment(**ENV, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when):
        repo.git.execute(["git", "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message])
    return repo.head.commit.hexsha


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _cut(path: Path, start: str, end: str | None) -> str:
    """Remove the block from the line ``start`` up to (not including) ``end``; return it."""
    text = path.read_text(encoding="utf-8")
    begin = text.index(start)
    stop = text.index(end, begin) if end else len(text)
    path.write_text(text[:begin] + text[stop:], encoding="utf-8")
    return text[begin:stop]


def version_1_1(root: Path) -> None:
    spec = root / "spec"
    edit(spec / "requirements.rst", "the meter ballance.", "the meter balance.")
    edit(
        spec / "requirements.rst",
        "   :impact: back-office\n",
        "   :impact: back-office\n   :applicability_basis: fixture reading\n",
    )
    block = _cut(spec / "requirements.rst", ".. req:: Secure the interfaces", ".. req:: Show the tariff")
    (spec / "security.rst").write_text("Security\n========\n\n" + block, encoding="utf-8")


def head_change(root: Path) -> None:
    spec = root / "spec"
    edit(spec / "requirements.rst", "within 30 seconds", "within 10 seconds")
    edit(
        spec / "requirements.rst",
        "   :uses: DAT_BALANCE\n\n   The meter shall",
        "   :uses: DAT_BALANCE\n   :retrofit: true\n   :retrofit_basis: fixture: a safety recall\n\n"
        "   The meter shall",
    )
    _cut(spec / "requirements.rst", ".. req:: Show the tariff", None)
    edit(
        spec / "requirements.rst",
        ".. req:: Show the balance",
        ".. req:: Configure the tariff\n   :id: DS_01\n   :status: draft\n   :section: DS\n"
        "   :impact: configuration\n   :mandatory_for: DEV_ESME\n\n"
        "   The meter shall accept a new tariff from the supplier.\n\n.. req:: Show the balance",
    )
    edit(
        spec / "verification.rst",
        ".. term:: Credit mode\n   :id: TERM_CREDIT\n",
        ".. dataitem:: Credit mode\n   :id: TERM_CREDIT\n   :data_type: boolean\n"
        "   :mapping_evidence: unmapped\n",
    )


def history_repo(path: Path) -> tuple[git.Repo, dict[str, str]]:
    """The fixture project as a repository with the history above; returns it and the commit ids."""
    repo = git.Repo.init(path)
    repo.git.checkout("-q", "-b", "main")
    (path / "README.md").write_text("Change-control fixture.\n", encoding="utf-8")
    shas = {"v0": commit(repo, "v0: before the spec", 1)}
    shutil.copy(FIXTURE / "conf.py", path / "conf.py")
    shutil.copytree(FIXTURE / "spec", path / "spec")
    shas["v1.0"] = commit(repo, "v1.0", 2)
    repo.create_tag("v1.0")
    version_1_1(path)
    shas["v1.1"] = commit(repo, "v1.1: editorial", 3)
    repo.create_tag("v1.1")
    head_change(path)
    shas["head"] = commit(repo, "PC_01 within 10 seconds, retrofit; IH_01 out; DS_01 in", 4)
    return repo, shas
