"""The DLMS/COSEM objects the spec maps for a device, and their values in COSEM terms.

Everything about *which* object carries *which* data item comes from the spec
(``spec/protocol/dlms.rst`` and the data catalogue): class, OBIS code and attribute. What
this module adds are the encodings the spec leaves open, each an explicit assumption:

* :data:`ENERGY_UNITS`: a data item unit -> IEC 62056-6-2 unit code and factor
  (30 = Wh, 32 = varh; the same codes as gurux-dlms's ``Unit.ACTIVE_ENERGY`` and
  ``Unit.REACTIVE_ENERGY``, pinned by ``wire/tests/test_units.py``); registers count whole Wh
  or varh (scaler 0, type double-long-unsigned).
* :data:`VALUE_ATTRIBUTE`: where the spec names no attribute, the value attribute of the class
  (IEC 62056-6-2: data/register value 2, profile buffer 2, active day profiles 5, credit amount 2).
* money in the credit object (class 112) as a whole number of thousandths of a penny
  (:data:`MONEY_SCALE`): the currency object that would state the scale (class 9000) is a
  GBCS extended class that this suite does not cover.
* an event log row is (clock 0-0:1.0.0.255 attribute 2, event code 0-0:96.11.0.255
  attribute 2) with the model's event code as text (OBIS codes from gurux-dlms's
  OBISCodes.txt: "Event code", "Clock"); GBCS numeric event codes are not public here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from ..corpus.load import Corpus
from ..corpus.schema import DataItem, Protocol, ProtocolObject

if TYPE_CHECKING:
    from ..reference.bridge import DataValue

#: data item unit -> (IEC 62056-6-2 unit code, how many of that unit make one of the item's)
ENERGY_UNITS: dict[str, tuple[int, float]] = {"kWh": (30, 1000.0), "kvarh": (32, 1000.0)}
VALUE_ATTRIBUTE: dict[int, int] = {1: 2, 3: 2, 7: 2, 20: 5, 112: 2}
SCALER_UNIT_ATTRIBUTE = 3
MONEY_SCALE = 1000
CLOCK = (8, "0-0:1.0.0.255", 2)
EVENT_CODE = (1, "0-0:96.11.0.255", 2)
#: why the suite cannot check an object of a class over the wire (it is listed, and skipped)
NOT_COVERED: dict[int, str] = {
    30: "data protection (class 30) is GBCS security, which this suite does not cover",
    9000: "class 9000 is a GBCS extended class with no public definition; not covered",
}
NUMERIC_TYPES = frozenset(
    {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"}
)


@dataclass(frozen=True)
class MappedObject:
    """One DLMS/COSEM object of the spec, with the data item it carries and who needs it."""

    object_id: str
    class_id: int
    obis: str
    attributes: tuple[int, ...]
    item_id: str
    item_unit: str
    requirements: tuple[str, ...]
    method: int | None = None

    @property
    def value_attribute(self) -> int:
        return self.attributes[0] if self.attributes else 0

    def trace(self) -> str:
        """``ES_02 -> DAT_... -> PO_... (class 3, 1-0:1.8.0.255, attribute 2)``, for messages."""
        reqs = ", ".join(self.requirements) or "(no requirement)"
        member = (
            f"attribute {self.value_attribute}"
            if self.attributes
            else (f"method {self.method}" if self.method else "no attribute given")
        )
        where = f"class {self.class_id}, {self.obis}, {member}"
        return f"{reqs} -> {self.item_id} -> {self.object_id} ({where})"


def _attributes(obj: ProtocolObject) -> tuple[int, ...]:
    given = [int(a) for a in (obj.attribute or "").replace(" ", "").split(",") if a.isdigit()]
    if given:
        return tuple(given)
    default = VALUE_ATTRIBUTE.get(int(obj.interface_class or 0))
    return (default,) if default else ()


def mapped_objects(corpus: Corpus, device: str = "DEV_ESME") -> list[MappedObject]:
    """Every DLMS/COSEM object that carries a data item ``device`` holds, in spec order: the first
    such item (in source order) and the requirements binding ``device`` that use it."""
    first_item: dict[str, DataItem] = {}  # object id -> the first item mapped to it
    for item in corpus.of_type(DataItem):
        if device in item.held_by:
            for object_id in item.maps_to:
                first_item.setdefault(object_id, item)
    users: dict[str, list[str]] = {}  # item id -> requirements binding the device that use it
    for r in corpus.requirements:
        if device in r.mandatory_for or device in r.optional_for:
            for item_id in dict.fromkeys(r.uses):
                users.setdefault(item_id, []).append(r.id)
    out: list[MappedObject] = []
    for obj in corpus.of_type(ProtocolObject):
        mapped = first_item.get(obj.id)
        if mapped is None or obj.protocol != Protocol.DLMS_COSEM or not obj.obis:
            continue
        if obj.interface_class is None:
            continue
        out.append(
            MappedObject(
                obj.id,
                int(obj.interface_class),
                obj.obis,
                _attributes(obj),
                mapped.id,
                mapped.unit or "",
                tuple(users.get(mapped.id, ())),
                int(obj.method) if obj.method and obj.method.strip().isdigit() else None,
            )
        )
    return out


# -- values: model -> front-end state (golden unit) ------------------------------------------------
def state(obj: MappedObject, value: DataValue) -> dict[str, Any]:
    """The front end's state for ``obj`` (see smets_dlms.objects) from the model's value."""
    from ..reference.bridge import LogRows, Quantity, Switches  # not on import: the conformance page
    # lists the mapped objects in every build, which needs no reference model (~0.1 s of imports)

    if obj.class_id == 3 and isinstance(value, Quantity):
        code, factor = ENERGY_UNITS[value.unit]
        return {"value": round(value.value * factor), "type": "uint32", "scaler": 0, "unit": code}
    if obj.class_id == 1 and isinstance(value, Quantity):
        return {"value": value.value, "type": "float64"}
    if obj.class_id == 112 and isinstance(value, Quantity):
        return {"amount": round(value.value * MONEY_SCALE)}
    if obj.class_id == 7 and isinstance(value, LogRows):
        rows = [[{"datetime": ts.isoformat()}, code] for ts, code in value.rows]
        return {"capture": [list(CLOCK), list(EVENT_CODE)], "rows": rows, "capacity": value.capacity}
    if obj.class_id == 20 and isinstance(value, Switches):
        return {"name": value.name, "switches": [[t.isoformat(), i] for t, i in value.entries]}
    raise LookupError(f"no COSEM encoding of {type(value).__name__} for class {obj.class_id}")


# -- values: wire -> model terms (client side) -----------------------------------------------------
def octets(value: Any) -> bytes:
    if isinstance(value, dict) and "octets" in value:
        return bytes.fromhex(str(value["octets"]))
    raise ValueError(f"expected an octet string, got {value!r}")


def date_time(value: Any) -> datetime:
    """A COSEM date-time (12 octets, IEC 62056-6-2 4.1.6.1) as an aware UTC datetime."""
    raw = octets(value)
    if len(raw) != 12:
        raise ValueError(f"a date-time has 12 octets, got {len(raw)}")
    year = int.from_bytes(raw[0:2], "big")
    hundredths = raw[8] if raw[8] != 0xFF else 0
    deviation = int.from_bytes(raw[9:11], "big", signed=True)
    offset = timedelta(minutes=-deviation) if deviation != -0x8000 else timedelta(0)
    local = datetime(year, raw[2], raw[3], raw[5], raw[6], raw[7], hundredths * 10_000)
    return (local - offset).replace(tzinfo=UTC) if deviation != -0x8000 else local.replace(tzinfo=UTC)


def clock_time(value: Any) -> time:
    raw = octets(value)
    return time(raw[0], raw[1], raw[2] if raw[2] != 0xFF else 0)


def switch_times(day_profiles: Sequence[Any]) -> list[time]:
    """Start times of every action of every active day profile (attribute 5 of class 20)."""
    return [clock_time(action[0]) for _day_id, actions in day_profiles for action in actions]
