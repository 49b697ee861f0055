"""The site's change pages: the version history between tags, suspect links, the requirement panel,
and a copy that is not a git repository (the pages say so instead of failing the build)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from changetools import FIXTURE, edit, history_repo
from smets_spec.changelog import Status, version_history
from smets_spec.project import Project
from smets_spec.sphinx.build import run_sphinx


def text(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site") / "repo"
    history_repo(root)
    edit(root / "spec" / "security.rst", "protect its interfaces", "protect all its interfaces")  # unreleased
    edit(
        root / "spec" / "verification.rst",
        ".. dataitem:: Credit mode\n   :id: TERM_CREDIT\n   :data_type: "
        "boolean\n   :mapping_evidence: unmapped\n",
        ".. term:: Credit mode\n   :id: TERM_CREDIT\n",
    )  # valid again
    out = root / "_build" / "html"
    assert run_sphinx(root, root / "spec", out) == 0
    return out


def test_version_history_between_consecutive_tags(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    history_repo(root)
    history = version_history(Project(root))
    assert history.status is Status.OK and history.last_tag == "v1.1"
    assert [(s.name, s.previous) for s in history.steps] == [
        ("Unreleased", "v1.1"),
        ("v1.1", "v1.0"),
        ("v1.0", None),
    ]
    unreleased, v11, v10 = history.steps
    assert [c.id for c in unreleased.diff.changes] == ["PC.01", "DS.01", "TERM_CREDIT", "IH.01"]  # type: ignore[union-attr]
    assert [c.id for c in v11.diff.changes] == ["PC.02", "IH.01", "SP.2"]  # type: ignore[union-attr]
    assert (v10.diff, v10.size) == (None, 4)
    assert [str(s.link) for s in history.suspects] == [
        "MOD_PREPAY implements PC.01",
        "PC.01 uses DAT_BALANCE",
        "TST_SWITCH verifies PC.01",
    ]


def test_changelog_page(site: Path) -> None:
    body = text(site / "changes" / "changelog.html")
    assert "Unreleased (since v1.1)" in body and "v1.1 (since v1.0)" in body
    assert "Initial version: 4 requirements." in body
    assert "4 requirements. Changes: 1 added, 1 removed, 2 modified, 0 retyped, 0 moved; 4 normative" in body
    html = (site / "changes" / "changelog.html").read_text(encoding="utf-8")
    assert '<span class="smets-del">ballance.</span>' in html
    assert '<span class="smets-ins">balance.</span>' in html
    assert "moved from spec/requirements.rst:26 to spec/security.rst:4" in body


def test_suspects_page_and_requirement_panel(site: Path) -> None:
    body = text(site / "changes" / "suspects.html")
    assert (
        "3 link(s) to requirements whose normative content changed since v1.1 have not been reviewed" in body
    )
    assert "TST_SWITCH" in body and "spec/verification.rst:19" in body
    panel = text(site / "req" / "PC.01.html")
    assert "Change history and suspect links" in panel
    assert "Unreleased: modified, normative (content: ‘30’ → ‘10’ (number); retrofit: ‘’ → ‘true’)" in panel
    assert "Suspect links (not reviewed since the change)" in panel
    assert "v1.1: modified, editorial (wording only)" in text(site / "req" / "PC.02.html")


def test_a_copy_without_git_builds_and_says_so(tmp_path: Path) -> None:
    root = tmp_path / "tarball"
    shutil.copytree(FIXTURE, root)
    out = root / "_build" / "html"
    assert run_sphinx(root, root / "spec", out) == 0
    assert "is not a git repository (for example an unpacked archive)" in text(
        out / "changes" / "changelog.html"
    )
    assert "Change history" not in text(out / "req" / "PC.01.html")


def test_a_repository_without_tags_says_so(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    import git

    shutil.copytree(FIXTURE, root)
    repo = git.Repo.init(root)
    repo.git.add("-A")
    history = version_history(Project(root))
    assert history.status is Status.NO_TAGS
    assert history.message.startswith("No version tag yet")
