"""Cost of a change in pounds: new installations, and installed units where retrofit is asked.

The rule of the 2011 programme: equipment stays compliant with the SMETS version extant
when it was installed, so a change applies to **new installations only** unless the
requirement asks for retrofit (``:retrofit: true``, with the exceptional circumstance in
``:retrofit_basis:``). For a normative change of a requirement, per device it binds:

* **new installations**: design and certification of every certified model,
  models × per-model cost of the change's impact class;
* **installed units** (the retrofit scenario, counted in the total only when retrofit is
  asked): per population (device kind × version window) of ``spec/costs.toml``, a firmware
  change is an over-the-air update of the units that can take one (units × share × update
  cost) and a replacement of the others (units × (1 − share) × (unit cost + visit cost)); a
  hardware change replaces every unit (units × (unit cost + visit cost)); a configuration
  change is a remote change (units × update cost); a back-office change costs nothing on
  the equipment.

Every figure comes from :mod:`smets_spec.change.costmodel`, low / central / high, with its
source or assumption; a figure the model lacks is said to be unknown, never invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..consultation.costevidence import EvidenceSummary
from ..corpus.schema import Degree, ImpactClass, Requirement
from .costmodel import CostModel, Range


class Action(StrEnum):
    REPLACEMENT = "replacement"
    UPGRADE = "over-the-air firmware update"
    UPGRADE_OR_REPLACEMENT = "over-the-air update where the unit can take it, else replacement"
    CONFIGURATION = "remote configuration change"
    NONE = "none"
    UNKNOWN = "unknown"


class Scenario(StrEnum):
    NEW = "new installations"
    INSTALLED = "installed units"


@dataclass(frozen=True)
class Line:
    """One costed line: a formula over named figures, its range and its arithmetic."""

    scenario: Scenario
    device: str
    window: str
    formula: str
    range: Range
    arithmetic: str


@dataclass(frozen=True)
class Driver:
    """The assumption that moves the total most: the total with it at its low and high."""

    figure: str
    low_total: float
    high_total: float
    sourced: bool

    @property
    def swing(self) -> float:
        return abs(self.high_total - self.low_total)


@dataclass(frozen=True)
class DeviceCost:
    device: str
    title: str
    degree: Degree
    action: Action
    why: str
    lines: tuple[Line, ...] = ()
    unknown: tuple[str, ...] = ()  # what stops an estimate


@dataclass
class CostAssessment:
    """The cost side of one requirement change."""

    requirement: str
    impact: ImpactClass | None
    retrofit: bool
    applies_to: str
    devices: tuple[DeviceCost, ...]
    retrofit_basis: str | None = None
    new: Range | None = None  # new installations
    installed: Range | None = None  # the retrofit scenario (counted in total only when asked)
    total: Range | None = None
    driver: Driver | None = None
    installed_driver: Driver | None = None  # of the retrofit scenario alone
    figures: tuple[str, ...] = ()  # every figure named, in order of first use
    notes: tuple[str, ...] = ()
    evidence: EvidenceSummary | None = field(default=None)  # respondents' cost evidence (review)


def money(value: float) -> str:
    if abs(value) >= 1e9:
        return f"£{value / 1e9:,.2f} bn"
    if abs(value) >= 1e6:
        return f"£{value / 1e6:,.1f} m"
    return f"£{value:,.0f}" if value == int(value) else f"£{value:,.2f}"


def number(value: float, unit: str = "") -> str:
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def spread(r: Range) -> str:
    """``£a / £b / £c`` (low / central / high)."""
    return " / ".join(money(v) for v in r.values)


def action_for(impact: ImpactClass | None) -> tuple[Action, str]:
    """What installed units would need for a change of this impact class."""
    if impact is None:
        return Action.UNKNOWN, "the requirement states no impact class"
    if impact is ImpactClass.HARDWARE:
        return Action.REPLACEMENT, "hardware impact: installed units must be exchanged"
    if impact is ImpactClass.FIRMWARE:
        return Action.UPGRADE_OR_REPLACEMENT, "firmware impact: over the air where the unit can take it"
    if impact is ImpactClass.CONFIGURATION:
        return Action.CONFIGURATION, "configuration impact: a remote configuration change"
    return Action.NONE, "back-office impact: nothing changes on installed equipment"


def _g(formula: str) -> str:
    return f"({formula})"


def _installed_formula(action: Action, f: dict[str, str]) -> tuple[str | None, list[str]]:
    """The formula of the retrofit cost of one population, or the figures it lacks."""
    needs = {
        Action.REPLACEMENT: ("installed_base", "unit_cost", "visit_cost"),
        Action.UPGRADE_OR_REPLACEMENT: ("installed_base", "ota_share", "ota_cost", "unit_cost", "visit_cost"),
        Action.CONFIGURATION: ("installed_base", "ota_cost"),
    }[action]
    missing = [n for n in needs if n not in f]
    if missing:
        return None, missing
    base, exchange = (
        _g(f["installed_base"]),
        f"({_g(f.get('unit_cost', '0'))} + {_g(f.get('visit_cost', '0'))})",
    )
    if action is Action.REPLACEMENT:
        return f"{base} * {exchange}", []
    if action is Action.CONFIGURATION:
        return f"{base} * {_g(f['ota_cost'])}", []
    share = _g(f["ota_share"])
    return f"{base} * {share} * {_g(f['ota_cost'])} + {base} * (1 - {share}) * {exchange}", []


def _arithmetic(model: CostModel, action: Action, f: dict[str, str], total: Range) -> str:
    def c(name: str) -> float:
        return model.evaluate(f[name]).central

    units = number(c("installed_base"), "units")
    if action is Action.CONFIGURATION:
        return f"{units} × {money(c('ota_cost'))} remote change = {money(total.central)}"
    exchange = f"({money(c('unit_cost'))} unit + {money(c('visit_cost'))} visit)"
    if action is Action.REPLACEMENT:
        return f"{units} × {exchange} = {money(total.central)}"
    share = c("ota_share")
    return (
        f"{units} × {share:.0%} over the air × {money(c('ota_cost'))} + {units} × {1 - share:.0%} "
        f"replaced × {exchange} = {money(total.central)}"
    )


def _device(
    model: CostModel, requirement: Requirement, device: str, title: str
) -> tuple[DeviceCost, list[Line]]:
    degree = requirement.degree_for(device)
    action, why = action_for(requirement.impact)
    lines: list[Line] = []
    unknown: list[str] = []
    impact = requirement.impact.value if requirement.impact else None
    per_model = model.design_cost.get(impact or "")
    if action is Action.NONE:
        pass
    elif device in model.design and per_model:
        formula = f"{_g(model.design[device])} * {_g(per_model)}"
        r = model.evaluate(formula)
        models, each = model.evaluate(model.design[device]).central, model.evaluate(per_model).central
        text = f"{number(models, 'models')} × {money(each)} {impact} change per model = {money(r.central)}"
        lines.append(Line(Scenario.NEW, device, "design and certification", formula, r, text))
    else:
        unknown.append(f"design and certification of {device} (no [[design]] or design_cost for it)")
    populations = model.populations_of(device)
    if action in {Action.NONE, Action.UNKNOWN}:
        if action is Action.UNKNOWN:
            unknown.append("installed units: the requirement states no impact class")
    elif not populations:
        unknown.append(f"installed units of {device}: no [[population]] in the cost model")
    for population in populations if action not in {Action.NONE, Action.UNKNOWN} else []:
        installed, missing = _installed_formula(action, dict(population.formulas))
        if installed is None:
            unknown.append(f"{device} {population.window}: {', '.join(missing)} not in the cost model")
            continue
        r = model.evaluate(installed)
        text = _arithmetic(model, action, dict(population.formulas), r)
        lines.append(Line(Scenario.INSTALLED, device, population.label, installed, r, text))
    return DeviceCost(device, title, degree, action, why, tuple(lines), tuple(unknown)), lines


def _sum(model: CostModel, lines: list[Line]) -> tuple[Range | None, str]:
    if not lines:
        return None, ""
    formula = " + ".join(_g(line.formula) for line in lines)
    return model.evaluate(formula), formula


def driver(model: CostModel, formula: str) -> Driver | None:
    """The figure whose range moves the central total most (others held central)."""
    best: Driver | None = None
    for name in model.names(formula):
        figure = model.figures[name]
        if figure.range.low == figure.range.high:
            continue
        low = model.evaluate(formula, {name: figure.range.low}).central
        high = model.evaluate(formula, {name: figure.range.high}).central
        candidate = Driver(name, low, high, figure.sourced)
        if best is None or candidate.swing > best.swing:
            best = candidate
    return best


def assess(requirement: Requirement, titles: dict[str, str], model: CostModel) -> CostAssessment:
    """The cost side of a normative change to ``requirement`` (its head-side record)."""
    retrofit = requirement.retrofit is True
    applies_to = (
        "retrofit: installed equipment too"
        if retrofit
        else "new installations only (installed equipment stays compliant with the version it was "
        "installed under; its cost is £0, the retrofit scenario is shown for comparison)"
    )
    costs: list[DeviceCost] = []
    new: list[Line] = []
    installed: list[Line] = []
    for device in (*requirement.mandatory_for, *requirement.optional_for):
        cost, lines = _device(model, requirement, device, titles.get(device, device))
        costs.append(cost)
        new += [line for line in lines if line.scenario is Scenario.NEW]
        installed += [line for line in lines if line.scenario is Scenario.INSTALLED]
    counted = new + (installed if retrofit else [])
    total, formula = _sum(model, counted)
    notes = []
    if any(c.degree is Degree.OPTIONAL for c in costs):
        notes.append(
            "optional for some devices: only units that implement the option are affected, so "
            "their figures are upper bounds"
        )
    if {"DEV_CHF", "DEV_GPF"} <= {c.device for c in costs}:
        notes.append("the GPF is inside the communications hub: replacing both counts a hub exchange twice")
    return CostAssessment(
        requirement.id,
        requirement.impact,
        retrofit,
        applies_to,
        tuple(costs),
        requirement.retrofit_basis,
        _sum(model, new)[0],
        _sum(model, installed)[0],
        total,
        driver(model, formula) if formula else None,
        driver(model, _sum(model, installed)[1]) if installed else None,
        tuple(dict.fromkeys(n for line in (*new, *installed) for n in model.names(line.formula))),
        tuple(notes),
    )
