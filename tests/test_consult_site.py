"""The site shows the responses: a panel on each requirement's page, and a page per consultation."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from html import unescape
from pathlib import Path

import pytest

from smets_spec.consultation.render import comments_panel, consultation_page, count_chart
from smets_spec.corpus import Corpus
from smets_spec.render.panels import PANELS

IM02 = "CC_DECC_2011_ELSTER_METERING_LIMITED_IM_02"


def _text(html: str) -> str:
    html = re.sub(r"<svg.*?</svg>", " [svg] ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_panel_is_registered_and_lists_the_comment(corpus: Corpus) -> None:
    assert PANELS["consultation"].title == "Consultation comments"
    text = comments_panel(corpus, "IM.02")
    assert f":need:`Elster Metering Limited <{IM02}>`" in text
    assert "**Major**" in text
    assert "| The normative reference to the Siemens Norm SN29500 is not a relevant standard" in text
    assert comments_panel(corpus, "IM.01") == ""


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
    assert req_pages, "no requirement page shows the IM.02 comment in its consultation panel"
    text = _text(req_pages[0].read_text(encoding="utf-8"))
    assert "Consultation comments" in text and "Major" in text and "Siemens Norm SN29500" in text
    response_page = (built_site / "consultations" / "decc-2011" / "elster-metering-limited.html").read_text(
        "utf-8"
    )
    assert IM02 in response_page
