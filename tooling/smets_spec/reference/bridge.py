"""The model side of a golden unit: a reference device's state as data items, and a test rig.

A golden unit serves the reference model through a protocol front end (for DLMS/COSEM a
separate process, see docs/licensing.md). The front end knows protocol objects; this module
knows the model: :data:`ESME_ITEMS` reads each data item of the catalogue that the
reference ESME holds, in the item's unit, and :class:`Rig` drives the model the way a test
rig drives a real meter (load, time, tamper, buttons) and answers the calls of the device
interface that no protocol object carries. Imports nothing above the reference models.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from . import codec
from .devices import ReferenceESME
from .interfaces import Register, SupplyState, TouTariff


@dataclass(frozen=True)
class Quantity:
    """A number in the data item's unit (``kWh``, ``kvarh``, ``kW``, ``pence``)."""

    value: float
    unit: str


@dataclass(frozen=True)
class Switches:
    """A switching table: from each UTC time the tariff register with this 1-based index applies."""

    name: str
    entries: tuple[tuple[time, int], ...]


@dataclass(frozen=True)
class LogRows:
    """Event log entries, oldest first: (UTC time stamp, event code)."""

    rows: tuple[tuple[datetime, str], ...]
    capacity: int


DataValue = Quantity | Switches | LogRows


def _power(meter: ReferenceESME) -> Quantity:
    on = meter.supply_state() is SupplyState.ON
    return Quantity(meter.load[0] if on else 0.0, "kW")


def _switches(meter: ReferenceESME) -> Switches:
    tariff = meter.tariff.active
    if not isinstance(tariff, TouTariff):
        return Switches("block", ())
    names = sorted(set(tariff.prices))
    return Switches("time-of-use", tuple((t, names.index(r) + 1) for t, r in tariff.switches))


def _log(meter: ReferenceESME) -> LogRows:
    rows = tuple((e.timestamp, str(e.code.value)) for e in meter.events())
    return LogRows(rows, meter.event_log_capacity())


#: data item id -> its value in a reference ESME (only items the model holds)
ESME_ITEMS: Mapping[str, Callable[[ReferenceESME], DataValue]] = {
    "DAT_ACTIVE_IMPORT_REGISTER": lambda m: Quantity(m.register(Register.ACTIVE_IMPORT), "kWh"),
    "DAT_ACTIVE_EXPORT_REGISTER": lambda m: Quantity(m.register(Register.ACTIVE_EXPORT), "kWh"),
    "DAT_REACTIVE_IMPORT_REGISTER": lambda m: Quantity(m.register(Register.REACTIVE_IMPORT), "kvarh"),
    "DAT_REACTIVE_EXPORT_REGISTER": lambda m: Quantity(m.register(Register.REACTIVE_EXPORT), "kvarh"),
    "DAT_ACTIVE_POWER_IMPORT": _power,
    "DAT_METER_BALANCE": lambda m: Quantity(m.balance(), "pence"),
    "DAT_TARIFF_SWITCHING_TABLE": _switches,
    "DAT_EVENT_LOG": _log,
}


class Rig:
    """One reference ESME behind a lock, reset to a fresh device on request.

    ``call`` runs a method of the device interface with codec-encoded arguments and returns the
    codec-encoded result (or an encoded error): the JSON rig protocol is ``{"op": "reset",
    "start": <datetime>}``, ``{"op": "call", "method": name, "args": [...], "kwargs": {...}}``.
    """

    def __init__(self, start: datetime, make: Callable[[datetime], ReferenceESME] = ReferenceESME) -> None:
        self.lock = threading.RLock()
        self.make = make
        self.device = make(start)

    def reset(self, start: datetime) -> None:
        with self.lock:
            self.device = self.make(start)

    def item(self, item_id: str) -> DataValue:
        """The value of data item ``item_id``; KeyError if the model does not hold it."""
        with self.lock:
            return ESME_ITEMS[item_id](self.device)

    def handle(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one rig message (never raises for bad input: the error is the answer)."""
        try:
            if message.get("op") == "reset":
                self.reset(codec.decode(message["start"]))
                return {"ok": True, "device_id": self.device.device_id}
            if message.get("op") == "call":
                return {"ok": True, "result": codec.encode(self._call(message))}
            return {"ok": False, **codec.encode_error(ValueError(f"unknown rig op {message.get('op')!r}"))}
        except Exception as exc:
            return {"ok": False, **codec.encode_error(exc)}

    def _call(self, message: Mapping[str, Any]) -> Any:
        name = str(message.get("method", ""))
        if name.startswith("_") or name not in RIG_METHODS:
            raise ValueError(f"the rig has no method {name!r}")
        args = codec.decode(list(message.get("args", [])))
        kwargs = {str(k): codec.decode(v) for k, v in dict(message.get("kwargs", {})).items()}
        with self.lock:
            member = getattr(self.device, name)
            return member if name == "device_id" else member(*args, **kwargs)


def _interface_members() -> frozenset[str]:
    from .interfaces import ESME

    return frozenset(n for n in dir(ESME) if not n.startswith("_"))


#: the names a rig client may call: exactly the members of the ESME interface
RIG_METHODS: frozenset[str] = _interface_members()
