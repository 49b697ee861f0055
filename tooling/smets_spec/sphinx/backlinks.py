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
"""

from __future__ import annotations

from typing import Any

from . import needs_release

#: sphinx-needs' own function, kept for the test that compares the two.
ORIGINAL: list[Any] = []


def _add_links(needs: Any) -> None:
    """Every link's back link, in the order sphinx-needs adds them (each once per list)."""
    from sphinx_needs.need_item import NeedLink

    seen: dict[tuple[int, str], set[Any]] = {}
    for key, need in needs.items():
        for link_type, references in need.iter_links_items(as_str=False):
            for need_link in references:
                linked_need = needs.get(need_link.id)
                if not linked_need:
                    continue
                _add_once(linked_need, link_type, NeedLink(id=key), seen)
                if need_link.part is not None and (linked_part := linked_need.get_part(need_link.part)):
                    if link_type not in linked_part.backlinks:
                        linked_part.backlinks[link_type] = []
                    linked_part.backlinks[link_type].append(NeedLink(id=key))


def _add_once(target: Any, link_type: str, backlink: Any, seen: dict[tuple[int, str], set[Any]]) -> None:
    """``target.add_backlink(link_type, backlink)`` with the membership test in a set."""
    backlinks = target._backlinks
    if link_type not in backlinks:
        raise KeyError(f"Link type {link_type!r} does not exist in backlinks.")
    entries = backlinks[link_type]
    members = seen.get((id(target), link_type))
    if members is None:
        members = seen[(id(target), link_type)] = set(entries)
    if backlink not in members:
        members.add(backlink)
        entries.append(backlink)


def build_backlinks(needs: Any, schema: Any, *, reset: bool = True) -> None:
    """sphinx-needs' ``build_backlinks`` (9.1), the back lists filled in linear time."""
    from sphinx_needs.directives import need as need_module

    if reset:
        for need in needs.values():
            need.reset_backlinks()
    _add_links(needs)
    allow_dead_links = {link.name: link.allow_dead_links for link in schema.iter_link_fields()}
    unions_by_type: dict[str, frozenset[str]] = {}
    for need in needs.values():
        need.sort_backlinks()
        dead_links = need_module._dead_links(need, needs)
        unions = need_module._unions(schema, need, unions_by_type)
        need["has_dead_links"] = bool(dead_links)
        need["has_forbidden_dead_links"] = bool(
            any(not allow_dead_links.get(lt, False) for lt, _ in dead_links if lt not in unions)
        )


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
