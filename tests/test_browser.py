"""The built site in a real browser: headless Chromium over HTTP on localhost.

Checks that a requirement page, the matrix and the graph view render once their script has run
(the graph view's SVG holds exactly the needs the Python graph finds around the item), and saves a
screenshot of each under ``test-output/browser/`` at the repository root.
Needs Debian's ``chromium`` package (``/usr/bin/chromium``); skipped with that reason without it.
"""

from __future__ import annotations

import functools
import re
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from smets_spec.corpus.load import Corpus
from smets_spec.trace.graph import graph_of, neighbourhood

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "browser"
CAP = 40  # nodes drawn per column by smets.js

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="needs /usr/bin/chromium (Debian package 'chromium'; .ci/run installs it)"
)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built_site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "profile"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        "--virtual-time-budget=8000",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _render(tmp_path: Path, url: str, name: str, size: str = "1280,1600") -> str:
    """The DOM after the page's scripts ran, and a screenshot saved as test-output/browser/<name>.png."""
    dom = _chromium(tmp_path, "--dump-dom", url)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT / f"{name}.png"
    _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={size}", url)
    assert shot.is_file() and shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
    return dom


def _drawn(corpus: Corpus, start: str, depth: int) -> set[str] | int:
    """What the graph view must draw: every need around ``start`` (or, past CAP per column, a count)."""
    levels = neighbourhood(graph_of(corpus), start, depth).levels
    if max(Counter(levels.values()).values()) <= CAP:
        return set(levels)
    return sum(min(n, CAP) for n in Counter(levels.values()).values())


def _nodes(dom: str) -> list[str]:
    return re.findall(r'<g class="smets-node[^"]*"[^>]*data-id="([^"]+)"', dom)


def test_requirement_page_renders_with_its_neighbourhood_graph(
    server: str, tmp_path: Path, corpus: Corpus
) -> None:
    dom = _render(tmp_path, f"{server}/req/PC_01.html", "requirement-PC_01", "1280,2400")
    assert "PC_01" in dom and "Data items and protocol objects" in dom
    assert 'class="smets-graph-svg"' in dom, "the graph script did not draw"
    assert set(_nodes(dom)) == _drawn(corpus, "PC_01", 1)
    assert re.search(r'<g class="smets-node smets-node-start"[^>]*data-id="PC_01"', dom)


def test_matrix_renders_with_its_section_filter(server: str, tmp_path: Path, corpus: Corpus) -> None:
    dom = _render(tmp_path, f"{server}/trace/matrix.html?section=PC", "matrix-PC")
    assert '<p class="smets-filter">' in dom  # unhidden by the script
    pc = [r.id for r in corpus.requirements if r.section and r.section.value == "PC"]
    assert f'<span class="smets-filter-count">{len(pc)} requirements shown</span>' in dom
    visible = re.findall(r'<tr data-section="PC"><th scope="row"><a [^>]*>([^<]+)</a>', dom)
    assert sorted(visible) == sorted(pc)
    assert re.search(r'<tr data-section="ES" hidden="">', dom)
    assert f'<th colspan="2">The {len(pc)} requirements shown</th>' in dom  # totals of the rows shown


def test_graph_view_draws_the_chosen_item_and_depth(server: str, tmp_path: Path, corpus: Corpus) -> None:
    dom = _render(
        tmp_path, f"{server}/trace/graph.html#DAT_METER_BALANCE", "graph-DAT_METER_BALANCE", "1280,1400"
    )
    nodes = _nodes(dom)
    assert nodes, "the graph script did not draw"
    expected = _drawn(corpus, "DAT_METER_BALANCE", 2)
    assert (set(nodes) if isinstance(expected, set) else len(nodes)) == expected
    assert len(re.findall(r'<path d="M[^"]*" class="smets-edge', dom)) >= len(nodes) - 1
    assert re.search(r'<a class="smets-graph-open" href="[^"]*data/catalogue.html#DAT_METER_BALANCE">', dom)
