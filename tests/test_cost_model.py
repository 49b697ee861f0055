"""The cost model file: every figure sourced or an explicit assumption, refusals with file and
line, formulas that can only do arithmetic, interval arithmetic, and the project's own file."""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import smets
from smets_spec.change.costmodel import Range, load, parse

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
[sources.s]
title = "a source"
url = "https://example.invalid/s"

[figures.units]
value = 100
unit = "units"
source = "s"

[figures.price]
low = 10
central = 20
high = 40
unit = "GBP"
assumption = "a reason"
"""


def test_a_good_model_evaluates_ranges_by_interval_arithmetic() -> None:
    model = parse(GOOD)
    assert model.errors == []
    assert model.evaluate("units * price").values == (1000.0, 2000.0, 4000.0)
    assert model.evaluate("units * (1 - price / 40)").values == (0.0, 50.0, 75.0)
    assert model.evaluate("units * price", {"price": 40}).values == (4000.0, 4000.0, 4000.0)
    assert Range(1, 2, 3) - Range(1, 1, 1) == Range(0, 1, 2)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[figures.bare]\nvalue = 3\n", "figure 'bare' has neither a source nor an assumption"),
        ('[figures.cite]\nvalue = 3\nsource = "nowhere"\n', "figure 'cite' cites unknown source 'nowhere'"),
        (
            '[figures.order]\nlow = 5\ncentral = 2\nhigh = 9\nassumption = "x"\n',
            "figure 'order' is not low <= central <= high",
        ),
        (
            '[[population]]\ndevice = "DEV_X"\ninstalled_base = "units * missing"\n',
            "DEV_X installed_base names unknown figure 'missing'",
        ),
        (
            '[[population]]\ndevice = "DEV_X"\ninstalled_base = "__import__(\'os\').getcwd()"\n',
            "is not a number, a figure name or + - * / of them",
        ),
        (
            '[[population]]\ndevice = "DEV_X"\ninstalled_until = "soon"\n',
            "installed_until 'soon' is not a date",
        ),
    ],
)
def test_refusals_name_the_line_and_the_fix(extra: str, message: str) -> None:
    text = GOOD + "\n" + extra
    model = parse(text, "spec/costs.toml")
    assert len(model.errors) == 1, [d.format() for d in model.errors]
    (error,) = model.errors
    line = len(GOOD.splitlines()) + 2  # the table's header line
    assert error.location.file == "spec/costs.toml" and error.location.line == line
    assert message in error.message
    assert error.rule.value == "smets.cost-model" and error.fix


def test_not_toml_is_refused() -> None:
    (error,) = parse("[figures\n").errors
    assert error.message.startswith("not valid TOML")


def test_the_projects_cost_model_is_complete_and_sourced() -> None:
    model = load(ROOT)
    assert model is not None and model.errors == []
    for figure in model.figures.values():
        assert figure.source or figure.assumption, figure.name
    by_device = {(p.device, p.window) for p in model.populations}
    assert {
        ("DEV_ESME", "SMETS1"),
        ("DEV_ESME", "SMETS2"),
        ("DEV_GSME", "SMETS1"),
        ("DEV_GSME", "SMETS2"),
    } <= by_device
    gsme = [model.evaluate(p.formulas["installed_base"]) for p in model.populations_of("DEV_GSME")]
    # the GB totals (14.6 M SMETS1, 18.9 M SMETS2) split by the gas share assumption (0.40-0.50)
    assert [r.values for r in gsme] == [
        (5_840_000.0, 6_570_000.0, 7_300_000.0),
        (7_560_000.0, 8_505_000.0, 9_450_000.0),
    ]


def test_check_reports_a_refused_cost_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from consulttools import mini_project

    root = mini_project(tmp_path / "p")
    (root / "spec" / "costs.toml").write_text(GOOD + "\n[figures.bare]\nvalue = 3\n", encoding="utf-8")
    result = smets(capsys, root, "check")
    assert result.code == 1
    assert "spec/costs.toml:" in result.err + result.out and "[smets.cost-model]" in result.err + result.out
