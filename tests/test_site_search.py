"""The site's search finds ids and requirement pages: the index, and a browser typing into the search box.

The browser part drives Debian's Chromium through Playwright (the ``test`` extra; no browser is
downloaded); screenshots land in ``test-output/browser/``. It skips, saying why, without either.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smets_spec.corpus.load import Corpus
from smets_spec.sphinx.search import plain_text
from webtools import CHROMIUM, OUTPUT, browser_page, serve

IDS = [
    ("GS_08", "req/GS_08.html"),
    ("GS.08", "req/GS_08.html"),  # the clause number, as a reader sees it
    ("PC.01", "req/PC_01.html"),  # clause
    ("PC_01", "req/PC_01.html"),
    ("DAT_METER_BALANCE", "data/catalogue.html#DAT_METER_BALANCE"),
    ("DEV_GSME", "devices/gsme.html#DEV_GSME"),
]


def _index(site: Path) -> dict[str, Any]:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return data


def test_every_requirement_page_is_in_the_search_index(built_site: Path, corpus: Corpus) -> None:
    index = _index(built_site)
    docs = dict(zip(index["docnames"], index["titles"], strict=True))
    for req in corpus.requirements:
        assert (built_site / "req" / f"{req.id}.html").is_file()
        assert docs.get(f"req/{req.id}") == " ".join(f"{req.id} {req.title}".split()), req.id
    objects = {
        f"{prefix}.{entry[4]}" if prefix else entry[4]
        for prefix, entries in index["objects"].items()
        for entry in entries
    }
    assert set(corpus.needs) <= objects  # every id is an object hit


def test_requirement_text_words_are_indexed_for_its_page(built_site: Path, corpus: Corpus) -> None:
    index = _index(built_site)
    page = index["docnames"].index("req/GS_08")
    # stems of words in GS_08's text ("... under normal operating conditions including prepayment ...")
    # and of its title ("Fifteen-year battery life"), which Sphinx keeps apart
    for kind, words in (("terms", ("prepay", "condit", "oper")), ("titleterms", ("batteri", "fifteen"))):
        for word in words:
            hits = index[kind][word]
            assert page in (hits if isinstance(hits, list) else [hits]), (kind, word)


def test_plain_text_drops_markup() -> None:
    assert plain_text('<p>Uses <a href="x">DAT_A</a> &amp; :need:`B <DAT_B>`.</p>') == "Uses DAT_A & B DAT_B."


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    yield from serve(built_site)


def _search(page: Any, start: str, query: str, shot: str) -> list[str]:
    page.goto(start)
    box = page.locator("input[name=q]").first
    box.fill(query)
    box.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results ul.search li').length > 0"
        " || /did not match|found no/i.test(document.getElementById('search-results')?.textContent || '')",
        timeout=30_000,
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"search-{shot}.png"))
    hrefs: list[str] = page.eval_on_selector_all(
        "#search-results ul.search li > a", "els => els.map(e => e.getAttribute('href'))"
    )
    return hrefs


@pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs /usr/bin/chromium (Debian package 'chromium')")
def test_typing_an_id_in_the_search_box_puts_its_page_first(
    server: str, built_site: Path, corpus: Corpus
) -> None:
    with browser_page() as page:
        for query, expected in IDS:
            hrefs = _search(page, f"{server}/index.html", query, query)
            assert hrefs, f"no result for {query}"
            first = hrefs[0].split("?")[0]
            assert first == expected or first.startswith(expected + "#"), (query, hrefs[:3])
        # one id of every need type, picked at random (seeded), goes to its own page too
        rng = random.Random(1515)
        for kind in sorted({n.directive for n in corpus.needs.values()}):
            need = rng.choice(
                sorted((n for n in corpus.needs.values() if n.directive == kind), key=lambda n: n.id)
            )
            page_of = corpus.location(need.id).file.removeprefix("spec/").rsplit(".", 1)[0]
            want = f"req/{need.id}.html" if kind == "req" else f"{page_of}.html#{need.id}"
            hrefs = _search(page, f"{server}/index.html", need.id, f"type-{kind}")
            assert hrefs and hrefs[0].split("?")[0].startswith(want), (need.id, hrefs[:3])
        # offline, from the files themselves
        hrefs = _search(page, (built_site / "index.html").as_uri(), "GS_08", "GS_08-file")
        assert hrefs[0].startswith("req/GS_08.html"), hrefs[:3]


@pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs /usr/bin/chromium (Debian package 'chromium')")
def test_a_phrase_from_a_requirement_finds_it(server: str, corpus: Corpus) -> None:
    """Three words in a row from the text (not the title) of requirements picked at random."""
    picked = random.Random(15).sample(sorted(corpus.requirements, key=lambda r: r.id), 3)
    with browser_page() as page:
        for req in picked:
            words = re.findall(r"[A-Za-z]{4,}", req.content.replace("smart metering system shall", ""))
            phrase = " ".join(words[2:5])
            hrefs = _search(page, f"{server}/index.html", phrase, f"phrase-{req.id}")
            assert f"req/{req.id}.html" in [h.split("#")[0] for h in hrefs[:10]], (phrase, hrefs[:10])
