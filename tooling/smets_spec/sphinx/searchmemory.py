"""Sphinx's search index held compactly while the site is written, and written out piece by piece.

Sphinx's :class:`~sphinx.search.IndexBuilder` maps every (stemmed) word to the ``set`` of pages
that hold it. At 10,000 requirements that is about 252,000 sets, most with one or two members
(a set is 216 bytes however few it holds): 78 MB of the main process for the whole write phase,
and of every page writer forked from it. :class:`CompactIndex` (the same index, its class swapped
once Sphinx has made and loaded it) lets Sphinx's own ``feed`` (and the contribution cache's
``_apply``) add a page's words to those sets as before, then :meth:`~CompactIndex.settle` moves
them, page by page, into a store of its own: a word's pages as the page's name (one page) or a
list of names (several). Pruning and freezing read that store with Sphinx's own rules, so the
written ``searchindex.js`` is the same byte for byte (``tests/test_search_memory.py`` compares
it with Sphinx's on seeded random feeds, prunes and loads).

A page fed twice without a prune between may appear twice in a list: every reader takes the
list's distinct names, as a set would hold them; and its title words go back into Sphinx's sets
first (Sphinx's ``feed`` leaves out of the text's words those the page has in its titles).

:meth:`~CompactIndex.dump` writes ``searchindex.js`` in pieces (Sphinx makes the whole frozen
index, then the whole JSON text, then that text with its prefix: tens of MB at 10,000
requirements at once): the same text, each top-level value encoded on its own by the same
encoder and options, the word maps in slices of :data:`SLICE` words.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from sphinx.search import IndexBuilder, WordStore, _feed_visit_nodes, js_index

from ..corpus.cachedir import switched_off
from . import searchfrozen, searchwalk

#: a word's pages: one page's name, or the names (in the order fed; a name may repeat)
Pages = str | list[str]
#: words per slice of a word map written at once by :meth:`CompactIndex.dump`
SLICE = 8192
#: ``SMETS_SEARCH_LOAD=off``: Sphinx's load then settled, and every prune walks the word stores
_SWITCH = "SMETS_SEARCH_LOAD"
#: ``SMETS_SEARCH_DIRECT=off``: a cached page's terms go through Sphinx's sets, then settled
_DIRECT = "SMETS_SEARCH_DIRECT"
#: ``SMETS_SEARCH_TERMS_OUT=off``: every word's pages made a set when the index is written
_TERMS_OUT = "SMETS_SEARCH_TERMS_OUT"
_DUMPS: dict[str, Any] = {"separators": (",", ":"), "sort_keys": True}  # as Sphinx's js_index


def _merge(store: dict[str, Pages], fresh: dict[str, set[str]]) -> None:
    """Add ``fresh``'s word -> set of pages to ``store`` (a word's key kept even with no page)."""
    for word, names in fresh.items():
        held = store.get(word)
        if held is None:
            store[word] = next(iter(names)) if len(names) == 1 else list(names)
        elif isinstance(held, str):
            more = [name for name in names if name != held]
            if more:
                store[word] = [held, *more]
        else:
            held.extend(names)


def _prune(store: dict[str, Pages], keep: set[str]) -> None:
    """Sphinx's prune of a word map: every word stays, with only the pages of ``keep``."""
    for word, held in store.items():
        if isinstance(held, str):
            if held not in keep:
                store[word] = []
        else:
            kept = [name for name in held if name in keep]
            if len(kept) != len(held):
                store[word] = kept


def _terms(store: dict[str, Pages], fn2index: dict[str, int]) -> Iterator[tuple[str, int | list[int]]]:
    """Sphinx's ``get_terms`` of one word map, word by word (in the store's order): a word of one
    page (a name, not a list) without a set of one name, a word of several pages' indices sorted
    from a list (at 10,000 requirements 229,000 words, 45,000 of several pages: 0.21 -> 0.12 s).
    ``SMETS_SEARCH_TERMS_OUT=off``: a set per word, as before."""
    if switched_off(_TERMS_OUT):
        yield from _terms_of_sets(store, fn2index)
        return
    get = fn2index.get
    for word, held in store.items():
        if isinstance(held, str):
            at = get(held)
            if at is not None:
                yield word, at
            continue
        names = set(held)
        if len(names) == 1:
            (name,) = names
            if name in fn2index:
                yield word, fn2index[name]
        else:
            yield word, sorted([fn2index[name] for name in names if name in fn2index])


