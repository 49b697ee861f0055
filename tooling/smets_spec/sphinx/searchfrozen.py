"""The last search index's word maps kept as its file numbers them, in the build of an edit.

An incremental build loads the last ``searchindex.js`` and, of its 229,000 words at 10,000
requirements, changes the pages of a few: those of the pages it writes again (pruned, then fed).
:class:`~.searchmemory.CompactIndex` used to turn every word's page numbers into page names on
load (0.14 s of CPU at 10,000) and every name back into a number when the index was written
(0.24 s). :class:`Loaded` keeps the word maps as read (word -> page number, or sorted numbers)
with the numbers of the loaded pages pruned since; the pages fed since are in the compact
stores by name, as before. Writing the index then takes a word's numbers as they are when no
pruned page and no fed page has it and the pages keep their numbers (a title or text edit: the
same documents), and otherwise works its pages out again by Sphinx's rule (one page: its
number; else the sorted numbers, none included). When the pages keep their numbers and each page
fed since came through :func:`~.searchmemory.add_page` once (its word lists noted), only the words
a page gained or lost change (:func:`_patched`: a page written again mostly has the words it had;
at 10,000 requirements the 25 pages an edit writes again hold 170,000 of the words).
When a page was added or removed (the numbers of the pages after it move, in order), every
word's numbers are moved through a table and then only those words change (:func:`_shifted`;
``SMETS_SEARCH_SHIFT=off``: every word's pages made a set and sorted again by Sphinx's rule).
The written
file is the same byte for byte (``tests/test_search_frozen.py``, seeded feeds, prunes and loads
against Sphinx's own index, and a built edit with the switch on and off).

Used only for a ``searchindex.js`` the last build wrote (its digest recorded with the search
pages, :mod:`.searchreuse`), so every number is one of its pages and every list sorted. A page
of the loaded index fed again without being pruned first (Sphinx adds to its old words), or a
page number with no page when the index is written, turns the maps into the compact stores'
names first (:meth:`Loaded.stores`): the old way. ``SMETS_SEARCH_FROZEN=off``: the old way always.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from ..corpus.cachedir import switched_off

#: a word map as ``searchindex.js`` holds it: word -> one page's number, or several pages' sorted
Frozen = dict[str, int | list[int]]
#: a word's pages in the compact stores (:mod:`.searchmemory`): one name, or names (may repeat)
Pages = str | list[str]
SWITCH = "SMETS_SEARCH_FROZEN"
#: ``SMETS_SEARCH_PATCH=off``: every word of the kept maps looked at when written (:func:`_patched`)
PATCH_SWITCH = "SMETS_SEARCH_PATCH"
#: ``SMETS_SEARCH_SHIFT=off``: pages added or removed (the numbers move) written by Sphinx's rule
#: from sets, as before, instead of the numbers moved and only the fed pages' words patched
SHIFT_SWITCH = "SMETS_SEARCH_SHIFT"


def _value(numbers: set[int]) -> int | list[int]:
    """Sphinx's ``get_terms`` of one word whose pages are ``numbers``: one number, else sorted."""
    if len(numbers) == 1:
        (number,) = numbers
        return number
    return sorted(numbers)


def names_of(held: Pages) -> list[str]:
    """A word's pages in the compact stores as a list of names."""
    return [held] if isinstance(held, str) else held


class LostPageError(Exception):
    """A page with no number in the written index (the caller turns to the compact stores)."""


