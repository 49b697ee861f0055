"""Derive the sphinx-needs configuration from :mod:`smets_spec.corpus.schema`.

Nothing here is written by hand a second time: need types, their fields with
JSON schemas, and their link types with target types all come from the models.
"""

from __future__ import annotations

import types
import typing
from enum import StrEnum
from typing import Any

from pydantic.fields import FieldInfo

from .schema import CORE_FIELDS, NEED_TYPES, Need, Requirement, Status, id_regex, link_spec

_FIGURE_PATTERN = r"^(unknown|[0-9]+(\.[0-9]+)?)$"


def _strip_optional(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
        return typing.Union[tuple(args)]  # noqa: UP007 - rebuilt dynamically
    return annotation


def _enum_of(annotation: Any) -> type[StrEnum] | None:
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return annotation
    return None


def field_schema(info: FieldInfo) -> dict[str, Any]:
    """The JSON schema sphinx-needs checks a field's value against."""
    annotation = _strip_optional(info.annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin is tuple:
        item = typing.get_args(annotation)[0]
        enum = _enum_of(item)
        items: dict[str, Any] = {"type": "string"}
        if enum is not None:
            items["enum"] = [m.value for m in enum]
        return {"type": "array", "items": items}
    enum = _enum_of(annotation)
    if enum is not None:
        return {"type": "string", "enum": [m.value for m in enum]}
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is int:
        return {"type": "integer"}
    if annotation is str:
        schema: dict[str, Any] = {"type": "string"}
        for meta in info.metadata:
            pattern = getattr(meta, "pattern", None)
            if pattern:
                schema["pattern"] = pattern
        return schema
    if bool in typing.get_args(annotation):
        # TriState: true, false or the word "unknown"
        return {"type": "string", "enum": ["true", "false", "unknown"]}
    # Figure: a number or the word "unknown"
    return {"type": "string", "pattern": _FIGURE_PATTERN}


def need_type_entry(model: type[Need]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    links: dict[str, Any] = {}
    for name, info in model.own_fields().items():
        if name in CORE_FIELDS:
            continue
        spec = link_spec(info)
        if spec is not None:
            links[name] = {
                "description": spec.description,
                "target_types": list(spec.targets),
                "outgoing": spec.outgoing,
                "incoming": spec.incoming,
            }
        else:
            fields[name] = {"description": info.description or name, "schema": field_schema(info)}
    return {
        "directive": model.directive,
        "title": model.title_,
        "prefix": model.prefix,
        "color": model.color,
        "style": "node",
        "fields": fields,
        "links": links,
    }


def _no_applicability_filter() -> str:
    """A needs_warnings filter matching requirements that bind no device."""
    return f"type == '{Requirement.directive}' and len(mandatory_for) == 0 and len(optional_for) == 0"


def needs_settings() -> dict[str, Any]:
    """Every sphinx-needs configuration value this project sets."""
    return {
        "needs_types": [need_type_entry(model) for model in NEED_TYPES],
        "needs_fields": {
            "status": {
                "description": "Lifecycle state of the item.",
                "schema": {"type": "string", "enum": [s.value for s in Status]},
            }
        },
        "needs_id_regex": id_regex(),
        "needs_id_required": True,
        "needs_build_json": True,
        "needs_role_need_max_title_length": -1,  # :need: shows whole titles
        "needs_reproducible_json": True,
        "needs_warnings": {"requirement_without_device": _no_applicability_filter()},
    }
