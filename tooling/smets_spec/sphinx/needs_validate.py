"""sphinx-needs' ``validate_field_link_schemas`` (9.1.0) with a faster projection of each need.

sphinx-needs validates each need against the JSON schema of its fields and link types. Before
each validation it projects the need to the properties the schema names with
``need.items()``, which makes a list of strings of every link list and every back-link list
of the need (two per link type: 44 lists of a requirement) whatever the schema names.
:func:`project` walks the same parts of the need in the same order (core fields, extras, link
lists, back-link lists, source, content, computed fields), turns a link list into strings
only when the schema names it, and keeps what the same test keeps, in the same key order; the
rest of :func:`validate_field_link_schemas` is sphinx-needs' code as it is. Installed by
:mod:`.needs_post`; ``tests/test_needs_post.py`` compares both. The copied statements are
sphinx-needs' (``sphinx_needs/schema/core.py``), MIT licence, Copyright (c) 2016-2025 useblocks GmbH.
"""

from __future__ import annotations

from typing import Any


def _kept(key: Any, value: Any, need_type: str, placeholders: Any, with_off_type_default: Any) -> bool:
    """sphinx-needs' test of one projected item (beside ``key in schema_properties``)."""
    return value is not None and not (
        key in placeholders
        and value == placeholders[key]
        and not (key in with_off_type_default and with_off_type_default[key].rule_for(need_type) is None)
    )


def project(need: Any, properties: Any, placeholders: Any, with_off_type_default: Any) -> dict[str, Any]:
    """``{key: value for key, value in need.items() if key in properties and <kept>}``."""
    need_type = need._core["type"]
    data: dict[str, Any] = {}
    for part in (need._core, need._extras):
        data.update(
            (key, value)
            for key, value in part.items()
            if key in properties and _kept(key, value, need_type, placeholders, with_off_type_default)
        )
    for key, links in need._links.items():
        if key in properties:
            value = [link.to_filter_string() for link in links]
            if _kept(key, value, need_type, placeholders, with_off_type_default):
                data[key] = value
    backlinks = need._backlinks
    for key, link_key in need._backlinks_keymap.items():
        if key in properties:
            value = [link.to_filter_string() for link in backlinks[link_key]]
            if _kept(key, value, need_type, placeholders, with_off_type_default):
                data[key] = value
    for part in (need._source.dict_repr, need._content.dict_repr, need._computed):
        data.update(
            (key, value)
            for key, value in part.items()
            if key in properties and _kept(key, value, need_type, placeholders, with_off_type_default)
        )
    return data


def validate_field_link_schemas(config: Any, fields_schema: Any, needs: Any) -> dict[str, list[Any]]:
    """sphinx-needs' ``validate_field_link_schemas``, each need projected by :func:`project`."""
    from jsonschema_rs import ValidationError
    from sphinx_needs.schema.config import MessageRuleEnum
    from sphinx_needs.schema.core import _field_validation, get_severity
    from sphinx_needs.schema.reporting import save_debug_files

    from . import needs_reuse

    global_view = fields_schema.for_type(None)
    if (every_type := _field_validation(global_view)) is None:
        return {}
    by_type: dict[str, Any] = {}
    need_2_warnings: dict[str, list[Any]] = {}
    plan = _plan_of(needs)
    selected = None
    if plan is not None:
        properties: set[str] = set(every_type.validator.properties)
        for need_type in {need._core["type"] for need in plan.needs.values()}:
            type_schema = fields_schema.for_type(need_type)
            if type_schema is not global_view and (validation := _field_validation(type_schema)) is not None:
                properties.update(validation.validator.properties)
        selected = needs_reuse.validation_set(plan, properties, plan.needs)
    for need in needs.values():
        if selected is not None and need._core["id"] not in selected:
            continue  # found nothing last build, and its fields are the same (needs_reuse)
        if (validation := by_type.get(need["type"])) is None:
            type_schema = fields_schema.for_type(need["type"])
            if type_schema is global_view:
                validation = every_type
            else:
                validation = _field_validation(type_schema)
                assert validation is not None
            by_type[need["type"]] = validation
        validator = validation.validator
        link_names = validation.link_names
        need_data = project(
            need, validator.properties, validation.placeholders, validation.with_off_type_default
        )
        warnings: list[Any] = []
        try:
            validation_errors = list(validator.compiled.iter_errors(instance=need_data))
        except ValidationError as exc:
            warnings.append(
                {
                    "rule": MessageRuleEnum.cfg_schema_error,
                    "severity": get_severity(MessageRuleEnum.cfg_schema_error),
                    "validation_message": str(exc),
                    "need": need,
                    "schema_path": ["fields", "schema"],
                    "need_path": [need["id"]],
                }
            )
            save_debug_files(config, warnings)
            need_2_warnings[need["id"]] = warnings
            continue
        warnings.extend(_warning(err, need, need_data, validator, link_names) for err in validation_errors)
        save_debug_files(config, warnings)
        if warnings:
            need_2_warnings[need["id"]] = warnings
    if plan is not None:
        plan.warned = list(need_2_warnings)
        plan.validated = True
    return need_2_warnings


def _plan_of(needs: Any) -> Any:
    """This build's plan (:mod:`.needs_reuse`) if ``needs`` is a view of every need it is about."""
    from . import needs_reuse

    indexes = getattr(needs, "_indexes", None)
    if indexes is None or getattr(needs, "_selected_ids", True) is not None:
        return None
    return needs_reuse.current(indexes.needs)


def _warning(err: Any, need: Any, need_data: dict[str, Any], validator: Any, names: Any) -> dict[str, Any]:
    """One validation error as sphinx-needs reports it (its loop body, as it is)."""
    from sphinx_needs.schema.config import MessageRuleEnum
    from sphinx_needs.schema.core import get_severity

    root_prop = str(err.instance_path[0]) if err.instance_path else None
    is_link = root_prop is not None and root_prop in names
    rule = MessageRuleEnum.link_fail if is_link else MessageRuleEnum.field_fail
    schema_prefix = "links" if is_link else "fields"
    warning: dict[str, Any] = {
        "rule": rule,
        "severity": get_severity(rule),
        "validation_message": err.message,
        "need": need,
        "reduced_need": need_data,
        "final_schema": validator.raw,
        "schema_path": [schema_prefix, "schema", *(str(item) for item in err.schema_path)],
        "need_path": [need["id"]],
    }
    if err_field := ".".join([str(x) for x in err.instance_path]):
        warning["field"] = err_field
    return warning
