"""Site page content computed from the corpus, as reStructuredText text.

Each function takes the corpus and the directive's arguments (and, for the large tables, a
:class:`~.html.Linker`) and returns text; the Sphinx directives of the same names parse it in
place. Large tables are HTML fragments in a raw block: docutils parses a reST table of
thousands of rows far more slowly than the page is worth.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from ..corpus.load import Corpus
from ..corpus.schema import (
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
from ..markup.html import (
    Linker,
    PageLinks,
    breakable,
    esc,
    need_link,
    raw_block,
    table,
    table_of_rows,
    table_row,
)
from ..markup.rst import escape, heading, list_table
from ..protocols.assess import assessment_of
from ..trace.coverage import bound_by_device, by_degree, index_of, ordered_requirements, protocol_coverage
from ..trace.graph import per_corpus


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


def _reqs_html(
    corpus: Corpus, linker: Linker, reqs: list[Requirement], extra: list[str], cells: Cells
) -> str:
    rows = [[need_link(corpus, linker, r.id), esc(" ".join(r.title.split())), *cells(r)] for r in reqs]
    return table(["Id", "Title", *extra], rows, "smets-list") if rows else "<p>None.</p>"


Cells = Callable[[Requirement], list[str]]


def section_requirements(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """A summary table of one section's requirements with their device degrees."""
    section = Section(args[0]) if args else None
    reqs = [r for r in ordered_requirements(corpus) if r.section == section]
    devices = corpus.of_type(Device)

    def cells(r: Requirement) -> list[str]:
        status, impact = r.status.value if r.status else "", r.impact.value if r.impact else ""
        return [esc(status), esc(impact), esc(_degree_summary(r, devices))]

    intro = (
        "Each id opens the requirement's own page (devices, data items, protocol objects, models, tests "
        "and incoming links); the requirements themselves follow the table. M: mandatory, O: optional.\n\n"
    )
    return intro + raw_block(_reqs_html(corpus, linker, reqs, ["Status", "Impact", "Devices"], cells))


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
    return ", ".join(parts)


def devices_overview(corpus: Corpus, args: list[str]) -> str:
    rows = []
    bound = bound_by_device(corpus)
    for device in corpus.of_type(Device):
        mandatory, optional = len(bound[device.id].mandatory), len(bound[device.id].optional)
        fw = device.firmware_upgradeable
        rows.append(
            [
                f":need:`{escape(device.title)} <{device.id}>`",
                str(mandatory),
                str(optional),
                "unknown" if fw is None else _yes(fw),
            ]
        )
    return list_table(["Device", "Mandatory", "Optional", "Firmware upgradeable"], rows, [52, 14, 14, 20])


def _yes(value: object) -> str:
    text = getattr(value, "value", value)
    return "yes" if text is True else "no" if text is False else str(text)


def device_requirements(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """One device's requirements grouped by degree."""
    device_id = args[0] if args else ""
    out: list[str] = []
    for degree, reqs in by_degree(corpus, device_id).items():  # every requirement, in one group
        out.append(heading(f"{degree.value.capitalize()} ({len(reqs)})", "~"))
        out.append(raw_block(_device_rows_html(corpus, linker, reqs)))
    return "\n".join(out)


@per_corpus
def _device_row_memo(corpus: Corpus) -> dict[str, tuple[str, str]]:
    """Requirement id -> (the href its row was drawn with, the row's ``<tr>``), for this corpus."""
    return {}


_DEVICE_HEADER = ["Id", "Title", "Section"]


def _device_rows_html(corpus: Corpus, linker: Linker, reqs: list[Requirement]) -> str:
    """:func:`_reqs_html` of a device page's rows, each row drawn once per corpus and href: every
    device page lists every requirement, so the pages of one folder share their rows (the row is a
    function of the requirement and its link's href only)."""
    if not reqs:
        return "<p>None.</p>"
    memo = _device_row_memo(corpus)
    body = []
    need, kept_for = linker.need, memo.get
    for r in reqs:
        href = need(r.id)
        kept = kept_for(r.id)
        if kept is None or kept[0] != href:
            cells = [need_link(corpus, linker, r.id), esc(" ".join(r.title.split())), _section_of(r)]
            kept = memo[r.id] = (href, table_row(cells))
        body.append(kept[1])
    return table_of_rows(_DEVICE_HEADER, "".join(body), "smets-list")


def _section_of(r: Requirement) -> str:
    return r.section.value if r.section else ""


def data_catalogue(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """The data catalogue summary: every item, its mapping and who uses it."""
    items = corpus.of_type(DataItem)
    index = index_of(corpus)
    assessed = {a.item_id: a for a in assessment_of(corpus).items}
    links = PageLinks(corpus, linker)
    rows = [
        [
            links(i.id),
            esc(i.title),
            esc(i.data_type.value if i.data_type else ""),
            esc(i.unit or ""),
            ", ".join([links(p) for p in i.maps_to]) or '<span class="smets-gap">unmapped</span>',
            esc(assessed[i.id].kind.value) if i.id in assessed else "",
            ", ".join([links(r) for r in index.sources(i.id, "uses")]),
        ]
        for i in items
    ]
    unmapped = list(protocol_coverage(corpus).none)
    header = ["Id", "Name", "Type", "Unit", "Protocol objects", "Assessment", "Used by"]
    wide = breakable(table(header, rows, "smets-list"))
    text = raw_block(wide.replace('<div class="smets-scroll">', '<div class="smets-scroll smets-wide">', 1))
    text += "\n" + heading(f"Unmapped data items ({len(unmapped)} of {len(items)})", "~")
    text += (
        "Carried by neither a DLMS/COSEM nor a ZigBee SE object (shares per protocol: "
        ":doc:`/trace/protocols`; each item's assessment against the standard protocols: "
        ":doc:`/protocol/assessment`).\n\n"
    )
    listed = " ".join([links(i.id, True) for i in unmapped])
    return text + (raw_block(f'<p class="smets-idlist">{listed}</p>') if unmapped else "None.\n")


def protocol_objects(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """Protocol objects of one protocol (or all), with identity, evidence and what they carry."""
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
        carries = [*index.sources(obj.id, "maps_to"), *index.sources(obj.id, "carried_by")]
        rows.append(
            [
                need_link(corpus, linker, obj.id),
                esc(obj.title),
                esc(identity),
                esc(evidence),
                ", ".join(need_link(corpus, linker, c) for c in carries),
            ]
        )
    if not rows:
        return "None.\n"
    return raw_block(table(["Id", "Object", "Identity", "Evidence", "Carries"], rows, "smets-list"))
