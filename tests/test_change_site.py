"""The site's change pages: the version history between tags, suspect links, the requirement panel,
and a copy that is not a git repository (the pages say so instead of failing the build)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import git
import pytest

from changetools import FIXTURE, commit, edit, history_repo
from clitools import smets
from htmltools import StubLinker
from smets_spec.change.changelog import Status, Step, VersionHistory, version_history
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.project import Project
from smets_spec.markup.panels import PANELS
from smets_spec.render import changes
from smets_spec.render.changes import history_panel
from smets_spec.sphinx.build import run_sphinx


def text(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def without_suite(root: Path) -> None:
    """The built-in conformance suite verifies the repository's requirements, not this fixture's:
    the build reads results from a file (there is none: "not tested") instead of running it."""
    with (root / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write('smets_conformance_results = "conformance-results.json"\n')


def _valid_again(root: Path) -> None:
    """TERM_CREDIT a term again (the fixture's HEAD retypes it as a data item, a validation error)."""
    edit(
        root / "spec" / "verification.rst",
        ".. dataitem:: Credit mode\n   :id: TERM_CREDIT\n   :data_type: "
        "boolean\n   :mapping_evidence: unmapped\n",
        ".. term:: Credit mode\n   :id: TERM_CREDIT\n",
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site") / "repo"
    history_repo(root)
    edit(root / "spec" / "security.rst", "protect its interfaces", "protect all its interfaces")  # unreleased
    _valid_again(root)
    without_suite(root)
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
    assert [c.id for c in unreleased.diff.changes] == ["PC_01", "DS_01", "TERM_CREDIT", "IH_01"]  # type: ignore[union-attr]
    assert [c.id for c in v11.diff.changes] == ["PC_02", "IH_01", "SP_2"]  # type: ignore[union-attr]
    assert (v10.diff, v10.size) == (None, 4)
    assert [str(s.link) for s in history.suspects] == [
        "MOD_PREPAY implements PC_01",
        "PC_01 uses DAT_BALANCE",
        "TST_SWITCH verifies PC_01",
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
    assert '<h2>v1.1 (since v1.0)<a class="headerlink" href="#v1-1-since-v1-0"' in html  # in the contents
    assert (
        '<tr><td><a class="smets-ref" href="../req/SP_2.html" title="Secure the interfaces">SP_2 '
        '<span class="smets-title">Secure the interfaces</span></a></td><td>req</td><td>moved</td><td></td>'
        "<td>moved from <code>spec/requirements.rst:26</code> to <code>spec/security.rst:4</code></td></tr>"
    ) in html
    assert (
        "<td>content: The meter shall switch between prepayment and credit mode within "
        '<span class="smets-del">30</span> <span class="smets-ins">10</span> seconds of a command.; '
        "retrofit: — → true; retrofit_basis: — → fixture: a safety recall (metadata)</td>"
    ) in html
    assert (
        "<tr><td><code>IH_01</code></td><td>req</td><td>removed</td><td>normative</td><td></td></tr>" in html
    )


def test_suspects_page_and_requirement_panel(site: Path) -> None:
    body = text(site / "changes" / "suspects.html")
    assert (
        "3 link(s) to requirements whose normative content changed since v1.1 have not been reviewed" in body
    )
    assert "TST_SWITCH" in body and "spec/verification.rst:19" in body
    assert (
        '<td><a class="smets-ref" href="../verification.html#TST_SWITCH" title="Mode switch test">TST_SWITCH '
        '<span class="smets-title">Mode switch test</span></a></td><td>verifies</td>'
        "<td><code>spec/verification.rst:19</code></td>"
        "<td>content: &#x27;30&#x27; → &#x27;10&#x27; (number); "
        "retrofit: &#x27;&#x27; → &#x27;true&#x27;</td>"
    ) in (suspects := (site / "changes" / "suspects.html").read_text(encoding="utf-8"))
    assert suspects.count('<tr><td><a class="smets-ref" href="../req/PC_01.html"') == 3  # one row per link
    page = (site / "req" / "PC_01.html").read_text(encoding="utf-8")
    panel = page[page.index('<section id="change-history">') :]
    panel = panel[: panel.index("</section>")]
    assert (
        "<h2>Change history and suspect links</h2><ul><li>Unreleased: modified, normative (content: " in panel
    )
    assert (
        "&#x27;30&#x27; → &#x27;10&#x27; (number); retrofit: &#x27;&#x27; → &#x27;true&#x27;)</li></ul>"
        in panel
    )
    assert "<p><strong>Suspect links</strong> (not reviewed since the change):</p>" in panel
    suspects = re.findall(
        r'<li><a class="smets-ref" href="([^"]+)"[^>]*>(\S+) .*?</a> (\w+) \(<code>([^<]+)</code>\)', panel
    )
    assert suspects == [
        ("../verification.html#MOD_PREPAY", "MOD_PREPAY", "implements", "spec/verification.rst:14"),
        ("../verification.html#DAT_BALANCE", "DAT_BALANCE", "uses", "spec/requirements.rst:11"),
        ("../verification.html#TST_SWITCH", "TST_SWITCH", "verifies", "spec/verification.rst:19"),
    ]
    assert (
        '<section id="change-history"><h2>Change history and suspect links</h2>'
        "<ul><li>v1.1: modified, editorial (wording only)</li></ul></section>"
    ) in (site / "req" / "PC_02.html").read_text(encoding="utf-8")


def test_a_review_or_a_new_tag_alone_renders_the_change_pages_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`smets accept` writes only spec/reviews/accepted.toml and a new tag changes only git: no
    source file changes, yet the suspect links and the change log do. An incremental build renders
    those pages again (their stamp: the reviews and the versions' commits), as a fresh build shows
    them. (They stayed as they were: the accepted links still listed as suspect.)"""
    root = tmp_path / "repo"
    history_repo(root)
    _valid_again(root)
    without_suite(root)
    out, fresh = tmp_path / "html", tmp_path / "fresh"
    assert run_sphinx(root, root / "spec", out) == 0
    suspects = out / "changes" / "suspects.html"
    assert "3 link(s) to requirements whose normative content changed since v1.1" in text(suspects)
    assert smets(capsys, root, "accept", "PC_01", "--reviewer", "Change Board").code == 0
    assert run_sphinx(root, root / "spec", out) == 0
    assert "No unreviewed suspect link since v1.1." in text(suspects)
    repo = git.Repo(root)
    commit(repo, "reviews recorded", 20)
    repo.create_tag("v1.2")
    assert run_sphinx(root, root / "spec", out) == 0
    assert "v1.2 (since v1.1)" in text(out / "changes" / "changelog.html")
    assert "No unreviewed suspect link since v1.2." in text(suspects)
    assert run_sphinx(root, root / "spec", fresh) == 0
    for page in ("changes/suspects.html", "changes/changelog.html", "req/PC_01.html"):
        assert text(out / page) == text(fresh / page), page


def test_history_panel_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    history_repo(root)
    corpus = load_spec(root / "spec", relative_to=root)
    assert PANELS["change-history"].html is history_panel
    html = history_panel(corpus, "PC_01", StubLinker())
    assert html.startswith(
        "<ul><li>Unreleased: modified, normative (content: &#x27;30&#x27; → &#x27;10&#x27;"
    )
    assert (
        '<li><a class="smets-ref" href="need:TST_SWITCH" title="Mode switch test">TST_SWITCH '
        '<span class="smets-title">Mode switch test</span></a> verifies '
        "(<code>spec/verification.rst:19</code>)</li>"
    ) in html
    assert html.count("<li>") == 4
    assert (
        history_panel(corpus, "PC_02", StubLinker())
        == "<ul><li>v1.1: modified, editorial (wording only)</li></ul>"
    )
    unchanged = VersionHistory(Status.OK, steps=[Step("v1.0 <first>", None, size=4)])
    monkeypatch.setattr(changes, "history_of", lambda c: unchanged)
    assert history_panel(corpus, "PC_01", StubLinker()) == "<p>Unchanged since v1.0 &lt;first&gt;.</p>"
    monkeypatch.setattr(changes, "history_of", lambda c: VersionHistory(Status.NOT_GIT, "no git"))
    assert history_panel(corpus, "PC_01", StubLinker()) == ""


def test_a_copy_without_git_builds_and_says_so(tmp_path: Path) -> None:
    root = tmp_path / "tarball"
    shutil.copytree(FIXTURE, root)
    without_suite(root)
    out = root / "_build" / "html"
    assert run_sphinx(root, root / "spec", out) == 0
    assert "is not a git repository (for example an unpacked archive)" in text(
        out / "changes" / "changelog.html"
    )
    assert "Change history" not in text(out / "req" / "PC_01.html")


def test_a_repository_without_tags_says_so(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    import git

    shutil.copytree(FIXTURE, root)
    repo = git.Repo.init(root)
    repo.git.add("-A")
    history = version_history(Project(root))
    assert history.status is Status.NO_TAGS
    assert history.message.startswith("No version yet")
