"""Change control on a real git repository: diff, impact, cost and the robustness cases."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import git
import pytest

from changetools import FIXTURE, commit, edit, history_repo
from clitools import smets
from smets_spec.change.changeset import open_changeset
from smets_spec.change.cost import Action
from smets_spec.change.diff import ChangeKind, Nature
from smets_spec.change.history import Repository, RevisionError
from smets_spec.change.impact import analyse
from smets_spec.change.specindex import IndexCache
from smets_spec.corpus.project import Project


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("history") / "repo"
    _, shas = history_repo(root)
    return root, shas


def test_diff_of_editorial_release_moves_and_spelling(history: tuple[Path, dict[str, str]]) -> None:
    root, _ = history
    diff = open_changeset(Project(root), "v1.0", "v1.1").diff
    kinds = {c.id: (c.kind, c.nature) for c in diff.changes}
    assert kinds == {
        "PC_02": (ChangeKind.MODIFIED, Nature.EDITORIAL),
        "IH_01": (ChangeKind.MODIFIED, Nature.EDITORIAL),
        "SP_2": (ChangeKind.MOVED, Nature.EDITORIAL),
    }
    moved = next(c for c in diff.changes if c.id == "SP_2")
    assert (str(moved.base_location), str(moved.head_location)) == (
        "spec/requirements.rst:26",
        "spec/security.rst:4",
    )
    content = next(c for c in diff.changes if c.id == "PC_02").field("content")
    assert content is not None and [(s.op.value, s.text) for s in content.words][1:] == [
        ("delete", "ballance."),
        ("insert", "balance."),
    ]
    basis = next(c for c in diff.changes if c.id == "IH_01").field("applicability_basis")
    assert basis is not None and basis.metadata and basis.new == "fixture reading"
    assert diff.counts() | {} == {
        "added": 0,
        "removed": 0,
        "modified": 2,
        "moved": 1,
        "retyped": 0,
        "normative": 0,
        "editorial": 2,
    }


def test_diff_cli_between_tags_and_commits(
    capsys: pytest.CaptureFixture[str], history: tuple[Path, dict[str, str]]
) -> None:
    root, shas = history
    result = smets(capsys, root, "diff", "v1.1", shas["head"][:12])
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "spec/requirements.rst:4: PC_01 modified, normative: Switch between prepayment and credit",
        "    why: content: '30' → '10' (number)",
        "    why: retrofit: '' → 'true'",
        "    content: The meter shall switch between prepayment and credit mode within [-30-] {+10+} seconds "
        "of a command.",
        "    retrofit: — → true",
        "    retrofit_basis (metadata): — → fixture: a safety recall",
        "spec/requirements.rst:17: DS_01 added, normative: Configure the tariff",
        "spec/verification.rst:27: TERM_CREDIT retyped (term → dataitem), normative: Credit mode",
        "    why: type: term → dataitem",
        "    why: data_type: '' → 'boolean'",
        "    why: mapping_evidence: '' → 'unmapped'",
        "    data_type: — → boolean",
        "    mapping_evidence: — → unmapped",
        "spec/requirements.rst:26: IH_01 removed, normative: Show the tariff",
        f"v1.1 ({shas['v1.1'][:10]}) → {shas['head'][:12]}: 1 added, 1 removed, 1 modified, "
        "1 retyped, 0 moved; 4 normative, 0 editorial",
    ]
    data = json.loads(smets(capsys, root, "diff", "v1.0", "v1.1", "--format", "json").out)
    assert data["counts"]["moved"] == 1
    assert [c["id"] for c in data["changes"]] == ["PC_02", "IH_01", "SP_2"]


def test_a_revision_without_spec_reads_as_empty(history: tuple[Path, dict[str, str]]) -> None:
    root, shas = history
    changeset = open_changeset(Project(root), shas["v0"], "v1.0")
    assert changeset.notes == [f"{shas['v0'][:12]} has no spec/ folder; it is read as an empty specification"]
    assert {c.kind for c in changeset.diff.changes} == {ChangeKind.ADDED}
    assert len(changeset.diff.changes) == 12


def test_impact_walks_downstream_with_paths_and_degrees(history: tuple[Path, dict[str, str]]) -> None:
    root, _ = history
    report = analyse(open_changeset(Project(root), "v1.1", "HEAD"))
    pc01 = next(i for i in report.items if i.change.id == "PC_01")
    assert [(a.id, a.degree, a.path) for a in pc01.affected] == [
        ("DEV_ESME", "mandatory", "PC_01 -mandatory_for-> DEV_ESME"),
        ("DEV_GSME", "mandatory", "PC_01 -mandatory_for-> DEV_GSME"),
        ("DEV_IHD", "optional", "PC_01 -optional_for-> DEV_IHD"),
        ("DAT_BALANCE", None, "PC_01 -uses-> DAT_BALANCE"),
        ("PC_02", None, "PC_01 <-depends_on- PC_02"),
        ("MOD_PREPAY", None, "PC_01 <-implements- MOD_PREPAY"),
        ("TST_SWITCH", None, "PC_01 <-verifies- TST_SWITCH"),
        ("TST_BALANCE", None, "PC_01 <-depends_on- PC_02 <-verifies- TST_BALANCE"),
    ]
    assert [i.value for i in pc01.impact] == ["firmware"]
    removed = next(i for i in report.items if i.change.id == "IH_01")
    assert [a.id for a in removed.affected] == ["DEV_IHD"]  # walked in the base side
    assert removed.cost is None
    assert report.by_impact_class() == {"firmware": 1, "configuration": 1, "back-office": 1}
    assert report.devices() == {"DEV_ESME": "mandatory", "DEV_GSME": "mandatory", "DEV_IHD": "mandatory"}


def test_cost_of_a_retrofit_with_sources_and_arithmetic(history: tuple[Path, dict[str, str]]) -> None:
    root, _ = history
    report = analyse(open_changeset(Project(root), "v1.1", "HEAD"))
    cost = next(i for i in report.items if i.change.id == "PC_01").cost
    assert cost is not None and cost.retrofit and cost.retrofit_basis == "fixture: a safety recall"
    esme, gsme, ihd = cost.devices
    assert esme.action is Action.UPGRADE_OR_REPLACEMENT
    # firmware change: ESME units all take an over-the-air update (1,000 x £3)
    assert [(line.scenario.value, line.range.values) for line in esme.lines] == [
        ("new installations", (20000.0, 20000.0, 20000.0)),
        ("installed units", (3000.0, 3000.0, 3000.0)),
    ]
    assert esme.lines[1].arithmetic == (
        "1,000 units × 100% over the air × £3 + 1,000 units × 0% replaced × (£100 unit + £50 visit) = £3,000"
    )
    # GSME units cannot take one: 400 x (unit 70/80/100 + visit 50)
    assert gsme.lines[1].range.values == (48000.0, 52000.0, 60000.0)
    assert gsme.lines[1].window == "first (installed … to 2026-01-09)"
    assert ihd.lines == () and ihd.unknown == (
        "design and certification of DEV_IHD (no [[design]] or design_cost for it)",
        "installed units of DEV_IHD: no [[population]] in the cost model",
    )
    assert cost.new is not None and cost.new.values == (40000.0, 40000.0, 40000.0)
    assert cost.total is not None and cost.total.values == (91000.0, 95000.0, 103000.0)
    assert cost.driver is not None and cost.driver.figure == "gsme_unit_cost"
    assert (cost.driver.low_total, cost.driver.high_total) == (91000.0, 103000.0)


def test_new_installations_only_by_default(history: tuple[Path, dict[str, str]]) -> None:
    root, _ = history
    report = analyse(open_changeset(Project(root), "v1.1", "HEAD"))
    ds01 = next(i for i in report.items if i.change.id == "DS_01").cost
    assert ds01 is not None and not ds01.retrofit
    assert ds01.applies_to.startswith("new installations only")
    (esme,) = ds01.devices
    assert esme.action is Action.CONFIGURATION
    # no design_cost for configuration in the fixture model: said, not invented
    assert "design and certification of DEV_ESME" in esme.unknown[0]
    assert ds01.installed is not None and ds01.installed.values == (3000.0, 3000.0, 3000.0)  # scenario
    assert ds01.total is None  # nothing counted: installed units cost £0, new ones are unknown


def test_base_equal_to_head_is_an_empty_report(
    capsys: pytest.CaptureFixture[str], history: tuple[Path, dict[str, str]]
) -> None:
    root, shas = history
    assert (
        smets(capsys, root, "diff", "HEAD", "main").out
        == f"HEAD ({shas['head'][:10]}) → main ({shas['head'][:10]}): no change\n"
    )
    review = smets(capsys, root, "review", "v1.1", "v1.1")
    assert review.code == 0
    assert "No change to the specification between these revisions." in review.out


def test_unknown_revision_and_not_a_repository(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, history: tuple[Path, dict[str, str]]
) -> None:
    root, _ = history
    result = smets(capsys, root, "impact", "v9.9")
    assert result.code == 2
    assert result.err.startswith("smets impact: error: unknown revision 'v9.9'")
    assert "[smets.git]\n    fix: check the name" in result.err
    plain = tmp_path / "tarball"
    shutil.copytree(FIXTURE, plain)
    result = smets(capsys, plain, "diff", "v1.0")
    assert result.code == 2
    assert "not a git repository, so revision 'v1.0' cannot be read [smets.git]" in result.err


def test_shallow_clone_without_the_base_says_how_to_fetch_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, history: tuple[Path, dict[str, str]]
) -> None:
    root, shas = history
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-tags", root.as_uri(), str(clone)], check=True)
    for base in ("v1.0", shas["v1.0"]):
        result = smets(capsys, clone, "review", base, "HEAD")
        assert result.code == 2
        assert f"revision '{base}' is not in this clone: it is a shallow clone" in result.err
        assert f"fix: fetch it: git fetch --depth=100 origin {base}" in result.err
        assert "git fetch --unshallow" in result.err
    git.Repo(clone).git.fetch("--depth=100", "origin", "v1.0")  # the fix works
    assert smets(capsys, clone, "diff", "FETCH_HEAD", "HEAD").code == 0


def test_worktree_edits_and_a_validation_error_on_one_side(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, history: tuple[Path, dict[str, str]]
) -> None:
    root, _ = history
    clone = tmp_path / "clone"
    git.Repo.clone_from(root, clone)
    edit(clone / "spec" / "security.rst", "   :impact: hardware\n", "   :impact: hardware\n   :colour: red\n")
    edit(clone / "spec" / "security.rst", "protect its interfaces", "protect all its interfaces")
    result = smets(capsys, clone, "diff", "HEAD", "--worktree")
    assert result.code == 0
    assert (
        "SP_2 modified, normative" in result.out
        and "    why: content: added 'all' (quantifier)" in result.out
    )
    review = json.loads(smets(capsys, clone, "review", "v1.1", "--format", "json").out)
    errors = {(e["rule"], e["location"]["file"], e["location"]["line"], e["new"]) for e in review["errors"]}
    assert ("smets.unknown-field", "spec/security.rst", 9, True) in errors
    assert ("smets.id", "spec/verification.rst", 28, True) in errors
    assert review["summary"]["errors"] == len(review["errors"]) == 2


def test_cache_by_tree_makes_the_base_side_free(history: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, _ = history
    cache = IndexCache(tmp_path / "cache")
    first = open_changeset(Project(root), "v1.0", "HEAD", cache)
    assert not first.base.cached
    again = open_changeset(Project(root), "v1.0", "HEAD", cache)
    assert again.base.cached and not again.head.cached  # the derived head side is not stored
    assert [c.id for c in again.diff.changes] == [c.id for c in first.diff.changes]
    tree = (git.Repo(root).commit("v1.0").tree / "spec").hexsha
    assert [p.name.split("-")[0] for p in (tmp_path / "cache" / "index").iterdir()] == [tree]


def test_derived_index_equals_a_fresh_one(history: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, _ = history
    derived = open_changeset(Project(root), "v1.0", "HEAD", IndexCache(None)).head.index
    fresh = open_changeset(Project(root), "HEAD", "HEAD", IndexCache(None)).base.index
    assert derived.nodes == fresh.nodes
    assert derived.links == fresh.links
    assert {t: {n: list(s) for n, s in v.items() if s} for t, v in derived.incoming.items()} == {
        t: {n: list(s) for n, s in v.items() if s} for t, v in fresh.incoming.items()
    }


def test_repository_lists_version_tags_oldest_first(history: tuple[Path, dict[str, str]]) -> None:
    root, shas = history
    repo = Repository(Project(root))
    assert repo.version_tags() == [("v1.0", shas["v1.0"]), ("v1.1", shas["v1.1"])]
    with pytest.raises(RevisionError, match="unknown revision"):
        repo.resolve("--help")


def test_commit_helper_is_deterministic(tmp_path: Path) -> None:
    _, first = history_repo(tmp_path / "a")
    _, second = history_repo(tmp_path / "b")
    assert first == second
    repo = git.Repo(tmp_path / "a")
    (tmp_path / "a" / "x.txt").write_text("x", encoding="utf-8")
    assert commit(repo, "x", 9) != first["head"]
