"""A page's search contribution computed from its distinct words (searchcache.distinct) is exactly
what Sphinx's own feed makes from every word; searchcache._apply adds it as Sphinx's feed would."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sphinx.search import IndexBuilder, WordStore

from searchenv import scratch_env
from smets_spec.sphinx import searchcache

#: words whose stems collide, stop words, digits, case variants, ids Sphinx splits
VOCABULARY = [
    "the",
    "and",
    "a",
    "is",
    "be",
    "meter",
    "meters",
    "metering",
    "Meter",
    "METERS",
    "2011",
    "42",
    "running",
    "runs",
    "run",
    "GS",
    "08",
    "tariff",
    "tariffs",
    "Tariff",
    "supply",
    "supplies",
    "élan",
    "connection",
    "connected",
    "connects",
    "data",
    "datum",
    "s",
    "x1",
    "prepayment",
]
_WORDS = st.lists(st.sampled_from(VOCABULARY) | st.text("abcdeést01", min_size=1, max_size=6), max_size=60)


def _sphinx_feed(store: WordStore) -> dict[str, Any]:
    """Sphinx's own feed of the page, every word as collected, on a fresh index."""
    index: Any = IndexBuilder(scratch_env(), "en", {}, "")
    index._word_collector = lambda _doctree: store
    index.feed("sec/page", "sec/page.rst", "Page", SimpleNamespace(findall=lambda _cls: []))
    return {
        "title": index._titles["sec/page"],
        "file": index._filenames["sec/page"],
        "titles": [list(pair) for pair in index._all_titles["sec/page"]],
        "tterms": list(index._title_mapping),
        "terms": list(index._mapping),
        "entries": [list(e) for e in index._index_entries["sec/page"]],
    }


_SCRATCH: Any = IndexBuilder(
    scratch_env(), "en", {}, ""
)  # one scratch index for every example, as in a build


@settings(max_examples=300, deadline=None)
@given(words=_WORDS, title_words=_WORDS)
def test_distinct_words_give_sphinx_s_contribution(words: list[str], title_words: list[str]) -> None:
    store = WordStore(words=words, titles=[("Page", None), ("Part", "part")], title_words=title_words)
    doctree = SimpleNamespace(findall=lambda _cls: [])
    ours = searchcache._compute(_SCRATCH, "sec/page", "sec/page.rst", "Page", doctree, store)
    assert ours == _sphinx_feed(store)  # the same terms in the same order, titles, entries


def test_distinct_keeps_first_places() -> None:
    store = WordStore(words=["b", "a", "b", "c", "a"], titles=[("T", None)], title_words=["t", "u", "t"])
    once = searchcache.distinct(store)
    assert (once.words, once.title_words, once.titles) == (["b", "a", "c"], ["t", "u"], [("T", None)])
    assert store.words == ["b", "a", "b", "c", "a"]  # the collected store is left as it was


def test_apply_adds_as_setdefault_does() -> None:
    index: Any = IndexBuilder(scratch_env(), "en", {}, "")
    index._mapping.update({"meter": {"a"}, "suppli": {"b"}})
    index._title_mapping.update({"tariff": {"a"}})
    contribution = {
        "title": "P", "file": "p.rst", "titles": [["P", None]], "tterms": ["tariff", "new"],
        "terms": ["suppli", "run", "meter"], "entries": [["x", "id1", ""]],
    }  # fmt: skip
    searchcache._apply(index, "p", contribution)
    assert index._mapping == {"meter": {"a", "p"}, "suppli": {"b", "p"}, "run": {"p"}}
    assert list(index._mapping) == ["meter", "suppli", "run"]
    assert index._title_mapping == {"tariff": {"a", "p"}, "new": {"p"}}
    assert index._all_titles["p"] == [("P", None)] and index._index_entries["p"] == [("x", "id1", "")]


def test_a_stored_word_list_is_taken_only_when_every_word_is_a_string() -> None:
    assert searchcache._strings([]) == []
    assert searchcache._strings(["meter", "gs_08"]) == ["meter", "gs_08"]
    for bad in (["meter", 1], [None], [["meter"]], "meter", {"meter": 1}, [True]):
        with pytest.raises(TypeError):
            searchcache._strings(bad)


