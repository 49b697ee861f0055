"""Placeholders that ``smets new`` writes into a stub, reported by validation until they are replaced.

A placeholder is a field value, a title or a line of text that starts with ``TODO`` (as
``TODO: what to write``). Each is an error at its own line (``[smets.placeholder]``) whose
fix says what to write there, so a stub can never be published by mistake; the field then
counts as missing (no second error for it).
"""

from __future__ import annotations

import enum
import re
import typing
from collections.abc import Iterator, Mapping
from typing import Any

from .diagnostics import Diagnostic, Location, Rule, Severity
from .rstreader import RawNeed
from .schema import Need

MARKER = "TODO"
_PLACEHOLDER = re.compile(rf"\s*{MARKER}\b")


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and bool(_PLACEHOLDER.match(value))


def _choices(annotation: Any) -> list[str]:
    """The allowed values of an enum field (inside Optional, Literal or a tuple), if it has them."""
    found: list[str] = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, enum.Enum):
            found.extend(str(m.value) for m in item)
        elif typing.get_origin(item) is typing.Literal:
            found.extend(str(a) for a in typing.get_args(item))
        else:
            stack.extend(typing.get_args(item))
    return found


def what_to_write(model: type[Need], name: str) -> str:
    """The fix of a placeholder in field ``name``: its help text and allowed values."""
    field = model.model_fields.get(name)
    if field is None:
        return "write the value"
    help_text = (field.description or name).rstrip(".")
    if help_text[:1].isupper() and not help_text[1:2].isupper():
        help_text = help_text[0].lower() + help_text[1:]
    choices = _choices(field.annotation)
    links = model.links().get(name)
    if links is not None:
        return f"write {help_text} (ids of {', '.join(links.targets)}, comma-separated)"
    return f"write {help_text}" + (f" (one of {', '.join(choices)})" if choices else "")


def _content_start(raw: RawNeed) -> int | None:
    """The line of the text's first line: after the options and one blank line."""
    lines = [o.line for o in raw.options.values() if o.line]
    start = max(lines, default=raw.location.line or 0)
    return start + 2 if start else None


def find(raw: RawNeed, values: Mapping[str, Any], model: type[Need], need_id: str) -> Iterator[Diagnostic]:
    """One error per placeholder in the need: its fields, title and text."""
    for name, value in values.items():
        if name != "id" and is_placeholder(value):
            option = raw.options.get(name)
            where = Location(raw.location.file, option.line if option else raw.location.line)
            yield Diagnostic(
                where,
                Severity.ERROR,
                f"':{name}:' of '{need_id}' is still the placeholder '{' '.join(str(value).split())}'",
                Rule.PLACEHOLDER,
                what_to_write(model, name),
            )
    if is_placeholder(raw.title):
        yield Diagnostic(
            raw.location,
            Severity.ERROR,
            f"the title of '{need_id}' is still a placeholder",
            Rule.PLACEHOLDER,
            "write a short title (it names the item in every table and link)",
        )
    start = _content_start(raw)
    for n, line in enumerate(raw.content.strip("\n").splitlines()):
        if is_placeholder(line):
            yield Diagnostic(
                Location(raw.location.file, start + n if start else raw.location.line),
                Severity.ERROR,
                f"the text of '{need_id}' is still a placeholder: {line.strip()}",
                Rule.PLACEHOLDER,
                "replace the TODO line with the text itself (it is published as written)",
            )
