"""sphinx-needs' needs with one copy of each field name, not one per need.

A need of sphinx-needs 9 (``NeedItem``) keeps its fields in a handful of dicts (core fields,
extra options, links, back links, computed fields, source and content), about 130 keys a need
here. docutils reads each need's options from its directive's text, so each need's dicts were
keyed by strings of their own: at 10,000 requirements (18,498 needs) 2.5 million copies of the
same 130 names, 174 MB of the environment, unpickled again by every incremental build. The
same holds for the ``NAME_back`` names of each need's back-link key map (a dict sphinx-needs
only reads), and for the values every need of a type repeats (its type, type name, colour, style,
page, section).

:func:`share` makes each need's dicts use one string per name (the same keys, in the same order,
with the same values) and lets needs with the same link types share one back-link key map.
It runs where needs are made: in the main process for the documents a serial read read, and in
each parallel reader before its environment is pickled back (:mod:`.readback`) when the compact
reduction, which shares the values itself (:func:`.envpickle.share_values`), is not used. Pickling keeps
the sharing (pickle stores an object once however often it is referenced), so the saved
environment is smaller and unpickles into the shared form. Nothing a need shows changes:
``NeedItem`` equality, needs.json and the site are the same (tests/test_sphinx_memory.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

#: the NeedItem slots that hold a dict keyed by field name
_DICTS = ("_core", "_extras", "_links", "_backlinks", "_computed", "_dynamic_fields")
#: the dict each need's source and content expose
_REPR = "dict_repr"
#: values shorter than this are shared (type names, colours, pages, sections; not texts); also
#: :func:`.envpickle.share_values`'s
SHORT = 200


class _Strings:
    """One copy of each short string seen."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def one(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) < SHORT:
            return self.seen.setdefault(value, value)
        return value


def _rekey(mapping: dict[Any, Any], strings: _Strings) -> None:
    """``mapping`` keyed by the one copy of each name (in place: it may be referenced elsewhere)."""
    items = [(sys.intern(k) if type(k) is str else k, strings.one(v)) for k, v in mapping.items()]
    mapping.clear()
    mapping.update(items)


def share(needs: Iterable[Any]) -> int:
    """Make ``needs`` (sphinx-needs ``NeedItem``\\ s) share their field names; returns how many were."""
    strings = _Strings()
    keymaps: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    count = 0
    for need in needs:
        for slot in _DICTS:
            mapping = getattr(need, slot, None)
            if type(mapping) is dict:
                _rekey(mapping, strings)
        for part in ("_source", "_content"):
            mapping = getattr(getattr(need, part, None), _REPR, None)
            if type(mapping) is dict:
                _rekey(mapping, strings)
        keymap = getattr(need, "_backlinks_keymap", None)
        if type(keymap) is dict:
            named = tuple((sys.intern(k), sys.intern(v)) for k, v in keymap.items())
            need._backlinks_keymap = keymaps.setdefault(named, dict(named))
        count += 1
    return count
