"""The user-editable mapping of a ReqIF document's types, attributes, relations and values.

Our own export needs none: its type and attribute names are the schema's. For other tools,
:data:`DEFAULT` holds the ReqIF conventions and StrictDoc's names; a TOML file given with
``--mapping`` adds to it or overrides it (``smets reqif mapping`` prints a commented starting
point). A name in the file that is not a need type or field is an error that names the file
and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.schema import BY_DIRECTIVE, NEED_TYPES

DEFAULT_TOML = """\
# Mapping for `smets reqif import --mapping FILE`: how a ReqIF document's names become ours.
# Our own exports need no mapping. Lines here add to (or override) the built-in defaults shown.

# SPEC-OBJECT-TYPE long name -> need type (req, device, dataitem, protobj, refmodel, conftest,
# consultation, cquestion, ccomment, term). Objects of unlisted types are skipped and reported.
[types]
"REQUIREMENT" = "req"          # StrictDoc
"Requirement" = "req"
"TEXT" = ""                    # StrictDoc free text: "" skips a type (the skip is reported)

# Attribute long name -> id, title, content, or a field of the need type. An attribute whose long
# name is already a field name (status, section, ...) needs no line. Unmapped ones are reported.
[attributes]
"ReqIF.ForeignID" = "id"
"ReqIF.Name" = "title"
"ReqIF.ChapterName" = "title"
"ReqIF.Text" = "content"
"UID" = "id"
"TITLE" = "title"
"STATEMENT" = "content"
"STATUS" = "status"
"TAGS" = "tags"

# SPEC-RELATION-TYPE long name -> link field of the source need.
[relations]
"Parent" = "refines"          # StrictDoc: the child refines its parent

# A tool's enumeration or string value -> ours, per field.
[values.status]
"Draft" = "draft"
"Active" = "approved"
"Approved" = "approved"
"Proposed" = "proposed"
"Deprecated" = "withdrawn"
"Obsolete" = "withdrawn"
"""


@dataclass
class Mapping:
    types: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    relations: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def directive(self, type_name: str) -> str | None:
        if type_name in self.types:
            return self.types[type_name] or None
        for model in NEED_TYPES:
            if type_name in {model.title_, model.directive}:
                return model.directive
        return None


def _fields() -> set[str]:
    names = {"id", "title", "content"}
    for model in NEED_TYPES:
        names.update(model.own_fields())
    return names


def _check(data: dict[str, Any], where: str) -> list[Diagnostic]:
    problems: list[Diagnostic] = []

    def bad(key: str, message: str, fix: str) -> None:
        problems.append(Diagnostic(Location(where), Severity.ERROR, f"{key}: {message}", Rule.REQIF, fix))

    known = _fields()
    links = {name for model in NEED_TYPES for name in model.links()}
    for section in ("types", "attributes", "relations", "values"):
        if not isinstance(data.get(section, {}), dict):
            bad(f"[{section}]", "is not a table", f"write [{section}] with 'name = value' lines")
            return problems
    for name, value in dict(data.get("types", {})).items():
        if not isinstance(value, str) or (value and value not in BY_DIRECTIVE):
            bad(f"types.{name!r}", f"{value!r} is not a need type", f"use one of {', '.join(BY_DIRECTIVE)}")
    for name, value in dict(data.get("attributes", {})).items():
        if not isinstance(value, str) or value not in known:
            bad(f"attributes.{name!r}", f"{value!r} is not a field", "use id, title, content or a field name")
    for name, value in dict(data.get("relations", {})).items():
        if not isinstance(value, str) or value not in links:
            bad(
                f"relations.{name!r}",
                f"{value!r} is not a link field",
                f"use one of {', '.join(sorted(links))}",
            )
    for name, table in dict(data.get("values", {})).items():
        if (
            name not in known
            or not isinstance(table, dict)
            or not all(isinstance(v, str) for v in table.values())
        ):
            bad(
                f"values.{name}",
                "is not a table of strings for a field",
                "write [values.FIELD] with 'theirs = \"ours\"'",
            )
    return problems


def _merge(into: Mapping, data: dict[str, Any]) -> None:
    into.types.update(dict(data.get("types", {})))
    into.attributes.update(dict(data.get("attributes", {})))
    into.relations.update(dict(data.get("relations", {})))
    for name, table in dict(data.get("values", {})).items():
        into.values.setdefault(name, {}).update(table)


def load(path: Path | None, display: str | None = None) -> tuple[Mapping | None, list[Diagnostic]]:
    """The default mapping, with ``path`` (a TOML file) over it."""
    mapping = Mapping()
    _merge(mapping, tomllib.loads(DEFAULT_TOML))
    if path is None:
        return mapping, []
    where = display or str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return None, [
            Diagnostic(
                Location(where),
                Severity.ERROR,
                f"cannot read the mapping: {error}",
                Rule.REQIF,
                "check the path",
            )
        ]
    except tomllib.TOMLDecodeError as error:
        return None, [
            Diagnostic(
                Location(where), Severity.ERROR, f"not TOML: {error}", Rule.REQIF, "fix the TOML syntax"
            )
        ]
    problems = _check(data, where)
    if problems:
        return None, problems
    _merge(mapping, data)
    return mapping, []
