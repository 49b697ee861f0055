"""The text of a need as a reader sees it: reStructuredText markup taken out before comparing.

A need's ``content`` in a needs.json is its reST source. Compared as it stands, markup counts as
words: ``:need:`Title <ID>``` roles, URLs, ``.. needtable::`` options, Jinja templates, code
blocks and the bodies of nested needs (a guideline holding its rationale and examples). This
module keeps what a reader of the rendered page reads:

* a role keeps what it displays (``:need:`Safety goal <SG_01>``` -> ``Safety goal``; a role that
  computes its text at build time, ``:ndf:`` / ``:need_func:``, is left out);
* a hyperlink keeps its text, a bare URL goes; ``**bold**``, ``*em*`` and ````literal```` keep
  their words;
* a directive keeps its body when it holds prose (note, warning, admonition, list-table, ...),
  and is left out with its options and body otherwise (code, diagrams, tables of needs, images,
  nested needs: a directive with an ``:id:`` option or named after a need type);
* comments, substitution definitions, literal blocks after ``::`` and Jinja ``{{ }}`` /
  ``{% %}`` go; bullets and enumerators are taken off, each item stays on its own line.

Pure string processing: no docutils, nothing is executed, any input is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

#: Directives whose body is prose a reader reads.
PROSE_DIRECTIVES = frozenset(
    {
        "note", "warning", "tip", "hint", "important", "attention", "caution", "danger", "error",
        "admonition", "seealso", "topic", "sidebar", "rubric", "container", "list-table", "table",
        "csv-table", "only", "versionadded", "versionchanged", "deprecated", "tab", "tab-item",
        "card", "grid-item-card", "dropdown", "epigraph", "highlights", "pull-quote", "compound",
        "line-block", "glossary", "centered", "hlist", "div",
    }
)  # fmt: skip
#: Roles whose text is computed at build time: nothing a reader of the source can quote.
COMPUTED_ROLES = frozenset({"ndf", "need_func", "need_count", "need_part_ref", "math"})
#: Roles that show a citation marker, not words: left out.
CITATION_ROLES = frozenset({"cite", "footcite", "bibentry", "cite:p", "cite:t", "numref", "eq"})

_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+([\w:.+-]+)::(.*)$")
_COMMENT = re.compile(r"^(\s*)\.\.(\s|$)")
_OPTION = re.compile(r"^\s*:[\w .-]+:(\s|$)")
_ROLE = re.compile(r":([\w.+-]+(?::[\w.+-]+)?):`([^`]*)`")
_LINK = re.compile(r"`([^`<]*?)\s*<[^>`]*>`__?")
_ANON = re.compile(r"`([^`]+)`__?")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>`]+|\bwww\.[^\s<>`]+")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_INLINE = re.compile(r"\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|``(.+?)``")
_SUBST = re.compile(r"\|([^|\s][^|]*?)\|_{0,2}")
_BULLET = re.compile(r"^\s*(?:[-*+•]|#\.|\(?\d+[.)]|\(?[a-zA-Z][.)])\s+")
_TABLE_RULE = re.compile(r"^\s*[=+\-|]{3,}[=+\-| ]*$")
_MARKS_ONLY = re.compile(r"^[-*+•#.:|=_~`'\"\s]*$")  # an empty list cell, a rule: no words
_TARGET = re.compile(r"^\s*\.\.\s+_[^:]*:.*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


_COPY = re.compile(r"""^\s*copy\(\s*["']([\w-]+)["']\s*\)\s*$""")


def _role(match: re.Match[str], fields: Mapping[str, object]) -> str:
    name, body = match.group(1), match.group(2)
    if name in CITATION_ROLES or name.split(":")[0] in CITATION_ROLES:
        return ""
    if name.split(":")[-1] in COMPUTED_ROLES:
        copied = _COPY.match(body)  # :ndf:`copy("date")` shows the need's own field
        value = fields.get(copied.group(1)) if copied else None
        return str(value) if isinstance(value, (str, int, float)) else ""
    shown = re.match(r"(.*?)\s*<[^<>]*>\s*$", body, re.S)
    text = shown.group(1) if shown and shown.group(1).strip() else body
    return text.lstrip("~!")


def inline(text: str, fields: Mapping[str, object] | None = None) -> str:
    """One line's inline markup replaced by what it displays (``fields``: the need's own fields)."""
    text = _ROLE.sub(lambda m: _role(m, fields or {}), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _ANON.sub(lambda m: m.group(1), text)
    text = _URL.sub("", text)
    text = _INLINE.sub(lambda m: m.group(1) or m.group(2) or m.group(3) or "", text)
    text = _SUBST.sub(lambda m: m.group(1), text)
    return text


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """Index after the block that starts at ``start`` (lines indented deeper than ``indent``)."""
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
        end += 1
    return end


def _directive(
    lines: list[str], i: int, match: re.Match[str], need_types: Collection[str]
) -> tuple[list[str], int]:
    """The lines a directive at ``i`` contributes, and the index after it."""
    indent, name, argument = len(match.group(1)), match.group(2).lower(), match.group(3).strip()
    end = _block_end(lines, i, indent)
    body = lines[i + 1 : end]
    options = [line for line in body if line.strip()]
    opts_end = 0
    while opts_end < len(options) and _OPTION.match(options[opts_end]):
        opts_end += 1
    has_id = any(re.match(r"^\s*:id:", line) for line in options[:opts_end])
    if has_id or name in need_types or name not in PROSE_DIRECTIVES:
        return [], end
    kept: list[str] = [argument] if argument and name in {"admonition", "topic", "sidebar", "rubric"} else []
    skipped = 0
    for line in body:
        if skipped < opts_end and line.strip() and _OPTION.match(line):
            skipped += 1
            continue
        kept.append(line)
    return kept, end


_FIELD_LINE = re.compile(r"^\s*(?:\*\*[^*]+\*\*\s*:|:[\w -]+:\s)")


def _join(lines: list[str]) -> list[str]:
    """Lines of one paragraph joined; a list item, a field or a new paragraph starts a new line."""
    out: list[str] = []
    joinable = False
    for line in lines:
        if not line.strip():
            joinable = False
            continue
        starts = bool(_BULLET.match(line) or _FIELD_LINE.match(line))
        text = _BULLET.sub("", line).strip().strip("|").strip()
        if joinable and not starts and out:
            out[-1] += " " + text
        else:
            out.append(text)
        joinable = True
    return out


def reader_text(
    source: str, need_types: Collection[str] = (), fields: Mapping[str, object] | None = None
) -> str:
    """``source`` (reST) as a reader of the rendered page reads it: one line per paragraph or item."""
    source = _JINJA.sub(" ", source.replace("\r\n", "\n").replace("\t", "    "))
    lines = source.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _DIRECTIVE.match(line)
        if match:
            kept, i = _directive(lines, i, match, need_types)
            lines[i:i] = ["", *kept, ""]  # re-read the body: it may hold markup and directives of its own
            continue
        if _TARGET.match(line) or (_COMMENT.match(line) and not _DIRECTIVE.match(line)):
            i = _block_end(lines, i, _indent(line))
            out.append("")
            continue
        if _TABLE_RULE.match(line):
            out.append("")
            i += 1
            continue
        if line.rstrip().endswith("::"):  # a literal block follows
            text = line.rstrip()[:-2].rstrip()
            out += [text + (":" if text and not line.rstrip().endswith(" ::") else ""), ""]
            i = _block_end(lines, i, _indent(line))
            continue
        out.append(line)
        i += 1
    cleaned = [" ".join(inline(line, fields).replace("|", " ").split()) for line in _join(out)]
    return "\n".join(line for line in cleaned if line and not _MARKS_ONLY.match(line))
