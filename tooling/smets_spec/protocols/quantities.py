"""What a data item measures, and what a catalogue object carries, in comparable terms.

A data item's quantity is read from its unit (kWh is active energy, kvar reactive power, V
voltage ...) and its title (import / export, phase L1..L3); an OBIS object's quantity is read
from gurux-dlms's own description of the code ("Sum Li Reactive power+ (QI+QII) Time integral
1": reactive, + = import, all phases, energy). The two meet in :class:`Quantity`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: unit -> (kind, energy?); the SI prefix k or M is stripped first
_UNITS: dict[str, tuple[str, bool]] = {
    "Wh": ("active", True),
    "varh": ("reactive", True),
    "VAh": ("apparent", True),
    "W": ("active", False),
    "var": ("reactive", False),
    "VA": ("apparent", False),
    "V": ("voltage", False),
    "A": ("current", False),
    "Hz": ("frequency", False),
}
#: kind, energy? -> the base unit of the quantity
BASE_UNIT: dict[tuple[str, bool], str] = {v: k for k, v in _UNITS.items()}
_PREFIX = {"": 0, "k": 3, "M": 6}


@dataclass(frozen=True)
class Quantity:
    kind: str
    energy: bool
    direction: str | None = None  # "import", "export" or None (not directional)
    phase: str = "total"  # "total", "L1", "L2", "L3"

    @property
    def unit(self) -> str:
        return BASE_UNIT.get((self.kind, self.energy), "")

    def words(self) -> str:
        what = f"{self.kind} {'energy' if self.energy else 'value'}"
        return ", ".join(p for p in (what, self.direction or "", self.phase) if p)


def split_unit(unit: str) -> tuple[int, str] | None:
    """``kWh`` -> (3, "Wh"); None when the unit is not an electrical one we know."""
    text = unit.strip()
    if text in _UNITS:
        return 0, text
    if text[:1] in _PREFIX and text[1:] in _UNITS:
        return _PREFIX[text[:1]], text[1:]
    return None


def of_item(title: str, unit: str | None) -> Quantity | None:
    """The electrical quantity a data item states (unit, import/export, phase)."""
    split = split_unit(unit or "")
    if split is None:
        return None
    kind, energy = _UNITS[split[1]]
    words = set(re.findall(r"[a-z0-9]+", title.lower()))
    direction = "import" if "import" in words else "export" if "export" in words else None
    phase = next((p for p in ("L1", "L2", "L3") if p.lower() in words), "total")
    return Quantity(kind, energy, direction, phase)


_OBIS_KIND = re.compile(r"\b(Active|Reactive|Apparent) power([+-])?(?= \(Q)")


def of_obis(description: str) -> Quantity | None:
    """The quantity in gurux-dlms's description of an electricity code, or None."""
    text = description
    if "Sum Li" in text or "any phase" in text:
        phase = "total"
    else:
        found = re.search(r"\bL([123]) ", text)
        if found is None:
            return None
        phase = f"L{found.group(1)}"
    energy = "Time integral 1 " in text + " "
    if not energy and "Inst. value" not in text:
        return None
    power = _OBIS_KIND.search(text)
    if power is not None:
        sign = power.group(2)
        direction = {"+": "import", "-": "export"}.get(sign or "")
        return Quantity(power.group(1).lower(), energy, direction, phase)
    for kind in ("Voltage", "Current"):
        if re.search(rf"\b{kind}\b", text) and "Power factor" not in text:
            return Quantity(kind.lower(), energy, None, phase)
    return None
