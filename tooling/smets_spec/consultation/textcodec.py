"""Free text stored in need content so that it reads back exactly, through both readers.

A respondent's text (a comment, an answer, proposed wording) is written into a
need's content as a reST *line block*: every line of the text becomes one line
``| <line>``, an empty line becomes ``|``. That renders as the text with its
line breaks, shows as plain text in a pull request, and survives the two ways
the content is read back: the fast reader (:mod:`smets_spec.corpus.rstreader`) and
docutils, whose content sphinx-needs writes to needs.json. Both expand tabs,
drop trailing whitespace and split lines at every Unicode line boundary, so
those characters are escaped, as are the characters reST would read as markup:

==============================  =====================================
character                       written as
==============================  =====================================
``\\``                          ``\\\\``
``*`` ````` ``_`` ``|``         ``\\*`` ``\\``` ``\\_`` ``\\|``
control and line-separator      ``\\[U+XXXX]`` (renders as ``[U+XXXX]``)
characters, U+FEFF; whitespace
at the end of a line
==============================  =====================================

Several texts go into one content as *parts*, each under a bold label line
(``**Comment**``), separated by blank lines. :func:`decode_parts` is strict:
anything it does not recognise is an error, never silently dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: Characters reST would read as inline markup.
_MARKUP = frozenset("\\*`_|")
#: Characters escaped so that docutils and Sphinx show them exactly as typed: quotes and runs of
#: dashes and dots (smart quotes would curl them), ``@`` and a ``:`` after a word (docutils
#: would make a standalone URI or an e-mail address a link: ``javascript:...`` included).
_LITERAL = frozenset("\"'@:-.")
#: Every character that may follow a backslash in the encoded text.
_ESCAPABLE = _MARKUP | _LITERAL
#: Characters ``str.splitlines`` breaks at (besides ``\n``, which separates lines).
_LINE_BOUNDARIES = frozenset("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
#: Every character :func:`_must_escape` or :data:`_MARKUP` names (Cc, Cs, U+2028/9, U+FEFF).
_SPECIAL = re.compile(
    "[\\\\*`_|\"'@\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]"
    r"|(?<=[A-Za-z0-9+.\-]):"  # the end of a URI scheme (``http:``, ``javascript:``)
    r"|-(?=-)|(?<=-)-"  # -- and --- (en and em dashes)
    r"|\.(?=\.)|(?<=\.)\.|\.(?= \.)|(?<=\. )\."  # ... and . . . (ellipses)
)
_ESCAPE = re.compile(r"\\(?:\[U\+([0-9A-F]{4,6})\]|(.)|$)", re.DOTALL)
#: Longest physical line written (docutils refuses lines over 10,000 characters).
MAX_LINE = 4000
_LABEL = re.compile(r"^\*\*(?P<label>[A-Za-z][A-Za-z ]*)\*\*$")


class TextFormatError(ValueError):
    """Content that is not in the format this module writes; ``line`` is 1-based within it."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"content line {line}: {message}")
        self.line = line


def _must_escape(char: str) -> bool:
    return char in _LINE_BOUNDARIES or char == "\ufeff" or unicodedata.category(char) in {"Cc", "Cs"}


def _code(char: str) -> str:
    return f"\\[U+{ord(char):04X}]"


def _tokens(line: str) -> list[str]:
    """The escaped form of one line of text, one token per character."""
    out = list(line)
    for match in _SPECIAL.finditer(line):
        out[match.start()] = _escape(match)
    return out


def _chunk(tokens: list[str]) -> str:
    """Tokens as one physical line, its final whitespace escaped (readers strip it)."""
    if tokens and len(tokens[-1]) == 1 and tokens[-1].isspace():
        tokens = [*tokens[:-1], _code(tokens[-1])]
    return "".join(tokens)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return "\\" + char if char in _ESCAPABLE else _code(char)


