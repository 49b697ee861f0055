"""Suspect links: made by a normative change, cleared by `smets accept`, enforced by the policy."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from changetools import commit, edit, history_repo
from clitools import smets, write
from smets_spec.change.suspects import REVIEWS_FILE, read_reviews

SUSPECTS = ["MOD_PREPAY implements PC_01", "PC_01 uses DAT_BALANCE", "TST_SWITCH verifies PC_01"]


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("suspects") / "origin"
    history_repo(root)
    return root


@pytest.fixture
def clone(origin: Path, tmp_path: Path) -> Path:
    git.Repo.clone_from(origin, tmp_path / "clone")
    return tmp_path / "clone"


def _review(capsys: pytest.CaptureFixture[str], root: Path, *revs: str) -> dict[str, object]:
    result = smets(capsys, root, "review", *revs, "--format", "json", "--no-duplicates")
    assert result.code == 0, result.err
    data: dict[str, object] = json.loads(result.out)
    return data


def test_a_normative_change_makes_existing_links_suspect(
    capsys: pytest.CaptureFixture[str], origin: Path
) -> None:
    review = _review(capsys, origin, "v1.1", "HEAD")
    suspects = review["suspects"]
    assert isinstance(suspects, list)
    assert [s["link"] for s in suspects] == SUSPECTS
    assert [(s["file"], s["line"]) for s in suspects] == [
        ("spec/verification.rst", 14),  # the :implements: line of MOD_PREPAY
        ("spec/requirements.rst", 11),  # PC_01's :uses:
        ("spec/verification.rst", 19),  # TST_SWITCH's :verifies:
    ]
    assert {s["reviewed_against"] for s in suspects} == {None}
    # editorial changes (v1.0 -> v1.1) make nothing suspect
    assert _review(capsys, origin, "v1.0", "v1.1")["suspects"] == []


def test_accept_records_reviews_in_the_repository(capsys: pytest.CaptureFixture[str], clone: Path) -> None:
    result = smets(capsys, clone, "accept", "PC_01", "--reviewer", "Change Board")
    assert result.code == 0, result.err
    assert (
        result.out.splitlines()[-1]
        == f"{REVIEWS_FILE}: 3 link(s) recorded as reviewed; commit it with the change"
    )
    reviews = read_reviews((clone / REVIEWS_FILE).read_text(encoding="utf-8"))
    assert sorted(str(link) for link in reviews) == SUSPECTS
    assert {r.reviewer for r in reviews.values()} == {"Change Board"}
    assert len({r.fingerprint for r in reviews.values()}) == 1
    review = _review(capsys, clone, "v1.1")  # against the working tree
    assert review["suspects"] == [] and review["reviewed"] == SUSPECTS
    commit(git.Repo(clone), "review PC_01's links", 5)
    assert _review(capsys, clone, "v1.1", "HEAD")["suspects"] == []
    result = smets(capsys, clone, "suspects")  # from the last version tag
    assert (result.code, result.out.splitlines()[-1]) == (
        0,
        f"0 unreviewed suspect link(s) v1.1 ({git.Repo(clone).commit('v1.1').hexsha[:10]}) → working tree "
        "(policy level: warning)",
    )


def test_editorial_edit_keeps_a_review_a_normative_one_reopens_it(
    capsys: pytest.CaptureFixture[str], clone: Path
) -> None:
    assert smets(capsys, clone, "accept", "PC_01").code == 0
    commit(git.Repo(clone), "reviewed", 5)
    requirements = clone / "spec" / "requirements.rst"
    edit(requirements, "seconds of a command.", "Seconds  of a command")
    assert smets(capsys, clone, "suspects").out.startswith("0 unreviewed")
    edit(requirements, "within 10", "within 5")
    result = smets(capsys, clone, "suspects")
    assert result.code == 0  # the fixture has no policy file: suspects are warnings
    first = result.out.splitlines()[:2]
    fingerprint = next(
        iter(read_reviews((clone / REVIEWS_FILE).read_text(encoding="utf-8")).values())
    ).fingerprint
    assert first == [
        "spec/verification.rst:14: suspect: MOD_PREPAY implements PC_01 (PC_01 changed: content: '30' → '5' "
        f"(number); retrofit: '' → 'true'; last reviewed against {fingerprint}) [smets.suspect-link]",
        "    fix: review MOD_PREPAY against PC_01, then `smets accept PC_01`",
    ]
    assert smets(capsys, clone, "suspects", "--fail").code == 1
    write(clone, "policy.toml", '[rules]\nsuspect-link = "error"\n')
    assert smets(capsys, clone, "suspects").code == 1
    check = smets(capsys, clone, "check")
    assert check.code == 1
    assert (
        "spec/verification.rst:19: error: TST_SWITCH verifies PC_01 is suspect: PC_01 changed since the last "
        "version tag" in check.out
    )


def test_accept_one_link_or_one_linked_need(capsys: pytest.CaptureFixture[str], clone: Path) -> None:
    assert smets(capsys, clone, "accept", "TST_SWITCH:PC_01").out.startswith(
        "accepted TST_SWITCH verifies PC_01"
    )
    assert smets(capsys, clone, "accept", "DAT_BALANCE").out.splitlines()[:2] == [
        "accepted PC_01 uses DAT_BALANCE (fingerprint " + _fp(clone, "PC_01 uses DAT_BALANCE") + ")",
        "accepted PC_02 uses DAT_BALANCE (fingerprint " + _fp(clone, "PC_02 uses DAT_BALANCE") + ")",
    ]
    review = _review(capsys, clone, "v1.1")
    assert [s["link"] for s in review["suspects"]] == ["MOD_PREPAY implements PC_01"]  # type: ignore[index]
    wrong = smets(capsys, clone, "accept", "PC_99")
    assert wrong.code == 1
    assert "'PC_99' names no link between a requirement and a test" in wrong.err


def _fp(root: Path, link: str) -> str:
    reviews = read_reviews((root / REVIEWS_FILE).read_text(encoding="utf-8"))
    return next(r.fingerprint for k, r in reviews.items() if str(k) == link)


def test_a_malformed_reviews_file_is_an_error_with_its_line(
    capsys: pytest.CaptureFixture[str], clone: Path
) -> None:
    write(clone, REVIEWS_FILE, '[[accepted]]\nlink = "TST_SWITCH checks PC_01"\nfingerprint = "x"\n')
    result = smets(capsys, clone, "review", "v1.1")
    assert result.code == 2
    assert f"{REVIEWS_FILE} (working tree):2: error: entry link = 'TST_SWITCH checks PC_01'" in result.err
