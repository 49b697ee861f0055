"""The traceability pages: matrix, chains, protocol coverage, verification coverage, charts, graph view.

Each function returns reStructuredText; large or interactive tables are raw HTML
blocks inside it (see :mod:`.html`). Links go through a :class:`~.html.Linker`.
"""

from __future__ import annotations

from ..change.changelog import gap_finders
from ..corpus.load import Corpus
from ..corpus.schema import SECTION_TITLES, Degree, Protocol, Requirement, Section
from ..markup import svg
from ..markup.html import Linker, PageLinks, esc, need_link, percent, raw_block, table
from ..markup.rst import heading, list_table
from ..trace.coverage import (
    Chain,
    DegreeMatrix,
    GroupCoverage,
    ItemChain,
    chains,
    coverage_by_device,
    coverage_by_section,
    degree_matrix,
    overall,
    protocol_coverage,
    verification,
)
from ..trace.gaps import Gap, Level, Policy, find_gaps

_WIDE = '<div class="smets-scroll smets-wide">'
_DEGREE_CELL = {Degree.MANDATORY: ("M", "smets-m"), Degree.OPTIONAL: ("O", "smets-o")}


def _section_filter(sections: list[Section], target: str) -> str:
    """A section chooser for the table ``target``; hidden until the site's script enables it."""
    options = "".join(
        f'<option value="{s.value}">{s.value}: {esc(SECTION_TITLES[s])}</option>' for s in sections
    )
    return (
        f'<p class="smets-filter" hidden><label>Section: <select data-smets-filter="{target}">'
        f'<option value="">All sections</option>{options}</select></label> '
        f'<span class="smets-filter-count"></span></p>'
    )


def _sections_of(reqs: list[Requirement]) -> list[Section]:
    present = {r.section for r in reqs}
    return [s for s in Section if s in present]


def _req_cells(links: PageLinks, req: Requirement) -> str:
    return f'<th scope="row">{links(req.id)}</th><td class="smets-req-title">{esc(req.title)}</td>'


def _degree_cell(degree: Degree) -> str:
    text, cls = _DEGREE_CELL[degree]
    return f'<td class="{cls}" title="{degree.value}">{text}</td>'


#: a cell of the matrix by degree (not applicable: stated, or not)
_CELLS = {degree: _degree_cell(degree) for degree in _DEGREE_CELL}
_STATED_NA = '<td class="smets-na" title="not applicable (stated)">n/a</td>'
_BLANK = '<td class="smets-blank" title="not applicable (not stated)"></td>'


def _matrix_cells(req: Requirement, device_ids: tuple[str, ...], degrees: tuple[Degree, ...]) -> str:
    """The cells of one row of the matrix: each device's degree (worked out already), or not
    applicable, stated or not."""
    cells = []
    stated = req.not_applicable_for
    for device_id, degree in zip(device_ids, degrees, strict=True):
        cell = _CELLS.get(degree)
        cells.append(cell if cell is not None else _STATED_NA if device_id in stated else _BLANK)
    return "".join(cells)


def _totals(m: DegreeMatrix) -> str:
    """Each device's count of mandatory and optional requirements."""
    return "".join(
        f"<td>{c.count(Degree.MANDATORY)} M<br>{c.count(Degree.OPTIONAL)} O</td>" for c in m.columns()
    )


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
    links = PageLinks(corpus, linker)
    device_ids = tuple(d.id for d in m.devices)
    for req, degrees in m.rows:
        if req.section != current and req.section is not None:
            current = req.section
            body.append(
                f'<tr class="smets-group" data-section="{current.value}"><th colspan="{len(m.devices) + 2}">'
                f"{current.value}: {esc(SECTION_TITLES[current])}</th></tr>"
            )
        cells = _matrix_cells(req, device_ids, degrees)
        sec = req.section.value if req.section else ""
        body.append(f'<tr data-section="{sec}">{_req_cells(links, req)}{cells}</tr>')
    html = (
        _section_filter(_sections_of(reqs), "smets-matrix")
        + _WIDE
        + '<table id="smets-matrix" class="smets-matrix smets-filterable">'
        + f'<thead><tr><th scope="col">Requirement</th><th scope="col">Title</th>{head}</tr></thead>'
        + f'<tbody>{"".join(body)}</tbody><tfoot><tr><th colspan="2">All {len(reqs)} requirements</th>'
        + f"{_totals(m)}</tr></tfoot></table></div>"
    )
    legend = (
        "**M** mandatory · **O** optional · **n/a** stated as not applicable · blank: not stated "
        "(not applicable). Click a requirement for its own page, a device for its page.\n\n"
    )
    return legend + raw_block(html)


