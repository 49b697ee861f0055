"""sphinx-needs' ``generate_need`` for a need written in a directive, from a plan made once per
need type.

``generate_need`` (9.1.0) walks every field of the need's type for every need: some 90 extra
and link fields here, each asked whether it is derived, declared, a directive option, given,
what its default or fixed value is, then unwrapped one by one (about 165 µs CPU a need, 3 s of
a full build at 10,000 requirements). All but the values an author gave are the same for every
need of a type, so :class:`~.needs_typeplan.Plan` works them out once per type schema (frozen: sphinx-needs
refuses to change it once made) and :func:`generate_need` does, per need, only what depends on
the need: the fields given (converted and checked by sphinx-needs' own
``convert_or_type_check``, warned about by its own ``_refuse_authored``, in the order
sphinx-needs visits them, so the same warnings and the same first error), the id checks, the
core values, and ``NeedItem`` built with the same arguments. Fresh lists where sphinx-needs
makes fresh lists; shared strings, numbers, booleans and ``None`` (values nothing can change).
The conversion of a text given for a field (not the title, every need's own) is remembered per
plan (:func:`~.needs_typeplan.convert`): a status, a section, a device list repeat across thousands of needs;
it is a function of the frozen field and the text, a failure is never remembered, and each
need gets its own list (the ``NeedLink`` objects in it are frozen, and shared).

Anything the plan does not cover goes to sphinx-needs' own function, unchanged: a need from
outside (imported or external), without an id, with parts, jinja content or templates, given
positionally; a type with a predicate default, a default or fixed value that is not a literal
of plain values, link types that copy into ``links``, or a required field without a default
(and such a field not given). :func:`install` replaces ``sphinx_needs.api.need.generate_need``
(the function ``add_need`` calls) only on sphinx-needs :data:`SUPPORTED` and only when the
original's parameters are the ones this was written against. ``tests/test_needs_plan.py``
compares both on every need of the spec and on seeded random needs.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterable
from typing import Any

from sphinx_needs.exceptions import InvalidNeedException
from sphinx_needs.need_item import NeedItem, NeedsContent
from sphinx_needs.needs_schema import (
    FieldLiteralValue,
    LinksFunctionArray,
    LinksLiteralValue,
)

from . import needs_quickconvert as quickconvert
from . import needs_release
from .needs_typeplan import Plan, convert, plan_for

SUPPORTED = needs_release.RELEASE
#: the keyword parameters of sphinx-needs 9.1.0's ``generate_need``; every other keyword is a field
NAMED = [
    "needs_config",
    "needs_schema",
    "need_type",
    "title",
    "need_source",
    "docname",
    "lineno",
    "id",
    "doctype",
    "content",
    "lineno_content",
    "status",
    "tags",
    "constraints",
    "parts",
    "arch",
    "signature",
    "sections",
    "jinja_content",
    "hide",
    "collapse",
    "style",
    "layout",
    "template_root",
    "template",
    "pre_template",
    "post_template",
    "is_import",
    "is_external",
    "external_url",
    "external_css",
    "full_title",
    "allow_type_coercion",
]
_NAMED = frozenset(NAMED)
#: sphinx-needs' ``api.need`` module and its own ``generate_need``, once installed
ORIGINAL: list[Any] = []


def _outside_plan(args: tuple[Any, ...], params: dict[str, Any]) -> bool:
    """A call the plan leaves to sphinx-needs: positional, from outside, no id, parts, templates."""
    source = params.get("need_source")
    if (
        args
        or source is None
        or params.get("id") is None
        or params.get("parts")
        or params.get("jinja_content")
    ):
        return True
    if any(params.get(name) is not None for name in ("template", "pre_template", "post_template")):
        return True
    shown = source.dict_repr
    return bool(shown["is_import"] or shown["is_external"] or "needs_schema" not in params)


def _convert_core(plan: Plan, params: dict[str, Any], needs_config: Any) -> dict[str, Any]:
    """The core values given, converted as sphinx-needs converts them; the constraints checked."""
    allow = params.get("allow_type_coercion", True)
    converted: dict[str, Any] = {}
    for name, scheme, _ in plan.core:
        raw = params.get(name)
        if raw is None:
            continue
        try:
            if name == "title":  # every need's own: nothing to remember
                converted[name] = quickconvert.convert(scheme, raw, allow)
            else:
                converted[name] = convert(plan, scheme, raw, allow)
        except Exception as err:
            raise InvalidNeedException("invalid_value", f"{name!r} value is invalid: {err}") from err
    constraints = converted.get("constraints")
    if (
        isinstance(constraints, FieldLiteralValue)
        and isinstance(constraints.value, Iterable)
        and (unknown := set(constraints.value) - set(needs_config.constraints))
    ):
        raise InvalidNeedException(
            "invalid_constraints", f"Constraints {unknown!r} not in 'needs_constraints'."
        )
    return converted


def _convert_fields(
    plan: Plan, fields: dict[str, Any], params: dict[str, Any], need_module: Any
) -> dict[str, Any]:
    """The fields given, in sphinx-needs' order: a fixed one reported (its value ignored), an
    option converted (``None``: its default)."""
    source = params["need_source"].dict_repr
    location = (source["docname"], source["lineno"]) if source["docname"] else None
    allow = params.get("allow_type_coercion", True)
    extra_count = len(plan.extras)
    converted: dict[str, Any] = {}
    for name in sorted(fields, key=plan.order.__getitem__):
        value = fields[name]
        if name in plan.fixed:
            need_module._refuse_authored(
                plan.fixed[name],
                fields,
                location,
                params["need_type"],
                params["id"],
                declared=plan.declared[name],
            )
            continue
        if value is None:
            continue
        try:
            converted[name] = convert(plan, plan.options[name], value, allow)
        except Exception as err:
            if plan.order[name] < extra_count:
                raise InvalidNeedException(
                    "invalid_field_value", f"Field {name!r} is invalid: {err}"
                ) from err
            raise InvalidNeedException(
                "invalid_link_option", f"Link option {name!r} is invalid: {err}"
            ) from err
    return converted


def _values(
    plan: Plan, core: dict[str, Any], fields: dict[str, Any], need_module: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[Any]], dict[str, Any]]:
    """The need's core, extra and link values and its dynamic functions, as sphinx-needs unwraps them."""
    dynamic: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, scheme, default in plan.core:
        if name in core:
            values[name], func = need_module._unwrap_field_value(scheme, core[name])
            if func is not None:
                dynamic[name] = func
        else:
            values[name] = list(default) if type(default) is list else default
    extras = plan.extras.copy()
    for name in plan.lists:
        extras[name] = list(extras[name])
    links: dict[str, list[Any]] = {name: [] for name in plan.links}
    for name, value in fields.items():
        if name in links:
            continue
        extras[name], func = need_module._unwrap_field_value(plan.options[name], value)
        if func is not None:
            dynamic[name] = func
    for name, value in fields.items():
        if name not in links:
            continue
        if name == "links" and isinstance(value, LinksFunctionArray):
            value = LinksFunctionArray(tuple(value.value))  # what sphinx-needs' copy step makes of it
        if isinstance(value, LinksLiteralValue):
            links[name] = value.value
        elif isinstance(value, LinksFunctionArray):
            dynamic[name] = value
        else:
            raise InvalidNeedException(
                "invalid_link_option", f"Link option {name!r} has unknown value {value!r}."
            )
    return values, extras, links, dynamic


