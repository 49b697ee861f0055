"""The last index's word maps kept as numbers (smets_spec.sphinx.searchfrozen): Sphinx's searchindex.js."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from sphinx.search import IndexBuilder, js_index

from clitools import EditedBuilt, counted_build
from sitecompare import differences
from smets_spec.sphinx import searchfrozen, searchmemory
from test_search_memory import _dump, _index, _page, _reference

_USED: list[bool] = []


def _loaded(text: str, trusted: bool) -> IndexBuilder:
    index = _index(True)
    if trusted:
        searchmemory.trust(index)
    index.load(io.StringIO(text), js_index)
    assert (getattr(index, "_frozen", None) is not None) == trusted
    return index


def _step(rng: random.Random, pages: list[str], indexes: list[IndexBuilder], direct: bool = False) -> None:
    """A page fed, or its terms added straight, or a prune (``direct``: no page fed Sphinx's way, as
    in the build of an edit, where each page written goes through the contribution cache)."""
    step = rng.uniform(0.55, 1.0) if direct else rng.random()
    if step < 0.55:  # a page fed (a loaded one without a prune first now and then: Sphinx re-feeds)
        name = rng.choice(pages)
        doctree = _page(rng, name)
        title = rng.choice(["", "Title", "GS_08 meter"])
        for index in indexes:
            index.feed(name, f"{name}.html", title, doctree)
        if rng.random() < 0.5:
            for index in indexes[1:]:
                searchmemory.settle(index)
    elif step < 0.7:  # a page's terms added straight into the stores (the contribution cache's way)
        name = rng.choice([p for p in pages if p not in indexes[0]._titles] or ["none"])
        if name == "none":
            return
        words = rng.sample(["meter", "gas", "w1", "w2", "w3", "tariff", "w9"], rng.randint(0, 4))
        titles = rng.sample(["meter", "title", "w1"], rng.randint(0, 2))
        plain = indexes[0]
        plain._titles[name], plain._filenames[name], plain._all_titles[name] = "T", f"{name}.html", []
        for word in titles:
            plain._title_mapping.setdefault(word, set()).add(name)
        for word in words:
            plain._mapping.setdefault(word, set()).add(name)
        plain._index_entries[name] = []
        sets = rng.random() < 0.3  # the contribution cache's way with SMETS_SEARCH_DIRECT=off
        for index in indexes[1:]:
            index._titles[name], index._filenames[name], index._all_titles[name] = "T", f"{name}.html", []
            if sets:
                for word in titles:
                    index._title_mapping.setdefault(word, set()).add(name)
                for word in words:
                    index._mapping.setdefault(word, set()).add(name)
            else:
                assert searchmemory.add_page(index, name, titles, words)
            index._index_entries[name] = []
    else:
        keep = set(rng.sample(pages, rng.randint(len(pages) // 2, len(pages))))
        for index in indexes:
            index.prune(keep)


@pytest.mark.parametrize("seed", range(60))
def test_the_maps_kept_as_numbers_write_what_sphinx_writes(seed: int) -> None:
    """Seeded feeds, prunes and loads: Sphinx's index, the compact one loaded into names, and the
    compact one loaded as numbers write the same searchindex.js."""
    rng = random.Random(seed)
    pages = [f"p{n:02d}" for n in range(rng.randint(2, 25))]
    indexes = [_index(False), _index(True), _index(True)]
    for _ in range(rng.randint(3, 20)):
        _step(rng, pages, indexes)
    for _ in range(rng.randint(1, 3)):  # builds: each loads what the last one wrote
        plain = indexes[0]
        if not plain._titles:
            return
        text = _reference(plain)
        assert _dump(indexes[1]) == text and _dump(indexes[2]) == text
        plain = _index(False)
        plain.load(io.StringIO(text), js_index)
        indexes = [plain, _loaded(text, False), _loaded(text, True)]
        if rng.random() < 0.3:  # new pages: the numbers of the loaded ones move
            pages = [*pages, f"p{rng.randint(0, 99):02d}a"]
        direct = rng.random() < 0.5
        if direct and rng.random() < 0.7:  # pages written again: pruned first, then fed
            again = rng.sample(pages, rng.randint(1, len(pages)))
            for index in indexes:
                index.prune(set(pages) - set(again))
        for _ in range(rng.randint(0, 12)):
            _step(rng, pages, indexes, direct)
        _USED.append(getattr(indexes[2], "_frozen", None) is not None)
    if indexes[0]._titles:
        text = _reference(indexes[0])
        assert _dump(indexes[1]) == text
        assert _dump(indexes[2]) == text
        assert indexes[2].freeze() == indexes[0].freeze()


def test_some_seeds_wrote_from_the_numbers() -> None:
    """(after the seeded test, in the same process) the maps as numbers were written, not thawed"""
    if not _USED:
        pytest.skip("run with the seeded test")
    assert sum(_USED) >= 5


def test_a_page_with_no_number_is_lost() -> None:
    loaded = searchfrozen.Loaded(["a", "b"], {"meter": [0, 1], "gas": 1}, {})
    loaded.unknown()  # (a page fed Sphinx's way)
    loaded.prune({"a", "b"})
    with pytest.raises(searchfrozen.LostPageError):
        loaded.term_maps({}, {}, {"a": 0})
    loaded.prune({"a"})
    terms, _ = loaded.term_maps({"tariff": "c"}, {}, {"a": 0, "c": 1})
    assert dict(terms) == {"meter": 0, "gas": [], "tariff": 1}


def test_switched_off_loads_into_names(monkeypatch: Any) -> None:
    plain = _index(False)
    plain.feed("a", "a.html", "Title", _page(random.Random(2), "a"))
    text = _reference(plain)
    monkeypatch.setenv(searchfrozen.SWITCH, "off")
    index = _index(True)
    searchmemory.trust(index)
    index.load(io.StringIO(text), js_index)
    assert getattr(index, "_frozen", None) is None
    assert _dump(index) == text


def test_the_words_of_pages_fed_again_are_patched() -> None:
    """Numbers kept and every fed page known: only the words a page gained or lost change."""
    loaded = searchfrozen.Loaded(["a", "b", "c"], {"meter": [0, 1], "gas": 1, "old": [], "w": 2}, {})
    loaded.prune({"a", "c"})
    loaded.note_fed("b", [], ["meter", "tariff"])
    terms, _ = loaded.term_maps({"meter": "b", "tariff": "b"}, {}, {"a": 0, "b": 1, "c": 2})
    assert sorted(terms) == [("gas", []), ("meter", [0, 1]), ("old", []), ("tariff", 1), ("w", 2)]


def _count_shifted(monkeypatch: Any) -> list[int]:
    """:func:`~searchfrozen._shifted` counted: one item a call."""
    calls: list[int] = []
    shifted = searchfrozen._shifted

    def counted(*args: Any) -> Any:
        calls.append(1)
        return shifted(*args)

    monkeypatch.setattr(searchfrozen, "_shifted", counted)
    return calls


def _both_ways(
    loaded: Any, fed: dict[str, Any], fn2index: dict[str, int], monkeypatch: Any
) -> dict[str, Any]:
    """The word map :meth:`~searchfrozen.Loaded.term_maps` writes, the numbers moved; the same as
    Sphinx's rule from sets gives (``SMETS_SEARCH_SHIFT=off``)."""
    calls = _count_shifted(monkeypatch)
    terms, _ = loaded.term_maps(fed, {}, fn2index)
    assert calls == [1, 1]  # (the words and the title words)
    monkeypatch.setenv(searchfrozen.SHIFT_SWITCH, "off")
    old_way, _ = loaded.term_maps(fed, {}, fn2index)
    monkeypatch.delenv(searchfrozen.SHIFT_SWITCH)
    assert calls == [1, 1] and sorted(terms) == sorted(old_way)
    return dict(terms)


