"""A need's needs.json value made straight from its parts (``SMETS_QUICK_NEED_JSON=off``:
sphinx-needs' ``NeedsList.add_need`` for every need).

sphinx-needs 9.1's ``add_need`` takes ``NeedItem.items()`` (the core, extra, link, back-link,
source, content and computed fields, in that order, a later part's key winning), drops the
excluded fields, then, with ``needs_json_include_link_conditions`` (the default), writes each
outgoing link field again as its links' ``to_link_string``. So every link list is made twice,
first as filter strings that are then thrown away, through two generator layers a field: at
10,000 requirements (18,498 needs, 22 link fields each) most of the needs.json copy's time in a
build into an empty output folder, where every need is serialised.

:func:`maker` gives the same dict in one pass: the parts merged in the same order with C-level
``dict.update``, the outgoing link fields written once (as link strings with the conditions, as
filter strings without), the excluded fields dropped. A link without a condition has the filter
string as its link string (``NeedLink.to_link_string``: the same text when ``condition`` is None),
so only conditional links call sphinx-needs' method; an empty field (most of the 22 link
fields of a need) is written as ``[]`` without a comprehension. It is used only for a ``NeedItem`` whose
links are all ``NeedLink`` (what :func:`.needs_splice.fingerprint` checks before, type for
type), and not with ``needs_json_remove_defaults`` (sphinx-needs' default-removal stays its
own). ``tests/test_needs_quickjson.py`` compares the dicts and the JSON with ``add_need``'s on
every need of a built project and on needs of every shape (conditions, parts, excluded fields,
a key in two parts).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..corpus.cachedir import switched_off

SWITCH = "SMETS_QUICK_NEED_JSON"

#: a need (checked type for type by the caller) to its needs.json value
Maker = Callable[[Any], dict[str, Any]]
#: ``json.dumps(value, sort_keys=True)`` without a new encoder a need (json.dumps makes one with
#: exactly these settings and calls its ``encode``)
ENCODE = json.JSONEncoder(sort_keys=True).encode


def maker(needs_list: Any) -> Maker | None:
    """:func:`value` for ``needs_list``'s settings; None when switched off or with settings it does
    not cover (``add_need`` then makes every value)."""
    config = needs_list.needs_config
    if switched_off(SWITCH) or config.json_remove_defaults:
        return None
    exclude = frozenset(needs_list._exclude_need_keys)
    conditions = bool(config.json_include_link_conditions)

    def made(need: Any) -> dict[str, Any]:
        return value(need, exclude, conditions)

    return made


def value(need: Any, exclude: frozenset[str], conditions: bool) -> dict[str, Any]:
    """What ``add_need`` stores for ``need`` (a ``NeedItem`` whose links are ``NeedLink``s) with
    ``json_remove_defaults`` off."""
    written = dict(need._core)
    written.update(need._extras)
    links = need._links
    if not conditions:
        for key, found in links.items():
            written[key] = [link._filter_string for link in found] if found else []
    back = need._backlinks
    for key, name in need._backlinks_keymap.items():
        found = back[name]
        written[key] = [link._filter_string for link in found] if found else []
    written.update(need._source.dict_repr)
    written.update(need._content.dict_repr)
    written.update(need._computed)
    if conditions:  # add_need writes these last, over any part
        for key, found in links.items():
            written[key] = (
                [link._filter_string if link.condition is None else link.to_link_string() for link in found]
                if found
                else []
            )
    for key in exclude.intersection(written):
        del written[key]
    return written
