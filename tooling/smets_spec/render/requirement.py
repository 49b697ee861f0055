"""A requirement's own page: its fields and text, then every registered panel.

The traceability panels are registered here (devices, data and protocol objects,
models, tests, related requirements, incoming links, neighbourhood graph); other
features register theirs in :mod:`.panels` and appear in order after them.
"""

from __future__ import annotations

import re

from ..corpus import Corpus
from ..graph import graph_of
from ..schema import NEED_TYPES, SECTION_TITLES, Degree, LinkSpec, Need, Protocol, Requirement
from ..trace import requirement_trace
from .panels import ordered, panel
from .rst import escape, heading, list_table, need_ref
from .trace import graph_view

_ROLE_UNSAFE = re.compile(r"([\\`<>])")


def req_ref(corpus: Corpus, req_id: str) -> str:
    """A link to a requirement's own page, showing its id and title."""
    need = corpus.needs.get(req_id)
    title = " ".join(need.title.split()) if need else ""
    text = _ROLE_UNSAFE.sub(r"\\\1", f"{req_id} {title}".strip())
    return f":doc:`{text} </req/{req_id}>`"


def ref(corpus: Corpus, need: Need) -> str:
    return req_ref(corpus, need.id) if isinstance(need, Requirement) else need_ref(need.id)


def _link_titles() -> dict[str, LinkSpec]:
    specs: dict[str, LinkSpec] = {}
    for need_type in NEED_TYPES:
        specs.update(need_type.links())
    return specs


@panel("trace-devices", "Devices", order=10)
def devices_panel(corpus: Corpus, req_id: str) -> str:
    trace = requirement_trace(corpus, req_id)
    rows = []
    for device, degree in trace.devices:
        stated = degree is not Degree.NOT_APPLICABLE or device.id in trace.requirement.not_applicable_for
        label = degree.value if stated else "not applicable (not stated)"
        rows.append([need_ref(device.id), f"**{label}**" if degree is Degree.MANDATORY else label])
    return list_table(["Device", "Degree"], rows, [60, 40]) or "No devices are defined.\n"


@panel("trace-data", "Data items and protocol objects", order=20)
def data_panel(corpus: Corpus, req_id: str) -> str:
    trace = requirement_trace(corpus, req_id)
    if not trace.chain.items:
        return f"{req_id} uses no data item.\n"
    rows = []
    for link in trace.chain.items:

        def objs(protocol: Protocol, objects: tuple[Need, ...]) -> str:
            return ", ".join(need_ref(o.id) for o in objects if getattr(o, "protocol", None) is protocol)

        dlms, zigbee = objs(Protocol.DLMS_COSEM, link.objects), objs(Protocol.ZIGBEE_SE, link.objects)
        gbcs = ", ".join(need_ref(u.id) for u in link.use_cases)
        evidence = link.item.mapping_evidence.value if link.item.mapping_evidence else ""
        rows.append(
            [need_ref(link.item.id), dlms or ("" if zigbee else "**unmapped**"), zigbee, gbcs, evidence]
        )
    return list_table(
        ["Data item", "DLMS/COSEM", "ZigBee SE", "GBCS use cases", "Evidence"], rows, [28, 22, 22, 16, 12]
    )


@panel("trace-models", "Reference models", order=30)
def models_panel(corpus: Corpus, req_id: str) -> str:
    models = requirement_trace(corpus, req_id).models
    if not models:
        return f"No reference model implements {req_id} yet (a gap: see :doc:`/trace/verification`).\n"
    return "\n".join(f"* {need_ref(m.id)}" + (f": ``{m.module}``" if m.module else "") for m in models) + "\n"


@panel("trace-tests", "Conformance tests", order=40)
def tests_panel(corpus: Corpus, req_id: str) -> str:
    tests = requirement_trace(corpus, req_id).tests
    if not tests:
        return f"No conformance test verifies {req_id} yet (a gap: see :doc:`/trace/verification`).\n"
    return (
        "\n".join(f"* {need_ref(t.id)}" + (f": ``{t.test_ref}``" if t.test_ref else "") for t in tests) + "\n"
    )


@panel("trace-links", "Links", order=50)
def links_panel(corpus: Corpus, req_id: str) -> str:
    """Links between this requirement and other needs (besides devices and data), both ways."""
    trace = requirement_trace(corpus, req_id)
    specs = _link_titles()
    rows = [[escape(specs[name].outgoing), ref(corpus, other)] for name, other in trace.outgoing]
    rows += [[escape(specs[name].incoming), ref(corpus, other)] for name, other in trace.incoming]
    if not rows:
        return "No other need links to or from it.\n"
    return list_table(["Link", "Need"], rows, [30, 70])


@panel("trace-graph", "Neighbourhood", order=90)
def graph_panel(corpus: Corpus, req_id: str) -> str:
    size = len(graph_of(corpus).nodes)
    note = "Click a node to centre the view on it; double-click (or use its link) to open its page.\n\n"
    return note + graph_view(req_id, depth=1, controls=True, height=360 if size else 200)


def _fields(corpus: Corpus, req: Requirement) -> str:
    rows: list[tuple[str, str]] = [("Status", req.status.value if req.status else "not set")]
    if req.section is not None:
        rows.append(
            (
                "Section",
                f":doc:`{req.section.value}: {escape(SECTION_TITLES[req.section])} "
                f"</sections/{req.section.value.lower()}>`",
            )
        )
    rows.append(("Impact class", req.impact.value if req.impact else "not set"))
    if req.introduced:
        rows.append(("Introduced in", escape(req.introduced)))
    if req.applicability_basis:
        rows.append(("Applicability basis", escape(req.applicability_basis)))
    where = corpus.location(req.id)
    rows.append(("Written in", f"``spec/{where}`` (shown at {need_ref(req.id)})"))
    return "\n".join(f":{name}: {value}" for name, value in rows) + "\n"


def requirement_page(corpus: Corpus, args: list[str]) -> str:
    """The body of ``req/<ID>``: fields, text, then every registered panel that has something to show."""
    req_id = args[0] if args else ""
    req = corpus.needs.get(req_id)
    if not isinstance(req, Requirement):
        return f"*{escape(req_id)} is not a requirement of this specification.*\n"
    fields = "\n".join("   " + line if line else "" for line in _fields(corpus, req).splitlines())
    out = [".. container:: smets-fields\n", fields, "", ".. container:: smets-req-text\n"]
    out.append(
        "\n".join("   " + line if line.strip() else "" for line in (req.content or "(no text)").splitlines())
    )
    out.append("")
    for item in ordered():
        text = item.render(corpus, req_id)
        if text.strip():
            out.append(heading(item.title))
            out.append(text)
    return "\n".join(out) + "\n"
