"""sphinx-needs' back links built in linear time: the same lists, in the same order.

sphinx-needs 9 builds every back link at every build (``post_process_needs_data`` ->
``resolve_functions`` -> ``build_backlinks``). For each link it calls
``NeedItem.add_backlink``, which looks the new entry up in the target's list before appending
it (``backlink not in list``): a need that thousands of needs link to (a device every
requirement applies to) makes that quadratic. At 10,000 requirements it was 3.4 s of every
build, cold or incremental, for 62,404 links; here it is about 0.1 s.

:func:`build_backlinks` is sphinx-needs' own function with one change: the lookup is in a set
kept beside each list for the length of the pass (seeded with the list's entries, so a list
that was not empty gives the same result too). ``NeedLink`` is a frozen dataclass, so its
hash agrees with its equality (sphinx-needs' ``sort_links`` relies on the same). Everything
else, the parts' back links, the order, the dead-link flags, is sphinx-needs' code, called
as it is. ``tests/test_backlinks.py`` compares both on the built site's needs under random
link edits, so a release of sphinx-needs that changes the function fails the suite.

Two more steps do less per link (``SMETS_LINK_PASS=off``: as before, the same lists and flags).
A list's members are kept as the ids of its plain links (no part, no condition): the back link
the pass adds, ``NeedLink(id=source)``, equals an entry exactly when the entry is plain and of
that id, so ``source in`` the set answers the lookup without the dataclass's Python-level
``__hash__`` per link. And the dead links (a link to an unknown need or to an unknown part of a
known one) are noted as the pass meets them, in the order it walks the links, which is the order
:func:`_flags` walked them in a second walk of every need's links: the same flags, the same
``link type: link`` list (``tests/test_backlinks.py`` compares both walks).

A need whose back links are all empty lists and which has no parts keeps its lists: sphinx-needs'
reset would replace each by a new empty list (:mod:`.needs_sort`, ``SMETS_EMPTY_LINKS_KEPT``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..corpus.cachedir import switched_off
from . import needs_release, needs_reuse
from .needs_sort import EMPTY_KEPT, LINK_PASS

#: sphinx-needs' own function, kept for the test that compares the two.
ORIGINAL: list[Any] = []


def _members(entries: list[Any]) -> set[Any]:
    """The set :func:`_add_links` looks a new back link up in, as sphinx-needs' ``in`` finds it."""
    return set(entries)


def _plain_members(entries: list[Any]) -> set[Any]:
    """The ids of the plain links (no part, no condition) of ``entries``: a back link the pass adds,
    ``NeedLink(id=source)``, equals an entry exactly when the entry is plain and of that id, so
    ``source in`` this set answers ``NeedLink(id=source) in entries`` without hashing a
    ``NeedLink`` (a Python-level ``__hash__``) for every link."""
    return {entry.id for entry in entries if entry.part is None and entry.condition is None}


def _add_links(needs: Any, by_id: bool = True) -> dict[str, list[tuple[str, Any]]]:
    """Every link's back link, in the order sphinx-needs adds them (each once per list); the dead
    links met on the way, by need (only needs with one), each ``(link type, link)`` in order.

    ``NeedItem.add_backlink`` inlined: the target's list is read from ``_backlinks`` (the
    same ``KeyError`` for an unknown link type), and a list's members are kept in a set,
    seeded with its entries the first time the pass touches it: the ids of its plain links
    (:func:`_plain_members`), or with ``by_id`` false (``SMETS_LINK_PASS=off``) the links.
    One back link object per source need (``NeedLink`` is frozen: equal objects, shared, are
    the same value). A dead link is one :func:`live_target` finds dead: no such need, or no
    such part of it (a need is never false: ``NeedItem`` has no ``__len__`` or ``__bool__``).
    """
    from sphinx_needs.need_item import NeedLink

    seen: dict[int, set[Any]] = {}
    members_of = _plain_members if by_id else _members
    dead: dict[str, list[tuple[str, Any]]] = {}
    get = needs.get
    for key, need in needs.items():
        backlink = None
        for link_type, references in need._links.items():
            for need_link in references:
                linked_need = get(need_link.id)
                if not linked_need:
                    dead.setdefault(key, []).append((link_type, need_link))
                    continue
                if backlink is None:
                    backlink = NeedLink(id=key)
                    member = key if by_id else backlink
                backlinks = linked_need._backlinks
                if link_type not in backlinks:
                    raise KeyError(f"Link type {link_type!r} does not exist in backlinks.")
                entries = backlinks[link_type]
                members = seen.get(id(entries))
                if members is None:
                    members = seen[id(entries)] = members_of(entries) if entries else set()
                if member not in members:
                    members.add(member)
                    entries.append(backlink)
                if need_link.part is not None:
                    linked_part = linked_need.get_part(need_link.part)
                    if linked_part is None:
                        dead.setdefault(key, []).append((link_type, need_link))
                    elif linked_part:
                        if link_type not in linked_part.backlinks:
                            linked_part.backlinks[link_type] = []
                        linked_part.backlinks[link_type].append(NeedLink(id=key))
    return dead


