"""Cost of a change: what installed equipment would need, and what a retrofit would cost.

The rule of the 2011 programme: equipment stays compliant with the SMETS version
extant when it was installed, so a change applies to **new installations only**
unless the requirement asks for retrofit (``:retrofit: true``, with the exceptional
circumstance in ``:retrofit_basis:``).

For a normative change of a requirement, per device it binds:

* the action installed units would need, from the requirement's impact class and
  the device's ``firmware_upgradeable``: hardware → replacement; firmware → remote
  firmware upgrade (or replacement when the device cannot be upgraded; either
  when that is unknown); configuration → a configuration change; back-office →
  nothing on the equipment;
* where retrofit is asked, the cost from the device's figures in ``spec/``:
  replacement = installed base × (unit cost + visit cost); upgrade = installed
  base × upgrade cost. Every figure is shown with its source and the arithmetic.
  A figure that is unknown is said to be unknown: no number is invented, and a
  range (low–high) is only given when both ends come from sourced figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..corpus.schema import Degree, Device, ImpactClass, Requirement


class Action(StrEnum):
    REPLACEMENT = "replacement"
    UPGRADE = "remote firmware upgrade"
    UPGRADE_OR_REPLACEMENT = "firmware upgrade or replacement"
    CONFIGURATION = "configuration change"
    NONE = "none"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Figure:
    """One figure from a device's record: its value (None when unknown) and source."""

    name: str
    value: float | None
    unit: str
    source: str | None

    def show(self) -> str:
        if self.value is None:
            return f"{self.name}: unknown"
        return f"{self.name}: {money(self.value) if self.unit == 'GBP' else number(self.value, self.unit)}"


@dataclass(frozen=True)
class DeviceCost:
    device: str
    title: str
    degree: Degree
    action: Action
    why: str
    figures: tuple[Figure, ...] = ()
    low: float | None = None
    high: float | None = None
    arithmetic: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # what stops an estimate
    engineer_hours: float | None = None


@dataclass(frozen=True)
class CostAssessment:
    """The cost side of one requirement change."""

    requirement: str
    impact: ImpactClass | None
    retrofit: bool
    applies_to: str
    devices: tuple[DeviceCost, ...]
    retrofit_basis: str | None = None

    @property
    def low(self) -> float | None:
        values = [d.low for d in self.devices if d.action is not Action.NONE]
        return sum(v for v in values if v is not None) if values and None not in values else None

    @property
    def high(self) -> float | None:
        values = [d.high for d in self.devices if d.action is not Action.NONE]
        return sum(v for v in values if v is not None) if values and None not in values else None

    @property
    def complete(self) -> bool:
        """Every bound device has a sourced estimate."""
        return self.retrofit and self.low is not None and self.high is not None


def number(value: float, unit: str = "") -> str:
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def money(value: float) -> str:
    return f"£{value:,.0f}" if value == int(value) else f"£{value:,.2f}"


def _figure(device: Device, name: str, field_name: str, source_field: str, unit: str) -> Figure:
    value = getattr(device, field_name, None)
    known = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    return Figure(name, known, unit, getattr(device, source_field, None))


def figures_of(device: Device) -> dict[str, Figure]:
    return {
        "installed": _figure(device, "installed base", "installed_base", "installed_base_source", "units"),
        "unit": _figure(device, "unit cost", "unit_cost_gbp", "unit_cost_source", "GBP"),
        "visit": _figure(device, "visit cost", "visit_cost_gbp", "visit_cost_source", "GBP"),
        "hours": _figure(device, "visit duration", "visit_hours", "visit_hours_source", "hours"),
        "upgrade": _figure(device, "upgrade cost", "upgrade_cost_gbp", "upgrade_cost_source", "GBP"),
    }


def action_for(impact: ImpactClass | None, device: Device) -> tuple[Action, str]:
    """What installed units of ``device`` would need for a change of this impact class."""
    upgradeable = device.firmware_upgradeable
    if impact is None:
        return Action.UNKNOWN, "the requirement states no impact class"
    if impact is ImpactClass.HARDWARE:
        return Action.REPLACEMENT, "hardware impact: installed units must be exchanged"
    if impact is ImpactClass.FIRMWARE:
        if upgradeable is True:
            return Action.UPGRADE, "firmware impact, and the device takes remote firmware upgrades"
        if upgradeable is False:
            return Action.REPLACEMENT, "firmware impact, and the device cannot take a firmware upgrade"
        return Action.UPGRADE_OR_REPLACEMENT, "firmware impact; whether the device takes upgrades is unknown"
    if impact is ImpactClass.CONFIGURATION:
        return Action.CONFIGURATION, "configuration impact: a remote configuration change"
    return Action.NONE, "back-office impact: nothing changes on installed equipment"