def test_the_numbers_of_pages_added_and_removed_are_moved(monkeypatch: Any) -> None:
    """A page added (the numbers after it move up) and one removed (down): every word's numbers
    moved, the fed pages' words patched, as Sphinx's rule writes them."""
    frozen = {"meter": [0, 1], "gas": 1, "old": [], "w": 2, "x": [0, 2]}
    added = searchfrozen.Loaded(["a", "b", "c"], dict(frozen), {})
    added.prune({"a", "c"})  # b written again, and the new page ab
    added.note_fed("b", [], ["meter", "tariff"])
    added.note_fed("ab", [], ["gas", "w"])
    stores = {"meter": "b", "tariff": "b", "gas": "ab", "w": "ab"}  # the fed pages' words by name
    terms = _both_ways(added, stores, {"a": 0, "ab": 1, "b": 2, "c": 3}, monkeypatch)
    assert terms == {"meter": [0, 2], "gas": 1, "old": [], "w": [1, 3], "x": [0, 3], "tariff": 2}
    removed = searchfrozen.Loaded(["a", "b", "c"], dict(frozen), {})
    removed.prune({"a", "c"})  # b removed
    terms = _both_ways(removed, {}, {"a": 0, "c": 1}, monkeypatch)
    assert terms == {"meter": 0, "gas": [], "old": [], "w": 1, "x": [0, 1]}
    swapped = searchfrozen.Loaded(
        ["a", "b"], {"w": [0, 1]}, {}
    )  # (not the loaded pages' order: Sphinx's way)
    assert swapped._moved({"a": 1, "b": 0}) is None


