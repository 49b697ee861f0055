"""Site page content computed from the corpus, as reStructuredText text.

Each function takes the corpus and the directive's arguments and returns text;
the Sphinx directives of the same names parse it in place.
"""

from __future__ import annotations

from collections import Counter

from ..corpus import Corpus
from ..schema import (
    SECTION_TITLES,
    DataItem,
    Degree,
    Device,
    Evidence,
    Protocol,
    ProtocolObject,
    Requirement,
    Section,
)
from ..trace import index_of, ordered_requirements, protocol_coverage
from .rst import bullet, escape, heading, list_table


def _section_doc(section: Section) -> str:
    return f"/sections/{section.value.lower()}"


def sections_overview(corpus: Corpus, args: list[str]) -> str:
    """A table of every section with its requirement count and link."""
    counts = Counter(r.section for r in corpus.requirements)
    rows = [
        [f":doc:`{section.value} <{_section_doc(section)}>`", escape(title), str(counts.get(section, 0))]
        for section, title in SECTION_TITLES.items()
        if counts.get(section)
    ]
    return list_table(["Section", "Title", "Requirements"], rows, [10, 70, 20])


def _req_link(req_id: str) -> str:
    return f":doc:`{req_id} </req/{req_id}>`"


def section_requirements(corpus: Corpus, args: list[str]) -> str:
    """A summary table of one section's requirements with their device degrees."""
    section = Section(args[0]) if args else None
    reqs = [r for r in ordered_requirements(corpus) if r.section == section]
    devices = corpus.of_type(Device)
    rows = [
        [
            _req_link(r.id),
            escape(r.title),
            r.status.value if r.status else "",
            r.impact.value if r.impact else "",
            _degree_summary(r, devices),
        ]
        for r in reqs
    ]
    intro = (
        "Each id opens the requirement's own page (devices, data items, protocol objects, models, tests "
        "and incoming links); the requirements themselves follow the table. "
        "M: mandatory, O: optional.\n\n"
    )
    return intro + list_table(["Id", "Title", "Status", "Impact", "Devices"], rows, [10, 44, 11, 12, 23])


def _short(device: Device) -> str:
    return device.id.removeprefix(Device.prefix)


def _degree_summary(req: Requirement, devices: list[Device]) -> str:
    parts = []
    for device in devices:
        degree = req.degree_for(device.id)
        if degree is Degree.MANDATORY:
            parts.append(f"{_short(device)} (M)")
        elif degree is Degree.OPTIONAL:
            parts.append(f"{_short(device)} (O)")
    return escape(", ".join(parts))


def devices_overview(corpus: Corpus, args: list[str]) -> str:
    rows = []
    reqs = corpus.requirements
    for device in corpus.of_type(Device):
        mandatory = sum(1 for r in reqs if r.degree_for(device.id) is Degree.MANDATORY)
        optional = sum(1 for r in reqs if r.degree_for(device.id) is Degree.OPTIONAL)
        rows.append(
            [
                f":need:`{escape(device.title)} <{device.id}>`",
                str(mandatory),
                str(optional),
                "yes" if device.firmware_upgradeable else "no",
            ]
        )
    return list_table(["Device", "Mandatory", "Optional", "Firmware upgradeable"], rows, [52, 14, 14, 20])


def device_requirements(corpus: Corpus, args: list[str]) -> str:
    """One device's requirements grouped by degree."""
    device_id = args[0] if args else ""
    out: list[str] = []
    for degree in Degree:
        reqs = [r for r in ordered_requirements(corpus) if r.degree_for(device_id) is degree]
        out.append(heading(f"{degree.value.capitalize()} ({len(reqs)})", "~"))
        rows = [[_req_link(r.id), escape(r.title), r.section.value if r.section else ""] for r in reqs]
        out.append(list_table(["Id", "Title", "Section"], rows, [12, 76, 12]) or "None.\n")
    return "\n".join(out)


def data_catalogue(corpus: Corpus, args: list[str]) -> str:
    """The data catalogue summary: every item, its mapping and who uses it."""
    items = corpus.of_type(DataItem)
    users: dict[str, list[str]] = {}
    for req in corpus.requirements:
        for item in req.uses:
            users.setdefault(item, []).append(req.id)
    rows = [
        [
            f":need:`{i.id} <{i.id}>`",
            escape(i.title),
            i.data_type.value if i.data_type else "",
            escape(i.unit or ""),
            ", ".join(f":need:`{p} <{p}>`" for p in i.maps_to) or "**unmapped**",
            ", ".join(_req_link(r) for r in users.get(i.id, [])),
        ]
        for i in items
    ]
    unmapped = list(protocol_coverage(corpus).none)
    text = list_table(
        ["Id", "Name", "Type", "Unit", "Protocol objects", "Used by"], rows, [14, 24, 10, 8, 22, 22]
    )
    text += "\n" + heading(f"Unmapped data items ({len(unmapped)} of {len(items)})", "~")
    text += (
        "Carried by neither a DLMS/COSEM nor a ZigBee SE object (shares per protocol: "
        ":doc:`/trace/protocols`).\n\n"
    )
    text += bullet([f":need:`{i.id} <{i.id}>`: {escape(i.title)}" for i in unmapped]) or "None.\n"
    return text


def protocol_objects(corpus: Corpus, args: list[str]) -> str:
    """Protocol objects of one protocol (or all), with identity and evidence."""
    wanted = Protocol(args[0]) if args else None
    objects = [o for o in corpus.of_type(ProtocolObject) if wanted is None or o.protocol == wanted]
    index = index_of(corpus)
    rows = []
    for obj in objects:
        identity = ", ".join(
            part
            for part in (
                f"class {obj.interface_class}" if obj.interface_class is not None else "",
                f"OBIS {obj.obis}" if obj.obis else "",
                f"cluster {obj.cluster}" if obj.cluster else "",
                f"attribute {obj.attribute}" if obj.attribute else "",
                f"method {obj.method}" if obj.method else "",
                f"use case {obj.use_case}" if obj.use_case else "",
                f"message {obj.message_code}" if obj.message_code else "",
            )
            if part
        )
        evidence = obj.evidence.value if obj.evidence else Evidence.SECONDARY.value
        carries = ", ".join(f":need:`{i} <{i}>`" for i in index.sources(obj.id, "maps_to"))
        carries += ", ".join(f":need:`{o} <{o}>`" for o in index.sources(obj.id, "carried_by"))
        rows.append([f":need:`{obj.id} <{obj.id}>`", escape(obj.title), escape(identity), evidence, carries])
    return list_table(["Id", "Object", "Identity", "Evidence", "Carries"], rows, [18, 24, 26, 10, 22])
