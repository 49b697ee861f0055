"""Respondents' cost evidence: from a filled workbook, through the import, into the review
of a later change (a real git repository), and refused with its cell when malformed."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from changetools import commit, edit
from clitools import smets
from consulttools import answer, import_one, messages, mini_project
from smets_spec.consultation.fill import Filled

COSTS = """
[sources.fixture]
title = "test fixture"

[figures.units]
value = 1000
unit = "units"
source = "fixture"

[figures.unit_cost]
low = 40
central = 50
high = 70
unit = "GBP"
assumption = "fixture assumption"

[figures.ota]
value = 2
unit = "GBP"
source = "fixture"

[figures.share]
value = 1
unit = "share"
source = "fixture"

[[population]]
device = "DEV_ESME"
window = "all"
installed_base = "units"
unit_cost = "unit_cost"
visit_cost = "0"
ota_cost = "ota"
ota_share = "share"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = mini_project(tmp_path / "repo")
    (root / "spec" / "costs.toml").write_text(COSTS, encoding="utf-8")
    repo = git.Repo.init(root)
    commit(repo, "project", 1)
    work = tmp_path / "work"
    work.mkdir()
    for n, (who, evidence) in enumerate(
        (
            ("Meters Ltd", ("firmware", 4.5, 6, "remote update and testing")),
            ("Hubs plc", ("Firmware", "£12", 9, None)),
            ("Gauges Co", ("firmware", 7, 3, None)),
        )
    ):
        book = answer(root, Filled(who, costs={"PC_01": evidence}), work, f"book{n}.xlsx")
        report, stored = import_one(root, book)
        assert stored is not None, messages(report)
    commit(repo, "three responses with cost evidence", 2)
    return root


def test_evidence_is_stored_and_flows_into_the_review(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    stored = (project / "spec" / "consultations" / "test" / "meters-ltd.rst").read_text(encoding="utf-8")
    assert "   :cost_kind: firmware\n   :cost_gbp_per_unit: 4.5\n   :lead_time_months: 6\n" in stored
    assert "remote update and testing" in stored
    edit(
        project / "spec" / "requirements.rst",
        "switch between prepayment and credit.",
        "switch between prepayment and credit within 10 seconds.",
    )
    commit(git.Repo(project), "PC_01 within 10 seconds", 3)
    review = smets(capsys, project, "review", "HEAD~1", "HEAD", "--no-duplicates")
    assert review.code == 0, review.err
    line = next(x for x in review.out.splitlines() if x.startswith("Respondents' cost evidence on PC_01"))
    assert line.startswith(
        "Respondents' cost evidence on PC_01: 3 respondent(s) (Gauges Co, Hubs plc, Meters Ltd); "
        "kind: firmware 3; £ per unit: 3 figure(s), min £4.50, median £7.00, max £12.00; "
        "lead time: min 3, median 6, max 9 months ("
    )
    impact = smets(capsys, project, "impact", "HEAD~1", "HEAD").out
    assert "      respondents' cost evidence: 3 respondent(s) (Gauges Co, Hubs plc, Meters Ltd); " in impact
    data = json.loads(smets(capsys, project, "review", "HEAD~1", "HEAD", "--format", "json").out)
    evidence = next(i for i in data["impact"] if i["id"] == "PC_01")["cost"]["evidence"]
    assert evidence["gbp_per_unit"] == {"count": 3, "minimum": 4.5, "median": 7.0, "maximum": 12.0}


def test_malformed_cost_cells_are_refused_with_their_cell(tmp_path: Path) -> None:
    root = mini_project(tmp_path / "repo")
    work = tmp_path / "work"
    work.mkdir()
    book = answer(root, Filled("Meters Ltd", costs={"PC_01": ("plastic", "cheap", 999, None)}), work)
    report, stored = import_one(root, book)
    assert stored is None
    text = messages(report)
    assert (
        "sheet 'Requirements', row 2, column J (Cost kind): 'plastic' is not one of hardware, firmware"
        in text
    )
    assert "column K (Cost per unit (GBP)): 'cheap' is not a number from 0 to 100,000" in text
    assert "column L (Lead time (months)): '999' is not a number from 0 to 240" in text
    assert text.count("[smets.consult-value]") == 3


def test_requirement_page_panel_shows_the_evidence(project: Path) -> None:
    from htmltools import StubLinker
    from smets_spec.corpus.load import load_spec
    from smets_spec.render.costs import evidence_panel

    corpus = load_spec(project / "spec", relative_to=project)
    html = evidence_panel(corpus, "PC_01", StubLinker())
    assert html.startswith(
        "<p>3 respondent(s) (Gauges Co, Hubs plc, Meters Ltd); kind: firmware 3; £ per unit: 3 figure(s), "
        "min £4.50, median £7.00, max £12.00; lead time: min 3, median 6, max 9 months.</p><p>From: "
    )
    assert html.count('class="smets-ref"') == 3
    assert evidence_panel(corpus, "SP_2", StubLinker()) == ""
