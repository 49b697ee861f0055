"""Respondent text on the built site is shown exactly as typed: no links (``javascript:`` above all),
no smart quotes, dashes or ellipses, no markup; imported through the real command and built by Sphinx.

Decision: respondent text never becomes a link, not even ``http``/``https``/``mailto``; a URL in a
response is shown as text to copy. A response is evidence of what someone wrote, and a link on the
programme's own site would lend it the site's authority (phishing, tracking).
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main

from consulttools import answer, mini_project
from smets_spec.cli import main
from smets_spec.consultation.fill import Filled

PAYLOADS = [
    "see javascript:alert(document.domain)//x",
    "JaVaScRiPt:alert(1) and vbscript:msgbox(1) and data:text/html,<script>alert(1)</script>",
    'visit http://example.org/a_b or https://example.org or mailto:someone@example.org or a@b.co "now"',
    'it\'s "quoted" -- and --- then ... and . . . done',
    "<script>alert(1)</script> <img src=x onerror=alert(1)> &amp; &lt;",
    "`x <javascript:alert(1)>`_ :need:`PC_01` [[copy('id')]] |sub| **bold** *em* ``lit``",
]
TEXT = "\n".join(PAYLOADS)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("literal")
    root = mini_project(work / "repo")
    index = root / "spec" / "consultations" / "test" / "index.rst"
    index.write_text(
        index.read_text(encoding="utf-8") + "\n.. smets-consultation:: CON_TEST\n", encoding="utf-8"
    )
    (root / "spec" / "index.rst").write_text(
        "Test\n====\n\n.. toctree::\n   :glob:\n\n   *\n   consultations/test/*\n", encoding="utf-8"
    )
    filled = Filled(
        "Hostile Respondent Ltd",
        answers={1: TEXT},
        comments={"PC_01": ("Major", TEXT, TEXT)},
        general=[("javascript:alert(2) it's -- x", "Minor", TEXT, None)],
    )
    book = answer(root, filled, work)
    assert main(["--root", str(root), "consult", "import", str(book)]) == 0
    out = work / "html"
    status = build_main(
        ["-q", "-b", "html", "-c", str(root), "-w", str(work / "w.txt"), str(root / "spec"), str(out)]
    )
    assert status == 0
    return out


PAGES = ["consultations/test/hostile-respondent-ltd.html", "consultations/test/index.html"]


def _lines(html: str) -> list[str]:
    """The text of every line of a line block (where respondent text is rendered)."""
    found = re.findall(r'<div class="line">(.*?)</div>', html, flags=re.S)
    return [unescape(re.sub(r"<[^>]+>", "", line)) for line in found]


@pytest.mark.parametrize("page", PAGES)
def test_no_link_and_no_script_from_respondent_text(site: Path, page: str) -> None:
    html = (site / page).read_text(encoding="utf-8")
    hrefs = re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html)
    assert not [h for h in hrefs if re.match(r"(?i)\s*(javascript|vbscript|data|mailto):", h)], hrefs
    assert not [h for h in hrefs if "example.org" in h], hrefs
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "onerror=alert" not in re.sub(r"&lt;img src=x onerror=alert\(1\)&gt;", "", html)


@pytest.mark.parametrize("page", PAGES)
def test_every_line_is_shown_exactly_as_typed(site: Path, page: str) -> None:
    lines = _lines((site / page).read_text(encoding="utf-8"))
    for payload in PAYLOADS:
        assert payload in lines, (payload, [x for x in lines if x[:10] == payload[:10]])
    assert not any(c in "".join(lines) for c in "\u2018\u2019\u201c\u201d\u2013\u2014\u2026")


@pytest.mark.parametrize("page", PAGES)
def test_the_topic_is_shown_as_typed(site: Path, page: str) -> None:
    text = unescape(re.sub(r"<[^>]+>", "", (site / page).read_text(encoding="utf-8")))
    assert "javascript:alert(2) it's -- x" in text
