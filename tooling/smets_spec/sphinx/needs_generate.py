"""The copy sphinx-needs makes of a field's default for every need, made without ``copy.deepcopy``.

``generate_need`` (sphinx-needs' ``add_need``) gives each need its own copy of every default
value it takes: ``_get_field_default`` and ``_get_links_default`` return
``deepcopy(scheme.default)`` (or of the matching predicate's value). The default is a frozen
dataclass, ``FieldLiteralValue(value)``, so ``copy.deepcopy`` takes its generic path
(``__reduce_ex__``, a memo, ``__setstate__``): 74,000 copies in a full build at 10,000
requirements. Replayed outside the build, the calls of ``generate_need`` of a 2,000 build took
218 µs CPU a need with ``copy.deepcopy``, 165 µs with :func:`deepcopy` (about 1 s at 10,000).

:func:`deepcopy` takes the place of ``copy.deepcopy`` in ``sphinx_needs.api.need``, where
those two functions are its only users. For the values the defaults hold in practice, it
builds what ``copy.deepcopy`` builds, directly: a ``FieldLiteralValue`` whose value is a
string, number, boolean or ``None`` is a new ``FieldLiteralValue`` of the same value (deepcopy
keeps such values: they are atomic to it, by exact type), one whose value is a list of such
values is a new one of a new list of the same items, and a ``LinksLiteralValue`` of an empty
list a new one of a new empty list. ``FieldLiteralValue`` and ``LinksLiteralValue`` have no
``__post_init__``, so the constructor sets the one slot as ``__setstate__`` does. Any other
value (a dynamic function, a link, a subclass) goes to ``copy.deepcopy`` as before. Nothing
is skipped: the same checks run on the same values. :func:`install` replaces it only on
sphinx-needs :data:`SUPPORTED`; ``tests/test_needs_generate.py`` compares both on every
default of the spec's schema and the built needs of the spec and of a generated one.

:func:`install` also installs :mod:`.needs_plan` (``generate_need`` itself from a plan made
once per need type; the plan copies nothing this way): the calls it leaves to sphinx-needs' own
``generate_need`` still copy their defaults with this ``deepcopy``.
"""

from __future__ import annotations

import copy
import importlib
from typing import Any

from sphinx_needs.needs_schema import FieldLiteralValue, LinksLiteralValue

from . import needs_plan, needs_release

#: the sphinx-needs release whose ``api.need`` module this matches
SUPPORTED = needs_release.RELEASE
#: the types ``copy.deepcopy`` returns as they are (its ``_deepcopy_atomic``), by exact type
ATOMIC = frozenset({str, int, float, bool, type(None)})
#: ``sphinx_needs.api.need``'s own ``deepcopy``, once installed
ORIGINAL: list[Any] = []


def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """``copy.deepcopy(value, memo)``, directly for a default of plain values."""
    kind = type(value)
    if memo is None and kind is FieldLiteralValue:
        inner = value.value
        if type(inner) in ATOMIC:
            return FieldLiteralValue(inner)
        if type(inner) is list and all(type(item) in ATOMIC for item in inner):
            return FieldLiteralValue(list(inner))
    elif memo is None and kind is LinksLiteralValue and type(value.value) is list and not value.value:
        return LinksLiteralValue([])
    return copy.deepcopy(value, memo)


def install() -> bool:
    """Use :func:`deepcopy` in ``sphinx_needs.api.need``; False, and nothing changed, on a
    sphinx-needs release other than :data:`SUPPORTED`. Idempotent."""
    if not needs_release.matches():
        return False
    need_module: Any = importlib.import_module("sphinx_needs.api.need")
    if need_module.deepcopy is not deepcopy:
        ORIGINAL[:] = [need_module.deepcopy]
        need_module.deepcopy = deepcopy
    needs_plan.install()
    return True


def uninstall() -> None:
    """sphinx-needs' own ``deepcopy`` and ``generate_need`` back (for the tests' side-by-side runs)."""
    need_module: Any = importlib.import_module("sphinx_needs.api.need")
    needs_plan.uninstall()
    if ORIGINAL:
        need_module.deepcopy = ORIGINAL.pop()