class Loaded:
    """The word maps of a loaded ``searchindex.js``, its page names, and the pages pruned since."""

    __slots__ = ("at", "dead", "fed", "fed_pruned", "names", "terms", "title_terms")

    def __init__(self, names: list[str], terms: Frozen, title_terms: Frozen) -> None:
        self.names = names
        self.terms = terms
        self.title_terms = title_terms
        #: the numbers of the loaded pages pruned since the load (their loaded words are gone)
        self.dead: set[int] = set()
        self.at = {name: number for number, name in enumerate(names)}
        #: the pages fed since the load and not pruned, with their title words and words, when
        #: each was fed once, by :meth:`note_fed` (None: not known so, see :meth:`unknown`)
        self.fed: dict[str, tuple[list[str], list[str]]] | None = {}
        #: whether a page fed since the load was pruned since (its words stay in the stores, with [])
        self.fed_pruned = False

    def prune(self, keep: set[str]) -> None:
        """Sphinx's prune: every loaded page outside ``keep`` loses its words."""
        self.dead.update(n for n, name in enumerate(self.names) if name not in keep)
        if self.fed:
            for name in [name for name in self.fed if name not in keep]:
                del self.fed[name]
                self.fed_pruned = True

    def note_fed(self, docname: str, title_terms: list[str], terms: list[str]) -> None:
        """``docname``'s terms went into the compact stores (:func:`~.searchmemory.add_page`)."""
        if self.fed is not None:
            if docname in self.fed:
                self.fed = None  # fed twice: its words are both lists'
            else:
                self.fed[docname] = (title_terms, terms)

    def unknown(self) -> None:
        """A page was fed another way (Sphinx's feed): which words each fed page has is not kept."""
        self.fed = None

    def alive(self, docname: str) -> bool:
        """Whether ``docname`` is a loaded page not pruned since (its loaded words stand)."""
        number = self.at.get(docname)
        return number is not None and number not in self.dead

    def stores(self) -> tuple[dict[str, Pages], dict[str, Pages]]:
        """The compact stores the two maps stand for now: the loaded pages not pruned, by name
        (what :func:`~.searchmemory._loaded` then the prunes since made of them: the same pages)."""
        return self._store(self.terms), self._store(self.title_terms)

    def _store(self, frozen: Frozen) -> dict[str, Pages]:
        names, dead = self.names, self.dead
        store: dict[str, Pages] = {}
        for word, value in frozen.items():
            numbers = [value] if isinstance(value, int) else value
            alive = list(dict.fromkeys(names[n] for n in numbers if n not in dead))
            store[word] = alive[0] if len(alive) == 1 else alive
        return store

    def term_maps(
        self, fed: dict[str, Pages], fed_titles: dict[str, Pages], fn2index: dict[str, int]
    ) -> tuple[list[tuple[str, int | list[int]]], list[tuple[str, int | list[int]]]]:
        """Sphinx's ``get_terms`` (its two maps, as word-value pairs) of the loaded pages not pruned
        and the pages fed since (``fed``, ``fed_titles``: the compact stores), numbered by
        ``fn2index``. :class:`LostPageError` when a page has no number there."""
        remap: list[int | None] = []
        same = True
        for n, name in enumerate(self.names):
            if n in self.dead:
                remap.append(None)
                continue
            number = fn2index.get(name)
            if number is None:
                raise LostPageError(name)
            remap.append(number)
            same = same and number == n
        if same and self.fed is not None and not switched_off(PATCH_SWITCH):
            at = {_number(name, fn2index): words for name, words in self.fed.items()}
            if not self.fed_pruned:  # every word of the stores is a page's of ``at``
                fed, fed_titles = {}, {}
            return (
                _patched(self.terms, fed, {n: words[1] for n, words in at.items()}, self.dead, fn2index),
                _patched(self.title_terms, fed_titles, {n: w[0] for n, w in at.items()}, self.dead, fn2index),
            )
        moved = None if same else self._moved(fn2index)
        if moved is not None and self.fed is not None:
            at = {_number(name, fn2index): words for name, words in self.fed.items()}
            if not self.fed_pruned:
                fed, fed_titles = {}, {}
            return (
                _shifted(self.terms, fed, {n: w[1] for n, w in at.items()}, moved, self.dead, fn2index),
                _shifted(
                    self.title_terms, fed_titles, {n: w[0] for n, w in at.items()}, moved, self.dead, fn2index
                ),
            )
        return (
            self._map(self.terms, fed, fn2index, remap, same),
            self._map(self.title_terms, fed_titles, fn2index, remap, same),
        )

    def _moved(self, fn2index: dict[str, int]) -> list[int | None] | None:
        """Each loaded page's number in the written index (None: pruned and not fed since), when
        the numbers only move and keep their order (a page added or removed: the written pages are
        sorted by name, as the loaded ones) and every page fed since is known (:meth:`note_fed`);
        else None (the maps are written by Sphinx's rule)."""
        fed = self.fed
        if fed is None or switched_off(PATCH_SWITCH) or switched_off(SHIFT_SWITCH):
            return None
        if any(self.alive(name) for name in fed):
            return None  # (fed again without a prune: not a page whose words are known)
        moved: list[int | None] = []
        last = -1
        for n, name in enumerate(self.names):
            number = fn2index.get(name)
            if n in self.dead and name not in fed:
                if number is not None:
                    return None  # a pruned page with a number it was not fed for
                moved.append(None)
                continue
            if number is None or number <= last:
                return None
            moved.append(number)
            last = number
        return moved

    def _map(
        self,
        frozen: Frozen,
        fed: dict[str, Pages],
        fn2index: dict[str, int],
        remap: list[int | None],
        same: bool,
    ) -> list[tuple[str, int | list[int]]]:
        dead = self.dead
        out: list[tuple[str, int | list[int]]] = []
        add = out.append
        get = fed.get
        for word, value in frozen.items():
            more = get(word)
            if same and (more is None or isinstance(more, str)):
                add((word, _same(value, dead, None if more is None else _number(more, fn2index))))
                continue
            numbers = {remap[value]} if isinstance(value, int) else {remap[n] for n in value}
            numbers.discard(None)
            if more is not None:
                numbers.update(_numbers(names_of(more), fn2index))
            add((word, _value(numbers)))  # type: ignore[arg-type]  # (None discarded)
        for word, more in fed.items():
            if word not in frozen:
                add((word, _value(_numbers(names_of(more), fn2index))))
        return out


