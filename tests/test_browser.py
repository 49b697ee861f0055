"""The built site in a real browser: headless Chromium over HTTP on localhost.

Checks that the matrix renders once its script has run, and saves a screenshot under
``test-output/browser/`` at the repository root (the graph view: ``test_site_graph.py``; search:
``test_site_search.py``).
Needs Debian's ``chromium`` package (``/usr/bin/chromium``); skipped with that reason without it.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from smets_spec.corpus.load import Corpus
from webtools import CHROMIUM, OUTPUT, run_chromium

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
    return run_chromium(tmp_path / "profile", "--hide-scrollbars", "--virtual-time-budget=8000", *args)


def _render(tmp_path: Path, url: str, name: str, size: str = "1280,1600") -> str:
    """The DOM after the page's scripts ran, and a screenshot saved as test-output/browser/<name>.png."""
    dom = _chromium(tmp_path, "--dump-dom", url)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT / f"{name}.png"
    _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={size}", url)
    assert shot.is_file() and shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
    return dom


def test_matrix_renders_with_its_section_filter(server: str, tmp_path: Path, corpus: Corpus) -> None:
    dom = _render(tmp_path, f"{server}/trace/matrix.html?section=PC", "matrix-PC")
    assert '<p class="smets-filter">' in dom  # unhidden by the script
    pc = [r.id for r in corpus.requirements if r.section and r.section.value == "PC"]
    assert f'<span class="smets-filter-count">{len(pc)} requirements shown</span>' in dom
    visible = re.findall(r'<tr data-section="PC"><th scope="row"><a [^>]*>([^<]+)</a>', dom)
    assert sorted(visible) == sorted(pc)
    assert re.search(r'<tr data-section="ES" hidden="">', dom)
    assert f'<th colspan="2">The {len(pc)} requirements shown</th>' in dom  # totals of the rows shown