def _terms_of_sets(
    store: dict[str, Pages], fn2index: dict[str, int]
) -> Iterator[tuple[str, int | list[int]]]:
    """:func:`_terms` as it was: each word's pages made a set first."""
    for word, held in store.items():
        names = {held} if isinstance(held, str) else set(held)
        if len(names) == 1:
            (name,) = names
            if name in fn2index:
                yield word, fn2index[name]
        else:
            yield word, sorted(fn2index[name] for name in names if name in fn2index)


def _loaded(terms: dict[str, Any], index2fn: list[str]) -> dict[str, Pages]:
    """A frozen word map as Sphinx's ``load`` makes it (a set of page names per word), then
    :func:`_merge` d into an empty store: the same store, value for value and in its order."""
    store: dict[str, Pages] = {}
    for word, value in terms.items():
        if isinstance(value, int):
            store[word] = index2fn[value]
        else:
            names = {index2fn[i] for i in value}
            store[word] = next(iter(names)) if len(names) == 1 else list(names)
    return store


class _Given:
    """A format whose ``load`` gives an index already read (for Sphinx's own ``load``)."""

    def __init__(self, frozen: Any) -> None:
        self.frozen = frozen

    def load(self, stream: Any) -> Any:
        return self.frozen


class _Distinct(list[str]):
    """A page's words as Sphinx's collector extends them, each kept once, at its first place."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()

    def extend(self, words: Iterable[str]) -> None:
        seen = self._seen
        fresh = [word for word in dict.fromkeys(words) if word not in seen]
        seen.update(fresh)
        super().extend(fresh)


class CompactIndex(IndexBuilder):
    """Sphinx's index whose word maps are settled into compact stores between pages (module doc)."""

    _words: dict[str, Pages]
    _title_words: dict[str, Pages]
    _terms_later = False
    _join: bool
    #: the loaded index's word maps as its file numbers them (:mod:`.searchfrozen`; None: in the stores)
    _frozen: searchfrozen.Loaded | None = None
    #: whether the file to load is the one the last build wrote (:func:`trust`)
    _trusted = False

    def settle(self) -> None:
        """Move the pages fed since the last call from Sphinx's sets into the compact stores."""
        if self._frozen is not None and (self._mapping or self._title_mapping):
            self._frozen.unknown()  # words not added by add_page: which page has which is not kept
        if self._mapping:
            _merge(self._words, self._mapping)
            self._mapping.clear()
        if self._title_mapping:
            _merge(self._title_words, self._title_mapping)
            self._title_mapping.clear()

    def thaw(self, docname: str | None = None) -> None:
        """Turn the loaded word maps kept as numbers (:mod:`.searchfrozen`) into the compact
        stores' names, the pages fed since added (for ``docname`` only when it is a loaded page
        not pruned: its loaded words are needed by name)."""
        frozen = self._frozen
        if frozen is None or (docname is not None and not frozen.alive(docname)):
            return
        self.settle()
        words, title_words = frozen.stores()
        for store, fed in ((words, self._words), (title_words, self._title_words)):
            for word, held in fed.items():
                before = store.get(word)
                if before is None:
                    store[word] = held
                else:
                    store[word] = [*searchfrozen.names_of(before), *searchfrozen.names_of(held)]
        self._words, self._title_words, self._frozen = words, title_words, None

    def feed(self, docname: str, filename: Any, title: str, doctree: Any) -> None:
        self.thaw(docname)  # a loaded page fed again without a prune: Sphinx adds to its old words
        if self._frozen is not None:
            self._frozen.unknown()
        if docname in self._titles:  # fed again: Sphinx's feed reads the title words it held before
            self._unsettle_titles(docname)
        super().feed(docname, filename, title, doctree)

    def _word_collector(self, doctree: Any) -> WordStore:
        """Sphinx's collector, each word and title word kept once, at its first place.

        A repeat adds nothing to the index (Sphinx's ``feed`` adds each word's stem to sets, and
        whether a word is added depends only on the word and the title words), so the index, its
        order included, is the same; the largest page at 10,000 requirements has 192,663 words,
        30,580 distinct: 12 MB of list (24 MB at its peak) held while the page is fed, and its
        search cache key's JSON five times larger. The walk is :mod:`.searchwalk`'s when it
        stands for Sphinx's (the same words, less work per node)."""
        store = WordStore(words=_Distinct(), title_words=_Distinct())
        if searchwalk.usable():  # the same walk, with less work per node (searchwalk)
            join = self.__dict__.get("_join")
            if join is None:
                join = self._join = searchwalk.joins(self.lang)
            memo = searchwalk.RawWords.of(doctree) if join else None  # (store keeps each word once)
            searchwalk.collect(doctree, store, self.lang.split, self.lang.lang, join, memo)
            if memo is not None:
                memo.save()
        else:
            _feed_visit_nodes(doctree, word_store=store, split=self.lang.split, language=self.lang.lang)
        return WordStore(words=list(store.words), titles=store.titles, title_words=list(store.title_words))

    def _unsettle_titles(self, docname: str) -> None:
        """Put back into Sphinx's sets every title word ``docname`` has (a page fed again only)."""
        for word, held in list(self._title_words.items()):
            names = {held} if isinstance(held, str) else set(held)
            if docname in names:
                self._title_mapping.setdefault(word, set()).update(names)
                del self._title_words[word]

    def load(self, stream: Any, format: Any) -> None:
        """Sphinx's load, the word maps read straight into the compact stores (:func:`_loaded`):
        what Sphinx's sets then :meth:`settle` made of them, without a set per word (at 10,000
        requirements the two passes took 0.5 s of an edit's build). ``SMETS_SEARCH_LOAD=off``:
        Sphinx's load, then settled."""
        if isinstance(format, str):
            format = self.formats[format]
        if switched_off(_SWITCH):
            super().load(stream, format)
            self._words, self._title_words = {}, {}
            self.settle()
            return
        frozen = format.load(stream)
        terms: dict[str, Any] = {}
        title_terms: dict[str, Any] = {}
        if isinstance(frozen, dict) and frozen.get("envversion") == self._env_version:
            terms, title_terms = frozen["terms"], frozen["titleterms"]
            frozen = {**frozen, "terms": {}, "titleterms": {}}
        super().load(stream, _Given(frozen))  # (the same checks, errors and fields but the word maps)
        index2fn = frozen["docnames"]
        self._frozen = None
        if self._trusted and not switched_off(searchfrozen.SWITCH):
            self._words, self._title_words = {}, {}
            self._frozen = searchfrozen.Loaded(index2fn, terms, title_terms)
            return
        self._words, self._title_words = _loaded(terms, index2fn), _loaded(title_terms, index2fn)

    def prune(self, docnames: Iterable[str]) -> None:
        """Sphinx's prune; the word stores are not walked when every page they can hold is kept
        (a page's words are added only with its title, and pruned with it: the stores' pages are
        among ``_titles``'s), as when Sphinx prunes to its documents just before writing."""
        keep = set(docnames)
        self.settle()
        everything = self._titles.keys() <= keep and not switched_off(_SWITCH)
        super().prune(keep)
        if not everything:
            _prune(self._words, keep)
            _prune(self._title_words, keep)
            if self._frozen is not None:
                self._frozen.prune(keep)

    def get_terms(
        self, fn2index: dict[str, int]
    ) -> tuple[dict[str, list[int] | int], dict[str, list[int] | int]]:
        self.settle()
        if self._terms_later:  # dump writes them itself
            return {}, {}
        words, titles = self._term_maps(fn2index)
        return dict(words), dict(titles)

    def _term_maps(
        self, fn2index: dict[str, int]
    ) -> tuple[Iterable[tuple[str, int | list[int]]], Iterable[tuple[str, int | list[int]]]]:
        """Sphinx's ``get_terms``, as word-value pairs: from the maps kept as numbers and the
        stores (:mod:`.searchfrozen`), else from the stores alone (as lazy iterators)."""
        if self._frozen is not None:
            try:
                return self._frozen.term_maps(self._words, self._title_words, fn2index)
            except searchfrozen.LostPageError:
                self.thaw()
        return _terms(self._words, fn2index), _terms(self._title_words, fn2index)

    def dump(self, stream: Any, format: Any) -> None:
        if isinstance(format, str):
            format = self.formats[format]
        if format is not js_index:
            super().dump(stream, format)
            return
        self._terms_later = True
        try:
            frozen = self.freeze()  # everything but the word maps, made by Sphinx
        finally:
            self._terms_later = False
        fn2index = {name: n for n, name in enumerate(frozen["docnames"])}  # as freeze numbers them
        maps = self._term_maps(fn2index)
        words = {"terms": lambda: iter(maps[0]), "titleterms": lambda: iter(maps[1])}
        stream.write(js_index.PREFIX)
        _write_object(stream.write, frozen, words)
        stream.write(js_index.SUFFIX)


