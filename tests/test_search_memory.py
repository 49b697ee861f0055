"""The search index held compactly (smets_spec.sphinx.searchmemory) writes Sphinx's searchindex.js exactly."""

from __future__ import annotations

import io
import random
import sys
import tracemalloc
from types import SimpleNamespace
from typing import Any

import pytest
from docutils import nodes
from sphinx.search import IndexBuilder, js_index
from sphinx.util.docutils import new_document

from smets_spec.sphinx import searchmemory

#: stems that collide ("meter", "meters", "metering") and words the filter drops ("a", "of")
_WORDS = [
    *("meter", "meters", "metering", "tariff", "tariffs", "gas", "electricity", "a", "of", "the"),
    *("supply", "12", "GS_08", "valve", "credit"),
]


def _env() -> Any:
    domains = SimpleNamespace(sorted=lambda: [])
    env = SimpleNamespace(domains=domains, version={"sphinx": 1})
    for name in ("titles", "filenames", "mapping", "title_mapping", "all_titles", "index_entries"):
        setattr(env, f"_search_index_{name}", {})
    env._search_index_objtypes, env._search_index_objnames = {}, {}
    return env


def _index(compact: bool) -> IndexBuilder:
    index = IndexBuilder(_env(), "en", {}, "")
    if compact:
        searchmemory.adopt(index)
    return index


def _page(rng: random.Random, name: str) -> nodes.document:
    document = new_document(f"{name}.rst")
    for n in range(rng.randint(1, 3)):
        section = nodes.section(ids=[f"s{n}"])
        section += nodes.title(text=" ".join(rng.choices(_WORDS, k=rng.randint(1, 3))))
        section += nodes.paragraph(text=" ".join(rng.choices([*_WORDS, f"w{rng.randint(0, 400)}"], k=8)))
        document += section
    return document


def _dump(index: IndexBuilder) -> str:
    out = io.StringIO()
    index.dump(out, js_index)
    return out.getvalue()


def _reference(index: IndexBuilder) -> str:
    """What Sphinx's own dump writes: its frozen index through ``js_index`` (used on the plain one)."""
    return js_index.dumps(index.freeze())


@pytest.mark.parametrize("seed", range(40))
def test_the_compact_index_writes_what_sphinxs_writes_after_random_feeds_prunes_and_loads(seed: int) -> None:
    rng = random.Random(seed)
    plain, compact = _index(False), _index(True)
    pages = [f"p{n}" for n in range(rng.randint(1, 30))]
    for _ in range(rng.randint(1, 60)):
        step = rng.random()
        if step < 0.7:  # a page fed (sometimes again, without a prune: Sphinx re-feeds)
            name = rng.choice(pages)
            doctree = _page(rng, name)
            title = rng.choice(["", "Title", "GS_08 meter"])
            for index in (plain, compact):
                index.feed(name, f"{name}.html", title, doctree)
            if rng.random() < 0.5:
                searchmemory.settle(compact)
        elif step < 0.85:
            keep = set(rng.sample(pages, rng.randint(0, len(pages))))
            plain.prune(keep)
            compact.prune(keep)
        elif plain._titles:  # loaded back from what was written, as an incremental build does (Sphinx
            # cannot write an index of no page)
            text = _reference(plain)
            assert _dump(compact) == text
            plain, compact = _index(False), _index(True)
            plain.load(io.StringIO(text), js_index)
            compact.load(io.StringIO(text), js_index)
    assert set(compact._titles) == set(plain._titles)
    if plain._titles:
        assert _dump(compact) == _reference(plain)
        assert compact.freeze() == plain.freeze()


def test_a_big_word_map_is_written_in_slices_with_the_same_text() -> None:
    rng = random.Random(7)
    plain, compact = _index(False), _index(True)
    for n in range(60):
        doctree = new_document(f"p{n}.rst")
        doctree += nodes.paragraph(text=" ".join(f"x{rng.randint(0, 30000)}" for _ in range(400)))
        for index in (plain, compact):
            index.feed(f"p{n}", f"p{n}.html", f"T{n}", doctree)
        searchmemory.settle(compact)
    assert len(compact._words) > searchmemory.SLICE  # type: ignore[attr-defined]
    assert _dump(compact) == _reference(plain)


