"""Imported needs as reST spec sources: one file per ReqIF specification.

Text from another tool is data, never markup that runs: a line that would start a directive
other than the harmless ones in :data:`SAFE_DIRECTIVES` (``raw``, ``include``, a need directive
that would add needs, ...) makes the whole text a literal block, and says so. Titles and field
values are single lines (a line break becomes a space, reported).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..corpus.diagnostics import Diagnostic, Location, Rule, Severity
from ..corpus.schema import BY_DIRECTIVE
from .importer import ImportedNeed

#: directives that show text and run nothing (``smets-source`` lists code of smets_spec only)
SAFE_DIRECTIVES = frozenset(
    {"note", "warning", "tip", "important", "caution", "hint", "admonition", "list-table", "table"}
    | {"math", "code-block", "code", "smets-source"}
)
_DIRECTIVE = re.compile(r"^\s*\.\.\s+(?:\|[^|]*\|\s+)?([\w:+-]+)\s*::", re.MULTILINE)
_SUBSTITUTION = re.compile(r"^\s*\.\.\s+\|", re.MULTILINE)
_SAFE_PART = re.compile(r"[^A-Za-z0-9._-]+")


def file_for(group: str) -> PurePosixPath:
    """A relative .rst path for a specification name: no absolute path, no '..', safe characters."""
    parts = [p for p in PurePosixPath(group.replace("\\", "/")).parts if p not in {"/", "..", "."}]
    if parts and parts[0] == "spec":
        parts = parts[1:]
    clean = [_SAFE_PART.sub("-", p).strip("-.") or "x" for p in parts] or ["imported"]
    path = PurePosixPath(*clean)
    return path if path.suffix == ".rst" else path.with_suffix(".rst")


def _one_line(text: str, what: str, need: ImportedNeed, notes: list[Diagnostic]) -> str:
    if "\n" not in text and "\r" not in text:
        return text
    notes.append(
        Diagnostic(
            Location(f"SPEC-OBJECT {need.source}"),
            Severity.WARNING,
            f"{what} of {need.id} has line breaks; written on one line",
            Rule.REQIF,
            "keep titles and field values on one line in the other tool",
        )
    )
    return " ".join(text.split())


def safe_content(text: str, need: ImportedNeed, notes: list[Diagnostic]) -> str:
    """The text, or the text as a literal block when it holds markup that is not plain text."""
    bad = sorted({m[1] for m in _DIRECTIVE.finditer(text) if m[1] not in SAFE_DIRECTIVES})
    if _SUBSTITUTION.search(text):
        bad.append("substitution")
    if not bad:
        return text
    notes.append(
        Diagnostic(
            Location(f"SPEC-OBJECT {need.source}"),
            Severity.WARNING,
            f"the text of {need.id} holds reST that could run ({', '.join(bad)}); written as a literal block",
            Rule.REQIF,
            "review the text and rewrite it as plain reST",
        )
    )
    return "::\n\n" + "\n".join(("   " + line) if line else "" for line in text.split("\n"))


def need_rst(need: ImportedNeed, notes: list[Diagnostic]) -> str:
    model = BY_DIRECTIVE[need.directive]
    title = _one_line(need.title, "the title", need, notes) or need.id
    lines = [f".. {need.directive}:: {title}", f"   :id: {need.id}"]
    for name in model.own_fields():
        if name in need.fields and need.fields[name] != "":
            lines.append(f"   :{name}: {_one_line(need.fields[name], name, need, notes)}")
        elif need.links.get(name):
            lines.append(f"   :{name}: {', '.join(need.links[name])}")
    notes.extend(
        Diagnostic(
            Location(f"SPEC-OBJECT {need.source}"),
            Severity.WARNING,
            f"field '{name}' is not a field of {need.directive}; not written",
            Rule.REQIF,
            "map the attribute to a field of this need type in the mapping file",
        )
        for name in need.fields
        if name not in model.own_fields()
    )
    content = safe_content(need.content, need, notes) if need.content else ""
    if content:
        lines.append("")
        lines.extend(("   " + line) if line.strip() else "" for line in content.split("\n"))
    return "\n".join(lines) + "\n"


def file_text(group: str, needs: list[ImportedNeed], notes: list[Diagnostic]) -> str:
    heading = "Imported: " + (_one_line(group, "the specification name", needs[0], notes) if needs else group)
    head = f"{heading}\n{'=' * max(len(heading), 3)}\n\n.. Imported by `smets reqif import`.\n"
    return head + "".join("\n" + need_rst(n, notes) for n in needs)
