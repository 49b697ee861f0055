"""JSON form of the values that cross the device interface (:mod:`.interfaces`).

Used by the test-rig channel between a wire target and a golden unit: both ends are this
package, so the codec knows every type the interface uses (enums, frozen dataclasses,
aware datetimes, times, timedeltas, mappings) and refuses anything else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Any

from . import interfaces

#: every enum and dataclass of the interface, by name
TYPES: dict[str, type] = {
    name: obj
    for name, obj in vars(interfaces).items()
    if isinstance(obj, type)
    and (issubclass(obj, Enum) or dataclasses.is_dataclass(obj))
    and obj.__module__ == interfaces.__name__
}
#: exceptions that travel as themselves; anything else arrives as a RuntimeError
EXCEPTIONS: dict[str, type[Exception]] = {
    "Rejected": interfaces.Rejected,
    "ValueError": ValueError,
    "TypeError": TypeError,
    "KeyError": KeyError,
    "NotImplementedError": NotImplementedError,
}


def encode(value: Any) -> Any:
    """``value`` as plain JSON data."""
    if isinstance(value, Enum):
        return {"$enum": type(value).__name__, "v": value.value}
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$seconds": value.total_seconds()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$data": type(value).__name__, "f": fields}
    if isinstance(value, Mapping):
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    raise TypeError(f"cannot send a {type(value).__name__} over the rig channel")


def decode(data: Any) -> Any:
    """The value ``data`` encodes; JSON arrays become tuples (the interface's frozen types use them)."""
    if isinstance(data, list):
        return tuple(decode(v) for v in data)
    if not isinstance(data, dict):
        return data
    if "$enum" in data:
        return _known(data["$enum"])(data["v"])
    if "$datetime" in data:
        return datetime.fromisoformat(str(data["$datetime"]))
    if "$time" in data:
        return time.fromisoformat(str(data["$time"]))
    if "$seconds" in data:
        return timedelta(seconds=float(data["$seconds"]))
    if "$data" in data:
        return _known(data["$data"])(**{k: decode(v) for k, v in dict(data["f"]).items()})
    if "$map" in data:
        return {decode(k): decode(v) for k, v in data["$map"]}
    raise ValueError(f"unknown value form: {sorted(data)}")


def _known(name: Any) -> type:
    found = TYPES.get(str(name))
    if found is None:
        raise ValueError(f"unknown interface type {name!r}")
    return found


def encode_error(exc: Exception) -> dict[str, str]:
    return {"error": type(exc).__name__, "message": str(exc)}


def decode_error(data: Mapping[str, Any]) -> Exception:
    kind = EXCEPTIONS.get(str(data.get("error")), RuntimeError)
    return kind(str(data.get("message", "")))
