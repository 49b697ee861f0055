"""Gurux objects of the served device, and the class-specific states the core sends for them.

States (``{"state": {...}}`` answers of the core), by interface class:

* 1 Data: ``{"value": number|string, "type": "float64"|"uint32"|"string"|...}``
* 3 Register: ``{"value": int, "type": "uint32"|..., "scaler": int, "unit": int}``
  (unit: the IEC 62056-6-2 unit code)
* 7 Profile generic: ``{"capture": [[class, "obis", attribute], ...], "rows": [[cell, ...], ...]}``;
  a cell ``{"datetime": "ISO 8601 with offset"}`` is a date-time, any other is taken as it is
* 20 Activity calendar: ``{"name": "text", "switches": [["HH:MM:SS", script selector], ...]}``
  (one day profile, id 1, active)
* 112 Credit: ``{"amount": int}`` (current credit amount)

Any other class the library knows is served with the library's default attribute values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gurux_dlms import GXDateTime, GXTime
from gurux_dlms._GXObjectFactory import _GXObjectFactory
from gurux_dlms.enums import DataType, ObjectType
from gurux_dlms.objects import (
    GXDLMSActivityCalendar,
    GXDLMSCaptureObject,
    GXDLMSData,
    GXDLMSDayProfile,
    GXDLMSDayProfileAction,
    GXDLMSProfileGeneric,
    GXDLMSRegister,
)
from gurux_dlms.objects.GXDLMSCredit import GXDLMSCredit
from gurux_dlms.objects.IGXDLMSBase import IGXDLMSBase

from .protocol import logical_name

TYPES = {
    "float64": DataType.FLOAT64,
    "float32": DataType.FLOAT32,
    "uint32": DataType.UINT32,
    "int32": DataType.INT32,
    "uint16": DataType.UINT16,
    "string": DataType.STRING,
    "octets": DataType.OCTET_STRING,
}


def make(class_id: int, obis: str) -> Any:
    """A gurux object of ``class_id`` at ``obis``, or None when the library has no such class."""
    try:
        kind = ObjectType(class_id)
    except ValueError:
        return None
    made = _GXObjectFactory.createObject(kind)
    # a class the library names but does not implement (e.g. 30, data protection) is not served
    if made is None or not isinstance(made, IGXDLMSBase):
        return None
    made.logicalName = logical_name(obis)
    return made


def _datetime(text: str) -> GXDateTime:
    return GXDateTime(datetime.fromisoformat(text))


def _cell(value: Any) -> Any:
    if isinstance(value, dict) and "datetime" in value:
        return _datetime(str(value["datetime"]))
    return value


def _profile(obj: GXDLMSProfileGeneric, state: dict[str, Any]) -> None:
    obj.captureObjects = []
    for class_id, obis, attribute in state.get("capture", []):
        column = make(int(class_id), str(obis))
        if isinstance(column, GXDLMSData) and state.get("rows"):
            sample = state["rows"][0][len(obj.captureObjects)]
            column.setDataType(int(attribute), DataType.STRING if isinstance(sample, str) else DataType.NONE)
        obj.captureObjects.append((column, GXDLMSCaptureObject(int(attribute), 0)))
    obj.buffer = [[_cell(c) for c in row] for row in state.get("rows", [])]
    obj.entriesInUse = len(obj.buffer)
    obj.profileEntries = int(state.get("capacity", len(obj.buffer)))


def _calendar(obj: GXDLMSActivityCalendar, state: dict[str, Any]) -> None:
    actions = []
    for start, selector in state.get("switches", []):
        hour, minute, second = (int(p) for p in str(start).split(":"))
        moment = datetime(2000, 1, 1, hour, minute, second)
        actions.append(GXDLMSDayProfileAction(GXTime(moment), "0.0.10.0.100.255", int(selector)))
    obj.calendarNameActive = str(state.get("name", ""))
    obj.dayProfileTableActive = [GXDLMSDayProfile(1, actions)]


def apply(obj: Any, state: dict[str, Any]) -> None:
    """Set ``obj``'s attributes from the core's ``state`` (see the module docstring)."""
    if isinstance(obj, GXDLMSRegister):  # also Extended/Demand register
        kind = TYPES.get(str(state.get("type", "")), DataType.NONE)
        if kind != DataType.NONE:
            obj.setDataType(2, kind)
        obj.value = state["value"]
        obj.scaler = 10 ** int(state.get("scaler", 0))
        obj.unit = int(state.get("unit", 0))
    elif isinstance(obj, GXDLMSData):
        kind = TYPES.get(str(state.get("type", "")), DataType.NONE)
        if kind != DataType.NONE:
            obj.setDataType(2, kind)
        obj.value = state["value"]
    elif isinstance(obj, GXDLMSProfileGeneric):
        _profile(obj, state)
    elif isinstance(obj, GXDLMSActivityCalendar):
        _calendar(obj, state)
    elif isinstance(obj, GXDLMSCredit):
        obj.currentCreditAmount = int(state["amount"])
