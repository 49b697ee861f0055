"""A fast reader of the need directives in reStructuredText files.

It reads only what sphinx-needs reads from our need directives (title, options,
content, line) and nothing else, so the engine can load a ``spec/`` tree in
milliseconds without Sphinx. It follows docutils where the two could disagree:

* tabs are expanded to 8 columns and trailing whitespace is dropped;
* the title may run over several lines, up to the first option line;
* the option block runs to the first blank line, and every line in it must be
  an option (``:name: value``) or an indented continuation, else it is an error
  (docutils calls it an "invalid option block");
* the content is the rest of the block, dedented by the block's indentation;
* needs nested in other directives (``only``, ``container``, another need) are
  read; text in comments, literal blocks and code directives is not.

Directives it does not know are skipped. A line that looks like a need
directive but is not one (``.. req:`` or ``.. req::Title``) is an error, since
docutils would read it as a comment and drop it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from .diagnostics import Diagnostic, Location, Rule, Severity
from .safety import RESPONDENT_TEXT, check_need_values, check_text, need_values_suspect

_NAME = r"(?:(?!_)\w)+(?:[-._+:](?:(?!_)\w)+)*"
_DIRECTIVE = re.compile(rf"^(?P<indent> *)\.\. +(?P<name>{_NAME}) ?::(?: +(?P<title>.*))?$")
_EXPLICIT = re.compile(r"^ *\.\.(?: |$)")
_NEAR_MISS = re.compile(rf"^ *\.\. +(?P<name>{_NAME}) *:")
_OPTION = re.compile(r"^:(?![: ])(?P<name>(?:[^:\\]|\\.|:(?![ `]|$))*)(?<! ):(?: +(?P<value>.*)|$)")
#: Directives whose body is literal text: a need written there is an example, not a need.
LITERAL_DIRECTIVES = frozenset(
    {"code-block", "code", "sourcecode", "literalinclude", "raw", "math", "parsed-literal", "csv-table"}
)
TAB_WIDTH = 8


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
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], start: int, base_indent: int) -> int:
    """Index after the last non-blank line of the block that starts at ``start`` (a line is in it
    when indented more than ``base_indent``: when it starts with ``base_indent + 1`` spaces)."""
    inside = " " * (base_indent + 1)
    last_text = start
    for end in range(start, len(lines)):
        line = lines[end]
        if line:
            if not line.startswith(inside):
                break
            last_text = end + 1
    return last_text


def _dedent(block: list[str]) -> list[str]:
    widths = [len(line) - len(line.lstrip(" ")) for line in block if line]
    cut = min(widths) if widths else 0
    return [line[cut:] for line in block]


def _syntax(file: str, line: int, message: str, fix: str) -> Diagnostic:
    return Diagnostic(Location(file, line), Severity.ERROR, message, Rule.SYNTAX, fix)


def _read_options(
    arg_block: list[str], first_line: int, file: str, errors: list[Diagnostic]
) -> tuple[list[str], dict[str, RawOption]]:
    """Split the argument block into title lines and options (docutils' rules)."""
    start = next((i for i, text in enumerate(arg_block) if _OPTION.match(text)), len(arg_block))
    title_lines = arg_block[:start]
    for offset, text in enumerate(title_lines):
        if text.startswith(":"):
            errors.append(
                _syntax(
                    file,
                    first_line + offset,
                    f"'{text.strip()}' is not a valid option line",
                    "write options as ':name: value' (a space after the second colon)",
                )
            )
    options: dict[str, RawOption] = {}
    current: str | None = None
    for offset, text in enumerate(arg_block[start:], start=start):
        line_no = first_line + offset
        match = _OPTION.match(text)
        if match:
            current = match["name"]
            if current in options:
                errors.append(_syntax(file, line_no, f"option ':{current}:' is given twice", "keep one line"))
            options[current] = RawOption((match["value"] or "").strip(), line_no)
        elif current is not None and text.startswith(" "):
            previous = options[current]
            options[current] = RawOption(f"{previous.value}\n{text.strip()}".strip(), previous.line)
        else:
            errors.append(
                _syntax(
                    file,
                    line_no,
                    f"'{text.strip()}' is not an option, but the option block has not ended",
                    "write options as ':name: value' (a space after the second colon), "
                    "and leave a blank line before the content",
                )
            )
    return title_lines, options


def _read_need(
    lines: list[str], index: int, match: re.Match[str], file: str, errors: list[Diagnostic]
) -> tuple[RawNeed, int, int]:
    """Read the need at ``lines[index]``; return it, the index where its content starts and the
    index after its block's last non-blank line."""
    end = _block_end(lines, index + 1, len(match["indent"]))
    block = [match["title"] or "", *_dedent(lines[index + 1 : end])]
    first_line = index + 1  # the source line of block[0]
    if not block[0]:  # no title: docutils drops the empty first line (once)
        block.pop(0)
        first_line += 1
    blank = block.index("") if "" in block else len(block)
    title_lines, options = _read_options(block[:blank], first_line, file, errors)
    content_start = blank + 1
    while content_start < len(block) and not block[content_start]:
        content_start += 1
    need = RawNeed(
        match["name"],
        "\n".join(part.strip() for part in title_lines),
        Location(file, index + 1),
        options,
        "\n".join(block[content_start:]),
    )
    return need, first_line - 1 + min(content_start, len(block)), end


def _skip_to(lines: list[str], index: int) -> int:
    """Where the main loop goes on after a line that is not a need directive."""
    line = lines[index]
    directive = _DIRECTIVE.match(line)
    if directive is not None:
        if directive["name"] in LITERAL_DIRECTIVES:
            return _block_end(lines, index + 1, len(directive["indent"]))
        return index + 1  # read needs nested in it
    if _EXPLICIT.match(line) or line.endswith("::"):
        return _block_end(lines, index + 1, _indent(line))  # comment, target, literal block
    return index + 1


@dataclass(frozen=True)
class NeedSpan:
    """Where one need directive sits in its file's lines (0-based indexes of ``str.splitlines()``)."""

    need: RawNeed
    start: int  # the directive's line
    content: int  # the first line of its content (``end`` when it has none)
    end: int  # after the last non-blank line of its block


def need_spans(text: str, directives: Iterable[str]) -> list[NeedSpan]:
    """The need directives of one file's text with their line spans (a render cache's unit)."""
    spans: list[NeedSpan] = []
    _scan(text, "", directives, spans)
    return spans


def read_text(text: str, file: str, directives: Iterable[str]) -> tuple[list[RawNeed], list[Diagnostic]]:
    """Read the need directives named ``directives`` from one file's text."""
    return _scan(text, file, directives, None)


def _scan(
    text: str, file: str, directives: Iterable[str], spans: list[NeedSpan] | None
) -> tuple[list[RawNeed], list[Diagnostic]]:
    wanted = set(directives)
    lines = [line.expandtabs(TAB_WIDTH).rstrip() for line in text.splitlines()]
    needs: list[RawNeed] = []
    errors: list[Diagnostic] = []
    respondent: list[int] = []  # lines of respondents' stored text
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.endswith("::") and not line.lstrip(" ").startswith(".."):
            index += 1  # plain text: the common case, decided without a regex
            continue
        match = _DIRECTIVE.match(line)
        if match and match["name"] in wanted:
            start = index
            need, index, end = _read_need(lines, index, match, file, errors)
            needs.append(need)
            if spans is not None:  # (need_spans: the spans only, no diagnostics)
                spans.append(NeedSpan(need, start, min(index, end), end))
                continue
            if need.directive in RESPONDENT_TEXT:
                respondent.extend(range(index, end))
            errors.extend(_lost_body(lines, index, need, len(match["indent"])))
            continue
        near = _NEAR_MISS.match(lines[index]) if match is None and spans is None else None
        if near and near["name"] in wanted:
            errors.append(
                _syntax(
                    file,
                    index + 1,
                    f"'{lines[index].strip()}' is not a {near['name']} directive "
                    "(docutils reads it as a comment)",
                    f"write '.. {near['name']}:: Title' (two colons, then a space)",
                )
            )
        index = _skip_to(lines, index)
    if spans is not None:
        return needs, errors
    errors.extend(check_text(text, file, respondent))
    for need in needs:
        if not need_values_suspect(need.title, need.content, [o.value for o in need.options.values()]):
            continue  # the common case, decided without building messages
        at = need.location.line or 1
        values = [("title", need.title, at)]
        values += [(f"field :{name}:", option.value, option.line) for name, option in need.options.items()]
        values.append(("text", need.content, at))
        need_id = need.options["id"].value if "id" in need.options else ""
        errors.extend(check_need_values(file, at, need.directive, need_id, values))
    return needs, errors


_UNDERLINE = re.compile(r"^([!-/:-@\[-`{-~])\1+$")


def _lost_body(lines: list[str], index: int, need: RawNeed, indent: int) -> list[Diagnostic]:
    """A need with no text followed, at its own indentation, by a paragraph: a body that lost its indent.

    docutils reads that paragraph as text after the need, so the need's text would be empty.
    """
    if need.content:
        return []
    while index < len(lines) and not lines[index]:
        index += 1
    if index >= len(lines) or _indent(lines[index]) != indent:
        return []
    text = lines[index].strip()
    underline = index + 1 < len(lines) and bool(_UNDERLINE.match(lines[index + 1].strip()))
    conflict = text.startswith(("<<<<<<<", ">>>>>>>", "|||||||"))  # reported as a conflict marker
    if text.startswith("..") or underline or conflict or _UNDERLINE.match(text) or text.endswith("::"):
        return []
    return [
        _syntax_rule(
            need.location.file,
            index + 1,
            f"'{text[:40]}' follows the {need.directive} '{need.title[:40]}' at its indentation, so it is "
            f"not the {need.directive}'s text (the {need.directive} has none)",
            f"indent the text by {indent + 3} spaces, under the directive's options",
        )
    ]


def _syntax_rule(file: str, line: int, message: str, fix: str) -> Diagnostic:
    return Diagnostic(Location(file, line), Severity.ERROR, message, Rule.INDENTATION, fix)


def decode(data: bytes, display: str) -> tuple[str | None, list[Diagnostic]]:
    """A file's text (without a byte-order mark), or the error for a file that is not UTF-8,
    at the line of its first bad byte."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            Diagnostic(
                Location(display, line),
                Severity.ERROR,
                f"file is not UTF-8 ({exc.reason}: byte 0x{data[exc.start]:02x} at offset {exc.start})",
                Rule.INPUT,
                "save the file as UTF-8 (for example: iconv -f cp1252 -t utf-8)",
            )
        ]


def read_file(path: Path, display: str, directives: Iterable[str]) -> tuple[list[RawNeed], list[Diagnostic]]:
    """Read one file; a file that is not UTF-8 is an error at the line of its first bad byte."""
    return read_data(path.read_bytes(), display, directives)


def read_data(data: bytes, display: str, directives: Iterable[str]) -> tuple[list[RawNeed], list[Diagnostic]]:
    """Read one file's bytes (``display``: its name in diagnostics)."""
    text, errors = decode(data, display)
    if text is None:
        return [], errors
    return read_text(text, display, directives)


def is_source(relative: PurePath) -> bool:
    """Whether a file (its path below the spec folder) is one the needs are read from: a ``*.rst``
    file, not under a folder named ``_*`` or ``.*``."""
    return relative.suffix == ".rst" and not any(part.startswith(("_", ".")) for part in relative.parts)


def spec_files(root: Path) -> Iterator[Path]:
    """The files a spec tree's needs are read from (:func:`is_source`), in a stable order."""
    for path in sorted(root.rglob("*.rst")):
        if is_source(path.relative_to(root)):
            yield path


def _digest_add(digest: Any, root: Path, path: Path, data: bytes) -> None:
    """Add one file (its name below ``root`` and its bytes, each with its length) to ``digest``."""
    name = path.relative_to(root).as_posix().encode("utf-8", "surrogateescape")
    for part in (name, data):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)