def _type_config(plan: Plan, need_module: Any, needs_config: Any, need_type: str) -> tuple[Any, Any]:
    """The type's configuration (``_get_need_type``: its title, prefix, colour, style) and the id
    pattern, read once per plan (a plan is made per type schema, within one configuration) with
    ``SMETS_QUICK_CONVERT`` on; ``_get_need_type`` merges every configured type afresh per call."""
    if plan.config is not None:
        return plan.config
    found = (need_module._get_need_type(needs_config, need_type), needs_config.id_regex)
    if quickconvert.enabled():
        plan.config = found
    return found


def generate_need(*args: Any, **params: Any) -> NeedItem:
    """``sphinx_needs.api.need.generate_need`` (9.1.0) from the need type's :class:`Plan`."""
    need_module, original = ORIGINAL
    if _outside_plan(args, params):
        return original(*args, **params)  # type: ignore[no-any-return]
    need_type, needs_config = params["need_type"], params["needs_config"]
    schema = params["needs_schema"].for_type(need_type)
    plan = plan_for(schema, need_type, need_module)
    fields = {name: value for name, value in params.items() if name not in _NAMED}
    if (
        plan is None
        or any(fields.get(name) is None for name in plan.required)
        or any(params.get(name) is None for name in plan.required_core)
    ):
        return original(**params)  # type: ignore[no-any-return]
    if unknown := set(fields) - plan.allowed:
        raise InvalidNeedException("invalid_kwargs", f"{unknown!r} not in 'needs_fields' or 'needs_links'.")
    type_data, id_regex = _type_config(plan, need_module, needs_config, need_type)
    need_id = params["id"]
    if id_regex and not re.match(id_regex, need_id):
        raise InvalidNeedException(
            "invalid_id", f"Given ID {need_id!r} does not match configured regex {id_regex!r}"
        )
    core = _convert_core(plan, params, needs_config)
    given = _convert_fields(plan, fields, params, need_module)
    values, extras, links, dynamic = _values(plan, core, given, need_module)
    try:
        return NeedItem(
            core=_core_data(need_id, need_type, type_data, values, params),
            extras=extras,
            links=links,
            source=params["need_source"],
            content=NeedsContent(
                doctype=params.get("doctype", ".rst"),
                content=params.get("content", ""),
                pre_content=None,
                post_content=None,
                template=values["template"],
                pre_template=values["pre_template"],
                post_template=values["post_template"],
                jinja_content=params.get("jinja_content") or False,
            ),
            parts=[],
            dynamic_fields=dynamic,
            derived=schema.derived_names,
            _validate=False,
        )
    except ValueError as err:
        raise InvalidNeedException("failed_init", str(err)) from err


