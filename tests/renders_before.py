"""The computed pages' renderers as they were before their speed-ups (2026-12-07, helper bigpages:
render/trace.py's matrix, chains and verification pages, render/pages.py's data catalogue),
frozen here so that tests/test_page_renders_same.py can compare the renderers of today with them
byte for byte. Not to be changed with the renderers: a page whose output is meant to change
updates this copy in the same commit, on purpose."""

from __future__ import annotations

import re
from collections import Counter

from smets_spec.change.changelog import gap_finders
from smets_spec.conformance.pages import statuses
from smets_spec.conformance.results import Status
from smets_spec.corpus.load import Corpus
from smets_spec.corpus.schema import SECTION_TITLES, DataItem, Degree, Device, Requirement, Section
from smets_spec.markup.html import Linker, esc, need_link, percent, raw_block, table
from smets_spec.markup.rst import escape, heading, list_table
from smets_spec.protocols.assess import assessment_of
from smets_spec.render import trace
from smets_spec.render.pages import _reqs_html, _yes
from smets_spec.trace.coverage import (
    Chain,
    GroupCoverage,
    ItemChain,
    _group,
    chains,
    degree_matrix,
    devices_of,
    index_of,
    ordered_requirements,
    protocol_coverage,
    requirements_of,
    verification,
)
from smets_spec.trace.gaps import Gap, Level, Policy, find_gaps


def breakable(html: str) -> str:
    return re.sub(
        r">([A-Z][A-Z0-9_.]*_[A-Z0-9_.]+)</a>", lambda m: ">" + m[1].replace("_", "_<wbr>") + "</a>", html
    )


def _req_cell(corpus: Corpus, linker: Linker, req: Requirement) -> str:
    link = need_link(corpus, linker, req.id)
    return f'<th scope="row">{link}</th><td class="smets-req-title">{esc(req.title)}</td>'


def _matrix_cell(req: Requirement, device_id: str) -> str:
    degree = req.degree_for(device_id)
    if degree in trace._DEGREE_CELL:
        text, cls = trace._DEGREE_CELL[degree]
        return f'<td class="{cls}" title="{degree.value}">{text}</td>'
    if device_id in req.not_applicable_for:
        return '<td class="smets-na" title="not applicable (stated)">n/a</td>'
    return '<td class="smets-blank" title="not applicable (not stated)"></td>'


