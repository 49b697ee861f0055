"""The plan of one need type for :mod:`.needs_plan`: what sphinx-needs' ``generate_need`` works out
the same for every need of the type (its fields' defaults and fixed values, which fields an
author may set, sphinx-needs' order of visiting them), made once per type schema; and the
conversions of the texts given for a field, remembered per plan (:func:`convert`).

A type it does not cover raises :class:`UnplannedError` when planned (``plan_for`` gives
``None``): its needs go to sphinx-needs' own function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sphinx_needs.need_item import NeedLink
from sphinx_needs.needs_schema import FieldLiteralValue, LinksLiteralValue

from . import needs_quickconvert as quickconvert

CORE = (
    "title",
    "status",
    "tags",
    "constraints",
    "layout",
    "style",
    "hide",
    "collapse",
    "template",
    "pre_template",
    "post_template",
)
_ATOMIC = (str, int, float, bool, type(None))


class UnplannedError(Exception):
    """A type (or a value) the plan does not cover: sphinx-needs' own function does it."""


def _plain(value: Any) -> Any:
    """A literal's value when it is a plain value or a list of them, else :class:`UnplannedError`."""
    if type(value) in _ATOMIC or (type(value) is list and all(type(item) in _ATOMIC for item in value)):
        return value
    raise UnplannedError(repr(value))


@dataclass
class Plan:
    """What ``generate_need`` works out the same for every need of one type."""

    schema: Any  # the type's schema (kept: the plans are keyed by its id)
    allowed: set[str]
    core: list[tuple[str, Any, Any]]  # name, field, the default's plain value
    required_core: frozenset[str]  # no default, not nullable: a need without one is sphinx-needs'
    extras: dict[str, Any] = field(default_factory=dict)  # name -> every need's value (copied if a list)
    lists: list[str] = field(default_factory=list)  # the names whose value is a list
    fixed: dict[str, Any] = field(default_factory=dict)  # name -> field an author cannot set (extra or link)
    declared: dict[str, bool] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # name -> field given as an option
    order: dict[str, int] = field(default_factory=dict)  # a field's place in sphinx-needs' loops
    links: list[str] = field(default_factory=list)
    required: frozenset[str] = frozenset()  # option fields without a default that must be given
    memo: dict[tuple[str, str], Any] = field(default_factory=dict)  # (field, text) -> its conversion
    config: tuple[Any, Any] | None = None  # the type's configuration and the id pattern, once read


def _field_default(scheme: Any) -> Any:
    if scheme.predicate_defaults:
        raise UnplannedError(f"{scheme.name}: predicate default")
    if scheme.default is None:
        return None
    if type(scheme.default) is not FieldLiteralValue:
        raise UnplannedError(f"{scheme.name}: default {scheme.default!r}")
    return _plain(scheme.default.value)


def _core(schema: Any) -> tuple[list[tuple[str, Any, Any]], frozenset[str]]:
    core, required = [], set()
    for name in CORE:
        scheme = schema.get_core_field(name)
        if scheme is None:
            raise UnplannedError(f"no core field {name}")
        default = None if name == "title" else _field_default(scheme)
        if default is None and not scheme.nullable:
            required.add(name)
        core.append((name, scheme, default))
    if any(default is not None for name, _, default in core if name.endswith("template")):
        raise UnplannedError("a template by default")
    return core, frozenset(required)


def _extras(plan: Plan, need_module: Any, need_type: str) -> set[str]:
    required = set()
    for scheme in plan.schema.iter_extra_fields():
        name = scheme.name
        plan.order[name] = len(plan.order)
        if not scheme.directive_option:
            plan.fixed[name] = scheme
            plan.declared[name] = plan.schema.declares(name)
            fixed = need_module._unauthored_value(scheme, need_type)
            value = None if fixed is None else _plain(fixed.value)
        else:
            plan.options[name] = scheme
            value = _field_default(scheme)
            if value is None and not scheme.nullable:
                required.add(name)
        if value is None and not scheme.nullable and name not in plan.options:
            raise UnplannedError(f"{name}: no value")
        plan.extras[name] = value
        if type(value) is list:
            plan.lists.append(name)
    return required


