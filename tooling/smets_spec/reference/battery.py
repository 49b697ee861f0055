"""Gas meter battery budget (GS_03, GS_08): arithmetic over figures that are data.

The figures live in ``data/gsme_battery.toml``; each is marked as quoted from the
spec (``basis = "source"``) or as an explicit assumption. Nothing here states a
fact about real batteries.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from .interfaces import BatteryFigure
from .registry import open_question, reference_model

BUDGET_FILE = Path(__file__).with_name("data") / "gsme_battery.toml"
BASES = frozenset({"source", "assumption"})
HOURS_PER_YEAR = 8766.0  # 365.25 days
DAYS_PER_YEAR = 365.25
#: Every figure a budget needs, with its unit.
REQUIRED: dict[str, str] = {
    "required_life": "years",
    "wake_ups": "per day",
    "capacity": "mAh",
    "usable_fraction": "ratio",
    "self_discharge": "% of capacity per year",
    "sleep_current": "uA",
    "wake_up_charge": "mAs",
    "valve_operations": "per year",
    "valve_operation_charge": "mAs",
    "display_activations": "per day",
    "display_charge": "mAs",
}


class BudgetError(ValueError):
    """A battery budget lacks a figure, has the wrong unit or an unknown basis."""


def load_budget(path: Path = BUDGET_FILE) -> tuple[BatteryFigure, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        BatteryFigure(
            name, float(entry["value"]), str(entry["unit"]), str(entry["basis"]), str(entry["note"])
        )
        for name, entry in data.items()
    )


def check_budget(figures: Sequence[BatteryFigure]) -> dict[str, float]:
    """The figures by name, after checking that each is present, in its unit, with a known basis."""
    by_name = {f.name: f for f in figures}
    problems = [f"missing figure '{n}' ({u})" for n, u in REQUIRED.items() if n not in by_name]
    for figure in figures:
        if figure.basis not in BASES:
            problems.append(f"'{figure.name}' has basis '{figure.basis}' (use source or assumption)")
        if not figure.note.strip():
            problems.append(f"'{figure.name}' has no note saying where it comes from")
        if figure.name in REQUIRED and figure.unit != REQUIRED[figure.name]:
            problems.append(f"'{figure.name}' is in {figure.unit}, expected {REQUIRED[figure.name]}")
    if problems:
        raise BudgetError("; ".join(problems))
    return {name: f.value for name, f in by_name.items()}


def annual_drain_mah(values: Mapping[str, float], wake_ups_per_day: float) -> float:
    """Charge drawn in a year (mAh) at ``wake_ups_per_day``."""
    per_day_mas = wake_ups_per_day * values["wake_up_charge"] + (
        values["display_activations"] * values["display_charge"]
    )
    return (
        values["capacity"] * values["self_discharge"] / 100
        + values["sleep_current"] / 1000 * HOURS_PER_YEAR
        + per_day_mas * DAYS_PER_YEAR / 3600
        + values["valve_operations"] * values["valve_operation_charge"] / 3600
    )


@reference_model("MOD_GAS_BATTERY_BUDGET", implements=("GS_03", "GS_08"))
def battery_life_years(figures: Sequence[BatteryFigure], wake_ups_per_day: float | None = None) -> float:
    """Battery life in years of a gas meter's energy budget.

    Life = usable capacity / yearly drain, where the drain adds self-discharge,
    the sleep current, the wake-ups (48 a day unless given, GS_03), display use
    and valve operations. GS_08 asks for at least 15 years.
    """
    values = check_budget(figures)
    rate = values["wake_ups"] if wake_ups_per_day is None else wake_ups_per_day
    return values["capacity"] * values["usable_fraction"] / annual_drain_mah(values, rate)


def max_wake_ups_per_day(figures: Sequence[BatteryFigure]) -> float:
    """The most wake-ups a day the budget allows while still lasting the required life."""
    values = check_budget(figures)
    usable_per_year = values["capacity"] * values["usable_fraction"] / values["required_life"]
    fixed = annual_drain_mah(values, 0.0)
    return (usable_per_year - fixed) * 3600 / DAYS_PER_YEAR / values["wake_up_charge"]


open_question(
    "CQ_MODEL_BATTERY_CONDITIONS",
    about=("GS_08", "GS_03"),
    model="MOD_GAS_BATTERY_BUDGET",
    question="GS_08 asks for a 15 year battery life 'under normal operating conditions including "
    "prepayment operation' without defining them (the supporting document was only on Huddle). "
    "How many valve operations, display activations and HAN exchanges a day are normal?",
    interpretation="The conditions are data in the budget file: 48 wake-ups a day (GS_03), each with "
    "a HAN exchange; 12 valve operations a year; 10 display activations a day. These counts and "
    "every device figure are marked as assumptions, to be replaced by agreed and measured values.",
)