_PROTOCOL_LABEL = {Protocol.DLMS_COSEM: "DLMS/COSEM", Protocol.ZIGBEE_SE: "ZigBee SE", Protocol.GBCS: "GBCS"}


def carrying_objects(corpus: Corpus, linker: Linker, link: ItemChain) -> str:
    """One line per carrying object, labelled with its protocol; GBCS use cases last."""
    return _carrying(PageLinks(corpus, linker), link)


def _carrying(links: PageLinks, link: ItemChain) -> str:
    lines = [
        f'<span class="smets-obj"><span class="smets-proto">{_PROTOCOL_LABEL[o.protocol]}</span> '
        f"{links(o.id, True)}</span>"
        for o in (*link.objects, *link.use_cases)
        if o.protocol is not None
    ]
    if not link.carried:
        lines.insert(0, '<span class="smets-gap">unmapped</span>')
    return "".join(lines)


def _item_cells(links: PageLinks, link: ItemChain) -> str:
    item = link.item
    evidence = item.mapping_evidence.value if item.mapping_evidence else "not stated"
    return (
        f"<td>{links(item.id, True)}"
        f'<br><span class="smets-evidence">mapping evidence: {esc(evidence)}</span></td>'
        f"<td>{_carrying(links, link)}</td>"
    )


_NO_DATA = '<td colspan="2" class="smets-none">uses no data item</td>'


def _chain_rows(links: PageLinks, cells: dict[str, str], chain: Chain) -> str:
    """The rows of one requirement's chain; ``cells``: each data item's cells drawn on this page so
    far (a function of the item's chain, drawn once for every requirement that uses it)."""
    req = chain.requirement
    sec = req.section.value if req.section else ""
    first = f'<th scope="row" rowspan="{max(len(chain.items), 1)}">{links(req.id, True)}</th>'
    if not chain.items:
        return f'<tr data-section="{sec}">{first}{_NO_DATA}</tr>'
    rows = []
    for link in chain.items:
        item_cells = cells.get(link.item.id)
        if item_cells is None:
            item_cells = cells[link.item.id] = _item_cells(links, link)
        rows.append(item_cells)
    row = f'</tr><tr data-section="{sec}">'
    return f'<tr data-section="{sec}">{first}{row.join(rows)}</tr>'