def tree_digest(root: Path) -> str:
    """SHA-256 of every file :func:`read_tree` reads below ``root``: names and contents.

    Two reads of a tree with the same digest read the same bytes, so give the same needs.
    """
    digest = hashlib.sha256()
    for path in spec_files(root):
        _digest_add(digest, root, path, path.read_bytes())
    return digest.hexdigest()


def read_tree(
    root: Path,
    directives: Iterable[str],
    relative_to: Path | None = None,
    digest: Any = None,
    files: dict[str, str] | None = None,
) -> tuple[list[RawNeed], list[Diagnostic]]:
    """Read every ``*.rst`` file below ``root`` in a stable order (:func:`spec_files`).

    ``digest`` (a :mod:`hashlib` object) is fed what :func:`tree_digest` hashes, from the
    bytes read here: the digest names exactly what the needs were read from (and ``files`` each
    file's, as :func:`tree_files` gives them).
    """
    wanted = tuple(directives)
    needs: list[RawNeed] = []
    errors: list[Diagnostic] = []
    for display, data in tree_files(root, relative_to, digest, files):
        found, problems = read_data(data, display, wanted)
        needs.extend(found)
        errors.extend(problems)
    return needs, errors


def file_digest(data: bytes) -> str:
    """The digest of one file's bytes that :func:`tree_files` records per file."""
    return hashlib.blake2b(data, digest_size=16, person=b"smets-keys").hexdigest()


def tree_files(
    root: Path, relative_to: Path | None = None, digest: Any = None, files: dict[str, str] | None = None
) -> Iterator[tuple[str, bytes]]:
    """The name shown in diagnostics (relative to ``relative_to``, else ``root``'s parent) and the
    bytes of each file :func:`read_tree` reads, in its order; ``digest`` is fed as there, and
    ``files`` gets each file's :func:`file_digest` by its name below ``root``, from the same bytes."""
    base = relative_to if relative_to is not None else root.parent
    for path in spec_files(root):
        data = path.read_bytes()
        if digest is not None:
            _digest_add(digest, root, path, data)
        if files is not None:
            files[path.relative_to(root).as_posix()] = file_digest(data)
        yield _display(path, base), data


def _display(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