_TERMS = searchcache.Terms(_SCRATCH.lang)  # one memo for every example, as for a build's pages


@settings(max_examples=300, deadline=None)
@given(words=_WORDS, title_words=_WORDS)
def test_terms_kept_across_pages_give_sphinx_s_contribution(words: list[str], title_words: list[str]) -> None:
    """searchcache.Terms (each word's terms worked out once for every page of a build) makes the
    contribution Sphinx's own feed makes, page after page with one memo."""
    store = WordStore(words=words, titles=[("Page", None), ("Part", "part")], title_words=title_words)
    doctree = SimpleNamespace(findall=lambda _cls: [])
    ours = searchcache._compute(_SCRATCH, "sec/page", "sec/page.rst", "Page", doctree, store, _TERMS)
    assert ours == _sphinx_feed(store)
    assert not _TERMS.odd


def test_terms_leave_a_word_stemmed_to_nothing_to_sphinx() -> None:
    """A term "" (a stem the filter keeps) is the one case the memo does not stand for: the page's
    terms come from Sphinx's feed, the same contribution."""
    lang = SimpleNamespace(stem=lambda w: "" if w == "zz" else w, word_filter=lambda w: w != "the")
    terms = searchcache.Terms(lang)
    assert terms.of(WordStore(words=["meter", "the"], title_words=["run"])) == (["run"], ["meter"])
    assert terms.of(WordStore(words=["zz"], title_words=[])) is None and terms.odd
    store = WordStore(words=["zz", "meter"], titles=[("Page", None)], title_words=["run"])
    doctree = SimpleNamespace(findall=lambda _cls: [])
    ours = searchcache._compute(_SCRATCH, "sec/page", "sec/page.rst", "Page", doctree, store, terms)
    assert ours == _sphinx_feed(store)


def test_terms_repeat_this_sphinx_s_feed() -> None:
    """searchcache.Terms repeats the word loops of this Sphinx's IndexBuilder.feed (FEED_CODE);
    when an upgrade changes it, read the new feed, then update FEED_CODE (else Sphinx feeds)."""
    from sphinx.search import IndexBuilder as Builder

    from smets_spec.sphinx.sourcedigest import source_digest

    assert source_digest(Builder.feed) == searchcache.FEED_CODE


