"""The published site's traceability: home, requirement pages, matrix, chains, coverage, graph data, cards.

Checks the repository's own spec as built once by the ``built_site`` fixture; expected values are
computed from the corpus, so the checks follow the spec as it grows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from htmltools import parse, table, text
from smets_spec.corpus.load import Corpus
from smets_spec.corpus.schema import Degree, Device, Requirement, Section
from smets_spec.trace.coverage import ordered_requirements, protocol_coverage, verification
from smets_spec.trace.graph import graph_of


def _docname(corpus: Corpus, need_id: str) -> str:
    return corpus.location(need_id).file.removeprefix("spec/").rsplit(".", 1)[0]


def test_home_page_leads_to_every_section_device_catalogue_protocol_glossary_and_trace_page(
    built_site: Path, corpus: Corpus
) -> None:
    links = set(parse(built_site / "index.html").links)
    sections = {r.section for r in corpus.requirements}
    for section in Section:
        if section in sections:
            assert f"sections/{section.value.lower()}.html" in links, section
    for device in corpus.of_type(Device):
        assert f"{_docname(corpus, device.id)}.html#{device.id}" in links, device.id
    for page in (
        "data/catalogue",
        "protocol/index",
        "protocol/dlms",
        "protocol/zigbee",
        "protocol/gbcs",
        "glossary",
        "trace/index",
        "trace/matrix",
        "trace/chains",
        "trace/protocols",
        "trace/verification",
        "trace/graph",
        "trace/gaps",
    ):
        assert f"{page}.html" in links, page
        assert (built_site / f"{page}.html").is_file()


def test_every_requirement_has_its_own_page_with_every_panel(built_site: Path, corpus: Corpus) -> None:
    for req in corpus.requirements:
        page = built_site / "req" / f"{req.id}.html"
        body = text(page)
        assert f"{req.clause or req.id} {' '.join(req.title.split())}" in body  # headed by its clause
        assert req.id in body
        for heading in (
            "Devices",
            "Data items and protocol objects",
            "Reference models",
            "Conformance tests",
            "Links",
            "Neighbourhood",
        ):
            assert heading in body, (req.id, heading)
        assert f'data-start="{req.id}"' in page.read_text(encoding="utf-8")


def test_requirement_page_shows_devices_with_degree_data_objects_and_incoming_links(
    built_site: Path, corpus: Corpus
) -> None:
    req = corpus.needs["PC_01"]
    assert isinstance(req, Requirement)
    page = built_site / "req" / "PC_01.html"
    tables = parse(page).tables
    devices = {
        row[0]: row[1] for row in next(rows for _, rows in tables if rows[0] == ["Device", "Degree"])[1:]
    }
    for device in corpus.of_type(Device):
        cell = next(v for k, v in devices.items() if k.split()[0] == device.id)
        degree = req.degree_for(device.id)
        assert cell.startswith(degree.value), (device.id, cell)
    data_rows = next(rows for _, rows in tables if rows[0][0] == "Data item")[1:]
    assert [r[0].split()[0] for r in data_rows] == list(req.uses)
    links = text(page)
    for source in verification(corpus).tests["PC_01"]:
        assert source in links


def test_matrix_shows_every_degree(built_site: Path, corpus: Corpus) -> None:
    rows = table(built_site / "trace" / "matrix.html", "smets-matrix")
    devices = corpus.of_type(Device)
    assert rows[0] == ["Requirement", "Title", *[d.id.removeprefix("DEV_") for d in devices]]
    body = [r for r in rows[1:] if len(r) == len(devices) + 2 and r[0] != "All"]
    assert [r[0] for r in body] == [r.id for r in ordered_requirements(corpus)]
    symbol = {Degree.MANDATORY: "M", Degree.OPTIONAL: "O"}
    for row in body:
        req = corpus.needs[row[0]]
        assert isinstance(req, Requirement)
        assert row[1] == " ".join(req.title.split())
        for device, cell in zip(devices, row[2:], strict=True):
            expected = symbol.get(
                req.degree_for(device.id), "n/a" if device.id in req.not_applicable_for else ""
            )
            assert cell == expected, (req.id, device.id)
    html = (built_site / "trace" / "matrix.html").read_text(encoding="utf-8")
    assert 'data-smets-filter="smets-matrix"' in html  # the section filter
    assert html.count('<tr data-section="PC">') == sum(
        1 for r in corpus.requirements if r.section is Section.PC
    )


def test_chains_and_protocol_coverage_pages(built_site: Path, corpus: Corpus) -> None:
    chains = text(built_site / "trace" / "chains.html")
    for req in corpus.requirements:
        assert req.id in chains
    cov = protocol_coverage(corpus)
    rows = table(built_site / "trace" / "protocols.html", index=0)
    assert rows[1] == ["DLMS/COSEM (any)", str(cov.dlms), f"{cov.share(cov.dlms):.0%}"]
    assert rows[-1] == ["None (unmapped)", str(len(cov.none)), f"{cov.share(len(cov.none)):.0%}"]
    unmapped = text(built_site / "trace" / "protocols.html").split(f"Unmapped data items ({len(cov.none)})")[
        1
    ]
    for item in cov.none:
        assert item.id in unmapped
    page = (built_site / "trace" / "protocols.html").read_text(encoding="utf-8")
    assert "<svg" in page and "Data items by protocol mapping" in page


def test_verification_page_lists_requirements_without_model_or_test(built_site: Path, corpus: Corpus) -> None:
    ver = verification(corpus)
    body = text(built_site / "trace" / "verification.html")
    assert f"Requirements without a reference model ({len(ver.without_model)})" in body
    assert f"Requirements without a conformance test ({len(ver.without_test)})" in body
    charts = (built_site / "trace" / "index.html").read_text(encoding="utf-8")
    assert charts.count('class="smets-chart"') == 2
    assert "Coverage by section" in charts and "Coverage by device" in charts


def test_graph_data_holds_every_need_and_link_with_working_addresses(
    built_site: Path, corpus: Corpus
) -> None:
    script = (built_site / "_static" / "smets-graph.js").read_text(encoding="utf-8")
    data = json.loads(script.removeprefix("window.SMETS_GRAPH=").rstrip().rstrip(";"))
    assert [n[0] for n in data["nodes"]] == list(corpus.needs)
    assert len(data["edges"]) == graph_of(corpus).number_of_edges()
    for need_id, _type, _title, uri in data["nodes"]:
        path, _, anchor = uri.partition("#")
        assert (built_site / path).is_file(), uri
        if anchor:
            assert anchor == need_id
    links = {link["name"]: link for link in data["links"]}
    assert links["uses"]["down"] is True and links["verifies"]["down"] is False


def test_every_need_is_drawn_once_as_a_compact_card_with_its_links(built_site: Path, corpus: Corpus) -> None:
    pages: dict[str, list[str]] = {}
    for need in corpus:
        pages.setdefault(_docname(corpus, need.id), []).append(need.id)
    for doc, ids in pages.items():
        html = (built_site / f"{doc}.html").read_text(encoding="utf-8")
        for need_id in ids:
            assert len(re.findall(rf'id="{re.escape(need_id)}"', html)) == 1, need_id
            assert re.search(
                rf'class="smets-need smets-need-\w+ docutils container" id="{re.escape(need_id)}"', html
            ), need_id
    esme = (built_site / f"{_docname(corpus, 'DEV_ESME')}.html").read_text(encoding="utf-8")
    card = esme[esme.index('id="DEV_ESME"') :]
    card = card[: card.index("<h2")]
    assert card.index("smets-need-body") < card.index("mandatory requirements")  # what it is comes first
    mandatory = [r.id for r in corpus.requirements if "DEV_ESME" in r.mandatory_for]
    assert f"<summary>mandatory requirements ({len(mandatory)})</summary>" in card  # a long list, folded
    assert all(f">{rid}</a>" in card for rid in mandatory)
    pc = (built_site / f"{_docname(corpus, 'PC_01')}.html").read_text(encoding="utf-8")
    assert 'href="../req/PC_01.html"' in pc
