"""A requirement's own page: its fields and text, then every registered panel.

The traceability panels are registered here (devices, data and protocol objects, models, tests,
links both ways, neighbourhood graph); other features register theirs in :mod:`.panels` and
appear in order among them. The traceability panels are HTML fragments (see
:func:`.panels.html_panel`): reST tables cost docutils far more than the page is worth at
thousands of requirements.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..corpus.load import Corpus
from ..corpus.schema import NEED_TYPES, SECTION_TITLES, Degree, LinkSpec, Requirement
from ..markup.html import Linker, esc, need_link, table
from ..markup.panels import Panel, html_panel, ordered
from ..trace.coverage import requirement_trace
from .trace import carrying_objects, graph_html

_ROLE_UNSAFE = re.compile(r"([\\`<>])")


def req_ref(corpus: Corpus, req_id: str) -> str:
    """reST: a link to a requirement's own page, showing its id and title (for reST panels and pages)."""
    need = corpus.needs.get(req_id)
    title = " ".join(need.title.split()) if need else ""
    text = _ROLE_UNSAFE.sub(r"\\\1", f"{req_id} {title}".strip())
    return f":smets-req:`{text} <{req_id}>`"


def _link_titles() -> dict[str, LinkSpec]:
    specs: dict[str, LinkSpec] = {}
    for need_type in NEED_TYPES:
        specs.update(need_type.links())
    return specs


def _para(text: str) -> str:
    return f"<p>{text}</p>"


@html_panel("trace-devices", "Devices", order=10)
def devices_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    trace = requirement_trace(corpus, req_id)
    rows = []
    for device, degree in trace.devices:
        stated = degree is not Degree.NOT_APPLICABLE or device.id in trace.requirement.not_applicable_for
        label = degree.value if stated else "not applicable (not stated)"
        cell = f"<strong>{label}</strong>" if degree is Degree.MANDATORY else esc(label)
        rows.append([need_link(corpus, linker, device.id, show_title=True), cell])
    return table(["Device", "Degree"], rows, "smets-list") if rows else _para("No devices are defined.")


@html_panel("trace-data", "Data items and protocol objects", order=20)
def data_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    trace = requirement_trace(corpus, req_id)
    if not trace.chain.items:
        return _para(f"{esc(req_id)} uses no data item.")
    rows = []
    for link in trace.chain.items:
        evidence = link.item.mapping_evidence.value if link.item.mapping_evidence else "not stated"
        rows.append(
            [
                need_link(corpus, linker, link.item.id, show_title=True),
                carrying_objects(corpus, linker, link),
                esc(evidence),
            ]
        )
    return table(["Data item", "Protocol objects carrying it", "Mapping evidence"], rows, "smets-list")


def _gap_note(req_id: str, what: str, linker: Linker) -> str:
    return _para(
        f'No {what} {esc(req_id)} yet (a gap: see <a href="{esc(linker.doc("trace/verification"))}">'
        "Reference model and test coverage</a>)."
    )


def _need_list(corpus: Corpus, linker: Linker, entries: list[tuple[str, str | None]]) -> str:
    """A list of linked needs, each with its code reference (module or test) where it has one."""
    items = "".join(
        f"<li>{need_link(corpus, linker, need_id, show_title=True)}"
        + (f": <code>{esc(code)}</code>" if code else "")
        + "</li>"
        for need_id, code in entries
    )
    return f"<ul>{items}</ul>"


@html_panel("trace-models", "Reference models", order=30)
def models_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    models = requirement_trace(corpus, req_id).models
    if not models:
        return _gap_note(req_id, "reference model implements", linker)
    return _need_list(corpus, linker, [(m.id, m.module) for m in models])


@html_panel("trace-tests", "Conformance tests", order=40)
def tests_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    tests = requirement_trace(corpus, req_id).tests
    if not tests:
        return _gap_note(req_id, "conformance test verifies", linker)
    return _need_list(corpus, linker, [(t.id, t.test_ref) for t in tests])


@html_panel("trace-links", "Links", order=50)
def links_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    """Links between this requirement and other needs (besides devices and data), both ways."""
    trace = requirement_trace(corpus, req_id)
    specs = _link_titles()
    rows = [
        [esc(specs[name].outgoing), need_link(corpus, linker, other.id, show_title=True)]
        for name, other in trace.outgoing
    ]
    rows += [
        [esc(specs[name].incoming), need_link(corpus, linker, other.id, show_title=True)]
        for name, other in trace.incoming
    ]
    if not rows:
        return _para("No other need links to or from it.")
    return table(["Link", "Need"], rows, "smets-list")


@html_panel("trace-graph", "Neighbourhood", order=90)
def graph_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    note = _para("Click a node to centre the view on it; double-click (or use its link) to open its page.")
    return note + graph_html(req_id, depth=1, controls=True, height=360)


def _fields(corpus: Corpus, req: Requirement, linker: Linker) -> str:
    rows: list[tuple[str, str]] = [("Clause", esc(req.clause)), ("Need id", f"<code>{esc(req.id)}</code>")]
    rows = rows if req.clause else rows[1:]
    rows.append(("Status", esc(req.status.value if req.status else "not set")))
    if req.section is not None:
        href = linker.doc(f"sections/{req.section.value.lower()}")
        rows.append(
            ("Section", f'<a href="{esc(href)}">{req.section.value}: {esc(SECTION_TITLES[req.section])}</a>')
        )
    rows.append(("Impact class", esc(req.impact.value if req.impact else "not set")))
    if req.introduced:
        rows.append(("Introduced in", esc(req.introduced)))
    if req.applicability_basis:
        rows.append(("Applicability basis", esc(req.applicability_basis)))
    where = corpus.location(req.id)
    card = f"{linker.doc(where.file.rsplit('.', 1)[0])}#{req.id}"
    rows.append(
        ("Written in", f'<code>spec/{esc(where)}</code> (shown <a href="{esc(card)}">in its section</a>)')
    )
    items = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<dl class="smets-fields">{items}</dl>'


def page_body(
    corpus: Corpus, req_id: str, linker: Linker, text: str, panel: Callable[[Panel], str] | None = None
) -> str:
    """The HTML body of ``req/<ID>``: fields, ``text`` (the requirement's text as Sphinx rendered
    it), then every registered panel that has something to show (``panel(item)`` its HTML, when
    given: the preview of ``smets serve`` keeps some from the last build)."""
    req = corpus.needs.get(req_id)
    if not isinstance(req, Requirement):
        return f"<p><em>{esc(req_id)} is not a requirement of this specification.</em></p>"
    out = [_fields(corpus, req, linker), f'<div class="smets-req-text">{text}</div>']
    for item in ordered():
        html = item.html(corpus, req_id, linker) if panel is None else panel(item)
        if html.strip():
            out.append(f'<section id="{esc(item.name)}"><h2>{esc(item.title)}</h2>{html}</section>')
    return "\n".join(out)
