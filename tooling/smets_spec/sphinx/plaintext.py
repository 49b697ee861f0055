"""A need's text of plain paragraphs made into docutils' nodes without docutils' parser.

A cold build parses every need's text once (no card is cached yet), and most texts are one or
two paragraphs of words. docutils builds a nested state machine for each. For a text it would
read as nothing but paragraphs, the nodes are known beforehand: per paragraph,
``paragraph(data, '', Text(data))`` with the source and line of its first line, and the
document's current source left where the nested parse leaves it (the last line's source, no
line). :func:`paragraphs_of` says whether a text is such: every line flush left with no
character docutils' inline or block parser could read as markup (``\\ * ` | _ [ ] < > @``, a
colon unless before a space or at the end of a line, a control character), some letter or digit
on every line (so no section underline or transition), each paragraph starting with a word
followed by a space, comma, semicolon or colon (not a list item or an enumerator), and no
setting that finds PEP or RFC references in plain words. Anything else is parsed by docutils as
before. ``SMETS_QUICK_TEXT=off`` parses every text with docutils.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList

from ..corpus.cachedir import switched_off

SWITCH = "SMETS_QUICK_TEXT"
#: what docutils could read as markup in a line: a markup character, or a colon that could open a
#: role, a field, a literal block (``::``) or a standalone URI (``scheme:x``)
_MARKUP = re.compile(r"[\x00-\x1f\x7f\\*`|_\[\]<>@]|:(?! |$)")
_WORD = re.compile(r"[^\W_]")
_FIRST = re.compile(r"[A-Za-z]+[ ,;:]")


def enabled() -> bool:
    return not switched_off(SWITCH)


def paragraphs_of(content: StringList, settings: Any) -> list[nodes.paragraph] | None:
    """The paragraphs docutils would make of ``content``, or None when it might make anything else."""
    if getattr(settings, "pep_references", None) or getattr(settings, "rfc_references", None):
        return None
    lines = list(content)
    out: list[nodes.paragraph] = []
    start = None
    for index, line in enumerate([*lines, ""]):
        if line.strip():
            if line[0] == " " or _MARKUP.search(line) or not _WORD.search(line):
                return None
            if start is None:
                if not _FIRST.match(line):
                    return None
                start = index
        elif start is not None:
            data = "\n".join(lines[start:index])
            paragraph = nodes.paragraph(data, "", nodes.Text(data))
            source, offset = content.info(start)
            paragraph.source, paragraph.line = source, None if offset is None else offset + 1
            out.append(paragraph)
            start = None
    return out or None


class Paragraphs:
    """The parser state for a need whose text is plain paragraphs: its nested parse of that text
    gives the paragraphs made beforehand; any other parse goes to docutils."""

    def __init__(self, state: Any, content: StringList, made: list[nodes.paragraph]) -> None:
        self._state = state
        self._content = content
        self._made: list[nodes.paragraph] | None = made

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state, name)

    def nested_parse(
        self, block: StringList, input_offset: int, node: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        if (
            block is not self._content
            or node is None
            or self._made is None
            or args[1:]
            or kwargs.keys() - {"match_titles"}
        ):
            return self._state.nested_parse(block, input_offset, node, *args, **kwargs)
        made, self._made = self._made, None  # once: a second parse of the text is docutils' again
        for paragraph in made:
            node += paragraph
        source, _ = block.info(len(block))  # past the end: the last line's source, no line
        self._state.document.note_source(source, None)
        return input_offset + len(block)