def _write_object(
    write: Callable[[str], Any],
    frozen: dict[str, Any],
    lazy: dict[str, Callable[[], Iterator[tuple[str, Any]]]],
) -> None:
    """``json.dumps(frozen, separators=(',', ':'), sort_keys=True)`` written in pieces; the values
    named in ``lazy`` come from their iterators of (key, value) instead."""
    write("{")
    for n, key in enumerate(sorted(frozen)):
        write(("," if n else "") + json.dumps(key) + ":")
        if key in lazy:
            _write_map(write, lazy[key]())
        else:
            write(json.dumps(frozen[key], **_DUMPS))
    write("}")


def _write_map(write: Callable[[str], Any], items: Iterator[tuple[str, Any]]) -> None:
    """A dict of ``items`` as ``json.dumps(..., sort_keys=True)`` writes it, :data:`SLICE` keys at once."""
    ordered = sorted(items)
    write("{")
    for start in range(0, len(ordered), SLICE):
        text = json.dumps(dict(ordered[start : start + SLICE]), **_DUMPS)
        write(("," if start else "") + text[1:-1])
    write("}")


def adopt(indexer: Any) -> None:
    """Make Sphinx's index (made, and loaded when there was one) a :class:`CompactIndex`.

    Its word maps become dicts of its own: Sphinx's are the environment's dicts, which would
    keep every word's set to the end of the process.
    """
    if type(indexer) is not IndexBuilder:
        return
    indexer.__class__ = CompactIndex
    compact = cast(CompactIndex, indexer)
    fresh, titles = compact._mapping, compact._title_mapping
    compact._mapping, compact._title_mapping = {}, {}
    compact._words, compact._title_words = {}, {}
    _merge(compact._words, fresh)
    _merge(compact._title_words, titles)


