"""Every protocol object of the spec checked against the catalogues, with file:line errors.

DLMS/COSEM: the OBIS code must match a row of gurux-dlms's OBISCodes.txt that allows the
object's interface class, or lie in a country- or manufacturer-specific range that the object
declares (``:obis_range:``). ZigBee SE: the cluster and attribute must exist in zigpy with the
name and type the object gives. Units: a data item's unit must agree with the quantity the
catalogue gives its object (and with ``:scaler_unit:``), or with a ZigBee UnitOfMeasure value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.load import Corpus
from ..corpus.schema import DataItem, DataType, ObisRange, Protocol, ProtocolObject
from .catalogue import DlmsCatalogue, ObisAnswer, ZclAttribute, ZigbeeCatalogue
from .quantities import of_obis, split_unit

#: data item unit -> the word a zigpy UnitOfMeasure value name starts with
ZCL_UNIT_WORDS: dict[str, str] = {"kWh": "Kwh", "m3": "Cubic_Meter", "kvarh": "Kvar", "MJ": "Mega_Joule"}


@dataclass(frozen=True)
class Finding:
    """What the catalogue says about one protocol object (shown on the assessment page)."""

    po_id: str
    protocol: str
    status: str  # "ok", "error", "range", "unchecked"
    says: str


def hex_id(text: str | None) -> int | None:
    """``0x0702`` -> 0x702; None for anything else (the attribute field also holds DLMS indexes)."""
    if text is None or not re.fullmatch(r"0x[0-9A-Fa-f]{4}", text.strip()):
        return None
    return int(text.strip(), 16)


def _attribute(zigbee: ZigbeeCatalogue, obj: ProtocolObject) -> ZclAttribute | None:
    cid, aid = hex_id(obj.cluster), hex_id(obj.attribute)
    cluster = zigbee.clusters.get(cid) if cid is not None else None
    return cluster.attributes.get(aid) if cluster is not None and aid is not None else None


def _diag(where: Location, sev: Severity, msg: str, rule: Rule, fix: str | None = None) -> Diagnostic:
    return Diagnostic(where, sev, msg, rule, fix)


def _refused(
    obj: ProtocolObject,
    protocol: str,
    diagnostic: tuple[Location, str, Rule, str],
    says: str | None = None,
) -> tuple[Finding, list[Diagnostic]]:
    """An error finding and its diagnostic (where, message, rule, fix); the finding says ``says``
    when given, else the message."""
    where, msg, rule, fix = diagnostic
    return Finding(obj.id, protocol, "error", says or msg), [_diag(where, Severity.ERROR, msg, rule, fix)]


def _rows(answer: ObisAnswer) -> str:
    return "; ".join(
        f"pattern {r.pattern} allows classes {r.classes} ('{r.description}')" for r in answer.any_class[:3]
    )


def check_dlms(corpus: Corpus, obj: ProtocolObject, cat: DlmsCatalogue) -> tuple[Finding, list[Diagnostic]]:
    assert obj.obis is not None and obj.interface_class is not None
    at = corpus.location(obj.id, "obis")
    answer = cat.answers.get((obj.obis, obj.interface_class))
    if answer is None:
        msg = f"OBIS code {obj.obis} of '{obj.id}' has a value group outside 0..255"
        fix = "each of A, B, C, D, E and F is one byte (0..255)"
        return _refused(obj, "dlms-cosem", (at, msg, Rule.PROTOCOL_OBIS, fix))
    ic = obj.interface_class
    standard = [r for r in answer.with_class if not r.open_range]
    ranges = [r for r in answer.with_class if r.open_range]
    if standard:
        row = standard[0]
        says = f"{row.description}; pattern {row.pattern}, classes {row.classes} ({cat.class_name(ic)})"
        return Finding(obj.id, "dlms-cosem", "ok", says), _naming_note(corpus, obj, row.description, cat)
    if ranges:
        row = ranges[0]
        kind = "manufacturer-specific" if "Manufacturer" in row.description else "country-specific"
        says = (
            f"{row.description} ({kind} range, pattern {row.pattern}); "
            f"class {ic} not checked by the catalogue"
        )
        if obj.obis_range in (ObisRange.COUNTRY_SPECIFIC, ObisRange.MANUFACTURER_SPECIFIC):
            return Finding(obj.id, "dlms-cosem", "range", says), []
        msg = f"OBIS code {obj.obis} of '{obj.id}' is in a {kind} range per {cat.cite}: {row.description}"
        fix = f"declare ':obis_range: {kind}' (with its source)"
        return _refused(obj, "dlms-cosem", (at, msg, Rule.PROTOCOL_RANGE, fix), says)
    if answer.any_class:
        at = corpus.location(obj.id, "interface_class")
        msg = (
            f"interface class {ic} ({cat.class_name(ic)}) is not allowed "
            f"for OBIS code {obj.obis} of '{obj.id}'; "
            f"{cat.cite} says: {_rows(answer)}"
        )
        fix = "use a class the pattern allows, or correct the OBIS code from the cited source"
        return _refused(obj, "dlms-cosem", (at, msg, Rule.PROTOCOL_CLASS, fix))
    msg = f"OBIS code {obj.obis} of '{obj.id}' matches no pattern of {cat.cite} (IEC 62056-6-1 object list)"
    fix = (
        "correct the code from the cited source, or declare "
        "':obis_range:' if the standard leaves the range open"
    )
    return _refused(obj, "dlms-cosem", (at, msg, Rule.PROTOCOL_OBIS, fix))


def _naming_note(
    corpus: Corpus, obj: ProtocolObject, description: str, cat: DlmsCatalogue
) -> list[Diagnostic]:
    """A note when the title shares no word with the catalogue's name for the code or its class
    (a GB name for a standard object, or a mapping worth a second look)."""
    title = set(re.findall(r"[a-z]+", obj.title.split("(")[0].lower()))
    name = cat.class_name(obj.interface_class or 0)
    catalogue = set(re.findall(r"[a-z]+", f"{description} {name}".lower()))
    if title & catalogue:
        return []
    msg = (
        f"'{obj.id}' is titled '{obj.title}', but {cat.cite} names {obj.obis} "
        f"'{description}' and class {obj.interface_class} '{name}'"
    )
    fix = "check the mapping, or keep the GB name and say so in the content"
    return [_diag(corpus.location(obj.id), Severity.NOTE, msg, Rule.PROTOCOL_CATALOGUE, fix)]


def check_zigbee(
    corpus: Corpus, obj: ProtocolObject, cat: ZigbeeCatalogue
) -> tuple[Finding, list[Diagnostic]]:
    assert obj.cluster is not None and obj.attribute is not None
    cid, aid = hex_id(obj.cluster), hex_id(obj.attribute)
    if aid is None or cid is None:
        msg = f"ZigBee attribute '{obj.attribute}' of '{obj.id}' is not an id of the form 0xNNNN"
        where = corpus.location(obj.id, "attribute")
        return _refused(obj, "zigbee-se", (where, msg, Rule.PROTOCOL_ZIGBEE, "write 0xNNNN"))
    cluster = cat.clusters.get(cid)
    at = corpus.location(obj.id, "attribute")
    if cluster is None:
        msg = f"cluster {obj.cluster} of '{obj.id}' is not a ZigBee cluster known to {cat.cite}"
        where = corpus.location(obj.id, "cluster")
        return _refused(obj, "zigbee-se", (where, msg, Rule.PROTOCOL_ZIGBEE, "correct the cluster id"))
    if not cluster.attributes:
        says = (
            f"{cat.cite} defines cluster {cluster.name} ({obj.cluster}) "
            "with no attributes: attribute not checked"
        )
        return Finding(obj.id, "zigbee-se", "unchecked", says), [
            _diag(at, Severity.NOTE, f"'{obj.id}': {says}", Rule.PROTOCOL_CATALOGUE)
        ]
    attr = cluster.attributes.get(aid)
    named = next((a for a in cluster.attributes.values() if a.name == obj.zcl_name), None)
    if attr is None:
        hint = f"; '{obj.zcl_name}' is 0x{named.id:04X}" if named else ""
        msg = (
            f"attribute {obj.attribute} of '{obj.id}' is not in cluster "
            f"{cluster.name} ({obj.cluster}) per {cat.cite}{hint}"
        )
        return _refused(obj, "zigbee-se", (at, msg, Rule.PROTOCOL_ZIGBEE, "correct the attribute id"))
    says = f"{cluster.name} attribute {attr.name} ({attr.type}, {attr.access})"
    problems = []
    if obj.zcl_name and obj.zcl_name != attr.name:
        hint = f"; '{obj.zcl_name}' is 0x{named.id:04X}" if named else ""
        problems.append(
            f"{cat.cite} names attribute {obj.attribute} '{attr.name}', not '{obj.zcl_name}'{hint}"
        )
    if obj.zcl_type and obj.zcl_type != attr.type:
        problems.append(f"{cat.cite} types attribute {obj.attribute} '{attr.type}', not '{obj.zcl_type}'")
    if problems:
        msg = f"'{obj.id}': " + "; ".join(problems)
        fix = "correct the attribute id, name or type from the catalogue"
        return _refused(obj, "zigbee-se", (at, msg, Rule.PROTOCOL_ZIGBEE, fix))
    return Finding(obj.id, "zigbee-se", "ok", says), []


#: data item type -> the ZCL data type name prefixes that can carry it
ZCL_TYPES: dict[DataType, tuple[str, ...]] = {
    DataType.INTEGER: ("uint", "int"),
    DataType.DECIMAL: ("uint", "int", "single", "double", "semi"),  # with Multiplier/Divisor
    DataType.STRING: ("octstr", "string", "LimitedLVBytes", "LVBytes"),
    DataType.ENUMERATION: ("enum", "map", "bitmap"),
    DataType.BOOLEAN: ("bool",),
    DataType.TIMESTAMP: ("UTC", "uint32", "date", "ToD"),
}
#: attributes that qualify a value (its unit or scaling) rather than carry it: no type check
ZCL_QUALIFIERS = ("unit_of_measure", "multiplier", "divisor", "summation_formatting", "demand_formatting")
#: data item type -> DLMS/COSEM interface classes that carry such a value (class 1, data, carries any)
DLMS_CLASSES: dict[DataType, frozenset[int]] = {
    DataType.INTEGER: frozenset({1, 3, 4, 5}),
    DataType.DECIMAL: frozenset({1, 3, 4, 5}),
    DataType.PROFILE: frozenset({7}),
    DataType.LOG: frozenset({7}),
    DataType.TIMESTAMP: frozenset({1, 8}),
}


def _type_problem(item: DataItem, obj: ProtocolObject, zigbee: ZigbeeCatalogue | None) -> str | None:
    """A data item's type against the ZCL type of its attribute, or the class of its DLMS object."""
    if item.data_type is None:
        return None
    if obj.protocol is Protocol.ZIGBEE_SE and zigbee is not None and obj.cluster and obj.attribute:
        attr = _attribute(zigbee, obj)
        prefixes = ZCL_TYPES.get(item.data_type)
        if attr is None or prefixes is None or attr.name in ZCL_QUALIFIERS:
            return None
        if not attr.type.startswith(prefixes):
            return (
                f"type {item.data_type.value}, but {zigbee.cite} types {obj.id} ({attr.name}) as {attr.type}"
            )
    classes = DLMS_CLASSES.get(item.data_type)
    if obj.protocol is Protocol.DLMS_COSEM and obj.interface_class is not None and classes:
        known = {1, 3, 4, 5, 7, 8}
        if obj.interface_class in known and obj.interface_class not in classes:
            return f"type {item.data_type.value}, but {obj.id} is interface class {obj.interface_class}"
    return None


