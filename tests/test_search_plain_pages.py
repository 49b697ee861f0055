"""The requirement pages' search contributions made from their texts' words and the build's terms
(``SMETS_SEARCH_PLAIN_PAGES``), the build's stemmer without PyStemmer's cache
(``SMETS_STEM_UNCACHED``), and the contributions' shards written as before (issue 20: the cold
build's main process)."""

from __future__ import annotations

import functools
import json
import random
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from snowballstemmer.english_stemmer import EnglishStemmer  # type: ignore[import-untyped]
from sphinx.search import IndexBuilder
from sphinx.search.en import SearchEnglish

from clitools import FirstBuilt, counted_calls
from searchenv import scratch_env
from sitecompare import differences
from smets_spec.corpus.load import Corpus
from smets_spec.sphinx import search, searchcache

PLAIN = ("smets_spec.sphinx.searchcache", "plain_contribution")


def _scratch() -> Any:
    return IndexBuilder(scratch_env(), "en", {}, "")


def _pages(corpus: Corpus) -> list[tuple[Any, str, str]]:
    """Each requirement, its page's title and its text, as :func:`search.feed_requirement_pages`
    makes them (the text from the requirement's own reST here, not the card's HTML)."""
    return [
        (req, " ".join(f"{req.id} {req.title}".split()), search.plain_text(req.content or ""))
        for req in corpus.requirements
    ]


def test_every_requirement_page_gets_the_contribution_sphinx_feeds(corpus: Corpus) -> None:
    """This repository's requirements: each page's contribution from its texts' words and one
    :class:`searchcache.Terms` for all of them (as a build's pages share it) is exactly what
    Sphinx's feed makes of the page's doctree, page by page, its words stemmed by the feed."""
    sphinx_side, plain_side, collector = _scratch(), _scratch(), _scratch()
    terms = searchcache.Terms(plain_side.lang)
    pages = _pages(corpus)
    assert len(pages) > 100
    for req, title, text in pages:
        docname, filename = f"req/{req.id}", f"req/{req.id}.html"
        doctree = search._doctree(req, text)
        fed = searchcache._compute(
            sphinx_side, docname, filename, title, doctree, collector._word_collector(doctree)
        )
        _, heading, body, fields = search._doctree_parts(req, text)
        store = searchcache.plain_store(plain_side.lang.split, heading, (body, fields))
        assert searchcache.plain_contribution(terms, filename, title, store) == fed, req.id
    assert len(terms.words) > 500  # the words' terms worked out once for all the pages


def test_a_page_with_no_text_and_one_with_a_null_escape() -> None:
    """An empty text adds no word; a text holding ``\\x00`` (which docutils' unescaping of a text
    node would remove) is left to Sphinx's feed; no terms: Sphinx's feed too."""
    scratch = _scratch()
    terms = searchcache.Terms(scratch.lang)
    store = searchcache.plain_store(scratch.lang.split, "GS_08 Meter balance", ("", "GS_08 ESME"))
    made = searchcache.plain_contribution(terms, "req/GS_08.html", "GS_08 Meter balance", store)
    assert made == {
        "title": "GS_08 Meter balance",
        "file": "req/GS_08.html",
        "titles": [["GS_08 Meter balance", None]],
        "tterms": ["gs_08", "meter", "balanc"],
        "terms": ["esm"],
        "entries": [],
    }
    assert searchcache.plain_store(scratch.lang.split, "A title", ("a \x00text", "")) is None
    assert searchcache.plain_contribution(terms, "f.html", "T", None) is None
    assert searchcache.plain_contribution(None, "f.html", "T", store) is None


def test_the_stems_are_the_same_without_pystemmers_cache(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every word of this repository's requirement pages (and each one again, past the cache's
    10,000 words) stems the same with the cache turned off; the switch off keeps the cache; a
    stemmer that is not PyStemmer's is left alone."""
    monkeypatch.delenv(searchcache.STEM_SWITCH, raising=False)
    cached, uncached = SearchEnglish({}), SearchEnglish({})
    assert cached.stemmer.maxCacheSize == 10_000
    assert searchcache.uncached(uncached) is True
    assert uncached.stemmer.maxCacheSize == 0
    written = [word for _, title, text in _pages(corpus) for word in cached.split(f"{title} {text}")]
    suffixes = "- s es ing ed er ers ation ations ness ly ies ment ments ize ized izing ise ised ful less"
    suffixes += " able ably ity"
    endings = [suffix.strip("-") for suffix in suffixes.split()]
    words = [word + suffix for word in dict.fromkeys(written) for suffix in endings]
    assert len(set(words)) > 12_000
    words += written + words[::-1]  # words met again, in and past the cache
    assert [uncached.stem(word) for word in words] == [cached.stem(word) for word in words]
    monkeypatch.setenv(searchcache.STEM_SWITCH, "off")
    kept = SearchEnglish({})
    assert searchcache.uncached(kept) is False and kept.stemmer.maxCacheSize == 10_000
    monkeypatch.delenv(searchcache.STEM_SWITCH)
    python = SimpleNamespace(stemmer=EnglishStemmer())
    assert searchcache.uncached(python) is False