def live_target(needs_get: Any, need_link: Any) -> Any:
    """The need ``need_link`` reaches; None when it is dead, as sphinx-needs' ``_dead_links`` has
    it: a link to an unknown need, or to an unknown part of a known one."""
    target = needs_get(need_link.id)
    if target is None or (need_link.part is not None and target.get_part(need_link.part) is None):
        return None
    return target


def _flags(
    need: Any, needs_get: Any, allow_dead_links: dict[str, bool], unions: Any
) -> tuple[list[str], bool]:
    """The dead links of ``need`` (``link type: link``, in order) and ``has_forbidden_dead_links``
    as sphinx-needs works them out from ``_dead_links`` (a link to an unknown need or to an
    unknown part of a known one; forbidden where its link type does not allow dead links and is
    not a union's); ``unions()`` is called only for a need with a dead link."""
    met = [
        (link_type, need_link)
        for link_type, references in need._links.items()
        for need_link in references
        if live_target(needs_get, need_link) is None
    ]
    return _dead_flags(met, allow_dead_links, unions)


def _dead_flags(
    dead_links: Iterable[tuple[str, Any]], allow_dead_links: dict[str, bool], unions: Any
) -> tuple[list[str], bool]:
    """The dead links' list and ``has_forbidden_dead_links`` of a need (:func:`_flags`) from its
    dead links, ``(link type, link)`` in the order its links are walked: as :func:`_add_links` met
    them (no second walk of its links), or as :func:`_flags` finds them."""
    dead: list[str] = []
    forbidden = False
    for link_type, need_link in dead_links:
        dead.append(f"{link_type}: {need_link.to_link_string()}")
        if not forbidden and not allow_dead_links.get(link_type, False) and link_type not in unions():
            forbidden = True
    return dead, forbidden


def _set_flag(need: Any, key: str, value: bool) -> None:
    """``need[key] = value``; on a need without parts, for a core field, the field alone.

    ``__setitem__`` of a core field sets it and rebuilds the computed fields
    (``_recompute``); on a need without parts they are built from what the last rebuild saw
    (the back links alone changed since, and only a part shows them), so the rebuild would
    give the same values. A need with parts is set through ``__setitem__``.
    """
    core = need._core
    if need._parts or key not in core or key in need._derived:
        need[key] = value
    else:
        core[key] = value


def build_backlinks(needs: Any, schema: Any, *, reset: bool = True) -> None:
    """sphinx-needs' ``build_backlinks`` (9.1), the back lists filled in linear time."""
    from operator import attrgetter

    from sphinx_needs.directives import need as need_module

    if reset:
        keep = not switched_off(EMPTY_KEPT)
        for need in needs.values():
            if not keep or need._parts or any(need._backlinks.values()):
                need.reset_backlinks()
    fused = not switched_off(LINK_PASS)
    met = _add_links(needs, by_id=fused)
    allow_dead_links = {link.name: link.allow_dead_links for link in schema.iter_link_fields()}
    unions_by_type: dict[str, frozenset[str]] = {}
    by_id = attrgetter("id")
    needs_get = needs.get
    plan = needs_reuse.current(needs)
    found: dict[str, list[str]] = {}
    for key, need in needs.items():
        # need.sort_backlinks(): a list of one entry or none is in order already
        for value in need._backlinks.values():
            if len(value) > 1:
                value.sort(key=by_id)
        for part in need._parts.values():
            for value in part.backlinks.values():
                value.sort(key=by_id)
        unions = lambda need=need: need_module._unions(schema, need, unions_by_type)  # noqa: E731
        if fused:
            dead, forbidden = _dead_flags(met.get(key, ()), allow_dead_links, unions)
        else:
            dead, forbidden = _flags(need, needs_get, allow_dead_links, unions)
        if dead:
            found[need._core["id"]] = dead
        _set_flag(need, "has_dead_links", bool(dead))
        _set_flag(need, "has_forbidden_dead_links", forbidden)
    if plan is not None:
        plan.dead = found  # the dead links of every need, for the link check's record (needs_reuse)
        plan.dead_found = True


def install() -> bool:
    """Use :func:`build_backlinks` wherever sphinx-needs calls its own (idempotent); False, and
    nothing changed, on a sphinx-needs release other than :data:`needs_release.RELEASE`.

    ``post_process_needs_data`` calls it by its module's global name, and ``resolve_functions``
    imports it from that module when it runs, so replacing the module's attribute is enough.
    """
    if not needs_release.matches():
        return False
    from sphinx_needs.directives import need as need_module

    if need_module.build_backlinks is not build_backlinks:
        ORIGINAL.append(need_module.build_backlinks)
        need_module.build_backlinks = build_backlinks
    return True
