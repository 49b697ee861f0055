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
number; else the sorted numbers, none included). The written file is the same byte for byte
(``tests/test_search_frozen.py``, seeded feeds, prunes and loads against Sphinx's own index).

Used only for a ``searchindex.js`` the last build wrote (its digest recorded with the search
pages, :mod:`.searchreuse`), so every number is one of its pages and every list sorted. A page
of the loaded index fed again without being pruned first (Sphinx adds to its old words), or a
page number with no page when the index is written, turns the maps into the compact stores'
names first (:meth:`Loaded.stores`): the old way. ``SMETS_SEARCH_FROZEN=off``: the old way always.
"""

from __future__ import annotations

from collections.abc import Iterable

#: a word map as ``searchindex.js`` holds it: word -> one page's number, or several pages' sorted
Frozen = dict[str, int | list[int]]
#: a word's pages in the compact stores (:mod:`.searchmemory`): one name, or names (may repeat)
Pages = str | list[str]
SWITCH = "SMETS_SEARCH_FROZEN"


def _value(numbers: set[int]) -> int | list[int]:
    """Sphinx's ``get_terms`` of one word whose pages are ``numbers``: one number, else sorted."""
    if len(numbers) == 1:
        (number,) = numbers
        return number
    return sorted(numbers)


def _names(held: Pages) -> list[str]:
    return [held] if isinstance(held, str) else held


class LostPageError(Exception):
    """A page with no number in the written index (the caller turns to the compact stores)."""


class Loaded:
    """The word maps of a loaded ``searchindex.js``, its page names, and the pages pruned since."""

    __slots__ = ("at", "dead", "names", "terms", "title_terms")

    def __init__(self, names: list[str], terms: Frozen, title_terms: Frozen) -> None:
        self.names = names
        self.terms = terms
        self.title_terms = title_terms
        #: the numbers of the loaded pages pruned since the load (their loaded words are gone)
        self.dead: set[int] = set()
        self.at = {name: number for number, name in enumerate(names)}

    def prune(self, keep: set[str]) -> None:
        """Sphinx's prune: every loaded page outside ``keep`` loses its words."""
        self.dead.update(n for n, name in enumerate(self.names) if name not in keep)

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
        return (
            self._map(self.terms, fed, fn2index, remap, same),
            self._map(self.title_terms, fed_titles, fn2index, remap, same),
        )

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
        for word, value in frozen.items():
            more = fed.get(word)
            if more is None and same:  # the loaded numbers stand but for the pruned pages'
                if isinstance(value, int):
                    add((word, [] if value in dead else value))
                elif dead.isdisjoint(value):
                    add((word, value))
                else:
                    kept = [n for n in value if n not in dead]
                    add((word, kept[0] if len(kept) == 1 else kept))
                continue
            numbers = {remap[value]} if isinstance(value, int) else {remap[n] for n in value}
            numbers.discard(None)
            if more is not None:
                numbers.update(_numbers(_names(more), fn2index))
            add((word, _value(numbers)))  # type: ignore[arg-type]  # (None discarded)
        for word, more in fed.items():
            if word not in frozen:
                add((word, _value(_numbers(_names(more), fn2index))))
        return out


def _numbers(names: Iterable[str], fn2index: dict[str, int]) -> set[int]:
    try:
        return {fn2index[name] for name in names}
    except KeyError as exc:
        raise LostPageError(str(exc)) from None