def check_types(corpus: Corpus, zigbee: ZigbeeCatalogue | None) -> Iterator[Diagnostic]:
    """A data item's type against each object it maps to (value objects; qualifiers skipped)."""
    for item in corpus.of_type(DataItem):
        for po_id in item.maps_to:
            obj = corpus.needs.get(po_id)
            problem = _type_problem(item, obj, zigbee) if isinstance(obj, ProtocolObject) else None
            if problem:
                yield _diag(
                    corpus.location(item.id, "data_type"),
                    Severity.ERROR,
                    f"data item '{item.id}': {problem}",
                    Rule.PROTOCOL_TYPE,
                    "correct the data type or the mapping, or state the conversion in the item",
                )


def check_units(
    corpus: Corpus, dlms: DlmsCatalogue | None, zigbee: ZigbeeCatalogue | None
) -> Iterator[Diagnostic]:
    """A data item's unit against the quantity, scaler_unit or UnitOfMeasure of the objects it maps to."""
    for item in corpus.of_type(DataItem):
        for po_id in item.maps_to:
            obj = corpus.needs.get(po_id)
            if isinstance(obj, ProtocolObject) and item.unit:
                problem = _unit_problem(item, obj, dlms, zigbee)
                if problem:
                    yield _diag(
                        corpus.location(item.id, "unit"),
                        Severity.ERROR,
                        f"data item '{item.id}': {problem}",
                        Rule.PROTOCOL_UNIT,
                        "correct the unit or the mapping, or state the conversion in the item",
                    )


