"""sphinx-needs' conversion of a directive option's text, for the two shapes nearly every need
gives: a string field's text (the title, a clause number) and a link list (``A, B``) with no
dynamic function or variant in it (``SMETS_QUICK_CONVERT=off``: sphinx-needs' own every time).

sphinx-needs 9.1.0 reads both one character at a time (``_split_string`` / ``_split_link_list``
rebuild the rest of the text after each character): a need's title, and each link list, whose
whole text is seldom seen twice so :func:`.needs_typeplan.convert` cannot remember it. When the
text holds none of ``[[``, ``<<`` and ``<{`` (what starts a dynamic function, a variant or
variant data), that reading comes down to:

* a string field (``FieldSchema``, type ``string``): ``FieldLiteralValue(text.strip())`` (blank
  text goes to sphinx-needs);
* a link field (``LinkSchema``): the text split at each of ``;``, ``|`` and ``,``, each part
  stripped, blank parts dropped, the others read by ``NeedLink.from_string_with_warnings`` (its
  first warning raised as ``ValueError``, as sphinx-needs does), in a ``LinksLiteralValue``.
  A link's reading is remembered by its text (a ``NeedLink`` is frozen: shared, as
  :mod:`.needs_typeplan` shares them); one with a warning is not.

Any other field, type, value or text goes to ``convert_or_type_check`` unchanged.
``tests/test_needs_quickconvert.py`` compares both on texts of every shape.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx_needs.need_item import NeedLink
from sphinx_needs.needs_schema import FieldLiteralValue, FieldSchema, LinkSchema, LinksLiteralValue

from ..corpus.cachedir import switched_off

SWITCH = "SMETS_QUICK_CONVERT"
#: what starts a dynamic function, a variant function or variant data in sphinx-needs' readers
_SPECIAL = ("[[", "<<", "<{")
_DELIMITERS = re.compile(r"[;|,]")
#: links read, by (parse_conditions, text) (at most :data:`LINKS_KEPT`, then forgotten)
_LINKS: dict[tuple[bool, str], NeedLink] = {}
LINKS_KEPT = 200_000
_ON: list[bool] = []


def enabled() -> bool:
    """Whether the quick path is on (read once per process: a reader asks for every need)."""
    if not _ON:
        _ON.append(not switched_off(SWITCH))
    return _ON[0]


def reset() -> None:
    """Read the switch again (the tests' side-by-side runs)."""
    _ON.clear()
    _LINKS.clear()


def _link(text: str, conditions: bool) -> NeedLink:
    key = (conditions, text)
    found = _LINKS.get(key)
    if found is None:
        found, warnings = NeedLink.from_string_with_warnings(text, parse_conditions=conditions)
        if warnings:
            raise ValueError(warnings[0])
        if len(_LINKS) >= LINKS_KEPT:
            _LINKS.clear()
        _LINKS[key] = found
    return found


def _links(scheme: Any, value: str) -> LinksLiteralValue:
    conditions = scheme.parse_conditions
    found = []
    for part in _DELIMITERS.split(value):
        text = part.strip()
        if text:
            found.append(_link(text, conditions))
    return LinksLiteralValue(found)


def convert(scheme: Any, value: Any, allow: bool) -> Any:
    """``scheme.convert_or_type_check(value, allow_coercion=allow)`` (see the module's doc)."""
    if not allow or type(value) is not str or any(s in value for s in _SPECIAL) or not enabled():
        return scheme.convert_or_type_check(value, allow_coercion=allow)
    kind = type(scheme)
    if kind is LinkSchema:
        return _links(scheme, value)
    if kind is FieldSchema and scheme.type == "string":
        text = value.strip()
        if text:
            return FieldLiteralValue(text)
    return scheme.convert_or_type_check(value, allow_coercion=allow)