def test_settled_words_take_a_fraction_of_sphinxs_sets() -> None:
    """One or two pages a word (most of the site's words): the compact store is under a third."""
    rng = random.Random(3)
    docs = [new_document(f"p{n}.rst") for n in range(300)]
    for n, doctree in enumerate(docs):
        doctree += nodes.paragraph(text=" ".join(f"u{n}x{k} v{rng.randint(0, 20000)}" for k in range(60)))
    sizes = []
    for compact in (False, True):
        index = _index(compact)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for n, doctree in enumerate(docs):
            index.feed(f"p{n}", f"p{n}.html", "", doctree)
            searchmemory.settle(index)
        sizes.append(tracemalloc.get_traced_memory()[0] - before)
        tracemalloc.stop()
        del index
    plain_size, compact_size = sizes
    assert compact_size < plain_size * 0.6, (plain_size, compact_size)
    assert sys.getsizeof(set()) > 150  # why: a set costs this however few pages it holds


class _Held:
    """Stands for the build's contribution cache."""

    def __init__(self) -> None:
        self.fed: list[str] = []


def _wrap(index: IndexBuilder, held: _Held) -> None:
    """Wrap ``feed`` and ``prune`` on the instance, as searchcache and search do, holding ``held``."""
    original_feed, original_prune = index.feed, index.prune

    def feed(docname: str, filename: str, title: str, doctree: nodes.document) -> None:
        held.fed.append(docname)
        original_feed(docname, filename, title, doctree)

    def prune(docnames: Any) -> None:
        original_prune(set(docnames) | set(held.fed))

    index.feed, index.prune = feed, prune  # type: ignore[method-assign,assignment]


def test_release_lets_go_of_what_the_wrapped_methods_hold() -> None:
    """The contribution cache lives in the ``feed`` searchcache puts on the index: released with it."""
    import gc
    import weakref

    index, held = _index(compact=True), _Held()
    alive = weakref.ref(held)
    _wrap(index, held)
    del held
    index.feed("a", "a.rst", "Meter", _page(random.Random(1), "a"))
    index.prune([])
    assert "a" in index._titles
    gc.collect()
    assert alive() is not None  # the wrapped feed keeps it
    searchmemory.release(index)
    gc.collect()
    assert alive() is None
    assert "feed" not in vars(index) and "prune" not in vars(index)
    index.prune([])  # the class's own prune again
    assert "a" not in index._titles


def _wordy_page(rng: random.Random, name: str) -> nodes.document:
    """Sections, raw HTML (read by Sphinx's collector through its HTML text), a meta node and
    many repeats."""
    document = _page(rng, name)
    for n in range(rng.randint(0, 3)):
        words = " ".join(rng.choices([*_WORDS, f"r{rng.randint(0, 50)}"], k=rng.randint(0, 30)))
        document += nodes.raw("", f"<p>{words}</p><script>var x{n} = 1;</script>", format="html")
        section = nodes.section(ids=[f"t{n}"])
        section += nodes.title(text=" ".join(rng.choices(_WORDS, k=rng.randint(1, 4))))
        document += section
    return document


@pytest.mark.parametrize("seed", range(30))
def test_the_collector_keeps_each_word_once_in_first_place(seed: int) -> None:
    """What the compact index collects is Sphinx's collection with each word once, at its first place
    (what searchcache.distinct makes of it, and what a repeat adds to the index: nothing)."""
    from smets_spec.sphinx.searchcache import distinct

    rng = random.Random(seed)
    plain, compact = _index(compact=False), _index(compact=True)
    doctree = _wordy_page(rng, "p")
    got, full = compact._word_collector(doctree), plain._word_collector(doctree)
    assert len(full.words) > len(got.words) or len(set(full.words)) == len(full.words)
    once = distinct(full)
    assert (got.words, got.title_words, got.titles) == (once.words, once.title_words, once.titles)
    assert type(got.words) is list and type(got.title_words) is list