def chain_table(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """requirement → data item → protocol object, one row per data item used."""
    all_chains = [
        c
        for c in chains(corpus)
        if not args or (c.requirement.section and c.requirement.section.value == args[0])
    ]
    with_data = [c for c in all_chains if c.items]
    carried = [c for c in with_data if c.carried]
    links, cells = PageLinks(corpus, linker), dict[str, str]()
    rows = [_chain_rows(links, cells, c) for c in all_chains]
    head = "".join(
        f'<th scope="col">{h}</th>' for h in ("Requirement", "Data item", "Protocol objects carrying it")
    )
    html = (
        _section_filter(_sections_of([c.requirement for c in all_chains]), "smets-chains")
        + _WIDE
        + '<table id="smets-chains" class="smets-chains smets-filterable">'
        + f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    summary = (
        f"{len(with_data)} of {len(all_chains)} requirements use data items; the data of "
        f"{len(carried)} of them is wholly carried by DLMS/COSEM or ZigBee SE objects "
        f"({percent(len(carried), len(with_data))}).\n\n"
    )
    return summary + raw_block(html)


def protocol_coverage_page(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """Share of data items mapped to DLMS/COSEM, ZigBee SE, both, none; the unmapped list."""
    cov = protocol_coverage(corpus)
    n = cov.total
    rows = [
        ["DLMS/COSEM (any)", str(cov.dlms), percent(cov.dlms, n)],
        ["ZigBee SE (any)", str(cov.zigbee), percent(cov.zigbee, n)],
        ["DLMS/COSEM only", str(len(cov.dlms_only)), percent(len(cov.dlms_only), n)],
        ["ZigBee SE only", str(len(cov.zigbee_only)), percent(len(cov.zigbee_only), n)],
        ["Both", str(len(cov.both)), percent(len(cov.both), n)],
        ["None (unmapped)", str(len(cov.none)), percent(len(cov.none), n)],
    ]
    chart = svg.stacked_bar(
        "Data items by protocol mapping",
        [
            ("DLMS/COSEM only", len(cov.dlms_only)),
            ("ZigBee SE only", len(cov.zigbee_only)),
            ("both", len(cov.both)),
            ("none", len(cov.none)),
        ],
    )
    out = [
        f"The data catalogue holds **{n}** data items.\n",
        list_table(["Mapped to", "Items", "Share"], rows),
        raw_block(f'<figure class="smets-figure">{chart}</figure>'),
        heading(f"Unmapped data items ({len(cov.none)})"),
    ]
    from ..protocols.assess import KIND_TEXT, assessment_of
    from ..trace.coverage import index_of

    index = index_of(corpus)
    assessed = {a.item_id: a for a in assessment_of(corpus).items}
    unmapped_rows = [
        [
            need_link(corpus, linker, i.id, show_title=True),
            ", ".join(need_link(corpus, linker, r) for r in index.sources(i.id, "uses")) or "—",
            esc(KIND_TEXT[assessed[i.id].kind]) if i.id in assessed else "",
        ]
        for i in cov.none
    ]
    out.append(
        raw_block(
            table(
                ["Data item", "Used by", "Assessment (no standard object, or not yet assessed)"],
                unmapped_rows,
                "smets-list",
            )
        )
        if unmapped_rows
        else "None: every data item is carried by a protocol object.\n"
    )
    for title, items in (
        ("Mapped to both", cov.both),
        ("DLMS/COSEM only", cov.dlms_only),
        ("ZigBee SE only", cov.zigbee_only),
    ):
        out.append(heading(f"{title} ({len(items)})"))
        links = ", ".join(need_link(corpus, linker, i.id, show_title=True) for i in items)
        out.append(raw_block(f"<p>{links}</p>") if items else "None.\n")
    return "\n".join(out)


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
    links = PageLinks(corpus, linker)
    none = '<span class="smets-gap">none</span>'
    for req in reqs:
        models = "<br>".join([links(m, True) for m in ver.models[req.id]])
        tests = "<br>".join([links(t, True) for t in ver.tests[req.id]])
        sec = req.section.value if req.section else ""
        cells = f"<td>{models or none}</td><td>{tests or none}</td>"
        rows.append(f'<tr data-section="{sec}">{_req_cells(links, req)}{cells}</tr>')
    html = (
        _section_filter(_sections_of(reqs), "smets-verification")
        + _WIDE
        + '<table id="smets-verification" class="smets-filterable smets-list">'
        + "<thead><tr><th>Requirement</th><th>Title</th><th>Reference models</th><th>Conformance tests</th>"
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    out = [
        list_table(["Requirements", "Count", "Share"], figures),
        heading(f"Requirements without a reference model ({len(no_model)})"),
        _id_list(links, no_model),
        heading(f"Requirements without a conformance test ({len(no_test)})"),
        _id_list(links, no_test),
        heading("All requirements"),
        raw_block(html),
    ]
    return "\n".join(out)


def _id_list(links: PageLinks, reqs: list[Requirement]) -> str:
    if not reqs:
        return "None.\n"
    return raw_block('<p class="smets-idlist">' + " ".join([links(r.id) for r in reqs]) + "</p>")


def _chart(groups: list[GroupCoverage], title: str, href: dict[str, str]) -> str:
    series = ("verified by a test", "implemented by a model", "all data carried")
    bars = [
        svg.Group(
            g.key.removeprefix("DEV_"),
            (svg.Bar(g.tested, g.total), svg.Bar(g.modelled, g.total), svg.Bar(g.carried, g.with_data)),
            f"{g.title}: {g.total} requirements",
            href.get(g.key, ""),
        )
        for g in groups
    ]
    return raw_block(f'<figure class="smets-figure">{svg.bar_chart(title, series, bars)}</figure>')


def coverage_chart(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """``section`` or ``device``: coverage bars per group (tested, modelled, data carried)."""
    if args and args[0] == "device":
        groups = coverage_by_device(corpus)
        return _chart(groups, "Coverage by device", {g.key: linker.need(g.key) for g in groups})
    groups = coverage_by_section(corpus)
    links = {g.key: linker.doc(f"sections/{g.key.lower()}") for g in groups}
    return _chart(groups, "Coverage by section", links)


def summary(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """The headline figures, as a short table."""
    every = overall(corpus)
    cov = protocol_coverage(corpus)
    rows = [
        ["Requirements", str(every.total), ""],
        ["… verified by a conformance test", str(every.tested), percent(every.tested, every.total)],
        ["… implemented by a reference model", str(every.modelled), percent(every.modelled, every.total)],
        ["… using data items", str(every.with_data), percent(every.with_data, every.total)],
        [
            "… … of those, whose data is all carried by a protocol",
            str(every.carried),
            percent(every.carried, every.with_data),
        ],
        ["Data items", str(cov.total), ""],
        ["… mapped to DLMS/COSEM", str(cov.dlms), percent(cov.dlms, cov.total)],
        ["… mapped to ZigBee SE", str(cov.zigbee), percent(cov.zigbee, cov.total)],
        ["… unmapped", str(len(cov.none)), percent(len(cov.none), cov.total)],
    ]
    return list_table(["Figure", "Count", "Share"], rows, [60, 20, 20])


def gaps_page(corpus: Corpus, policy: Policy, linker: Linker) -> str:
    """Every gap the repository's policy reports, grouped by rule, errors first."""
    found = find_gaps(corpus, policy, gap_finders())
    by_rule: dict[str, list[Gap]] = {}
    for gap in sorted(found, key=lambda g: g.level is not Level.ERROR):
        by_rule.setdefault(gap.rule, []).append(gap)
    errors = sum(1 for g in found if g.level is Level.ERROR)
    out = [
        f"The policy (``{policy.path}``) reports **{errors}** error(s) and **{len(found) - errors}** "
        "warning(s). ``smets check`` prints the same list with file and line.\n"
    ]
    links = PageLinks(corpus, linker)  # (a need with several gaps: without a test, without a model...)
    for rule, gaps in by_rule.items():
        out.append(heading(f"{rule} ({len(gaps)}, {gaps[0].level.value})"))
        rows = [
            [
                links(g.need_id) if g.need_id in corpus.needs else esc(g.need_id),
                esc(g.message),
                f"<code>{esc(g.location)}</code>",
            ]
            for g in gaps
        ]
        out.append(raw_block(table(["Item", "Gap", "Where"], rows, "smets-list")))
    return "\n".join(out)


def graph_html(
    start: str, depth: int = 2, controls: bool = True, height: int = 520, wide: bool = False
) -> str:
    """The container the site's script draws a neighbourhood graph into (data: _static/smets-graph.js)."""
    attrs = f'data-start="{esc(start)}" data-depth="{depth}" data-controls="{"1" if controls else "0"}"'
    fallback = (
        "<noscript>The graph view needs JavaScript; <code>smets trace ID</code> prints the same chain."
        "</noscript>"
    )
    cls = "smets-graph smets-wide" if wide else "smets-graph"
    return f'<div class="{cls}" {attrs} data-height="{height}">{fallback}</div>'


def graph_view(
    start: str, depth: int = 2, controls: bool = True, height: int = 520, wide: bool = False
) -> str:
    """:func:`graph_html` as a reST raw block."""
    return raw_block(graph_html(start, depth, controls, height, wide))