def test_terms_kept_in_the_user_cache_are_read_back_and_give_sphinx_s_contribution(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that works out many terms keeps them (searchcache.Terms.save); the next build's
    pages take them from there and make the contribution Sphinx's feed makes; an edit's few new
    words are not written; an entry of another shape is not used."""
    import random

    from smets_spec.corpus.usercache import entry_path, write_entry

    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(searchcache, "TERMS_NEW", 5)
    rng = random.Random(20)
    pages = [
        WordStore(
            words=[rng.choice(VOCABULARY) + rng.choice(["", "s", "ing", "2"]) for _ in range(40)],
            titles=[("Page", None)],
            title_words=rng.sample(VOCABULARY, 4),
        )
        for _ in range(6)
    ]
    doctree = SimpleNamespace(findall=lambda _cls: [])

    def contributions(terms: searchcache.Terms) -> list[dict[str, Any]]:
        return [
            searchcache._compute(_SCRATCH, "sec/page", "sec/page.rst", "Page", doctree, page, terms)
            for page in pages
        ]

    expected = [_sphinx_feed(page) for page in pages]
    first = searchcache.Terms(_SCRATCH.lang, "a" * 64)
    assert contributions(first) == expected
    worked_out = len(first.fresh)
    first.save()
    path = entry_path(searchcache.TERMS_KIND, "a" * 64)
    assert path.is_file()
    second = searchcache.Terms(_SCRATCH.lang, "a" * 64)
    assert contributions(second) == expected
    assert second.fresh == [] and second.fresh_titles == [] and len(second.words) == len(first.words)
    stamp = path.stat().st_mtime_ns
    second.of(WordStore(words=["brandnewword"], title_words=[]))
    second.save()  # one new word: not kept
    assert path.stat().st_mtime_ns == stamp
    bads: list[object] = [
        {"words": {"meter": 1}, "titles": {}},
        {"words": {}},
        ["meter"],
        {"words": [], "titles": {}},
    ]
    for bad in bads:
        write_entry(searchcache.TERMS_KIND, "a" * 64, bad)
        third = searchcache.Terms(_SCRATCH.lang, "a" * 64)
        assert contributions(third) == expected and len(third.fresh) == worked_out


def test_terms_past_the_most_kept_keep_only_a_build_s_own(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More words than TERMS_MOST: only those the build worked out are kept; more of those: none."""
    from smets_spec.corpus.usercache import read_regular_entry

    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(searchcache, "TERMS_NEW", 1)
    first = searchcache.Terms(_SCRATCH.lang, "b" * 64)
    first.of(WordStore(words=["meter", "tariff", "supply"], title_words=["gas"]))
    first.save()
    monkeypatch.setattr(searchcache, "TERMS_MOST", 5)
    second = searchcache.Terms(_SCRATCH.lang, "b" * 64)
    second.of(WordStore(words=["valve", "credit"], title_words=[]))
    second.save()  # 6 words held: only the 2 worked out here are kept
    kept = {"words": ["valve\ncredit", "valv\ncredit", 2], "titles": {}}  # (searchcache._stored)
    assert read_regular_entry(searchcache.TERMS_KIND, "b" * 64) == kept
    third = searchcache.Terms(_SCRATCH.lang, "b" * 64)
    third.of(WordStore(words=[f"w{n}" for n in range(6)], title_words=[]))
    third.save()  # 6 worked out, more than the most kept: nothing written
    assert read_regular_entry(searchcache.TERMS_KIND, "b" * 64) == kept


def test_terms_are_kept_as_lines_and_read_back_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """``searchcache._stored``: two strings of lines (``SMETS_SEARCH_TERMS_LINES=off``, or a word
    with a newline: the object); ``_mapping`` reads both shapes and nothing else."""
    terms = {"meter": "meter", "readings": "read", "the": "", "": "x"}
    assert searchcache._stored(terms) == ["meter\nreadings\nthe\n", "meter\nread\n\nx", 4]
    assert searchcache._mapping(searchcache._stored(terms)) == terms
    assert list(searchcache._mapping(searchcache._stored(terms)) or ()) == list(terms)  # in order
    assert searchcache._stored({}) == {} and searchcache._mapping({}) == {}
    assert searchcache._mapping(["", "", 0]) == {}
    assert searchcache._stored({"two\nlines": "two"}) == {"two\nlines": "two"}
    monkeypatch.setenv(searchcache.LINES_SWITCH, "off")
    assert searchcache._stored(terms) == terms and searchcache._mapping(terms) == terms
    bads: list[object] = [
        ["a\nb", "a", 2],  # fewer terms than words
        ["a\nb", "a\nb", 3],  # another count
        ["a\na", "x\ny", 2],  # a word twice
        ["a", "a"],
        ["a", 1, 1],
        ["", "", 1.0],
        ["x", "", 0],
        {"meter": 1},
        "meter",
    ]
    assert [searchcache._mapping(bad) for bad in bads] == [None] * len(bads)


def test_terms_are_used_by_every_build_or_with_the_switch_off_by_an_incremental_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full build (every document written) uses and keeps the terms too, for the first edit
    after it; ``SMETS_SEARCH_TERMS_FULL=off``: only a build writing at most a quarter of its
    documents uses them."""
    assert all(searchcache.terms_wanted(n, 600) for n in (30, 150, 151, 600))
    monkeypatch.setenv(searchcache.TERMS_FULL_SWITCH, "off")
    assert searchcache.terms_wanted(30, 600) and searchcache.terms_wanted(150, 600)
    assert not searchcache.terms_wanted(151, 600) and not searchcache.terms_wanted(600, 600)
