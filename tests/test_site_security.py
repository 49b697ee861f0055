"""No script a spec author wrote runs on the site: payloads of every kind, built and loaded in Chromium.

The payload site is built with Sphinx directly (``smets build`` would refuse it at validation),
so this shows the build's own defences: raw HTML and file inclusion off, unsafe links made text,
titles and fields escaped, and a Content-Security-Policy that blocks an inline script that got in
anyway. Each payload, if it ran, would set ``document.title`` or a ``data-pwned`` attribute; the
control page (the same page without the policy) shows that the check sees a script that runs.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from clitools import sourcedir, write
from webtools import run_chromium

CHROMIUM = Path("/usr/bin/chromium")
SECRET = "SMETS-SECRET-7f3a9c"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(), reason="needs /usr/bin/chromium (Debian package 'chromium'; .ci/run installs it)"
)

RUN = "document.title='PWNED';document.documentElement.setAttribute('data-pwned','{kind}')"

PAYLOADS = f"""Payloads
========

.. raw:: html

   <script>{RUN.format(kind="raw")}</script>

.. raw:: html
   :file: ../../secret.txt

.. include:: ../../secret.txt

.. literalinclude:: ../../secret.txt

.. csv-table:: Data
   :file: ../../secret.txt

.. role:: html(raw)
   :format: html

Inline :html:`<img src=x onerror="{RUN.format(kind="role")}">` and a
`link <javascript:{RUN.format(kind="link")}>`_ and bare javascript:{RUN.format(kind="bare")}//x
and `data <data:text/html,<script>alert(1)</script>>`_.

.. needtable::
   :filter: __import__('pathlib').Path('../../pwned-by-filter').write_text('x') or True

.. req:: <img src=x onerror="{RUN.format(kind="title")}"></script><script>{RUN.format(kind="close")}</script>
   :id: PC_66
   :status: proposed
   :section: PC
   :impact: firmware
   :mandatory_for: DEV_ESME
   :applicability_basis: <svg onload="{RUN.format(kind="field")}"></svg> "quote" </script>

   Text with <b onmouseover="{RUN.format(kind="content")}">markup</b> and </script> in it.

.. smets-source:: pwnmod:anything

.. image:: evil.svg

.. figure:: evil.*

Get :download:`the form <evil.html>`.

.. consultation:: Test consultation
   :id: CON_TEST
   :closing_date: 2026-01-01
   :closing_date_source: test fixture

   A consultation.

.. cquestion:: Question 1
   :id: CQ_TEST_01
   :number: 1
   :part_of: CON_TEST

   | Your views?

.. ccomment:: Someone: answer to question 1
   :id: CC_TEST_SOMEONE_Q01
   :respondent: Someone
   :responds_to: CON_TEST
   :answers: CQ_TEST_01
   :fingerprint: e680f8d31cf352d5
   :source: Questions row 2

   **Answer**

   | see javascript:alert(document.domain)//x

Graph
-----