def _replacement(f: dict[str, Figure]) -> tuple[float | None, str | None, list[str]]:
    needed = [f["installed"], f["unit"], f["visit"]]
    missing = [x.name for x in needed if x.value is None]
    if missing:
        return None, None, missing
    base, unit, visit = (x.value or 0.0 for x in needed)
    total = base * (unit + visit)
    sum_text = (
        f"installed base {number(base, 'units')} × (unit cost {money(unit)} + visit cost {money(visit)})"
    )
    return total, f"replacement: {sum_text} = {money(total)}", []


def _upgrade(f: dict[str, Figure]) -> tuple[float | None, str | None, list[str]]:
    needed = [f["installed"], f["upgrade"]]
    missing = [x.name for x in needed if x.value is None]
    if missing:
        return None, None, missing
    base, upgrade = (x.value or 0.0 for x in needed)
    total = base * upgrade
    return (
        total,
        f"upgrade: installed base {number(base, 'units')} × upgrade cost {money(upgrade)} = {money(total)}",
        [],
    )


def estimate(device: Device, degree: Degree, action: Action, why: str) -> DeviceCost:
    """The retrofit cost of one device, from its sourced figures only."""
    f = figures_of(device)
    used: list[Figure] = [f["installed"]]
    arithmetic: list[str] = []
    unknown: list[str] = []
    low = high = None
    if action in {Action.REPLACEMENT, Action.UPGRADE_OR_REPLACEMENT}:
        used += [f["unit"], f["visit"], f["hours"]]
        high, text, missing = _replacement(f)
        arithmetic += [text] if text else []
        unknown += [f"replacement cost ({', '.join(missing)} unknown)"] if missing else []
        low = high
    if action in {Action.UPGRADE, Action.UPGRADE_OR_REPLACEMENT}:
        used += [f["upgrade"]]
        cost, text, missing = _upgrade(f)
        arithmetic += [text] if text else []
        unknown += [f"upgrade cost ({', '.join(missing)} unknown)"] if missing else []
        low = cost
        high = high if action is Action.UPGRADE_OR_REPLACEMENT else cost
    if action in {Action.CONFIGURATION, Action.UNKNOWN}:
        unknown.append(
            "cost of a configuration change (no figure in spec/)"
            if action is Action.CONFIGURATION
            else "the action itself (no impact class)"
        )
    if action is Action.NONE:
        low = high = 0.0
    hours = None
    base, visit_hours = f["installed"].value, f["hours"].value
    if action is Action.REPLACEMENT and base is not None and visit_hours is not None:
        hours = base * visit_hours
        arithmetic.append(
            f"field work: {number(base, 'units')} × {number(visit_hours, 'hours')} = "
            f"{number(hours, 'engineer-hours')}"
        )
    if degree is Degree.OPTIONAL and high is not None and action is not Action.NONE:
        arithmetic.append(
            "optional for this device: only units that implement the option are affected, "
            "and their share is unknown; the figure is an upper bound"
        )
        low = None
    return DeviceCost(
        device.id,
        device.title,
        degree,
        action,
        why,
        tuple(dict.fromkeys(used)),
        low,
        high,
        tuple(arithmetic),
        tuple(unknown),
        hours,
    )


def assess(requirement: Requirement, devices: dict[str, Device]) -> CostAssessment:
    """The cost side of a normative change to ``requirement`` (its head-side record)."""
    retrofit = requirement.retrofit is True
    applies_to = (
        "retrofit: installed equipment too"
        if retrofit
        else "new installations only (installed equipment stays compliant with the version it was "
        "installed under)"
    )
    costs: list[DeviceCost] = []
    for device_id in (*requirement.mandatory_for, *requirement.optional_for):
        device = devices.get(device_id)
        if device is None:
            continue
        degree = requirement.degree_for(device_id)
        action, why = action_for(requirement.impact, device)
        if retrofit:
            costs.append(estimate(device, degree, action, why))
        else:
            costs.append(DeviceCost(device.id, device.title, degree, action, why))
    return CostAssessment(
        requirement.id, requirement.impact, retrofit, applies_to, tuple(costs), requirement.retrofit_basis
    )