def _patched(
    frozen: Frozen,
    fed: dict[str, Pages],
    pages: dict[int, list[str]],
    dead: set[int],
    fn2index: dict[str, int],
) -> list[tuple[str, int | list[int]]]:
    """One word map written when the loaded pages keep their numbers and every page fed since is
    in ``pages`` (number -> its words, fed once): the loaded map, in which only the words a pruned
    or fed page had before and has not now, or has now and had not, change (a page written again
    mostly has the words it had); ``fed``: the stores' words, when a fed page was pruned since."""
    had: dict[int, list[str]] = {n: [] for n in dead}
    if dead:
        for word, value in frozen.items():
            if isinstance(value, int):
                if value in dead:
                    had[value].append(word)
            elif not dead.isdisjoint(value):
                for n in value:
                    if n in dead:
                        had[n].append(word)
    out = dict(frozen)
    for number in dead | pages.keys():
        _page_words(out, number, set(had.get(number, ())), set(pages.get(number, ())))
    return _with_fed(out, fed, fn2index)


def _page_words(out: dict[str, int | list[int]], number: int, before: set[str], after: set[str]) -> None:
    """Page ``number`` taken from the words it had ``before`` and not ``after``, added to the others."""
    for word in before - after:
        out[word] = _without(out[word], number)
    for word in after - before:
        out[word] = _with(out.get(word), number)


def _with_fed(
    out: dict[str, int | list[int]], fed: dict[str, Pages], fn2index: dict[str, int]
) -> list[tuple[str, int | list[int]]]:
    """``out`` with each word only of fed pages pruned since (Sphinx keeps it, with ``[]``)."""
    for word, held in fed.items():
        if word not in out:
            out[word] = _value(_numbers(names_of(held), fn2index))
    return list(out.items())


def _shifted(
    frozen: Frozen,
    fed: dict[str, Pages],
    pages: dict[int, list[str]],
    moved: list[int | None],
    dead: set[int],
    fn2index: dict[str, int],
) -> list[tuple[str, int | list[int]]]:
    """:func:`_patched` when the loaded pages' numbers move in order (``moved``: each loaded page's
    new number, None for a page pruned and not fed since): every word's numbers moved (a sorted
    list stays sorted, a page gone is dropped, one page left is its number, none ``[]``: Sphinx's
    rule), then only the words a pruned page fed again or a new page had before and has not now,
    or has now and had not, change; ``pages``: the fed pages' words by their new numbers."""
    again = {m: n for n in dead if (m := moved[n]) is not None}
    had: dict[int, list[str]] = {n: [] for n in again.values()}
    out: dict[str, int | list[int]] = {}
    for word, value in frozen.items():
        if isinstance(value, int):
            number = moved[value]
            out[word] = [] if number is None else number
            if value in had:
                had[value].append(word)
        else:
            kept = [m for n in value if (m := moved[n]) is not None]
            out[word] = kept[0] if len(kept) == 1 else kept
            if had and not had.keys().isdisjoint(value):
                for n in value:
                    if n in had:
                        had[n].append(word)
    for number, words in pages.items():
        old = again.get(number)
        _page_words(out, number, set(() if old is None else had[old]), set(words))
    return _with_fed(out, fed, fn2index)


def _without(value: int | list[int], number: int) -> int | list[int]:
    if isinstance(value, int):
        return []  # (it was ``number``)
    kept = value.copy()
    kept.remove(number)
    return kept[0] if len(kept) == 1 else kept


def _with(value: int | list[int] | None, number: int) -> int | list[int]:
    if value is None:
        return number
    if isinstance(value, int):
        return value if value == number else sorted((value, number))
    if number in value:
        return value
    more = value.copy()
    bisect.insort(more, number)
    return more[0] if len(more) == 1 else more


def _same(value: int | list[int], dead: set[int], fed: int | None) -> int | list[int]:
    """A word's value when the loaded pages keep their numbers: its loaded pages but the pruned,
    and ``fed`` (the number of the one page fed since that has it, if any), by Sphinx's rule."""
    if isinstance(value, int):
        if value in dead or value == fed:
            return [] if fed is None else fed
        return value if fed is None else sorted((value, fed))
    kept = value if dead.isdisjoint(value) else [n for n in value if n not in dead]
    if fed is not None and fed not in kept:
        kept = sorted([*kept, fed])
    return kept[0] if len(kept) == 1 else kept


def _number(name: str, fn2index: dict[str, int]) -> int:
    number = fn2index.get(name)
    if number is None:
        raise LostPageError(name)
    return number


def _numbers(names: Iterable[str], fn2index: dict[str, int]) -> set[int]:
    try:
        return {fn2index[name] for name in names}
    except KeyError as exc:
        raise LostPageError(str(exc)) from None