def encode_line(line: str) -> list[str]:
    """One line of text (no newline) as physical lines of at most about :data:`MAX_LINE` characters.

    docutils drops any input line longer than its ``line_length_limit`` (10,000), so a long
    line is split; the pieces after the first are written indented by two spaces, and
    decoding joins them with nothing in between.
    """
    escaped = _SPECIAL.sub(_escape, line)
    if len(escaped) <= MAX_LINE:
        if escaped and escaped[-1].isspace():  # an escape never ends in whitespace
            escaped = escaped[:-1] + _code(escaped[-1])
        return [escaped]
    tokens = _tokens(line)
    pieces: list[str] = []
    start, size = 0, 0
    for index, token in enumerate(tokens):
        if size + len(token) > MAX_LINE:
            pieces.append(_chunk(tokens[start:index]))
            start, size = index, 0
        size += len(token)
    pieces.append(_chunk(tokens[start:]))
    return pieces


def encode_text(text: str) -> list[str]:
    """A text as line-block lines (``| ...``); the empty text is one line ``|``."""
    lines: list[str] = []
    for line in text.split("\n"):
        first, *rest = encode_line(line)
        lines.append(f"| {first}" if first else "|")
        lines.extend(f"  {piece}" for piece in rest)
    return lines


def decode_line(encoded: str, line_no: int = 1) -> str:
    """The inverse of :func:`encode_line`."""
    out: list[str] = []
    pos = 0
    for match in _ESCAPE.finditer(encoded):
        out.append(encoded[pos : match.start()])
        code, char = match.group(1), match.group(2)
        if code is not None:
            out.append(chr(int(code, 16)))
        elif char is not None and char in _ESCAPABLE:
            out.append(char)
        else:
            raise TextFormatError(line_no, f"unknown escape {match.group(0)!r} in {encoded!r}")
        pos = match.end()
    out.append(encoded[pos:])
    return "".join(out)


def decode_text(lines: Iterable[str], first_line: int = 1) -> str:
    """The inverse of :func:`encode_text`."""
    decoded: list[str] = []
    for offset, line in enumerate(lines):
        if line == "|":
            decoded.append("")
        elif line.startswith("| "):
            decoded.append(decode_line(line[2:], first_line + offset))
        elif line.startswith("  ") and decoded:
            decoded[-1] += decode_line(line[2:], first_line + offset)
        else:
            raise TextFormatError(first_line + offset, f"expected a line starting with '| ', got {line!r}")
    return "\n".join(decoded)


def encode_parts(parts: Iterable[tuple[str, str]]) -> str:
    """Labelled texts as need content: ``**Label**``, a blank line, the line block."""
    blocks = [f"**{label}**\n\n" + "\n".join(encode_text(text)) for label, text in parts]
    return "\n\n".join(blocks)


def decode_parts(content: str) -> dict[str, str]:
    """The labelled texts of a content written by :func:`encode_parts`."""
    parts: dict[str, str] = {}
    lines = content.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line:
            index += 1
            continue
        match = _LABEL.match(line)
        if match is None:
            raise TextFormatError(index + 1, f"expected a label line like '**Comment**', got {line!r}")
        label = match["label"]
        if label in parts:
            raise TextFormatError(index + 1, f"part '{label}' is given twice")
        start = index + 1
        while start < len(lines) and not lines[start]:
            start += 1
        end = start
        while end < len(lines) and lines[end].startswith(("|", "  ")):
            end += 1
        if end == start:
            raise TextFormatError(index + 1, f"part '{label}' has no '| ' lines")
        parts[label] = decode_text(lines[start:end], start + 1)
        index = end
    return parts


def is_encoded(content: str) -> bool:
    """True when ``content`` is a plain line block as :func:`encode_text` writes it."""
    lines = content.split("\n")
    return lines[0].startswith("|") and all(line.startswith(("|", "  ")) for line in lines)


def plain(content: str) -> str:
    """The text of a content that may be an encoded line block, else the content as written."""
    if is_encoded(content):
        try:
            return decode_text(content.split("\n"))
        except TextFormatError:
            return content
    return content
