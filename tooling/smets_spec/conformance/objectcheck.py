"""Checks of one DLMS/COSEM object read over the wire against its data item and the reference model.

Each check raises :class:`.wiretarget.WireError` (an AssertionError) whose message starts with
the trace requirement -> data item -> protocol object, so a failed data-object test names all three.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

from ..reference.bridge import DataValue, LogRows, Quantity, Switches
from . import cosem
from .wiretarget import WireError, log_rows, register_value

#: the resolution of a served register (1 Wh or varh) and of a money amount (1/1000 penny)
ENERGY_TOLERANCE = 0.001
MONEY_TOLERANCE = 1.0 / cosem.MONEY_SCALE
TIME_TOLERANCE = timedelta(seconds=0.01)


class Reader(Protocol):
    objects: set[tuple[int, str]]

    def get(self, obj: cosem.MappedObject, attribute: int) -> tuple[str, Any]: ...


def check_listed(reader: Reader, obj: cosem.MappedObject) -> None:
    """The object is in the device's object list with the spec's interface class."""
    if (obj.class_id, obj.obis) in reader.objects:
        return
    other = sorted(c for c, o in reader.objects if o == obj.obis)
    if other:
        raise WireError(f"{obj.trace()}: the device lists {obj.obis} as class {other[0]}, not {obj.class_id}")
    raise WireError(f"{obj.trace()}: the object is missing from the device's object list")


def _close(obj: cosem.MappedObject, got: float, want: float, tolerance: float, unit: str) -> str:
    if abs(got - want) > tolerance + 1e-9 * abs(want):
        raise WireError(f"{obj.trace()}: reads {got:g} {unit}, the reference model has {want:g} {unit}")
    return f"{got:g} {unit}"


def _numeric(obj: cosem.MappedObject, kind: str) -> None:
    if kind not in cosem.NUMERIC_TYPES:
        raise WireError(
            f"{obj.trace()}: the value has data type {kind}, not a number ({obj.item_id} is decimal)"
        )


def check_value(reader: Reader, obj: cosem.MappedObject, expected: DataValue) -> str:
    """Read ``obj`` and compare it with ``expected`` (the reference model's value); returns what was read."""
    value = reader.get(obj, obj.value_attribute)
    if obj.class_id == 3 and isinstance(expected, Quantity):
        got = register_value(obj, value, reader.get(obj, cosem.SCALER_UNIT_ATTRIBUTE))
        return _close(obj, got, expected.value, ENERGY_TOLERANCE, expected.unit)
    if obj.class_id == 1 and isinstance(expected, Quantity):
        _numeric(obj, value[0])
        return _close(obj, float(value[1]), expected.value, 1e-6, expected.unit)
    if obj.class_id == 112 and isinstance(expected, Quantity):
        _numeric(obj, value[0])
        return _close(obj, float(value[1]) / cosem.MONEY_SCALE, expected.value, MONEY_TOLERANCE, "pence")
    if obj.class_id == 7 and isinstance(expected, LogRows):
        return _check_log(obj, log_rows(obj, value), expected)
    if obj.class_id == 20 and isinstance(expected, Switches):
        return _check_switches(obj, value[1], expected)
    raise WireError(f"{obj.trace()}: the suite has no check for class {obj.class_id} carrying {obj.item_id}")


def _check_log(obj: cosem.MappedObject, rows: list[Any], expected: LogRows) -> str:
    if len(rows) != len(expected.rows):
        raise WireError(
            f"{obj.trace()}: {len(rows)} entries, the reference model logged {len(expected.rows)}"
        )
    for index, ((when, code), (want_when, want_code)) in enumerate(zip(rows, expected.rows, strict=True)):
        if code != want_code or abs(when - want_when) > TIME_TOLERANCE:
            raise WireError(
                f"{obj.trace()}: entry {index + 1} is ({when.isoformat()}, {code}), "
                f"the reference model logged ({want_when.isoformat()}, {want_code})"
            )
    return f"{len(rows)} entries"


def _check_switches(obj: cosem.MappedObject, value: Any, expected: Switches) -> str:
    try:
        times = cosem.switch_times(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise WireError(
            f"{obj.trace()}: the active day profiles are not (id, [(start time, ...)]): {exc}"
        ) from exc
    want = [t for t, _ in expected.entries]
    if times != want:
        shown = ", ".join(t.isoformat() for t in times) or "none"
        raise WireError(
            f"{obj.trace()}: switch times {shown}; the reference model switches at "
            f"{', '.join(t.isoformat() for t in want)}"
        )
    return f"{len(times)} switch times"