def _unit_problem(
    item: DataItem, obj: ProtocolObject, dlms: DlmsCatalogue | None, zigbee: ZigbeeCatalogue | None
) -> str | None:
    unit = item.unit or ""
    if obj.protocol is Protocol.DLMS_COSEM and obj.scaler_unit:
        scaler, base = (p.strip() for p in obj.scaler_unit.split(",", 1))
        if split_unit(unit) != (int(scaler), base):
            return (
                f"unit {unit} does not agree with {obj.id} scaler_unit "
                f"'{obj.scaler_unit}' (10^{scaler} {base})"
            )
    if (
        obj.protocol is Protocol.DLMS_COSEM
        and dlms is not None
        and obj.obis
        and obj.interface_class is not None
    ):
        answer = dlms.answers.get((obj.obis, obj.interface_class))
        got = next((q for r in (answer.with_class if answer else ()) if (q := of_obis(r.description))), None)
        split = split_unit(unit)
        if got is not None and got.unit and (split is None or split[1] != got.unit):
            return (
                f"unit {unit}, but {dlms.cite} describes {obj.obis} "
                f"({obj.id}) as {got.words()}, unit {got.unit}"
            )
    if obj.protocol is Protocol.ZIGBEE_SE and zigbee is not None and obj.cluster and obj.attribute:
        attr = _attribute(zigbee, obj)
        cluster = zigbee.clusters.get(hex_id(obj.cluster) or 0)
        if attr is not None and attr.name == "unit_of_measure":
            word = ZCL_UNIT_WORDS.get(unit)
            if word is None or not any(v.startswith(word) for v in attr.values):
                name = cluster.name if cluster else ""
                return f"unit {unit} is not a value of {name} UnitOfMeasure per {zigbee.cite}"
    return None