def matrix(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """Requirement × device matrix of degrees, with a section filter and per-device totals."""
    section = Section(args[0]) if args else None
    m = degree_matrix(corpus, section)
    reqs = [r for r, _ in m.rows]
    head = "".join(
        f'<th scope="col" title="{esc(d.title)}"><a href="{esc(linker.need(d.id))}">'
        f"{esc(d.id.removeprefix('DEV_'))}</a></th>"
        for d in m.devices
    )
    body: list[str] = []
    current: Section | None = None
    for req in reqs:
        if req.section != current and req.section is not None:
            current = req.section
            body.append(
                f'<tr class="smets-group" data-section="{current.value}"><th colspan="{len(m.devices) + 2}">'
                f"{current.value}: {esc(SECTION_TITLES[current])}</th></tr>"
            )
        cells = "".join(_matrix_cell(req, d.id) for d in m.devices)
        sec = req.section.value if req.section else ""
        body.append(f'<tr data-section="{sec}">{_req_cell(corpus, linker, req)}{cells}</tr>')
    totals = "".join(
        f"<td>{m.count(d.id, Degree.MANDATORY)} M<br>{m.count(d.id, Degree.OPTIONAL)} O</td>"
        for d in m.devices
    )
    html = (
        trace._section_filter(trace._sections_of(reqs), "smets-matrix")
        + trace._WIDE
        + '<table id="smets-matrix" class="smets-matrix smets-filterable">'
        + f'<thead><tr><th scope="col">Requirement</th><th scope="col">Title</th>{head}</tr></thead>'
        + f'<tbody>{"".join(body)}</tbody><tfoot><tr><th colspan="2">All {len(reqs)} requirements</th>'
        + f"{totals}</tr></tfoot></table></div>"
    )
    legend = (
        "**M** mandatory · **O** optional · **n/a** stated as not applicable · blank: not stated "
        "(not applicable). Click a requirement for its own page, a device for its page.\n\n"
    )
    return legend + raw_block(html)


def carrying_objects(corpus: Corpus, linker: Linker, link: ItemChain) -> str:
    """One line per carrying object, labelled with its protocol; GBCS use cases last."""
    lines = [
        f'<span class="smets-obj"><span class="smets-proto">{trace._PROTOCOL_LABEL[o.protocol]}</span> '
        f"{need_link(corpus, linker, o.id, show_title=True)}</span>"
        for o in (*link.objects, *link.use_cases)
        if o.protocol is not None
    ]
    if not link.carried:
        lines.insert(0, '<span class="smets-gap">unmapped</span>')
    return "".join(lines)


def _item_cells(corpus: Corpus, linker: Linker, link: ItemChain) -> str:
    item = link.item
    evidence = item.mapping_evidence.value if item.mapping_evidence else "not stated"
    return (
        f"<td>{need_link(corpus, linker, item.id, show_title=True)}"
        f'<br><span class="smets-evidence">mapping evidence: {esc(evidence)}</span></td>'
        f"<td>{carrying_objects(corpus, linker, link)}</td>"
    )


def _chain_rows(corpus: Corpus, linker: Linker, chain: Chain) -> list[str]:
    req = chain.requirement
    sec = req.section.value if req.section else ""
    span = max(len(chain.items), 1)
    first = f'<th scope="row" rowspan="{span}">{need_link(corpus, linker, req.id, show_title=True)}</th>'
    if not chain.items:
        return [
            f'<tr data-section="{sec}">{first}<td colspan="2" class="smets-none">uses no data item</td></tr>'
        ]
    rows = []
    for n, link in enumerate(chain.items):
        rows.append(
            f'<tr data-section="{sec}">{first if n == 0 else ""}{_item_cells(corpus, linker, link)}</tr>'
        )
    return rows


def chain_table(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """requirement → data item → protocol object, one row per data item used."""
    all_chains = [
        c
        for c in chains(corpus)
        if not args or (c.requirement.section and c.requirement.section.value == args[0])
    ]
    with_data = [c for c in all_chains if c.items]
    carried = [c for c in with_data if c.carried]
    rows = [row for c in all_chains for row in _chain_rows(corpus, linker, c)]
    head = "".join(
        f'<th scope="col">{h}</th>' for h in ("Requirement", "Data item", "Protocol objects carrying it")
    )
    html = (
        trace._section_filter(trace._sections_of([c.requirement for c in all_chains]), "smets-chains")
        + trace._WIDE
        + '<table id="smets-chains" class="smets-chains smets-filterable">'
        + f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    summary = (
        f"{len(with_data)} of {len(all_chains)} requirements use data items; the data of "
        f"{len(carried)} of them is wholly carried by DLMS/COSEM or ZigBee SE objects "
        f"({percent(len(carried), len(with_data))}).\n\n"
    )
    return summary + raw_block(html)


def verification_page(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """requirement → reference model and → test, with the requirements that have none."""
    ver = verification(corpus)
    reqs = list(ver.requirements)
    no_model, no_test = ver.without_model, ver.without_test
    figures = [
        [
            "Implemented by a reference model",
            str(len(reqs) - len(no_model)),
            percent(len(reqs) - len(no_model), len(reqs)),
        ],
        [
            "Verified by a conformance test",
            str(len(reqs) - len(no_test)),
            percent(len(reqs) - len(no_test), len(reqs)),
        ],
    ]
    rows = []
    for req in reqs:
        models = "<br>".join(need_link(corpus, linker, m, show_title=True) for m in ver.models[req.id])
        tests = "<br>".join(need_link(corpus, linker, t, show_title=True) for t in ver.tests[req.id])
        none = '<span class="smets-gap">none</span>'
        sec = req.section.value if req.section else ""
        rows.append(
            f'<tr data-section="{sec}">{_req_cell(corpus, linker, req)}'
            f"<td>{models or none}</td><td>{tests or none}</td></tr>"
        )
    html = (
        trace._section_filter(trace._sections_of(reqs), "smets-verification")
        + trace._WIDE
        + '<table id="smets-verification" class="smets-filterable smets-list">'
        + "<thead><tr><th>Requirement</th><th>Title</th><th>Reference models</th><th>Conformance tests</th>"
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    out = [
        list_table(["Requirements", "Count", "Share"], figures),
        heading(f"Requirements without a reference model ({len(no_model)})"),
        _id_list(corpus, linker, no_model),
        heading(f"Requirements without a conformance test ({len(no_test)})"),
        _id_list(corpus, linker, no_test),
        heading("All requirements"),
        raw_block(html),
    ]
    return "\n".join(out)


def _id_list(corpus: Corpus, linker: Linker, reqs: list[Requirement]) -> str:
    if not reqs:
        return "None.\n"
    return raw_block(
        '<p class="smets-idlist">' + " ".join(need_link(corpus, linker, r.id) for r in reqs) + "</p>"
    )


def data_catalogue(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """The data catalogue summary: every item, its mapping and who uses it."""
    items = corpus.of_type(DataItem)
    index = index_of(corpus)
    assessed = {a.item_id: a for a in assessment_of(corpus).items}
    rows = [
        [
            need_link(corpus, linker, i.id),
            esc(i.title),
            esc(i.data_type.value if i.data_type else ""),
            esc(i.unit or ""),
            ", ".join(need_link(corpus, linker, p) for p in i.maps_to)
            or '<span class="smets-gap">unmapped</span>',
            esc(assessed[i.id].kind.value) if i.id in assessed else "",
            ", ".join(need_link(corpus, linker, r) for r in index.sources(i.id, "uses")),
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
    listed = " ".join(need_link(corpus, linker, i.id, show_title=True) for i in unmapped)
    return text + (raw_block(f'<p class="smets-idlist">{listed}</p>') if unmapped else "None.\n")


def devices_overview(corpus: Corpus, args: list[str]) -> str:
    rows = []
    reqs = corpus.requirements
    for device in corpus.of_type(Device):
        mandatory = sum(1 for r in reqs if r.degree_for(device.id) is Degree.MANDATORY)
        optional = sum(1 for r in reqs if r.degree_for(device.id) is Degree.OPTIONAL)
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


def coverage_by_device(corpus: Corpus) -> list[GroupCoverage]:
    ver = verification(corpus)
    rows = []
    requirements = requirements_of(corpus)
    for device in devices_of(corpus):
        reqs = [r for r in requirements if device.id in r.mandatory_for or device.id in r.optional_for]
        rows.append(_group(corpus, device.id, device.title, reqs, ver))
    return rows


def by_section(corpus: Corpus) -> list[tuple[str, Counter[Status]]]:
    found = statuses(corpus)
    groups: list[tuple[str, Counter[Status]]] = []
    for section in SECTION_TITLES:
        reqs = [r for r in corpus.requirements if r.section is section]
        if reqs:
            groups.append((section.value, Counter(found[r.id].status for r in reqs)))
    return groups


def by_device(corpus: Corpus) -> list[tuple[str, Counter[Status]]]:
    found = statuses(corpus)
    return [
        (
            device.id.removeprefix("DEV_"),
            Counter(
                found[r.id].status for r in corpus.requirements if r.degree_for(device.id) is Degree.MANDATORY
            ),
        )
        for device in corpus.of_type(Device)
    ]


def device_requirements(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """A device page as drawn before its rows were shared or grouped once per corpus."""
    device_id = args[0] if args else ""
    out: list[str] = []
    for degree in Degree:
        reqs = [r for r in ordered_requirements(corpus) if r.degree_for(device_id) is degree]
        out.append(heading(f"{degree.value.capitalize()} ({len(reqs)})", "~"))
        cells = lambda r: [r.section.value if r.section else ""]  # noqa: E731
        out.append(raw_block(_reqs_html(corpus, linker, reqs, ["Section"], cells)))
    return "\n".join(out)


def gaps_page(corpus: Corpus, policy: Policy, linker: Linker) -> str:
    found = find_gaps(corpus, policy, gap_finders())
    by_rule: dict[str, list[Gap]] = {}
    for gap in sorted(found, key=lambda g: g.level is not Level.ERROR):
        by_rule.setdefault(gap.rule, []).append(gap)
    errors = sum(1 for g in found if g.level is Level.ERROR)
    out = [
        f"The policy (``{policy.path}``) reports **{errors}** error(s) and **{len(found) - errors}** "
        "warning(s). ``smets check`` prints the same list with file and line.\n"
    ]
    for rule, gaps in by_rule.items():
        out.append(heading(f"{rule} ({len(gaps)}, {gaps[0].level.value})"))
        rows = [
            [
                need_link(corpus, linker, g.need_id) if g.need_id in corpus.needs else esc(g.need_id),
                esc(g.message),
                f"<code>{esc(g.location)}</code>",
            ]
            for g in gaps
        ]
        out.append(raw_block(table(["Item", "Gap", "Where"], rows, "smets-list")))
    return "\n".join(out)
