"""Reading a needs.json (sphinx-needs' export) that may come from anywhere: checked, never trusted.

A file that is not UTF-8, not JSON, or not shaped like a needs.json (an object with
``versions`` -> version -> ``needs`` -> id -> need) cannot be read at all: :class:`NeedsJsonError`
says where (line and column for JSON syntax) and the command exits 2. Within a readable file,
a need whose core values have the wrong type (a ``null`` title, a list as content, a line
number that is text) is an error at its place and is left out; the other needs are read.
Needs of types the schema does not know are counted in one note.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Location, Rule, Severity

#: Values a need must have as text (or leave out); a wrong type is an error at the need.
TEXT_FIELDS = ("id", "title", "content", "type", "docname", "doctype")


class NeedsJsonError(ValueError):
    """A needs.json that cannot be read at all; the message names the file and the place."""

    def __init__(self, path: Path, line: int | None, message: str, fix: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message} [{Rule.INPUT.value}]\n    fix: {fix}")


def _fail(path: Path, message: str, line: int | None = None) -> NeedsJsonError:
    return NeedsJsonError(path, line, message, "give a needs.json written by sphinx-needs (needs_build_json)")


def read_document(path: Path) -> tuple[Any, str]:
    """The parsed JSON of ``path`` and its text; NeedsJsonError for unreadable files."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NeedsJsonError(path, None, f"cannot read the file ({exc.strerror})", "check the path") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NeedsJsonError(
            path,
            line,
            f"file is not UTF-8 ({exc.reason}: byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8",
        ) from exc
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise _fail(path, f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    except RecursionError as exc:
        raise _fail(path, "not valid JSON: nested too deeply") from exc


_KINDS: dict[type, str] = {dict: "an object", list: "a list", str: "text", bool: "true/false"}


def _kind(value: object) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def select_needs(path: Path, data: Any, version: str | None) -> Mapping[str, Any]:
    """``versions[<chosen>].needs`` of a parsed needs.json, checked at every step."""
    if not isinstance(data, dict):
        raise _fail(path, f"the top level is {_kind(data)}, not an object with 'versions'", 1)
    versions = data.get("versions")
    if not isinstance(versions, dict) or not versions:
        raise _fail(path, f"'versions' is {_kind(versions)}, not an object of versions")
    current = data.get("current_version")
    fallback = current if isinstance(current, str) and current in versions else next(iter(versions))
    chosen = version or fallback
    if chosen not in versions:
        raise NeedsJsonError(
            path, None, f"no version '{chosen}' in the file", f"choose one of {', '.join(map(str, versions))}"
        )
    entry = versions[chosen]
    needs = entry.get("needs") if isinstance(entry, dict) else None
    if not isinstance(needs, dict):
        raise _fail(path, f"version '{chosen}' has {_kind(needs)} as 'needs', not an object of needs")
    return needs


def _line_of(text: str, key: str) -> int | None:
    at = text.find(json.dumps(key) + ":")
    if at < 0:
        at = text.find(json.dumps(key))
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def need_problems(path: Path, text: str, key: str, need: object) -> list[Diagnostic]:
    """Why one entry of ``needs`` cannot be read as a need (empty when it can)."""
    where = Location(str(path), _line_of(text, key))
    if not isinstance(need, dict):
        message = f"need '{key}' is {_kind(need)}, not an object"
        return [Diagnostic(where, Severity.ERROR, message, Rule.INPUT, "remove the entry or give its fields")]
    found = []
    for name in TEXT_FIELDS:
        value = need.get(name)
        if name in need and not isinstance(value, str) and not (value is None and name == "doctype"):
            found.append(
                Diagnostic(
                    where,
                    Severity.ERROR,
                    f"need '{key}': '{name}' is {_kind(value)}, not text",
                    Rule.INPUT,
                    f"give '{name}' as a string (\"\" for none)",
                )
            )
    line = need.get("lineno")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool) or line < 0):
        found.append(
            Diagnostic(
                where,
                Severity.ERROR,
                f"need '{key}': 'lineno' is {_kind(line)}, not a line number",
                Rule.INPUT,
                "give 'lineno' as a whole number, or leave it out",
            )
        )
    return found


def unknown_types_note(path: Path, skipped: Counter[str]) -> list[Diagnostic]:
    """One note counting the needs of types this schema does not know (they are not read)."""
    if not skipped:
        return []
    listed = ", ".join(f"{name or '(none)'} ({count})" for name, count in sorted(skipped.items()))
    return [
        Diagnostic(
            Location(str(path)),
            Severity.NOTE,
            f"{sum(skipped.values())} need(s) of types this schema does not know were not read: {listed}",
            Rule.INPUT,
        )
    ]