.. smets-graph:: PC_66
"""


class _Attributes(HTMLParser):
    """Event-handler attributes, link targets and inline scripts of a page, as a browser parses them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.handlers: list[str] = []
        self.links: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        self.links += [value or "" for name, value in attrs if name in {"href", "src", "action"}]
        self._in_script = tag == "script" and not any(name == "src" for name, _ in attrs)
        if self._in_script:
            self.inline.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline[-1] += data


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("payloads")
    (base / "secret.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    root = sourcedir(base, "mini")
    write(root, "conf.py", (root / "conf.py").read_text(encoding="utf-8") + 'html_theme = "furo"\n')
    write(root, "spec/payloads.rst", PAYLOADS)
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><script>{RUN.format(kind="svg")}</script></svg>'
    write(root, "spec/evil.svg", svg + "<!-- ACTIVE-FILE -->\n")
    write(root, "spec/evil.html", f"<script>{RUN.format(kind='download')}</script><!-- ACTIVE-FILE -->\n")
    # a module beside conf.py (on sys.path: Sphinx runs from there) that a source asks to import
    write(root, "pwnmod.py", f"open({str(base / 'pwned-by-import')!r}, 'w').close()\nanything = 1\n")
    out = base / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-c", str(root), str(root / "spec"), str(out)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = result.stderr
    for rule in ("[smets.unsafe-markup]", "[smets.unsafe-link]", '"raw" directive disabled'):
        assert rule in warnings, warnings[-3000:]
    assert not (base / "pwned-by-filter").exists(), "the needtable filter ran as Python"
    assert not (base / "pwned-by-import").exists(), "smets-source imported a module of the repository"
    assert "document.domain" not in warnings  # a respondent's words: shown as text, not a warning
    page = (out / "payloads.html").read_text(encoding="utf-8")
    assert '<div class="line">see <span>javascript:alert(document.domain)//x</span></div>' in page
    return out


@pytest.fixture(scope="module")
def server(payload_site: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(payload_site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _dom(tmp_path: Path, url: str) -> str:
    return run_chromium(tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", url)


def _ran(dom: str) -> list[str]:
    """The payload kinds whose script ran (empty when none did)."""
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    kinds = re.findall(r'<html[^>]*\bdata-pwned="([^"]*)"', dom)
    return kinds + (["title"] if title and title[1].strip() == "PWNED" else [])


def test_no_file_of_the_build_machine_is_published(payload_site: Path) -> None:
    pages = [
        p for p in payload_site.rglob("*") if p.is_file() and p.suffix in {".html", ".js", ".json", ".txt"}
    ]
    assert len(pages) > 10
    leaked = [str(p.relative_to(payload_site)) for p in pages if SECRET in p.read_text(errors="replace")]
    assert leaked == []
    copied = [
        p for p in payload_site.rglob("*") if p.is_file() and p.parent.name in {"_images", "_downloads"}
    ]
    copied += [p for p in payload_site.glob("_downloads/*/*") if p.is_file()]
    assert [str(p) for p in copied if b"ACTIVE-FILE" in p.read_bytes()] == []  # no SVG or HTML of ours


def test_every_page_has_the_policy_and_no_unsafe_link(payload_site: Path) -> None:
    pages = sorted(payload_site.rglob("*.html"))
    assert any(p.name == "PC_66.html" for p in pages)  # the requirement page of the payload need
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert html.count('http-equiv="Content-Security-Policy"') == 1, page
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
        assert policy is not None and "'unsafe-inline'" not in policy[1].split("script-src")[1], page
        found = _Attributes()
        found.feed(html)
        assert found.handlers == [], page
        assert [u for u in found.links if re.match(r"\s*(javascript|data|vbscript|file):", u, re.I)] == [], (
            page
        )
        head = html.split("<body", 1)[0]
        assert html.index("Content-Security-Policy") < head.find("<script") or "<script" not in head, page


@pytest.mark.parametrize("page", ["payloads.html", "req/PC_66.html", "permalink.html"])
def test_no_payload_runs_in_the_browser(server: str, tmp_path: Path, page: str) -> None:
    dom = _dom(tmp_path, f"{server}/{page}")
    assert "<body" in dom
    assert _ran(dom) == []
    if page != "permalink.html":
        assert re.search(r'<body[^>]*data-theme="auto"', dom), "the theme's own inline script was blocked"


def test_the_policy_blocks_an_inline_script_that_got_in(
    payload_site: Path, server: str, tmp_path: Path
) -> None:
    html = (payload_site / "payloads.html").read_text(encoding="utf-8")
    injected = html.replace("</body>", f"<script>{RUN.format(kind='injected')}</script></body>")
    (payload_site / "injected.html").write_text(injected, encoding="utf-8")
    control = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", injected)
    (payload_site / "control.html").write_text(control, encoding="utf-8")
    assert _ran(_dom(tmp_path, f"{server}/injected.html")) == []
    assert "injected" in _ran(_dom(tmp_path, f"{server}/control.html"))  # the check sees a script run


def test_every_inline_script_of_the_real_site_is_allowed_by_its_hash(built_site: Path) -> None:
    """The policy does not break the site: the repository's own pages have no inline handler, and
    each inline script left (the theme's) is one the page's policy allows by hash."""
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 100
    redirects = [p for p in pages if 'http-equiv="refresh"' in p.read_text(encoding="utf-8")]
    assert len(redirects) == 104  # req/GS.08.html (clause-number addresses of before): no script at all
    allowed_scripts = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
        assert policy is not None, page
        found = _Attributes()
        found.feed(html)
        assert found.handlers == [], page
        for body in found.inline:
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
            assert f"'sha256-{digest}'" in policy[1], (page, body[:80])
            allowed_scripts += 1
    assert allowed_scripts >= len(pages) - len(redirects) - 2  # the theme's script is on (nearly) every page
