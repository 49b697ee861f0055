"""A fast reader of the need directives in reStructuredText files.

It reads only what sphinx-needs reads from our need directives (title, options,
content, line) and nothing else, so the engine can load a ``spec/`` tree in
milliseconds without Sphinx. Directives it does not know are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, Location, Rule, Severity

_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\.[ \t]+(?P<name>[A-Za-z][\w-]*)::(?:[ \t]+(?P<title>.*))?$")
_OPTION = re.compile(r"^:(?P<name>[^:\s][^:]*):(?:[ \t]+(?P<value>.*))?$")


@dataclass(frozen=True)
class RawOption:
    value: str
    line: int


@dataclass
class RawNeed:
    """A need directive as written: the input of validation."""

    directive: str
    title: str
    location: Location
    options: dict[str, RawOption] = field(default_factory=dict)
    content: str = ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _block_end(lines: list[str], start: int, base_indent: int) -> int:
    """Index after the last line of the block that starts at ``start``."""
    end = start
    last_text = start
    while end < len(lines):
        line = lines[end]
        if line.strip():
            if _indent(line) <= base_indent:
                break
            last_text = end + 1
        end += 1
    return last_text


def _dedent(block: list[str]) -> list[str]:
    widths = [_indent(line) for line in block if line.strip()]
    cut = min(widths) if widths else 0
    return [line[cut:].rstrip() if line.strip() else "" for line in block]


def _read_options(
    body: list[str], first_line: int, location: Location, errors: list[Diagnostic]
) -> tuple[dict[str, RawOption], int]:
    """Parse the option block; return the options and the index where content starts."""
    options: dict[str, RawOption] = {}
    index = 0
    current: str | None = None
    while index < len(body) and body[index].strip():
        text = body[index]
        line_no = first_line + index
        match = _OPTION.match(text.strip())
        if match and (current is None or _indent(text) <= _indent(body[0])):
            name = match["name"].strip()
            if name in options:
                errors.append(
                    Diagnostic(
                        Location(location.file, line_no),
                        Severity.ERROR,
                        f"option ':{name}:' is given twice",
                        Rule.SYNTAX,
                        "keep one of the two lines",
                    )
                )
            options[name] = RawOption((match["value"] or "").strip(), line_no)
            current = name
        elif current is not None and _indent(text) > _indent(body[0]):
            previous = options[current]
            joined = f"{previous.value} {text.strip()}".strip()
            options[current] = RawOption(joined, previous.line)
        else:
            break
        index += 1
    return options, index


def read_text(text: str, file: str, directives: Iterable[str]) -> tuple[list[RawNeed], list[Diagnostic]]:
    """Read the need directives named ``directives`` from one file's text."""
    wanted = set(directives)
    lines = text.splitlines()
    needs: list[RawNeed] = []
    errors: list[Diagnostic] = []
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        if not match or match["name"] not in wanted:
            index += 1
            continue
        base = _indent(lines[index])
        location = Location(file, index + 1)
        end = _block_end(lines, index + 1, base)
        body = _dedent(lines[index + 1 : end])
        options, content_start = _read_options(body, index + 2, location, errors)
        content_lines = body[content_start:]
        while content_lines and not content_lines[0]:
            content_lines.pop(0)
        title = (match["title"] or "").strip()
        needs.append(RawNeed(match["name"], title, location, options, "\n".join(_dedent(content_lines))))
        index = end
    return needs, errors


def read_tree(
    root: Path, directives: Iterable[str], relative_to: Path | None = None
) -> tuple[list[RawNeed], list[Diagnostic]]:
    """Read every ``*.rst`` file below ``root`` in a stable order."""
    base = relative_to if relative_to is not None else root.parent
    wanted = tuple(directives)
    needs: list[RawNeed] = []
    errors: list[Diagnostic] = []
    for path in sorted(root.rglob("*.rst")):
        if any(part.startswith(("_", ".")) for part in path.relative_to(root).parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            errors.append(
                Diagnostic(
                    Location(_display(path, base)),
                    Severity.ERROR,
                    f"file is not UTF-8 ({exc.reason} at byte {exc.start})",
                    Rule.INPUT,
                    "save the file as UTF-8",
                )
            )
            continue
        found, problems = read_text(text, _display(path, base), wanted)
        needs.extend(found)
        errors.extend(problems)
    return needs, errors


def _display(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
