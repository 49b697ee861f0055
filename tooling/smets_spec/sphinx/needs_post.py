"""sphinx-needs' link checks, constraints and field schema check with less work per need.

sphinx-needs 9 post-processes and checks every need at every build, incremental ones too
(``write-started``: ``process_schemas`` -> ``get_needs_view`` -> ``post_process_needs_data``).
Three of its steps spend most of their time on needs they have nothing to say about; here each
gives sphinx-needs' result, and the needs that need sphinx-needs' own code still go through it:

* ``check_links``: a need none of whose links has a condition, goes to a need of a type its
  link type does not accept, or is a dead link it must report, emits nothing; every other
  need is checked by sphinx-needs' own ``check_links``, one need at a time, in the same
  order, so the same warnings come in the same order (:func:`check_links`).
* ``process_constraints``: a need without constraints (and without parts) gets what
  sphinx-needs gives it, empty results, set without rebuilding its other computed fields
  twice; a need with constraints goes through sphinx-needs' own code (:func:`process_constraints`).
* ``validate_field_link_schemas``: the need's fields the validator reads are projected
  without first turning every link list of the need into strings (:func:`project`); the rest
  of the function is sphinx-needs' own, line for line (:mod:`.needs_validate`).

Installed on the sphinx-needs release of :mod:`.needs_release` only. ``tests/test_needs_post.py``
compares every need's post-processed fields, the warnings (text, order, location) and
``schema_violations.json`` with sphinx-needs' own code on seeded random edits of a spec.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import needs_release, needs_reuse
from .backlinks import live_target

#: sphinx-needs' own functions while ours are installed: name -> (module, function)
ORIGINALS: dict[str, tuple[Any, Any]] = {}


class OneNeed(Mapping[str, Any]):
    """Every need to look up, one need to go through: what sphinx-needs' per-need passes read
    (``needs.values()`` to walk, ``needs.get`` / ``needs[...]`` for the targets)."""

    def __init__(self, needs: Mapping[str, Any], need: Any) -> None:
        self._needs = needs
        self._need = need

    def __getitem__(self, key: str) -> Any:
        return self._needs[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._needs.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._needs

    def __iter__(self) -> Iterator[str]:
        return iter((self._need.id,))

    def __len__(self) -> int:
        return 1

    def values(self) -> Any:
        return (self._need,)

    def items(self) -> Any:
        return ((self._need.id, self._need),)


def _target_types(schema: Any, cache: dict[str, dict[str, Any]], need_type: str) -> dict[str, Any]:
    """The link types of ``need_type`` with target types, and theirs (as ``check_links`` reads them)."""
    declared = cache.get(need_type)
    if declared is None:
        declared = cache[need_type] = {
            link.name: link.target_types
            for link in schema.for_type(need_type).iter_link_fields()
            if link.target_types is not None
        }
    return declared


def _quiet(need: Any, needs_get: Any, declared: dict[str, Any], report_dead: bool) -> bool:
    """Whether sphinx-needs' ``check_links`` has nothing to say about ``need``: no link with a
    condition, no live link to a need of a type the link type does not accept, and no dead
    link it would report. ``False`` sends the need through sphinx-needs' own check."""
    if report_dead and need["has_forbidden_dead_links"]:
        return False
    for link_type, references in need._links.items():
        allowed = declared.get(link_type)
        for need_link in references:
            if need_link.condition is not None:
                return False
            if allowed is None:
                continue
            target = live_target(needs_get, need_link)
            if target is None:
                continue  # a dead link: reported (or not) by the flag above
            if target._core["type"] not in allowed.types:
                return False
    return True


def check_links(needs: Any, config: Any, schema: Any) -> None:
    """sphinx-needs' ``check_links`` (9.1.0): each need that may have something to report goes
    through sphinx-needs' own function alone, in the order of ``needs``."""
    original = ORIGINALS["check_links"][1]
    cache: dict[str, dict[str, Any]] = {}
    report_dead = bool(config.report_dead_links)
    needs_get = needs.get
    plan = needs_reuse.current(needs)
    selected = None if plan is None else needs_reuse.link_check_set(plan)
    for need in needs.values():
        key = need._core["id"]
        if selected is not None and key not in selected:
            continue  # had nothing to say last build, and nothing it reads changed (needs_reuse)
        declared = _target_types(schema, cache, need._core["type"])
        if not _quiet(need, needs_get, declared, report_dead):
            original(OneNeed(needs, need), config, schema)
            if plan is not None:
                plan.checked.append(key)


def process_constraints(needs: Any, config: Any) -> None:
    """sphinx-needs' ``process_constraints`` (9.1.0): a need without constraints and parts gets
    empty results as sphinx-needs' ``set_constraint_results`` sets them, its three computed
    constraint fields set to what its ``_recompute`` makes of empty results (the other computed
    fields are rebuilt from the links, which ``sort_links`` may have reordered: ``parent_need``
    is the first of the sorted ``parent_needs``); every other need through sphinx-needs' code."""
    from sphinx_needs.need_item import NeedConstraintResults

    original = ORIGINALS["process_constraints"][1]
    for need in needs.values():
        if need._core["constraints"] or need._parts:
            original(OneNeed(needs, need), config)
            continue
        need._constraint_results = NeedConstraintResults({})
        computed = dict(need._computed)
        # what to_dict(), first_error() and all_passed() give for results without constraints
        computed["constraints_results"] = {}
        computed["constraints_error"] = None
        computed["constraints_passed"] = True
        parent_needs = need._links.get("parent_needs")
        computed["parent_need"] = parent_needs[0].to_filter_string() if parent_needs else None
        need._computed = computed


def _replace(module: Any, name: str, function: Any) -> None:
    current = getattr(module, name)
    if current is not function:
        ORIGINALS.setdefault(name, (module, current))
        setattr(module, name, function)


def install() -> bool:
    """Use these passes where sphinx-needs' post-processing and ``process_schemas`` call theirs
    (they call them by their modules' global names); False, and nothing changed, on another
    sphinx-needs release or with ``SMETS_NEEDS_POST=off``. Idempotent."""
    from ..corpus.cachedir import switched_off

    if not needs_release.matches() or switched_off("SMETS_NEEDS_POST"):
        return False
    from sphinx_needs.directives import need as need_module
    from sphinx_needs.schema import process as process_module

    from .needs_validate import validate_field_link_schemas

    _replace(need_module, "check_links", check_links)
    _replace(need_module, "process_constraints", process_constraints)
    _replace(process_module, "validate_field_link_schemas", validate_field_link_schemas)
    return True


def uninstall() -> None:
    """sphinx-needs' own functions again (for the tests that compare the two)."""
    for name, (module, function) in list(ORIGINALS.items()):
        setattr(module, name, function)
    ORIGINALS.clear()
