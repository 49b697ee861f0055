"""What our ReqIF documents hold: one SPEC-OBJECT-TYPE per need type, its attributes, and the
relation types, all derived from :mod:`smets_spec.corpus.schema`.

Attribute long names are the ReqIF conventions every tool reads (``ReqIF.ForeignID``,
``ReqIF.Name``, ``ReqIF.Text``) and, for the other fields, the field names of the schema, so the
import maps our own documents without a mapping file.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import cache
from typing import Any

from pydantic.fields import FieldInfo

from ..corpus.schema import NEED_TYPES, Degree, Need, link_spec

FOREIGN_ID = "ReqIF.ForeignID"
NAME = "ReqIF.Name"
TEXT = "ReqIF.Text"
#: the relation type for device applicability, with the degree as an enumeration on each relation
APPLIES_TO = "applies to"
DEGREE = "Degree"
#: link fields that are applicability (their degree becomes the Degree attribute)
DEGREE_FIELDS: dict[str, Degree] = {
    "mandatory_for": Degree.MANDATORY,
    "optional_for": Degree.OPTIONAL,
    "not_applicable_for": Degree.NOT_APPLICABLE,
}
FIELD_OF_DEGREE: dict[str, str] = {degree.value: name for name, degree in DEGREE_FIELDS.items()}


@dataclass(frozen=True)
class FieldKind:
    """How one field of a need type travels."""

    name: str
    enum: type[StrEnum] | None = None
    multi: bool = False


def _strip_optional(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def field_kind(name: str, info: FieldInfo) -> FieldKind:
    annotation = _strip_optional(info.annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is tuple:
        item = typing.get_args(annotation)[0]
        if isinstance(item, type) and issubclass(item, StrEnum):
            return FieldKind(name, item, multi=True)
        return FieldKind(name, multi=True)
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return FieldKind(name, annotation)
    return FieldKind(name)


@cache
def data_fields(model: type[Need]) -> tuple[FieldKind, ...]:
    """The fields of a type that are attributes (every own field that is not a link)."""
    return tuple(
        field_kind(name, info) for name, info in model.own_fields().items() if link_spec(info) is None
    )


@cache
def enums() -> tuple[type[StrEnum], ...]:
    """Every enumeration an attribute uses, and the degree."""
    found: dict[str, type[StrEnum]] = {}
    for model in NEED_TYPES:
        for kind in data_fields(model):
            if kind.enum is not None:
                found[kind.enum.__name__] = kind.enum
    found[Degree.__name__] = Degree
    return tuple(found.values())


def link_fields() -> dict[str, tuple[str, str]]:
    """Relation types other than applicability: field name -> (outgoing title, description)."""
    out: dict[str, tuple[str, str]] = {}
    for model in NEED_TYPES:
        for name, spec in model.links().items():
            if name not in DEGREE_FIELDS:
                out.setdefault(name, (spec.outgoing, spec.description))
    return out


def text_of(value: Any) -> str:
    """A field value as the text a spec author writes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return ", ".join(text_of(v) for v in value)
    return str(value)


def ident(text: str) -> str:
    """An XML-safe identifier part (ReqIF IDENTIFIERs are xsd:ID: no spaces, not starting with a digit)."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


TYPE_PREFIX = "SMETS-TYPE-"
ATTR_PREFIX = "SMETS-ATTR-"
REL_PREFIX = "SMETS-REL-"
ENUM_PREFIX = "SMETS-ENUM-"