def _core_data(
    need_id: str, need_type: str, type_data: Any, values: dict[str, Any], params: dict[str, Any]
) -> Any:
    return {
        "id": need_id,
        "type": need_type,
        "type_name": type_data["title"],
        "type_prefix": type_data["prefix"],
        "type_color": type_data.get("color") or "",
        "type_style": type_data.get("style") or "node",
        "title": values["title"],
        "status": values["status"],
        "tags": values["tags"],
        "constraints": values["constraints"],
        "collapse": values["collapse"],
        "hide": values["hide"],
        "style": values["style"],
        "layout": values["layout"],
        "external_css": params.get("external_css", "external_link") or "external_link",
        "arch": params.get("arch") or {},
        "has_dead_links": False,
        "has_forbidden_dead_links": False,
        "sections": tuple(params.get("sections") or ()),
        "signature": params.get("signature"),
    }


def install() -> bool:
    """Use :func:`generate_need` in ``sphinx_needs.api.need`` (where ``add_need`` calls it); False,
    and nothing changed, on another sphinx-needs release or another ``generate_need`` signature."""
    if not needs_release.matches():
        return False
    need_module: Any = importlib.import_module("sphinx_needs.api.need")
    current = need_module.generate_need
    if current is generate_need:
        return True
    names = [p.name for p in inspect.signature(current).parameters.values() if p.kind is not p.VAR_KEYWORD]
    if names != NAMED:
        return False
    ORIGINAL[:] = [need_module, current]
    need_module.generate_need = generate_need
    return True


def uninstall() -> None:
    """sphinx-needs' own ``generate_need`` back (for the tests' side-by-side runs)."""
    need_module: Any = importlib.import_module("sphinx_needs.api.need")
    if ORIGINAL and need_module.generate_need is generate_need:
        need_module.generate_need = ORIGINAL[1]
