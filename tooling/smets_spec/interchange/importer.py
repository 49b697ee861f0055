"""A ReqIF document as need records to write: ``(group, [ImportedNeed])`` and diagnostics.

Every spec object, attribute and relation either maps (through :mod:`.mapping`) or is reported:
an unmapped type, attribute or relation type is one warning with how many objects carry it and
the line to add to the mapping file. Nothing is dropped silently.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from reqif.models.reqif_types import SpecObjectAttributeType as Kind
from reqif.reqif_bundle import ReqIFBundle

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.ids import canonical
from ..corpus.schema import BY_DIRECTIVE
from .mapping import Mapping
from .profile import APPLIES_TO, DEGREE, FIELD_OF_DEGREE
from .reader import Document
from .xhtml import from_xhtml


@dataclass
class ImportedNeed:
    directive: str
    id: str
    title: str = ""
    content: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""  # the spec object, for messages


@dataclass
class Imported:
    groups: dict[str, list[ImportedNeed]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def note(self, where: str, message: str, fix: str, severity: Severity = Severity.WARNING) -> None:
        self.diagnostics.append(Diagnostic(Location(where), severity, message, Rule.REQIF, fix))


@dataclass
class _Names:
    """Identifier -> long name, for types, attribute definitions and enumeration values."""

    types: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    enum_values: dict[str, str] = field(default_factory=dict)
    relation_types: dict[str, str] = field(default_factory=dict)


def _names(bundle: ReqIFBundle) -> _Names:
    content = bundle.core_content.req_if_content
    names = _Names()
    for data_type in content.data_types or []:
        for value in getattr(data_type, "values", None) or []:
            names.enum_values[value.identifier] = str(value.long_name or value.key or value.identifier)
    for spec_type in content.spec_types or []:
        name = spec_type.long_name or spec_type.identifier
        kind = type(spec_type).__name__
        if kind == "ReqIFSpecObjectType":
            names.types[spec_type.identifier] = name
        elif kind == "ReqIFSpecRelationType":
            names.relation_types[spec_type.identifier] = name
        for definition in getattr(spec_type, "attribute_definitions", None) or []:
            names.attributes[definition.identifier] = definition.long_name or definition.identifier
    return names


def _value(attribute: Any, names: _Names) -> tuple[str, list[str]]:
    kind = attribute.attribute_type
    if kind == Kind.ENUMERATION:
        values = attribute.value if isinstance(attribute.value, list) else [attribute.value]
        return ", ".join(names.enum_values.get(str(v), str(v)) for v in values), []
    if kind == Kind.XHTML:
        return from_xhtml(str(attribute.value))
    return str(attribute.value if attribute.value is not None else ""), []


def _map_value(mapping: Mapping, name: str, text: str) -> str:
    table = mapping.values.get(name)
    if not table:
        return text
    return ", ".join(table.get(part.strip(), part.strip()) for part in text.split(","))


class _Reader:
    def __init__(self, document: Document, mapping: Mapping, out: Imported) -> None:
        self.where = document.where
        self.bundle = document.bundle
        self.mapping = mapping
        self.out = out
        self.names = _names(document.bundle)
        self.by_object: dict[str, ImportedNeed] = {}
        self.unmapped_types: Counter[str] = Counter()
        self.unmapped_attributes: Counter[tuple[str, str]] = Counter()
        self.unmapped_relations: Counter[str] = Counter()
        self.lost: Counter[tuple[str, str]] = Counter()
        self.renamed = 0
        header = document.bundle.req_if_header
        #: StrictDoc (and others) write a line break in a STRING attribute as the two characters \n
        #: (an XML attribute cannot keep one); our own export never puts text in a STRING
        self.ours = header is not None and header.req_if_tool_id == "smets-spec"

    def field_of(self, directive: str, name: str) -> str | None:
        if name in self.mapping.attributes:
            return self.mapping.attributes[name]
        known = {"id", "title", "content", *BY_DIRECTIVE[directive].own_fields()}
        return name if name in known else None

    def need(self, obj: Any) -> ImportedNeed | None:
        type_name = self.names.types.get(obj.spec_object_type, obj.spec_object_type)
        directive = self.mapping.directive(type_name)
        if directive is None:
            self.unmapped_types[type_name] += 1
            return None
        need = ImportedNeed(directive, "", source=obj.identifier)
        for attribute in obj.attributes:
            name = self.names.attributes.get(attribute.definition_ref, attribute.definition_ref)
            target = self.field_of(directive, name)
            if target is None:
                self.unmapped_attributes[(type_name, name)] += 1
                continue
            text, lost = _value(attribute, self.names)
            for item in lost:
                self.lost[(name, item)] += 1
            text = _map_value(self.mapping, target, text)
            if target == "id":
                need.id = canonical(text)
                if need.id != text.strip():
                    self.renamed += 1
                    if "clause" in BY_DIRECTIVE[directive].own_fields():
                        need.fields.setdefault("clause", text.strip())
            elif target == "title":
                need.title = text
            elif target == "content":
                is_string = attribute.attribute_type == Kind.STRING
                need.content = text.replace("\\n", "\n") if is_string and not self.ours else text
            elif target in BY_DIRECTIVE[directive].links():
                need.links[target] = [canonical(t) for t in text.split(",") if t.strip()]
            else:
                need.fields[target] = text
        if not need.id:
            self.out.note(
                f"{self.where}: SPEC-OBJECT {obj.identifier}",
                "has no attribute mapped to the need id; not imported",
                "map the attribute holding the id to 'id' in [attributes] of the mapping file",
                Severity.ERROR,
            )
            return None
        return need

    def relations(self) -> None:
        content = self.bundle.core_content.req_if_content
        for relation in content.spec_relations or []:
            type_name = self.names.relation_types.get(relation.relation_type_ref, relation.relation_type_ref)
            source, target = self.by_object.get(relation.source), self.by_object.get(relation.target)
            name = self._link_name(type_name, relation)
            if name is None:
                self.unmapped_relations[type_name] += 1
                continue
            if source is None or target is None:
                self.out.note(
                    f"{self.where}: SPEC-RELATION {relation.identifier}",
                    f"'{type_name}' joins an object that was not imported; the link is not written",
                    "map the type of both ends (see the other messages)",
                )
                continue
            source.links.setdefault(name, []).append(target.id)

    def _link_name(self, type_name: str, relation: Any) -> str | None:
        if type_name == APPLIES_TO:
            for value in relation.values or []:
                if self.names.attributes.get(value.definition_ref, value.definition_ref) == DEGREE:
                    degree, _ = _value(value, self.names)
                    return FIELD_OF_DEGREE.get(degree)
            return None
        if type_name in self.mapping.relations:
            return self.mapping.relations[type_name]
        links = {n for model in BY_DIRECTIVE.values() for n in model.links()}
        return type_name if type_name in links else None

    def report(self) -> None:
        for type_name, count in self.unmapped_types.items():
            self.out.note(
                self.where,
                f"{count} SPEC-OBJECT(s) of type '{type_name}' map to no need type; not imported",
                f'add \'"{type_name}" = "req"\' (or another type) to [types] in the mapping file',
            )
        for (type_name, name), count in self.unmapped_attributes.items():
            self.out.note(
                self.where,
                f"attribute '{name}' of type '{type_name}' ({count} object(s)) maps to no field; "
                "not imported",
                f'add \'"{name}" = "FIELD"\' to [attributes] in the mapping file',
            )
        for type_name, count in self.unmapped_relations.items():
            self.out.note(
                self.where,
                f"{count} SPEC-RELATION(s) of type '{type_name}' map to no link field; not imported",
                f'add \'"{type_name}" = "refines"\' (or another link field) to [relations] of the mapping',
            )
        if self.renamed:
            self.out.note(
                self.where,
                f"{self.renamed} id(s) given as clause numbers (GS.08, 5.4.8.1) read as need ids (GS_08, "
                "SMETS_5_4_8_1), the clause kept in ':clause:' where the type has it",
                "nothing to do; see docs/interchange.md for the two spellings",
                Severity.NOTE,
            )
        for (name, item), count in self.lost.items():
            self.out.note(
                self.where,
                f"attribute '{name}': {item} in {count} object(s) was left out of the text",
                "keep such content in an attachment the spec cites",
            )


def _hierarchy(bundle: ReqIFBundle) -> list[tuple[str, list[str]]]:
    """(specification long name, object ids in document order) for each specification."""
    content = bundle.core_content.req_if_content
    out: list[tuple[str, list[str]]] = []
    for spec in content.specifications or []:
        order: list[str] = []
        stack = list(reversed(spec.children or []))
        while stack:
            node = stack.pop()
            order.append(node.spec_object)
            stack.extend(reversed(node.children or []))
        out.append((spec.long_name or spec.identifier, order))
    return out


def read_documents(documents: list[Document], mapping: Mapping) -> Imported:
    out = Imported()
    seen: dict[str, str] = {}
    for document in documents:
        reader = _Reader(document, mapping, out)
        content = document.bundle.core_content.req_if_content
        objects = {obj.identifier: obj for obj in content.spec_objects or []}
        placed: set[str] = set()
        groups: dict[str, list[ImportedNeed]] = defaultdict(list)
        hierarchy = _hierarchy(document.bundle)
        in_hierarchy = {o for _, ids in hierarchy for o in ids}
        loose = [i for i in objects if i not in in_hierarchy]
        for group, ids in [*hierarchy, ("imported", loose)]:
            for identifier in ids:
                obj = objects.get(identifier)
                if obj is None or identifier in placed:
                    continue
                placed.add(identifier)
                need = reader.need(obj)
                if need is None:
                    continue
                if need.id in seen:
                    out.note(
                        f"{document.where}: SPEC-OBJECT {identifier}",
                        f"need id '{need.id}' is given twice (also by {seen[need.id]}); not imported twice",
                        "give each object its own id",
                        Severity.ERROR,
                    )
                    continue
                seen[need.id] = identifier
                reader.by_object[identifier] = need
                groups[group].append(need)
        reader.relations()
        reader.report()
        for group, needs in groups.items():
            out.groups.setdefault(group, []).extend(needs)
    return out
