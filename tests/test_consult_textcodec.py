"""Free text survives the need content exactly: through the fast reader and through docutils."""

from __future__ import annotations

from typing import Any, ClassVar

import docutils.core
import pytest
from docutils.parsers.rst import Directive, directives
from hypothesis import given, settings
from hypothesis import strategies as st

from smets_spec.consultation.textcodec import (
    MAX_LINE,
    TextFormatError,
    decode_parts,
    decode_text,
    encode_parts,
    encode_text,
    plain,
)
from smets_spec.corpus.rstreader import read_text

NASTY = [
    "",
    " ",
    "\n",
    "\n\n\n",
    "trailing spaces   ",
    "trailing tab\t",
    "\tleading tab",
    "  indented\n    more indented",
    ".. note:: not a directive",
    ".. req:: Not a need\n   :id: PC_99",
    "* not a bullet\n- nor this\n+ nor this",
    ":field: not a field list\n:id: PC_01",
    "=SUM(A1:A9)",
    "+1 -1 @home",
    "| a line block?\n|",
    "`literal` **bold** *em* _target `ref`_ |sub| [1]_ :role:`x`",
    "back\\slash \\* \\[U+0041] \\",
    "[[copy('id')]] <<variant>> <{data}>",
    "line\rbreak\r\nwindows\x0bvt\x0cff\x1cfs\x85nel\u2028ls\u2029ps",
    "\ufeffbom at start and \ufeff inside",
    "nbsp at end\xa0",
    "ideographic space at end\u3000",
    "unicode: £ € ü ß 日本語 😀 \u0301combining",
    "NUL \x00 and DEL \x7f and C1 \x9b",
    "word" * 20_000,
    "::\n\n    looks like a literal block",
    "Title\n=====",
]


@pytest.mark.parametrize("text", NASTY)
def test_examples_round_trip(text: str) -> None:
    assert decode_text(encode_text(text)) == text


def _safe_line(line: str) -> bool:
    return (
        line.startswith(("|", "  "))
        and len(line) <= MAX_LINE + 20
        and "\t" not in line
        and line == line.rstrip()
        and len(line.splitlines()) == 1
        and "\ufeff" not in line
    )


@given(st.text())
def test_any_text_round_trips_and_encodes_to_safe_lines(text: str) -> None:
    lines = encode_text(text)
    assert all(_safe_line(line) for line in lines)
    assert decode_text(lines) == text


@pytest.mark.parametrize("size", [MAX_LINE - 1, MAX_LINE, MAX_LINE + 1, 25_000])
@pytest.mark.parametrize("filler", ["x", " ", "*", "\t"])
def test_long_lines_are_split_below_the_docutils_limit(size: int, filler: str) -> None:
    text = filler * size + "\nend "
    lines = encode_text(text)
    assert all(_safe_line(line) for line in lines)
    assert max(len(line) for line in lines) < 10_000 - 10
    assert decode_text(lines) == text


def _file(parts: list[tuple[str, str]]) -> str:
    content = "\n".join(f"   {line}" if line else "" for line in encode_parts(parts).split("\n"))
    head = "Title\n=====\n\n.. ccomment:: Someone on PC_01\n   :id: CC_X\n   :respondent: Someone\n"
    return f"{head}\n{content}\n"


class _Capture(Directive):
    """Takes the content exactly as sphinx-needs does: '\\n'.join(self.content)."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Any]] = {"id": directives.unchanged, "respondent": directives.unchanged}
    captured: ClassVar[list[str]] = []

    def run(self) -> list[object]:
        _Capture.captured.append("\n".join(self.content))
        return []


def _docutils_content(source: str) -> str:
    """Parse with plain docutils; the capturing directive exists only during the parse.

    (Registered globally, it would leak into later in-process Sphinx builds, where
    sphinx-needs then warns that 'ccomment' is already registered.)
    """
    _Capture.captured = []
    directives.register_directive("ccomment", _Capture)
    try:
        docutils.core.publish_doctree(source, settings_overrides={"report_level": 5, "halt_level": 5})
    finally:
        directives._directives.pop("ccomment", None)
    assert len(_Capture.captured) == 1
    return _Capture.captured[0]


@settings(max_examples=150, deadline=None)
@given(st.text(), st.text())
def test_both_readers_give_back_the_texts(comment: str, wording: str) -> None:
    parts = [("Comment", comment), ("Proposed wording", wording)]
    source = _file(parts)
    needs, errors = read_text(source, "x.rst", ["ccomment"])
    assert errors == []
    fast = needs[0].content
    assert decode_parts(fast) == dict(parts)
    assert _docutils_content(source) == fast


@pytest.mark.parametrize("text", NASTY)
def test_nasty_examples_through_both_readers(text: str) -> None:
    source = _file([("Comment", text)])
    needs, _ = read_text(source, "x.rst", ["ccomment"])
    assert decode_parts(needs[0].content) == {"Comment": text}
    assert _docutils_content(source) == needs[0].content


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("**Comment**\n\n| fine\nnot a line block", 4),
        ("| no label", 1),
        ("**Comment**\n\n| a\n\n**Comment**\n\n| b", 5),
        ("**Comment**\n\n| bad escape \\q", 3),
        ("**Comment**", 1),
    ],
)
def test_hand_edited_content_is_an_error_with_its_line(content: str, line: int) -> None:
    with pytest.raises(TextFormatError) as caught:
        decode_parts(content)
    assert caught.value.line == line


def test_plain_reads_encoded_and_plain_content() -> None:
    assert plain("| Why?\n| Say more.") == "Why?\nSay more."
    assert plain("Plain *reST* text") == "Plain *reST* text"