def test_some_seeds_moved_the_numbers(monkeypatch: Any) -> None:
    """Seeded feeds, prunes and loads with pages added (the seeded test above), the numbers moved
    by :func:`~searchfrozen._shifted` in some of them: what Sphinx writes."""
    calls = _count_shifted(monkeypatch)
    for seed in range(60, 160):
        test_the_maps_kept_as_numbers_write_what_sphinx_writes(seed)
    assert len(calls) >= 10


def _build(root: Path, out: Path, switch: str) -> int:
    """Build ``out`` with ``SMETS_SEARCH_FROZEN`` set to ``switch``; the word maps patched (0, 2)."""
    settings = {"SMETS_CACHE_DIR": str(root.parent / f"cache-{switch}"), "SMETS_SEARCH_FROZEN": switch}
    return counted_build(root, out, ("smets_spec.sphinx.searchfrozen", "_patched"), settings, "-j", "1")


def test_an_edit_built_with_the_maps_kept_as_numbers_gives_the_same_site(
    edited_60_serial: EditedBuilt,
) -> None:
    """A title and text edit (the pages keep their numbers: the maps patched) built from one
    built site and its copy (conftest's ``edited_60_serial``, its "on" side shared with other
    tests): the same searchindex.js and
    site as with ``SMETS_SEARCH_FROZEN=off``. (Edits that add and delete pages, the numbers moving,
    are in the seeded test above and in ``test_search_unchanged.py``.)"""
    _, on, root, sites = edited_60_serial.again()
    edits = [on[("smets_spec.sphinx.searchfrozen", "_patched")], _build(root, sites["off"], "off")]
    assert edits == [2, 0]
    assert (sites["on"] / "searchindex.js").read_bytes() == (sites["off"] / "searchindex.js").read_bytes()
    assert differences(sites["on"], sites["off"]) == []


@pytest.mark.parametrize("switch", ["on", "off"])
def test_the_collector_waits_while_the_index_is_loaded_and_written(
    switch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SMETS_SEARCH_GC``: paused inside (on), running (off), and as it was after."""
    import gc

    from smets_spec.sphinx import searchreuse

    monkeypatch.setenv(searchreuse.GC_SWITCH, switch)
    assert gc.isenabled()
    with searchreuse._paused():
        assert gc.isenabled() == (switch == "off")
    assert gc.isenabled()
