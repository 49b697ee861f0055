"""sphinx-needs' ``NeedItem.sort_links`` without a sort of the lists that hold one link or none.

sphinx-needs' post-processing (at ``write-started``, every build, incremental ones included)
sorts every link and back-link list of every need: ``sorted(set(value), key=...)`` for each of
the 22 link types and their back links, about 810,000 sorts at 10,000 requirements, nearly
all of an empty list or of one link (whose key, a regular-expression split, still runs). The same result,
a new list of the same links, is made here without the sort when a list holds fewer than two
links; longer lists are sorted exactly as sphinx-needs sorts them. At 2,000 requirements
(173,000 lists: 164,600 empty, 5,400 of one link) 0.075 s of CPU become 0.048. Installed on
the sphinx-needs release of :mod:`.needs_release` only; ``tests/test_needs_sort.py`` compares it
with sphinx-needs' own method on every need of a built project and on generated link lists.

A list of *plain* links (no part, no condition: every link of the generated specs) is sorted by
its ids (:func:`_sorted_plain`): two plain links are equal exactly when their ids are (``NeedLink``
compares its id, part and condition), and a plain link's sort key is a function of its id alone
(its filter string and its link string are its id), distinct for distinct ids. So keeping the
first link of each id and sorting by the id's key gives ``sorted(set(value), key=...)``: the same
links (the first of equal ones, which ``set`` keeps too) in the one order the keys allow, without
the dataclass's Python-level ``__hash__`` and ``__eq__`` that ``set`` and the key lookup call per
link. ``SMETS_LINK_PASS=off`` sorts every list through the set, as before.

An empty list is kept as it is rather than replaced by a new empty list (``SMETS_EMPTY_LINKS_KEPT``,
with :mod:`.backlinks`, which leaves a need's back links as they are when none holds a link,
rather than replacing each with a new one). Nothing else holds a need's link lists: sphinx-needs
makes each need's own (``NeedItem``), and so does the saved environment's load (:mod:`.envpickle`);
the replacing is all that is saved: 2 of every 3 of the 810,000 lists made anew in each build at
10,000 requirements. ``SMETS_EMPTY_LINKS_KEPT=off``: every list made anew, as before.
"""

from __future__ import annotations

from typing import Any

from ..corpus.cachedir import switched_off
from . import needs_release

#: ``SMETS_LINK_PASS=off``: every list of two links or more sorted through a set, as sphinx-needs
#: does, the back links' lists looked up by link and every need's links walked again for its dead
#: links (:mod:`.backlinks`), as before: the same lists and flags
LINK_PASS = "SMETS_LINK_PASS"
#: ``SMETS_EMPTY_LINKS_KEPT=off``: every empty link list replaced by a new one, as sphinx-needs does
EMPTY_KEPT = "SMETS_EMPTY_LINKS_KEPT"
#: whether empty lists are kept (``SMETS_EMPTY_LINKS_KEPT``, read when installed)
KEEP_EMPTY: list[bool] = [True]
#: sphinx-needs' own method while ours is installed
ORIGINAL: list[Any] = []
#: sphinx-needs' sort key (its natural order of link strings), found when installed
_KEY: list[Any] = []


def _key() -> Any:
    from sphinx_needs.need_item import _link_natural_sort_key

    return _link_natural_sort_key


class _Keys(dict[Any, Any]):
    """sphinx-needs' sort key of each link, worked out once per link value: the key is a pure
    function of the link's fields (``NeedLink`` is frozen, equal links have equal keys), so
    a remembered key is the key. Emptied when it grows past :data:`_MOST` entries."""

    def __missing__(self, link: Any) -> Any:
        if len(self) >= _MOST:
            self.clear()
        key = self[link] = _KEY[0](link)
        return key


#: links whose keys :data:`_KEYS` keeps (a 10,000-requirement spec has about 60,000 distinct)
_MOST = 400_000
_KEYS = _Keys()


#: sphinx-needs' sort key of a plain link, by its id (:func:`_sorted_plain`)
_ID_KEYS: dict[str, Any] = {}
#: whether lists of plain links are sorted by their ids (``SMETS_LINK_PASS``, read when installed)
PLAIN: list[bool] = [True]


def _sorted(value: list[Any]) -> list[Any]:
    """``sorted(set(value), key=sphinx-needs' key)``, the keys looked up in :data:`_KEYS`."""
    if PLAIN[0]:
        found = _sorted_plain(value)
        if found is not None:
            return found
    return sorted(set(value), key=_KEYS.__getitem__)


def _sorted_plain(value: list[Any]) -> list[Any] | None:
    """``sorted(set(value), key=sphinx-needs' key)`` for a list of plain links (no part, no
    condition): the first link of each id, in the order of the ids' keys; None for a list with a
    link that is not plain."""
    first: dict[str, Any] = {}
    for link in value:
        if link.part is not None or link.condition is not None:
            return None
        if link.id not in first:
            first[link.id] = link
    keys = _ID_KEYS
    if len(keys) >= _MOST:
        keys.clear()
    ranked = []
    for link_id, link in first.items():
        key = keys.get(link_id)
        if key is None:
            key = keys[link_id] = _KEY[0](link)
        ranked.append((key, link))
    ranked.sort(key=_first)
    return [link for _, link in ranked]


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def sort_links(self: Any) -> None:
    """``NeedItem.sort_links`` of sphinx-needs 9.1.0: each link list sorted and without repeats."""
    keep = KEEP_EMPTY[0]
    for lists in (self._links, self._backlinks):
        for name, value in lists.items():
            if len(value) > 1:
                lists[name] = _sorted(value)
            elif value or not keep:
                lists[name] = value[:]
    for part in self._parts.values():
        part_links = part.backlinks
        for name, value in part_links.items():
            part_links[name] = _sorted(value) if len(value) > 1 else list(value)


def install() -> bool:
    """Use :func:`sort_links` for sphinx-needs' needs; False, and nothing changed, on another
    sphinx-needs release. Idempotent."""
    if not needs_release.matches():
        return False
    from sphinx_needs.need_item import NeedItem

    if not _KEY:
        _KEY.append(_key())
    PLAIN[0] = not switched_off(LINK_PASS)
    KEEP_EMPTY[0] = not switched_off(EMPTY_KEPT)
    if NeedItem.sort_links is not sort_links:
        ORIGINAL[:] = [NeedItem.sort_links]
        NeedItem.sort_links = sort_links  # type: ignore[method-assign]
    return True


def uninstall() -> None:
    """sphinx-needs' own method again (for the test that compares the two)."""
    if ORIGINAL:
        from sphinx_needs.need_item import NeedItem

        NeedItem.sort_links = ORIGINAL[0]  # type: ignore[method-assign]
        ORIGINAL.clear()
