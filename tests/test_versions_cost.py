"""Versions as data, compliance by installation date, and pounds per change, on real git
repositories (the change-control fixture with recorded versions and a costs file)."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from changetools import commit, edit, history_repo
from clitools import smets
from smets_spec.change.changelog import version_history
from smets_spec.change.changeset import open_changeset
from smets_spec.change.impact import analyse
from smets_spec.change.specindex import IndexCache
from smets_spec.corpus.project import Project

GAS_REQ = """
.. req:: Gas meter battery life
   :id: GS_08
   :status: approved
   :section: GS
   :impact: hardware
   :mandatory_for: DEV_GSME

   The gas meter shall support 15 year battery life.
"""


def _versions(shas: dict[str, str]) -> str:
    return f"""Versions
========

.. version:: First
   :id: VER_1
   :revision: {shas["v1.0"]}
   :designated: 2026-01-02
   :installed_until: 2026-01-03
   :dates_basis: fixture

.. version:: Second
   :id: VER_2
   :revision: {shas["head"]}
   :designated: 2026-01-04
   :installed_from: 2026-01-04
   :dates_basis: fixture

.. version:: Draft
   :id: VER_DRAFT
   :dates_basis: fixture
"""


@pytest.fixture(scope="module")
def versioned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("versions") / "repo"
    repo, shas = history_repo(root)
    (root / "spec" / "versions.rst").write_text(_versions(shas), encoding="utf-8")
    (root / "spec" / "gas.rst").write_text("Gas\n===\n" + GAS_REQ, encoding="utf-8")
    shas["recorded"] = commit(repo, "record versions VER_1 and VER_2; GS_08", 5)
    return root, shas


def _compliance(capsys: pytest.CaptureFixture[str], root: Path, device: str, day: str) -> dict:  # type: ignore[type-arg]
    result = smets(capsys, root, "compliance", "--device", device, "--installed", day, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


def test_compliance_differs_across_a_version_boundary(
    capsys: pytest.CaptureFixture[str], versioned: tuple[Path, dict[str, str]]
) -> None:
    root, _ = versioned
    before = _compliance(capsys, root, "ESME", "2026-01-03")
    after = _compliance(capsys, root, "esme", "2026-01-04")
    assert (before["version"]["id"], after["version"]["id"]) == ("VER_1", "VER_2")
    assert [r["id"] for r in before["requirements"]] == ["PC_01", "SP_2"]
    assert [r["id"] for r in after["requirements"]] == ["DS_01", "PC_01", "SP_2"]
    pc01 = {r["id"]: r["text"] for r in before["requirements"]}["PC_01"]
    assert "within 30 seconds" in pc01  # the text as of VER_1, not the working tree's
    assert {r["id"]: r["text"] for r in after["requirements"]}["PC_01"].count("within 10 seconds") == 1
    since = {(c["version"], c["id"], c["kind"], c["nature"]) for c in before["changed_since"]}
    assert ("VER_2", "PC_01", "modified", "normative") in since
    assert ("VER_2", "DS_01", "added", "normative") in since
    assert [(t["version"], t["requirements"]) for t in before["timeline"]] == [
        ("VER_1", 2),
        ("VER_2", 3),
        ("VER_DRAFT", 3),
    ]


def test_compliance_answers_for_every_device_and_refuses_bad_input(
    capsys: pytest.CaptureFixture[str], versioned: tuple[Path, dict[str, str]]
) -> None:
    root, _ = versioned
    counts = {
        d: len(_compliance(capsys, root, d, "2026-01-05")["requirements"]) for d in ("ESME", "GSME", "IHD")
    }
    assert counts == {"ESME": 3, "GSME": 1, "IHD": 2}  # GS_08 is not in VER_2 yet; IH_01 is gone
    text = smets(capsys, root, "compliance", "--device", "GSME", "--installed", "2026-01-05")
    assert text.code == 0
    assert text.out.splitlines()[0].startswith(
        "DEV_GSME (Gas meter) installed 2026-01-05: version VER_2 (Second;"
    )
    added = "  VER_DRAFT: GS_08 added, normative (now binds this device): Gas meter battery life"
    assert added in text.out.splitlines()
    bad = smets(capsys, root, "compliance", "--device", "WATER", "--installed", "2026-01-05")
    assert bad.code == 2 and "[smets.input]" in bad.err and "use one of ESME, GSME, IHD" in bad.err
    bad = smets(capsys, root, "compliance", "--device", "GSME", "--installed", "5/1/2026")
    assert bad.code == 2 and "is not a date" in bad.err and bad.out == ""


def test_changelog_reads_the_recorded_versions(versioned: tuple[Path, dict[str, str]]) -> None:
    root, _ = versioned
    history = version_history(Project(root), cache=IndexCache(None))
    assert [s.name for s in history.steps] == ["VER_DRAFT (unreleased)", "VER_2", "VER_1"]
    assert history.last_tag == "VER_2"
    step = history.steps[0]
    assert step.diff is not None and [c.id for c in step.diff.changes] == [
        "GS_08",
        "VER_1",
        "VER_2",
        "VER_DRAFT",
    ]


def _gas_change(root: Path, retrofit: bool, day: int) -> None:
    text = "   The gas meter shall support 20 year battery life.\n"
    extra = "   :retrofit: true\n   :retrofit_basis: fixture: safety\n" if retrofit else ""
    edit(
        root / "spec" / "gas.rst",
        "   :mandatory_for: DEV_GSME\n\n   The gas meter shall support 15 year battery life.\n",
        f"   :mandatory_for: DEV_GSME\n{extra}\n{text}",
    )
    commit(git.Repo(root), f"GS_08 20 years (retrofit {retrofit})", day)


def test_hardware_change_costs_installed_gsme_only_when_retrofit_is_asked(
    tmp_path: Path, versioned: tuple[Path, dict[str, str]]
) -> None:
    root, _ = versioned
    clone = tmp_path / "plain"
    git.Repo.clone_from(root, clone)
    _gas_change(clone, retrofit=False, day=6)
    cost = next(i for i in analyse(open_changeset(Project(clone), "HEAD~1", "HEAD")).items).cost
    assert cost is not None and not cost.retrofit
    # new installations: 2 models x £50,000 / £100,000 / £200,000 redesign (fixture assumption)
    assert cost.new is not None and cost.new.values == (100000.0, 200000.0, 400000.0)
    # installed GSME: 400 x (£70/80/100 + £50), shown as the scenario, counted £0
    assert cost.installed is not None and cost.installed.values == (48000.0, 52000.0, 60000.0)
    assert cost.total is not None and cost.total.values == cost.new.values
    assert cost.driver is not None and cost.driver.figure == "hardware_per_model"

    retro = tmp_path / "retro"
    git.Repo.clone_from(root, retro)
    _gas_change(retro, retrofit=True, day=6)
    cost = next(i for i in analyse(open_changeset(Project(retro), "HEAD~1", "HEAD")).items).cost
    assert cost is not None and cost.retrofit
    assert cost.total is not None and cost.total.values == (148000.0, 252000.0, 460000.0)
    (gsme,) = cost.devices
    assert [line.arithmetic for line in gsme.lines] == [
        "2 models × £100,000 hardware change per model = £200,000",
        "400 units × (£80 unit + £50 visit) = £52,000",
    ]


def test_review_prints_pounds_for_the_battery_change(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, versioned: tuple[Path, dict[str, str]]
) -> None:
    root, _ = versioned
    clone = tmp_path / "review"
    git.Repo.clone_from(root, clone)
    _gas_change(clone, retrofit=False, day=6)
    review = smets(capsys, clone, "review", "HEAD~1", "HEAD", "--no-duplicates")
    lines = review.out.splitlines()
    assert "| New installations (design and certification) | £100,000 / £200,000 / £400,000 |" in lines
    assert "| Retrofit scenario, if it were asked | £48,000 / £52,000 / £60,000 |" in lines
    assert (
        "* `hardware_per_model` = £50,000 / £100,000 / £200,000 — **assumption**: fixture assumption: "
        "a redesign's cost is uncertain" in lines
    )
    assert "* `gsme_units` = 400 units — source: test fixture, not a real figure" in lines


def test_version_fields_are_checked_against_git_history(
    tmp_path: Path, versioned: tuple[Path, dict[str, str]]
) -> None:
    from smets_spec.change.versionfields import check_version_fields
    from smets_spec.corpus.load import load_spec

    root, _ = versioned
    clone = tmp_path / "fields"
    git.Repo.clone_from(root, clone)
    gas = clone / "spec" / "gas.rst"
    edit(gas, "   :impact: hardware\n", "   :impact: hardware\n   :introduced: VER_1\n")
    edit(
        clone / "spec" / "requirements.rst",
        "   :uses: DAT_BALANCE\n   :retrofit: true\n",
        "   :uses: DAT_BALANCE\n   :introduced: VER_1\n   :changed_in: VER_2, VER_1\n   :retrofit: true\n",
    )

    def found() -> list[str]:
        corpus = load_spec(clone / "spec", relative_to=clone)
        return [f"{d.location}: {d.message}" for d in check_version_fields(corpus)]

    assert found() == [
        "spec/gas.rst:9: 'GS_08' says ':introduced: VER_1', but git history first has it in VER_DRAFT",
        "spec/requirements.rst:13: 'PC_01' says ':changed_in: VER_1', but git history shows no normative "
        "change in VER_1 (normative changes: VER_2)",
    ]
    edit(gas, "   :introduced: VER_1\n", "   :introduced: unreleased\n")
    assert len(found()) == 1  # a requirement of the working draft is 'unreleased'


def test_site_pages_show_the_cost_assumptions_and_the_timelines(
    versioned: tuple[Path, dict[str, str]],
) -> None:
    from htmltools import StubLinker
    from smets_spec.corpus.load import load_spec
    from smets_spec.render.costs import cost_model_page, device_timeline, versions_overview

    root, _ = versioned
    corpus = load_spec(root / "spec", relative_to=root)
    page = cost_model_page(corpus, [], StubLinker())
    assert "<td><code>gsme_unit_cost</code></td><td>£70 / £80 / £100</td>" in page
    assert "<strong>assumption</strong>: fixture assumption: a gas meter&#x27;s price is uncertain" in page
    assert "No respondent has given cost evidence yet" in page
    timeline = device_timeline(corpus, ["DEV_GSME"], StubLinker())
    assert "<td>VER_1</td><td>installed up to 2026-01-03</td><td>1</td>" in timeline
    assert "<td>VER_DRAFT</td><td>working draft: governs no installation" in timeline
    overview = versions_overview(corpus, [], StubLinker())
    assert "<th>DEV_ESME</th><th>DEV_GSME</th><th>DEV_IHD</th>" in overview
    assert (
        "<td>VER_2</td><td>installed from 2026-01-04 (open-ended)</td><td>3</td><td>1</td><td>2</td>"
        in overview
    )
