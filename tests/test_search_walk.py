"""Sphinx's search collector repeated (smets_spec.sphinx.searchwalk) gives Sphinx's words exactly.

Seeded random doctrees (comments, ``no-search``, keyword metas, titles with and without ids, raw
nodes in other formats, raw HTML with ``<style>``/``<script>`` and stray ``<``, texts with
docutils' ``\\x00`` escapes, a text node of its own) are collected by Sphinx's own collector and
by :func:`searchwalk.collect`, texts joined and not, and with the large raw HTML texts' words kept
(:class:`searchwalk.RawWords`); a small generated project is built with the walk and with
``SMETS_SEARCH_WALK=off``, then again with the first build's user cache: the same searchindex.js.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from docutils import nodes
from sphinx.search import WordStore, _feed_visit_nodes
from sphinx.search.en import SearchEnglish
from sphinx.util.docutils import new_document

from clitools import FirstBuilt, counted_build
from smets_spec.sphinx import searchwalk
from smets_spec.sphinx.searchmemory import _Distinct

_WORDS = ["meter", "GS_08", "tariff", "é", "Ünïcode", "12", "a_b", "", " ", "\n", "-", "x", "\x00", "\x00 "]
_TAGS = [
    "<td>",
    "</td>",
    "<b>",
    "</b>",
    "<tr>",
    "</tr>",
    '<tr class="r">',
    "<",
    ">",
    "<br/>",
    "<>",
    '<a t="x>y">',
]
_EXTRA = ["<style>td{}</style>", "<STYLE>tr</STYLE>", "<script>var tr=1</script>", "<!-- c -->"]


class _Shouting(nodes.Text):
    """A text node whose text is not docutils' (split on its own)."""

    def astext(self) -> str:
        return str(self).upper()


def _html(rng: random.Random) -> str:
    parts = rng.choices(_WORDS + _TAGS, k=rng.randint(0, 30))
    if rng.random() < 0.2:
        parts.insert(rng.randint(0, len(parts)), rng.choice(_EXTRA))
    return "".join(parts)


def _text(rng: random.Random) -> str:
    return "".join(rng.choices(_WORDS, k=rng.randint(0, 6)))


def _doctree(rng: random.Random) -> nodes.document:
    document = new_document("page.rst")
    parents: list[nodes.Element] = [document]
    for _ in range(rng.randint(1, 30)):
        parent = rng.choice(parents)
        kind = rng.randrange(9)
        if kind == 0:
            section = nodes.section(ids=rng.choice([[], ["s1"], ["s2", "x"]]))
            section += nodes.title(text=_text(rng))
            parent += section
            parents.append(section)
        elif kind == 1:
            parent += nodes.comment(text=_text(rng))
        elif kind == 2:
            hidden = nodes.container(classes=["no-search"])
            hidden += nodes.paragraph(text=_text(rng))
            parent += hidden
            parents.append(hidden)
        elif kind == 3:
            parent += nodes.meta(name=rng.choice(["keywords", "description"]), content="gas, smart meter ,x")
        elif kind == 4:
            parent += nodes.raw("", _html(rng), format=rng.choice(["html", "latex", "html latex"]))
        elif kind == 5:
            parent += _Shouting(_text(rng))
        else:
            para = nodes.paragraph()
            for _ in range(rng.randint(0, 4)):
                para += nodes.Text(_text(rng))
            parent += para
            parents.append(para)
    return document


@pytest.mark.parametrize("seed", range(3))
def test_raw_html_words_are_sphinxs(seed: int) -> None:
    rng = random.Random(seed)
    lang = SearchEnglish({})
    for _ in range(400):
        node = nodes.raw("", _html(rng), format="html")
        theirs = WordStore(words=[])
        _feed_visit_nodes(node, word_store=theirs, split=lang.split, language="en")
        assert searchwalk.whole(node.astext(), lang.split) == theirs.words, repr(node.astext())


def _store() -> Any:
    return WordStore(words=_Distinct(), title_words=_Distinct())


@pytest.mark.parametrize("seed", range(4))
def test_collect_is_sphinxs_walk(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchwalk, "_BATCH", [1 << 14, 8][seed % 2])  # texts split in batches too
    monkeypatch.setenv(searchwalk.RAW_TEXT_SWITCH, ["on", "on", "off", "on"][seed])  # raw texts both ways
    rng = random.Random(seed)
    lang = SearchEnglish({})
    assert searchwalk.joins(lang)
    for _ in range(150):
        doctree = _doctree(rng)
        theirs = _store()
        _feed_visit_nodes(doctree, word_store=theirs, split=lang.split, language="en")
        for join in (True, False):
            ours = _store()
            searchwalk.collect(doctree, ours, lang.split, "en", join)
            assert (ours.words, ours.titles, ours.title_words) == (
                theirs.words,
                theirs.titles,
                theirs.title_words,
            )


def test_the_walk_repeated_is_this_sphinxs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert searchwalk.same_walk(), "Sphinx's collector changed: check collect() against it, then SPHINX_WALK"
    assert searchwalk.usable()
    monkeypatch.setenv("SMETS_SEARCH_WALK", "off")
    assert not searchwalk.usable()


def test_other_splitters_split_each_text() -> None:
    class Other(SearchEnglish):
        def split(self, input: str) -> list[str]:
            return input.split()

    assert not searchwalk.joins(Other({}))