def _saved_as_before(
    cache: searchcache.PageCache, keep: set[str], stored: dict[int, dict[str, Any]]
) -> list[Any]:
    """``PageCache.save`` as it was: each page's shard worked out again for every shard written."""
    writes = []
    dirty = set(cache.dirty)
    for n, left in cache.loaded.items():
        if any(name not in keep for name in left):
            dirty.add(n)
    for n in sorted(dirty):
        old = dict(stored.get(n, {}))
        merged = {name: item for name, item in old.items() if name in keep and name not in cache.used}
        for name, (key, computed) in cache.used.items():
            if cache._number(name) != n:
                continue
            if computed is not None:
                merged[name] = [key, computed]
            elif name in old:
                merged[name] = old[name]
        writes.append((cache._shard_key(n), list(merged.items())))
    return writes


@pytest.mark.parametrize("seed", range(6))
def test_the_shards_are_written_as_before(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages looked up (computed or as stored), pages stored and kept or gone, shards read and
    not: the same shards written, each with the same items in the same order."""
    rng = random.Random(seed)
    names = [f"sec/page-{k}" for k in range(300)]
    stored: dict[int, dict[str, Any]] = {}
    for name in rng.sample(names, 200):
        stored.setdefault(searchcache.PageCache._number(name), {})[name] = ["old", {"title": name}]
    monkeypatch.setattr(searchcache, "read_regular_entry", lambda kind, key: None)
    cache = searchcache.PageCache("context", None)
    monkeypatch.setattr(cache, "_read", lambda n: dict(stored.get(n, {})))
    for name in rng.sample(names, 150):
        n = cache._number(name)
        cache.loaded.setdefault(n, dict(stored.get(n, {})))
        if rng.random() < 0.5:
            cache.contribution(name, f"k-{name}", functools.partial(dict, title=name))
        else:
            cache.used[name] = (f"k-{name}", None)
            cache.loaded[n].pop(name, None)
    keep = set(rng.sample(names, 250))
    expected = _saved_as_before(cache, keep, stored)
    written: list[Any] = []
    monkeypatch.setattr(
        searchcache, "write_entry", lambda kind, key, value: written.append((key, list(value.items())))
    )
    cache.save(keep)
    assert written == expected
    assert len(written) > 5


def test_a_cold_build_gives_the_same_site_with_the_switches_on_and_off(first_built_60: FirstBuilt) -> None:
    """conftest's ``first_built_60`` (a cold build, every switch on: each of its requirement pages'
    contributions made from its words) against a cold build of the same project with both
    switches off: the same site, searchindex.js and needs.json byte for byte."""
    root, counts = first_built_60.again()
    on, off = first_built_60.sites["on"], first_built_60.sites["off"]
    built = json.loads((on / "needs.json").read_text(encoding="utf-8"))
    needs = built["versions"][built["current_version"]]["needs"].values()
    assert counts[PLAIN] == sum(need["type"] == "req" for need in needs) > 60  # each page's, once
    work = first_built_60.base / "work"
    shutil.rmtree(off, ignore_errors=True)
    settings = {
        "SMETS_CACHE_DIR": str(work / "cache-off"),
        searchcache.PLAIN_SWITCH: "off",
        searchcache.STEM_SWITCH: "off",
    }
    (plain,) = counted_calls(root, off, [PLAIN], settings, "-j", first_built_60.jobs)
    assert plain == 0
    for name in ("searchindex.js", "needs.json"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name
    assert differences(on, off) == []


def test_the_switches_are_documented() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    for switch in (searchcache.PLAIN_SWITCH, searchcache.STEM_SWITCH):
        assert f"{switch}=off" in text
