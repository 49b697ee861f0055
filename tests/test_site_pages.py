"""Readable pages: previous/next between the requirements of a section, device pages that open with
the device, wide tables that stay in view, and one value per figure on the site and in the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from smets_spec.cli import main
from smets_spec.corpus.load import Corpus
from smets_spec.trace.coverage import ordered_requirements
from webtools import OUTPUT, browser_page

ROOT = Path(__file__).resolve().parent.parent


def _related(page: str) -> dict[str, str]:
    return dict(re.findall(r'<a class="(next|prev)-page" href="([^"]+)"', page))


def test_previous_and_next_are_the_neighbours_in_the_section(built_site: Path, corpus: Corpus) -> None:
    reqs = [r for r in ordered_requirements(corpus) if r.section and r.section.value == "GS"]
    assert len(reqs) >= 3
    for n, req in enumerate(reqs):
        page = (built_site / "req" / f"{req.id}.html").read_text(encoding="utf-8")
        related = _related(page)
        want_prev = f"{reqs[n - 1].id}.html" if n else "../sections/gs.html"
        want_next = f"{reqs[n + 1].id}.html" if n + 1 < len(reqs) else "../sections/gs.html"
        assert related == {"prev": want_prev, "next": want_next}, req.id
        assert '<link rel="next" title="' in page and f'href="{want_next}">' in page
        assert (built_site / "req" / want_next).resolve().is_file()


def test_device_page_opens_with_what_the_device_is(built_site: Path, corpus: Corpus) -> None:
    page = (built_site / "devices" / "gsme.html").read_text(encoding="utf-8")
    description = corpus.needs["DEV_GSME"].content.split(".")[0]  # "The battery-powered gas smart meter"
    start = page.index('id="DEV_GSME"')
    text_at = page.index(description, start)
    first_data_id = page.find("DAT_", start)
    assert text_at < first_data_id, "the description must come before the lists of data items"
    assert re.search(r"<summary>holds \(\d+\)</summary>", page)  # the long list is folded
    headings = re.findall(r"<h2>(Mandatory|Optional|Not applicable) \((\d+)\)", page)
    assert [h[0] for h in headings] == ["Mandatory", "Optional", "Not applicable"]
    assert page.index("<h2>Mandatory") > text_at


def _cli_figures(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    assert main(["--root", str(ROOT), "check", "--format", "text"]) in (0, 1)
    out = capsys.readouterr().out
    return {m[0].strip(): m[1] for m in re.findall(r"^ +([a-zA-Z/ ()]+?) +\d+ \((\d+%)\)$", out, re.M)}


def test_one_figure_one_value_on_the_site_and_in_the_cli(
    built_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = _cli_figures(capsys)
    home = re.sub(r"<[^>]+>", " ", (built_site / "trace" / "index.html").read_text(encoding="utf-8"))
    home += re.sub(r"<[^>]+>", " ", (built_site / "index.html").read_text(encoding="utf-8"))
    shown = " ".join(home.split())
    pairs = {
        "verified by a test": "verified by a conformance test",
        "with a model": "implemented by a reference model",
        "using data items": "using data items",
        "all data carried": "whose data is all carried by a protocol",
        "DLMS/COSEM": "mapped to DLMS/COSEM",
        "ZigBee SE": "mapped to ZigBee SE",
    }
    found = 0
    for cli_label, site_label in pairs.items():
        match = re.search(rf"{re.escape(site_label)} (\d+) (\d+%)", shown)
        if match:
            found += 1
            assert cli[cli_label] == match[2], (cli_label, cli[cli_label], match[0])
    assert found == len(pairs)
    assert main(["--root", str(ROOT), "check", "--json"]) in (0, 1)
    fig = json.loads(capsys.readouterr().out)["figures"]
    share = f"{fig['data_carried'] / fig['with_data']:.0%}"
    assert cli["all data carried"] == share


@pytest.mark.parametrize("width", [1280, 900])
def test_wide_table_keeps_its_columns_in_view(built_site: Path, width: int) -> None:
    with browser_page(width, 900) as page:
        page.goto((built_site / "data" / "catalogue.html").as_uri())
        box = page.locator(".smets-scroll").first
        box.scroll_into_view_if_needed()
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"catalogue-{width}.png"))
        size = box.evaluate(
            "b => ({client: b.clientWidth, scroll: b.scrollWidth, height: b.getBoundingClientRect().height,"
            " window: innerHeight, heads: [...b.querySelectorAll('thead th')].map(t => t.textContent)})"
        )
    assert size["heads"] == ["Id", "Name", "Type", "Unit", "Protocol objects", "Assessment", "Used by"]
    assert size["height"] <= size["window"], "the table's own scroll bar must be in view"
    assert size["scroll"] <= size["client"] + 1, "every column, Protocol objects and Used by too, is in view"
