"""The corpus as a ReqIF document, built with the ``reqif`` library's models and unparser.

* one SPEC-OBJECT-TYPE per need type; attributes ``ReqIF.ForeignID`` (the need id), ``ReqIF.Name``
  (title), ``ReqIF.Text`` (XHTML) and one per field: enumerations for enum fields (status, section,
  impact class, ...), strings for the rest;
* one SPEC-RELATION-TYPE per link field; device applicability is one relation type ``applies to``
  whose relations carry the ``Degree`` enumeration (mandatory, optional, not applicable);
* one SPECIFICATION per source file, its needs in source order.

Everything is deterministic (identifiers from need ids and names, one fixed timestamp per export),
so exporting an unchanged spec gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from reqif.models.reqif_core_content import ReqIFCoreContent
from reqif.models.reqif_data_type import (
    ReqIFDataTypeDefinitionEnumeration,
    ReqIFDataTypeDefinitionString,
    ReqIFDataTypeDefinitionXHTML,
    ReqIFEnumValue,
)
from reqif.models.reqif_namespace_info import ReqIFNamespaceInfo
from reqif.models.reqif_req_if_content import ReqIFReqIFContent
from reqif.models.reqif_reqif_header import ReqIFReqIFHeader
from reqif.models.reqif_spec_hierarchy import ReqIFSpecHierarchy
from reqif.models.reqif_spec_object import ReqIFSpecObject, SpecObjectAttribute
from reqif.models.reqif_spec_object_type import ReqIFSpecObjectType, SpecAttributeDefinition
from reqif.models.reqif_spec_relation import ReqIFSpecRelation
from reqif.models.reqif_spec_relation_type import ReqIFSpecRelationType
from reqif.models.reqif_specification import ReqIFSpecification
from reqif.models.reqif_specification_type import ReqIFSpecificationType
from reqif.models.reqif_types import SpecObjectAttributeType as Kind
from reqif.object_lookup import ReqIFObjectLookup
from reqif.reqif_bundle import ReqIFBundle
from reqif.unparser import ReqIFUnparser

from ..corpus.files import write_atomic
from ..corpus.schema import NEED_TYPES, Need
from .profile import (
    APPLIES_TO,
    ATTR_PREFIX,
    DEGREE,
    DEGREE_FIELDS,
    ENUM_PREFIX,
    FOREIGN_ID,
    NAME,
    REL_PREFIX,
    TEXT,
    TYPE_PREFIX,
    FieldKind,
    data_fields,
    enums,
    ident,
    link_fields,
    text_of,
)
from .xhtml import to_xhtml

NAMESPACE = "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"
STRING, XHTML = "SMETS-DT-STRING", "SMETS-DT-XHTML"
SPEC_TYPE = "SMETS-SPECIFICATION-TYPE"
_MAX = "1000000"


def _enum_value_id(enum: type[StrEnum], member: StrEnum) -> str:
    return f"{ENUM_PREFIX}{enum.__name__}-{ident(member.value)}"


def _data_types(when: str) -> list[object]:
    out: list[object] = [
        ReqIFDataTypeDefinitionString(
            identifier=STRING, long_name="String", last_change=when, max_length=_MAX
        ),
        ReqIFDataTypeDefinitionXHTML(
            identifier=XHTML, long_name="XHTML", last_change=when, is_self_closed=True
        ),
    ]
    for enum in enums():
        values = [
            ReqIFEnumValue(
                identifier=_enum_value_id(enum, member),
                key=str(n),
                long_name=member.value,
                other_content="",
                last_change=when,
            )
            for n, member in enumerate(enum)
        ]
        out.append(
            ReqIFDataTypeDefinitionEnumeration(
                identifier=f"{ENUM_PREFIX}{enum.__name__}",
                long_name=enum.__name__,
                values=values,
                last_change=when,
            )
        )
    return out


def _attr_id(directive: str, name: str) -> str:
    return f"{ATTR_PREFIX}{directive}-{ident(name)}"


def _definition(directive: str, kind: FieldKind, when: str) -> SpecAttributeDefinition:
    if kind.enum is not None:
        return SpecAttributeDefinition(
            attribute_type=Kind.ENUMERATION,
            identifier=_attr_id(directive, kind.name),
            datatype_definition=f"{ENUM_PREFIX}{kind.enum.__name__}",
            long_name=kind.name,
            multi_valued=kind.multi,
            last_change=when,
        )
    return SpecAttributeDefinition(
        attribute_type=Kind.STRING,
        identifier=_attr_id(directive, kind.name),
        datatype_definition=STRING,
        long_name=kind.name,
        last_change=when,
    )


def _object_types(when: str) -> list[object]:
    types: list[object] = []
    for model in NEED_TYPES:
        d = model.directive
        definitions = [
            *(
                SpecAttributeDefinition(
                    attribute_type=kind,
                    identifier=_attr_id(d, name),
                    datatype_definition=datatype,
                    long_name=name,
                    last_change=when,
                )
                for name, kind, datatype in (
                    (FOREIGN_ID, Kind.STRING, STRING),
                    (NAME, Kind.STRING, STRING),
                    (TEXT, Kind.XHTML, XHTML),
                )
            ),
            *(_definition(d, kind, when) for kind in data_fields(model)),
        ]
        types.append(
            ReqIFSpecObjectType(
                identifier=f"{TYPE_PREFIX}{d}",
                long_name=model.title_,
                attribute_definitions=definitions,
                last_change=when,
            )
        )
    return types


def _relation_types(when: str) -> list[object]:
    degree = SpecAttributeDefinition(
        attribute_type=Kind.ENUMERATION,
        identifier=f"{ATTR_PREFIX}{DEGREE}",
        datatype_definition=f"{ENUM_PREFIX}Degree",
        long_name=DEGREE,
        multi_valued=False,
        last_change=when,
    )
    out: list[object] = [
        ReqIFSpecRelationType(
            identifier=f"{REL_PREFIX}applies_to",
            long_name=APPLIES_TO,
            last_change=when,
            is_self_closed=False,
            attribute_definitions=[degree],
        )
    ]
    for name, (_outgoing, description) in link_fields().items():
        out.append(
            ReqIFSpecRelationType(
                identifier=f"{REL_PREFIX}{name}", long_name=name, description=description, last_change=when
            )
        )
    return out


def _attributes(need: Need) -> list[SpecObjectAttribute]:
    d = need.directive
    out = [
        SpecObjectAttribute(
            attribute_type=Kind.STRING, definition_ref=_attr_id(d, FOREIGN_ID), value=need.id
        ),
        SpecObjectAttribute(attribute_type=Kind.STRING, definition_ref=_attr_id(d, NAME), value=need.title),
        SpecObjectAttribute(
            attribute_type=Kind.XHTML, definition_ref=_attr_id(d, TEXT), value=to_xhtml(need.content)
        ),
    ]
    for kind in data_fields(type(need)):
        value = getattr(need, kind.name)
        if value is None or value == ():
            continue
        if kind.enum is not None:
            members = value if kind.multi else (value,)
            refs = [_enum_value_id(kind.enum, kind.enum(m)) for m in members]
            out.append(
                SpecObjectAttribute(
                    attribute_type=Kind.ENUMERATION, definition_ref=_attr_id(d, kind.name), value=refs
                )
            )
        else:
            out.append(
                SpecObjectAttribute(
                    attribute_type=Kind.STRING, definition_ref=_attr_id(d, kind.name), value=text_of(value)
                )
            )
    return out


def _relations(needs: Iterable[Need], when: str) -> list[ReqIFSpecRelation]:
    out: list[ReqIFSpecRelation] = []
    for need in needs:
        for name, targets in need.outgoing().items():
            for target in targets:
                values = None
                if name in DEGREE_FIELDS:
                    kind, degree = f"{REL_PREFIX}applies_to", DEGREE_FIELDS[name]
                    values = [
                        SpecObjectAttribute(
                            attribute_type=Kind.ENUMERATION,
                            definition_ref=f"{ATTR_PREFIX}{DEGREE}",
                            value=[_enum_value_id(type(degree), degree)],
                        )
                    ]
                else:
                    kind = f"{REL_PREFIX}{name}"
                out.append(
                    ReqIFSpecRelation(
                        identifier=f"REL-{ident(need.id)}-{name}-{ident(target)}",
                        relation_type_ref=kind,
                        source=need.id,
                        target=target,
                        values=values,
                        last_change=when,
                    )
                )
    return out


def bundle(groups: dict[str, list[Need]], title: str, when: datetime | None = None) -> ReqIFBundle:
    """A ReqIF bundle of ``groups`` (source file -> its needs in order)."""
    stamp = (when or datetime.now(UTC)).replace(microsecond=0).isoformat()
    needs = [need for group in groups.values() for need in group]
    objects = [
        ReqIFSpecObject(
            identifier=n.id,
            spec_object_type=f"{TYPE_PREFIX}{n.directive}",
            attributes=_attributes(n),
            last_change=stamp,
        )
        for n in needs
    ]
    specifications = [
        ReqIFSpecification(
            identifier=f"SMETS-SPEC-{ident(file)}",
            long_name=file,
            specification_type=SPEC_TYPE,
            last_change=stamp,
            children=[
                ReqIFSpecHierarchy(
                    identifier=f"H-{ident(n.id)}",
                    spec_object=n.id,
                    level=1,
                    last_change=stamp,
                    children=None,
                    is_self_closed=False,
                    ref_then_children_order=True,
                    xml_node=None,
                    long_name=None,
                )
                for n in group
            ],
        )
        for file, group in groups.items()
    ]
    spec_type = ReqIFSpecificationType(
        identifier=SPEC_TYPE, long_name="SMETS source file", last_change=stamp, is_self_closed=True
    )
    content = ReqIFReqIFContent(
        data_types=_data_types(stamp),
        spec_types=[spec_type, *_object_types(stamp), *_relation_types(stamp)],
        spec_objects=objects,
        spec_relations=_relations(needs, stamp),
        specifications=specifications,
        spec_relation_groups=None,
    )
    return ReqIFBundle(
        namespace_info=ReqIFNamespaceInfo(
            original_reqif_tag_dump=None,
            doctype_is_present=True,
            encoding="UTF-8",
            namespace=NAMESPACE,
            configuration=None,
            namespace_id=None,
            namespace_xhtml="http://www.w3.org/1999/xhtml",
            schema_namespace=None,
            schema_location=None,
            language=None,
        ),
        req_if_header=ReqIFReqIFHeader(
            identifier="SMETS-HEADER",
            creation_time=stamp,
            title=title,
            req_if_tool_id="smets-spec",
            req_if_version="1.0",
            source_tool_id="smets-spec",
            repository_id=None,
            comment=None,
        ),
        core_content=ReqIFCoreContent(content),
        tool_extensions_tag_exists=False,
        lookup=ReqIFObjectLookup.empty(),
        exceptions=[],
    )


def to_text(groups: dict[str, list[Need]], title: str = "SMETS", when: datetime | None = None) -> str:
    text: str = ReqIFUnparser.unparse(bundle(groups, title, when))
    return text


def write(path: Path, text: str) -> None:
    """``.reqifz`` (a zip holding one .reqif) or ``.reqif``, written atomically."""
    if path.suffix.lower() == ".reqifz":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            info = zipfile.ZipInfo(path.with_suffix(".reqif").name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
        write_atomic(path, buffer.getvalue())
    else:
        write_atomic(path, text)
