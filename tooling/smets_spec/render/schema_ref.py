"""The field reference of every need type, read from :mod:`smets_spec.corpus.schema`.

One description of the fields (:func:`field_rows`) and three ways to write it:
plain text and Markdown for ``smets schema``, reStructuredText for the
``smets-schema`` directive of the site's reference page. Nothing here is
written by hand: a field added to the schema appears in all three.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..corpus.load import Corpus
from ..corpus.schema import NEED_TYPES, DataItem, Need, ProtocolObject, Requirement, link_spec
from ..markup.rst import escape, heading, list_table

#: Help for fields the schema declares without a description.
_HELP = {"tags": "Free labels, comma-separated."}

#: Rules across fields that the checks in validate.py apply, in words.
TYPE_NOTES: dict[type[Need], str] = {
    Requirement: (
        "Give each device at most one degree: list it in :mandatory_for: or :optional_for: "
        "(at least one device in one of them) or :not_applicable_for:. "
        "A device that is not listed is read as not applicable."
    ),
    DataItem: (
        ":mapping_evidence: unmapped means no :maps_to:; verified or secondary needs "
        ":maps_to: and a :mapping_source:."
    ),
    ProtocolObject: (
        "dlms-cosem objects need :interface_class: and :obis:, zigbee-se objects :cluster:, "
        "gbcs objects :use_case:; :evidence: is verified or secondary."
    ),
}


@dataclass(frozen=True)
class FieldRow:
    """One field of a need type, as a spec author needs to know it."""

    name: str
    kind: str
    values: tuple[str, ...]
    required: bool
    targets: tuple[str, ...]
    help: str


def _args(annotation: Any) -> list[Any]:
    return [a for a in typing.get_args(annotation) if a is not type(None)]


def _enum(annotation: Any) -> type[Enum] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, Enum) else None


def _kind(annotation: Any, pattern: str | None) -> tuple[str, tuple[str, ...]]:
    """The kind of value a field takes in words, and its allowed values."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _kind(_args(annotation)[0], pattern)
    if typing.get_origin(annotation) is tuple:
        enum = _enum(typing.get_args(annotation)[0])
        if enum is not None:
            return "comma-separated list", tuple(str(m.value) for m in enum)
        return "comma-separated list", ()
    options = _args(annotation) if typing.get_origin(annotation) in (typing.Union, type(int | None)) else []
    if options:
        literal = [a for a in options if typing.get_origin(a) is typing.Literal]
        rest = [a for a in options if a not in literal]
        kind, values = _kind(rest[0], pattern)
        if literal:
            words = [str(w) for a in literal for w in typing.get_args(a)]
            return f"{kind} or {' or '.join(repr(w) for w in words)}", values
        return kind, values
    enum = _enum(annotation)
    if enum is not None:
        return "one value", tuple(str(m.value) for m in enum)
    if annotation is bool:
        return "true or false", ()
    if annotation is int:
        return "whole number", ()
    if annotation is float:
        return "number", ()
    if pattern:
        return f"text matching {pattern}", ()
    return "text", ()


def field_rows(model: type[Need]) -> list[FieldRow]:
    """Every option an author can write on a need of this type (``:id:`` first)."""
    rows = [FieldRow("id", f"id matching {model.id_pattern}", (), True, (), "Unique id of the need.")]
    for name, info in model.own_fields().items():
        spec = link_spec(info)
        pattern = next(
            (getattr(m, "pattern", None) for m in info.metadata if getattr(m, "pattern", None)), None
        )
        values: tuple[str, ...] = ()
        targets: tuple[str, ...] = ()
        if spec is not None:
            kind, targets = "links (comma-separated ids)", spec.targets
        else:
            kind, values = _kind(info.annotation, pattern)
        help_text = info.description or _HELP.get(name, "")
        rows.append(FieldRow(name, kind, values, name in model.required, targets, help_text))
    return rows


def _type_summary(model: type[Need]) -> str:
    prefix = f", ids start with ``{model.prefix}``" if model.prefix else ""
    note = TYPE_NOTES.get(model, "")
    return (
        f"Directive ``.. {model.directive}:: Title``{prefix}; id pattern ``{model.id_pattern}``. "
        f"The text below the options is the need's content. {note}"
    ).strip()


def escape_notes(text: str) -> str:
    """Field names in notes (``:name:``) as literals, so reST does not read them as roles."""
    return re.sub(r"(?<![`\w]):([a-z_]+):(?!`)", r"``:\1:``", text)


def schema_reference(corpus: Corpus, args: list[str]) -> str:
    """reST: one table per need type (optionally only the directives named in ``args``)."""
    out: list[str] = []
    for model in NEED_TYPES:
        if args and model.directive not in args[0].split():
            continue
        rows = [
            [
                f"``:{row.name}:``",
                "yes" if row.required else "",
                escape(row.kind),
                ", ".join(f"``{v}``" for v in row.values) or ", ".join(f"``{t}``" for t in row.targets),
                escape(row.help),
            ]
            for row in field_rows(model)
        ]
        out.append(heading(f"{model.title_} ({model.directive})"))
        out.append(escape_notes(_type_summary(model)) + "\n")
        out.append(
            list_table(
                ["Field", "Required", "Value", "Allowed values / link targets", "Help"],
                rows,
                [18, 8, 18, 26, 30],
            )
        )
    return "\n".join(out)


def schema_markdown() -> str:
    """Markdown: the same tables, for ``smets schema --markdown``."""
    out = [
        "# Need types and fields",
        "",
        "Generated from `tooling/smets_spec/corpus/schema.py` by `smets schema --markdown`.",
        "",
    ]
    for model in NEED_TYPES:
        out += [f"## {model.title_} (`{model.directive}`)", "", _type_summary(model).replace("``", "`"), ""]
        out += [
            "| Field | Required | Value | Allowed values / link targets | Help |",
            "|---|---|---|---|---|",
        ]
        for row in field_rows(model):
            allowed = ", ".join(f"`{v}`" for v in row.values or row.targets)
            help_text = row.help.replace("|", "\\|")
            kind = re.sub(r"matching (\S+)", r"matching `\1`", row.kind).replace("|", "\\|")
            out.append(
                f"| `:{row.name}:` | {'yes' if row.required else ''} | {kind} | {allowed} | {help_text} |"
            )
        out.append("")
    return "\n".join(out)


def schema_text() -> str:
    """Plain text for a terminal: one block per need type, one line per field."""
    out: list[str] = []
    for model in NEED_TYPES:
        out.append(f"{model.directive}: {model.title_} (id {model.id_pattern})")
        if model in TYPE_NOTES:
            out.append(f"  note: {TYPE_NOTES[model]}")
        for row in field_rows(model):
            flag = "required" if row.required else "optional"
            allowed = row.values or row.targets
            extra = f" [{' | '.join(allowed)}]" if allowed else ""
            out.append(f"  :{row.name}: {flag}, {row.kind}{extra} - {row.help}")
        out.append("")
    return "\n".join(out)
