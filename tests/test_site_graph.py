"""The graph view (Cytoscape.js + dagre, shipped in the package) in a real browser.

Checks what it draws against the Python graph, that no two node boxes overlap and every label
stays inside its box (for GS_08 at depth 2 and for the largest neighbourhood in the spec), that
upstream is left of downstream, and that it loads from ``file://`` without any network.
Screenshots land in ``test-output/browser/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smets_spec.corpus.load import Corpus
from smets_spec.trace.graph import graph_of, neighbourhood
from webtools import OUTPUT, browser_page, serve

VENDOR = Path(__file__).resolve().parent.parent / "tooling" / "smets_spec" / "templates" / "static" / "vendor"

#: every node's box and its label's box, as the page drew them
_BOXES = """box => box.smetsCy.nodes().map(n => ({
  id: n.data('need'), level: n.data('level'),
  box: n.boundingBox({includeLabels: false, includeOverlays: false}),
  label: n.boundingBox({includeNodes: false, includeEdges: false, includeLabels: true,
                        includeOverlays: false}),
}))"""


#: where a need's box is on the screen, and the URL it opens
_AT = """(box, id) => {
  const n = box.smetsCy.nodes().filter(n => n.data('need') === id)[0];
  const r = box.querySelector('.smets-graph-canvas').getBoundingClientRect();
  const p = n.renderedPosition();
  const visible = p.x > 0 && p.y > 0 && p.x < r.width && p.y < r.height;
  return {id: id, x: r.left + p.x, y: r.top + p.y, url: n.data('url'), visible: visible};
}"""


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    yield from serve(built_site)


def _largest(corpus: Corpus) -> str:
    graph = graph_of(corpus)
    return max(sorted(corpus.needs), key=lambda i: len(neighbourhood(graph, i, 2).levels))


def _drawn(page: Any, url: str, shot: str) -> list[dict[str, Any]]:
    page.goto(url)
    page.wait_for_function("() => document.querySelector('.smets-graph')?.smetsCy?.nodes().length > 0")
    page.wait_for_timeout(300)  # the first paint after the layout
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.locator(".smets-graph").first.screenshot(path=str(OUTPUT / f"graph-{shot}.png"))
    boxes: list[dict[str, Any]] = page.eval_on_selector(".smets-graph", _BOXES)
    return boxes


def _overlaps(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            x = min(a["box"]["x2"], b["box"]["x2"]) - max(a["box"]["x1"], b["box"]["x1"])
            y = min(a["box"]["y2"], b["box"]["y2"]) - max(a["box"]["y1"], b["box"]["y1"])
            if x > 0 and y > 0:
                found.append((a["id"], b["id"]))
    return found


def _labels_outside(boxes: list[dict[str, Any]]) -> list[str]:
    slack = 0.5
    return [
        b["id"]
        for b in boxes
        if b["label"]["x1"] < b["box"]["x1"] - slack
        or b["label"]["x2"] > b["box"]["x2"] + slack
        or b["label"]["y1"] < b["box"]["y1"] - slack
        or b["label"]["y2"] > b["box"]["y2"] + slack
    ]


def _check(boxes: list[dict[str, Any]], corpus: Corpus, start: str, depth: int) -> None:
    expected = neighbourhood(graph_of(corpus), start, depth).levels
    assert {b["id"] for b in boxes} == set(expected)
    assert {b["id"]: b["level"] for b in boxes} == expected
    assert not _overlaps(boxes)
    assert not _labels_outside(boxes)
    centre = {b["id"]: (b["box"]["x1"] + b["box"]["x2"]) / 2 for b in boxes}
    up = [centre[i] for i, level in expected.items() if level < 0]
    down = [centre[i] for i, level in expected.items() if level > 0]
    if up:
        assert max(up) < centre[start], "upstream needs must be left of the item"
    if down:
        assert min(down) > centre[start], "downstream needs must be right of the item"


def test_gs08_at_depth_2_no_boxes_overlap(server: str, corpus: Corpus) -> None:
    with browser_page(1280, 900) as page:
        boxes = _drawn(page, f"{server}/trace/graph.html#GS_08", "GS_08-depth-2")
    _check(boxes, corpus, "GS_08", 2)


def test_largest_neighbourhood_no_boxes_overlap(server: str, corpus: Corpus) -> None:
    start = _largest(corpus)
    with browser_page(1280, 900) as page:
        boxes = _drawn(page, f"{server}/trace/graph.html#{start}", f"{start}-depth-2")
    assert len(boxes) > 100
    _check(boxes, corpus, start, 2)


def test_requirement_page_graph_and_click_through(server: str, corpus: Corpus) -> None:
    """On PC_01's page: its depth-1 neighbourhood; right-click centres the graph there, a click opens it."""
    with browser_page(1280, 1400) as page:
        boxes = _drawn(page, f"{server}/req/PC_01.html", "requirement-PC_01")
        _check(boxes, corpus, "PC_01", 1)
        page.locator(".smets-graph-canvas").scroll_into_view_if_needed()
        shown = [page.eval_on_selector(".smets-graph", _AT, b["id"]) for b in boxes if b["level"] != 0]
        other = next(w["id"] for w in shown if w["visible"])
        where = page.eval_on_selector(".smets-graph", _AT, other)
        page.mouse.click(where["x"], where["y"], button="right")  # centre the graph there
        page.wait_for_function(
            "id => document.querySelector('.smets-graph').smetsCy.nodes('.start').data('need') === id",
            arg=other,
        )
        where = page.eval_on_selector(".smets-graph", _AT, other)
        page.mouse.click(where["x"], where["y"])  # open its page
        page.wait_for_url(f"**/{where['url'].split('/')[-1].split('#')[0]}*")
        assert page.url.endswith(where["url"].split("/")[-1])


def test_graph_view_works_offline_from_files(built_site: Path, corpus: Corpus) -> None:
    with browser_page(1280, 900) as page:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        boxes = _drawn(page, (built_site / "trace" / "graph.html").as_uri() + "#DAT_METER_BALANCE", "file")
        _check(boxes, corpus, "DAT_METER_BALANCE", 2)
    assert [u for u in requests if not u.startswith("file://")] == []
    assert any(u.endswith("_static/vendor/cytoscape.min.js") for u in requests)


def test_the_library_ships_with_its_licences(built_site: Path) -> None:
    for name in ("cytoscape.min.js", "cytoscape-dagre.min.js"):
        assert (VENDOR / name).stat().st_size > 10_000
        assert (built_site / "_static" / "vendor" / name).is_file()
    for name in ("cytoscape", "cytoscape-dagre", "dagre", "graphlib"):
        text = (VENDOR / f"LICENSE-{name}.txt").read_text(encoding="utf-8")
        assert "Permission is hereby granted, free of charge" in text
