"""The site shows the responses: a panel on each requirement's page, and a page per consultation."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from html import unescape
from pathlib import Path

import pytest

from htmltools import StubLinker
from smets_spec.consultation.model import Kind, Response, Stored
from smets_spec.consultation.render import (
    _comment_html,
    comments_panel,
    consultation_page,
    count_chart,
    text_html,
)
from smets_spec.corpus.diagnostics import Location
from smets_spec.corpus.load import Corpus
from smets_spec.corpus.schema import Rating
from smets_spec.markup.panels import PANELS

IM02 = "CC_DECC_2011_ELSTER_METERING_LIMITED_IM_02"


def _text(html: str) -> str:
    html = re.sub(r"<svg.*?</svg>", " [svg] ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


LINKER = StubLinker()


def test_panel_is_registered_and_lists_the_comment(corpus: Corpus) -> None:
    assert PANELS["consultation"].title == "Consultation comments"
    assert PANELS["consultation"].html is comments_panel
    html = comments_panel(corpus, "IM_02", LINKER)
    assert "<th>Respondent</th><th>Issue</th><th>Comment</th><th>Consultation</th>" in html
    assert f'<td><a href="need:{IM02}" title="{IM02}">Elster Metering Limited</a></td>' in html
    assert "<td><strong>Major</strong></td>" in html
    # the respondent's three paragraphs, their blank lines kept
    assert (
        "cannot be a mandated requirement<br><br>The apparent requirement to be able to implement a patch"
    ) in html
    assert (
        "<br><br>The normative reference to the Siemens Norm SN29500 is not a relevant standard</span>"
        in html
    )
    assert '<a class="smets-ref" href="need:CON_DECC_2011" title="DECC Smart Metering Implementation' in html
    assert html.count("<tr>") == 2  # the header and the one comment
    assert comments_panel(corpus, "IM_01", LINKER) == ""


def _stored(text: str | None, wording: str | None, rating: Rating | None, stale: bool) -> Stored:
    response = Response(Kind.REQUIREMENT, "IM_02", text=text, wording=wording, rating=rating, stale=stale)
    return Stored("CC_X", "A & B <Ltd>", response, Location("consultations/x.rst", 3))


def test_comment_cell_keeps_every_character_and_escapes_markup() -> None:
    text = "First <b>bold</b> & *stars*\n\n  two  spaces\tand a tab\nform\x0cfeed \u2028end "
    html = _comment_html(_stored(text, "Say <em>x</em>\ninstead", Rating.MINOR, True))
    span = '<span class="smets-text">'
    assert html == (
        f"<p>{span}First &lt;b&gt;bold&lt;/b&gt; &amp; *stars*"
        "<br><br>  two  spaces\tand a tab<br>form[U+000C]feed [U+2028]end </span></p>"
        f"<p><em>Proposed wording:</em></p><p>{span}"
        "Say &lt;em&gt;x&lt;/em&gt;<br>instead</span></p>"
        "<p><em>Made on an earlier text of this requirement.</em></p>"
    )
    assert _comment_html(_stored(None, None, Rating.MAJOR, False)) == "(rating only)"
    assert text_html("") == f"{span}</span>"


def test_consultation_page_content(corpus: Corpus) -> None:
    text = consultation_page(corpus, ["CON_DECC_2011"])
    assert "Closing date: 2011-10-13. 62 questions; 1 respondent(s)" in text
    assert text.count(".. raw:: html") == 2
    assert "Question 62\n~~~~~~~~~~~" in text
    # the respondent row of the counts table: 18 Major, 28 Minor, 0 none, 14 unrated, 60 in all
    assert "   * - Elster Metering Limited\n     - 18\n     - 28\n     - 0\n     - 14\n     - 60" in text


def test_count_chart_is_well_formed_svg() -> None:
    long_name = "A respondent with a very long organisation name indeed Limited"
    rows = [
        ("IM", Counter({"Major": 2, "Minor": 5})),
        ("OP & co", Counter()),
        (long_name, Counter({"Minor": 1})),
    ]
    svg = count_chart("Issues <by> section", rows)
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(svg)
    assert root.find(f"{ns}title").text == "Issues <by> section"  # type: ignore[union-attr]
    bars = [r for r in root.findall(f"{ns}rect") if r.find(f"{ns}title") is not None]
    assert [r.find(f"{ns}title").text for r in bars] == [  # type: ignore[union-attr]
        "IM: 2 Major",
        "IM: 5 Minor",
        f"{long_name}: 1 Minor",
    ]
    assert float(bars[0].get("width", 0)) + float(bars[1].get("width", 0)) == pytest.approx(360.0)
    labels = root.findall(f"{ns}text[@text-anchor='end']")
    assert labels[2].text == long_name[:39] + "…"
    assert labels[2].find(f"{ns}title").text == long_name  # type: ignore[union-attr]
    assert float(labels[2].get("x", 0)) > 6.5 * 39  # the label fits left of the bars


def test_built_site_shows_responses(built_site: Path) -> None:
    page = _text((built_site / "consultations" / "decc-2011" / "index.html").read_text(encoding="utf-8"))
    assert "Elster Metering Limited 18 28 0 14 60" in page
    assert "Question 62" in page and "[svg]" in page
    texts = {p: p.read_text(encoding="utf-8") for p in (built_site / "req").rglob("*.html")}
    req_pages = [p for p, t in texts.items() if "Consultation comments" in t and IM02 in t]
    assert req_pages, "no requirement page shows the IM_02 comment in its consultation panel"
    assert req_pages == [built_site / "req" / "IM_02.html"]
    html = req_pages[0].read_text(encoding="utf-8")
    text = _text(html)
    assert "Consultation comments" in text and "Major" in text and "Siemens Norm SN29500" in text
    assert (
        '<section id="consultation"><h2>Consultation comments</h2>'
        '<div class="smets-scroll"><table class="smets-list"><thead><tr><th>Respondent</th>'
    ) in html
    assert (
        f'<td><a href="../consultations/decc-2011/elster-metering-limited.html#{IM02}" title="{IM02}">'
        "Elster Metering Limited</a></td><td><strong>Major</strong></td>"
    ) in html
    response_page = (built_site / "consultations" / "decc-2011" / "elster-metering-limited.html").read_text(
        "utf-8"
    )
    assert IM02 in response_page


def test_respondent_text_keeps_its_spaces_without_an_inline_style() -> None:
    """A strict Content-Security-Policy blocks inline styles: the rule lives in the site's CSS."""
    css = (
        Path(__file__).resolve().parent.parent
        / "tooling"
        / "smets_spec"
        / "templates"
        / "static"
        / "smets.css"
    )
    assert ".smets-text { white-space: pre-wrap; }" in css.read_text(encoding="utf-8")
    assert "style=" not in text_html("a\n  b")