def _add(store: dict[str, Pages], docname: str, words: list[str]) -> None:
    """:func:`_merge` of ``{word: {docname} for word in words}``, without a set per word."""
    get = store.get
    for word in words:
        held = get(word)
        if held is None:
            store[word] = docname
        elif isinstance(held, str):
            if held != docname:
                store[word] = [held, docname]
        else:
            held.append(docname)  # (a name twice in a list is read once: module doc)


def add_page(indexer: Any, docname: str, title_terms: list[str], terms: list[str]) -> bool:
    """Add one page's terms straight into a :class:`CompactIndex`'s stores, settled first: what
    adding them to Sphinx's sets then :meth:`~CompactIndex.settle` makes (at 10,000
    requirements the two passes over every cached page's words took ~0.8 s of a warm build).
    False (nothing done) for another index or with ``SMETS_SEARCH_DIRECT=off``."""
    if not isinstance(indexer, CompactIndex) or switched_off(_DIRECT):
        return False
    indexer.thaw(docname)
    indexer.settle()
    if indexer._frozen is not None:
        indexer._frozen.note_fed(docname, title_terms, terms)
    _add(indexer._title_words, docname, title_terms)
    _add(indexer._words, docname, terms)
    return True


def settle(indexer: Any) -> None:
    """Settle ``indexer``'s newly fed words when it is a :class:`CompactIndex` (else nothing)."""
    if isinstance(indexer, CompactIndex):
        indexer.settle()


def release(indexer: Any) -> None:
    """Forget a written :class:`CompactIndex`'s words (``build-finished``: nothing reads them after
    ``searchindex.js`` is written, and the next build makes a new index), and the methods this
    build wrapped on the instance (:mod:`.searchcache`'s ``feed`` holds the build's contribution
    cache, every page's words when computed here: about 35 MB at 10,000 requirements, cold, that
    stayed alive to the end of the build after the cache was saved); the class's own are back."""
    if isinstance(indexer, CompactIndex):
        indexer._words, indexer._title_words = {}, {}
        indexer._mapping, indexer._title_mapping = {}, {}
        indexer._frozen = None
        for wrapped in _WRAPPED:
            vars(indexer).pop(wrapped, None)


#: the methods of an index another module replaces on the instance (:func:`release` drops them)
_WRAPPED = ("feed", "prune")


def trust(indexer: Any) -> None:
    """Mark ``indexer`` (a :class:`CompactIndex`, before it loads) as loading the ``searchindex.js``
    the last build wrote (its digest checked against the record, :mod:`.searchreuse`): its word
    maps may stay as numbers (:mod:`.searchfrozen`)."""
    if isinstance(indexer, CompactIndex):
        indexer._trusted = True