#: counted in the first build too (:data:`clitools.FIRST_WATCHED`)
COLLECT = ("smets_spec.sphinx.searchwalk", "collect")


def test_a_built_index_is_the_same_with_the_walk_off(
    tmp_path: Path, first_built_60_serial: FirstBuilt
) -> None:
    """The build with the switches on is conftest's ``first_built_60_serial`` (60 requirements, one
    process, every switch on, its own user cache ``cache-on``); the one with them off has its own."""
    root, counts = first_built_60_serial.again()
    cache_on = root.parent / "cache-on"
    indexes = [(first_built_60_serial.sites["on"] / "searchindex.js").read_bytes()]
    walks = [counts[COLLECT]]
    out = tmp_path / "out-off"
    settings = {
        "SMETS_CACHE_DIR": str(tmp_path / "cache-off"),
        "SMETS_SEARCH_WALK": "off",
        "SMETS_SEARCH_DIRECT": "off",
    }
    walks.append(counted_build(root, out, COLLECT, settings, "-j", "1"))
    indexes.append((out / "searchindex.js").read_bytes())
    assert indexes[0] == indexes[1]
    assert walks[0] > 20 and walks[1] == 0  # every page walked here, none with the switch off
    # again into an empty folder with the same user cache: the large raw HTML texts' words taken
    # from it (searchwalk.RawWords; none kept with the walk off), the same searchindex.js
    kept = cache_on / searchwalk.MEMO_KIND
    written = {p.name: p.stat().st_mtime_ns for p in kept.iterdir()}
    assert written and not (tmp_path / "cache-off" / searchwalk.MEMO_KIND).exists()
    out = tmp_path / "out-on-again"
    counted_build(root, out, COLLECT, {"SMETS_CACHE_DIR": str(cache_on)}, "-j", "1")
    assert (out / "searchindex.js").read_bytes() == indexes[0]
    again = {p.name: p.stat().st_mtime_ns for p in kept.iterdir()}
    assert again.keys() == written.keys()
    assert any(again[name] == at for name, at in written.items())  # a page's words read, not written


@pytest.mark.parametrize("seed", range(4))
def test_cached_terms_added_straight_to_the_stores_write_the_same_index(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """searchmemory.add_page (a cached page's terms straight into the compact stores) against the
    sets-then-settle path (SMETS_SEARCH_DIRECT=off), pages fed by Sphinx's feed in between, settled
    or not, repeated terms, pruned: the same searchindex.js."""
    from smets_spec.sphinx import searchcache
    from test_search_memory import _WORDS, _dump, _index, _page

    dumps = []
    for switch in ("on", "off"):
        monkeypatch.setenv("SMETS_SEARCH_DIRECT", switch)
        rng = random.Random(seed)
        index = _index(True)
        for n in range(rng.randint(5, 40)):
            name = f"p{n}"
            if rng.random() < 0.3:
                index.feed(name, f"{name}.html", rng.choice(["", "GS_08 meter"]), _page(rng, name))
            else:
                terms = rng.choices([*_WORDS, f"w{rng.randint(0, 50)}"], k=rng.randint(0, 12))
                contribution = {
                    "title": "T",
                    "file": f"{name}.rst",
                    "titles": [["T", None]],
                    "tterms": rng.sample(_WORDS, rng.randint(0, 3)),
                    "terms": terms,
                    "entries": [],
                }
                searchcache._apply(index, name, contribution)
            if rng.random() < 0.5:
                index.settle()  # type: ignore[attr-defined]
        index.prune({f"p{n}" for n in range(0, 40, rng.choice([1, 2]))})
        dumps.append(_dump(index))
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize("seed", range(3))
def test_kept_raw_words_give_the_same_words(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """searchwalk.RawWords: a page's raw HTML texts' words worked out and kept, then taken from
    the user cache (texts changed, added and gone between), give the words of the walk without
    them; an entry of another shape is no entry."""
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(searchwalk, "MEMO_FROM", [0, 8, 30][seed])
    rng = random.Random(seed)
    lang = SearchEnglish({})
    kept = 0
    for n in range(120):
        doctree = _doctree(rng)
        doctree["source"] = f"/p/page{n % 7}.rst"  # pages seen again, with other texts
        theirs = _store()
        searchwalk.collect(doctree, theirs, lang.split, "en", True)
        for _ in range(2):  # worked out (or kept from the page's last texts), then kept
            memo = searchwalk.RawWords.of(doctree)
            assert memo is not None
            ours = _store()
            searchwalk.collect(doctree, ours, lang.split, "en", True, memo)
            memo.save()
            kept += len(memo.used) - memo.fresh
            assert (ours.words, ours.titles, ours.title_words) == (
                theirs.words,
                theirs.titles,
                theirs.title_words,
            )
    assert kept > 0  # some texts' words came from the cache
    entry = searchwalk.RawWords.of(doctree)
    assert entry is not None
    from smets_spec.corpus.usercache import write_entry

    write_entry(searchwalk.MEMO_KIND, entry.key, {"0" * 64: ["a", 1]})
    assert searchwalk._words_of({"0" * 64: ["a", 1]}) is None
    monkeypatch.setenv("SMETS_SEARCH_RAW_MEMO", "off")
    assert searchwalk.RawWords.of(doctree) is None