def test_a_page_of_repeated_words_is_collected_in_a_fraction_of_the_memory() -> None:
    rng = random.Random(11)
    doctree = new_document("big.rst")
    for _ in range(200):
        doctree += nodes.paragraph(text=" ".join(f"w{rng.randint(0, 500)}" for _ in range(400)))
    peaks = []
    for compact in (False, True):
        index = _index(compact)
        tracemalloc.start()
        store = index._word_collector(doctree)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        del store
    assert peaks[1] < 0.3 * peaks[0], peaks


@pytest.mark.parametrize("seed", range(6))
def test_the_index_read_into_the_stores_is_what_sphinxs_load_then_settle_makes(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    plain = _index(False)
    for n in range(rng.randint(2, 25)):
        plain.feed(f"p{n}", f"p{n}.html", rng.choice(["", "Title", "GS_08 meter"]), _page(rng, f"p{n}"))
    kept = rng.sample(sorted(plain._titles), rng.randint(1, len(plain._titles)))
    plain.prune(set(kept))  # (words of no page stay)
    text = _reference(plain)
    direct = _index(True)
    direct.load(io.StringIO(text), js_index)
    monkeypatch.setenv("SMETS_SEARCH_LOAD", "off")
    settled = _index(True)
    settled.load(io.StringIO(text), js_index)
    for name in ("_words", "_title_words", "_titles", "_filenames", "_all_titles", "_mapping"):
        assert getattr(direct, name) == getattr(settled, name), name
    assert list(direct._words) == list(settled._words)  # the same order of words
    assert _dump(direct) == _dump(settled) == text


def test_a_prune_that_drops_no_page_does_not_walk_the_words(monkeypatch: pytest.MonkeyPatch) -> None:
    plain, compact = _index(False), _index(True)
    for index in (plain, compact):
        for n in range(5):
            index.feed(f"p{n}", f"p{n}.html", "", _page(random.Random(n), f"p{n}"))
    walked: list[set[str]] = []
    real = searchmemory._prune
    monkeypatch.setattr(searchmemory, "_prune", lambda store, keep: walked.append(keep) or real(store, keep))
    for keep in ({"p0", "p1", "p2", "p3", "p4", "other"}, {"p1", "p2", "p3", "p4"}, {"p1", "p2", "p3", "p4"}):
        plain.prune(keep)
        compact.prune(keep)
        assert _dump(compact) == _reference(plain)
    assert walked == [{"p1", "p2", "p3", "p4"}] * 2  # the words walked once, when p0 went


@pytest.mark.parametrize("seed", range(6))
def test_the_words_written_are_sphinxs_get_terms_of_the_same_sets(seed: int) -> None:
    """searchmemory._terms (a word of one page without a set) gives, word for word, what Sphinx's
    get_terms gives for the sets the store stands for, as the set-per-word way did
    (``SMETS_SEARCH_TERMS_OUT=off``): pages outside the index, repeats, emptied words."""
    rng = random.Random(seed)
    pages = [f"p{n}" for n in range(12)]
    fn2index = {name: n for n, name in enumerate(rng.sample(pages, 8))}  # some pages not written
    store: dict[str, searchmemory.Pages] = {}
    for n in range(400):
        kind = rng.random()
        if kind < 0.4:
            store[f"w{n}"] = rng.choice(pages)
        else:
            store[f"w{n}"] = [rng.choice(pages) for _ in range(rng.randrange(0 if kind < 0.5 else 1, 6))]
    index: Any = IndexBuilder(_env(), "en", {}, "")
    index._mapping = {w: {h} if isinstance(h, str) else set(h) for w, h in store.items()}
    expected = index.get_terms(fn2index)[0]
    assert list(searchmemory._terms(store, fn2index)) == list(expected.items())
    assert list(searchmemory._terms_of_sets(store, fn2index)) == list(expected.items())
