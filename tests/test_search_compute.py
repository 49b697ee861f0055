"""A page's search contribution computed from its distinct words (searchcache.distinct) is exactly
what Sphinx's own feed makes from every word; searchcache._apply adds it as Sphinx's feed would."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sphinx.search import IndexBuilder, WordStore

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


def _env() -> Any:
    return SimpleNamespace(
        domains=SimpleNamespace(sorted=lambda: []),
        version={},
        _search_index_titles={},
        _search_index_filenames={},
        _search_index_mapping={},
        _search_index_title_mapping={},
        _search_index_all_titles={},
        _search_index_index_entries={},
        _search_index_objtypes={},
        _search_index_objnames={},
    )


def _sphinx_feed(store: WordStore) -> dict[str, Any]:
    """Sphinx's own feed of the page, every word as collected, on a fresh index."""
    index: Any = IndexBuilder(_env(), "en", {}, "")
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


_SCRATCH: Any = IndexBuilder(_env(), "en", {}, "")  # one scratch index for every example, as in a build


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
    index: Any = IndexBuilder(_env(), "en", {}, "")
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