def _links(plan: Plan, need_type: str) -> set[str]:
    required = set()
    if plan.schema.copying_link_types():
        raise UnplannedError("links copied into links")
    for scheme in plan.schema.iter_link_fields():
        name = scheme.name
        plan.order[name] = len(plan.order)
        plan.links.append(name)
        if scheme.predicate_defaults:
            raise UnplannedError(f"{name}: predicate default")
        if not scheme.directive_option:
            plan.fixed[name] = scheme
            plan.declared[name] = plan.schema.declares(name)
            if scheme.derived and scheme.rule_for(need_type) is None and scheme.off_type_value():
                raise UnplannedError(f"{name}: links by default")
            continue
        plan.options[name] = scheme
        default = scheme.default
        if default is None:
            if name != "links":  # "links" takes [] from the copy step when nothing copies into it
                required.add(name)
        elif type(default) is not LinksLiteralValue or default.value:
            raise UnplannedError(f"{name}: default {default!r}")
    return required


def make_plan(schema: Any, need_type: str, need_module: Any) -> Plan:
    """The plan of a type's schema; :class:`UnplannedError` when it is not one the plan covers."""
    core, required_core = _core(schema)
    allowed = {*schema.iter_link_field_names(), *schema.iter_extra_field_names()}
    plan = Plan(schema, allowed, core, required_core)
    required = _extras(plan, need_module, need_type) | _links(plan, need_type)
    plan.required = frozenset(required)
    return plan


_PLANS: dict[str, tuple[Any, Plan | None]] = {}
#: conversions remembered per plan at most (then forgotten, and remembered anew)
MEMO_SIZE = 200_000


def plan_for(schema: Any, need_type: str, need_module: Any) -> Plan | None:
    """The plan of the type's schema (made once per schema), None if it is not covered; the plans
    of another schema (an earlier build's, in ``smets serve``) are forgotten."""
    found = _PLANS.get(need_type)
    if found is not None and found[0] is schema:
        return found[1]
    try:
        plan: Plan | None = make_plan(schema, need_type, need_module)
    except UnplannedError:
        plan = None
    _PLANS[need_type] = (schema, plan)
    return plan


def _reusable(converted: Any) -> bool:
    """A conversion made of plain values or links: one a later need can be given a copy of."""
    kind = type(converted)
    if kind is FieldLiteralValue:
        return _plain_or_none(converted.value)
    return kind is LinksLiteralValue and all(type(link) is NeedLink for link in converted.value)


def _plain_or_none(value: Any) -> bool:
    try:
        _plain(value)
    except UnplannedError:
        return False
    return True


def _fresh(converted: Any) -> Any:
    """What the conversion gives each need: its own list where the value is a list (the links
    themselves are frozen ``NeedLink`` objects, shared as their literals' strings are)."""
    if type(converted.value) is not list:
        return converted
    return type(converted)(list(converted.value))


def convert(plan: Plan, scheme: Any, value: Any, allow: bool) -> Any:
    """``scheme.convert_or_type_check(value, allow_coercion=allow)``, remembered per text: it is a
    function of the field (frozen) and the text alone, and says nothing but by raising (which is
    never remembered)."""
    if not allow or type(value) is not str:
        return scheme.convert_or_type_check(value, allow_coercion=allow)
    key = (scheme.name, value)
    known = plan.memo.get(key)
    if known is None:
        known = quickconvert.convert(scheme, value, allow)
        if not _reusable(known):
            return known
        if len(plan.memo) >= MEMO_SIZE:
            plan.memo.clear()
        plan.memo[key] = known
    return _fresh(known)
