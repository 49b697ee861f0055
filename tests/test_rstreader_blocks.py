"""The fast reader's block ends and dedent, made cheaper, give what they gave (issue 20: the
forked readers scan every need document again for its need spans).

``_block_end`` tells a line inside the block by its prefix of ``base_indent + 1`` spaces instead of
counting its leading spaces, ``_dedent`` counts them inline, and a need's block end is worked out
once (``_read_need`` returns it) where ``need_spans`` and the respondents' text asked for it
again. Each is compared with the code it replaced, written out here, on seeded random input.
"""

from __future__ import annotations

import random

from smets_spec.corpus import rstreader
from smets_spec.corpus.schema import BY_DIRECTIVE


def _old_indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _old_block_end(lines: list[str], start: int, base_indent: int) -> int:
    end = start
    last_text = start
    while end < len(lines):
        line = lines[end]
        if line:
            if _old_indent(line) <= base_indent:
                break
            last_text = end + 1
        end += 1
    return last_text


def _old_dedent(block: list[str]) -> list[str]:
    widths = [_old_indent(line) for line in block if line]
    cut = min(widths) if widths else 0
    return [line[cut:] for line in block]


def _line(rng: random.Random) -> str:
    return rng.choice(("", "", " " * rng.randint(0, 9), " " * rng.randint(0, 9) + rng.choice("ax.:\u00a0\t")))


def test_block_end_and_dedent_are_the_old_ones() -> None:
    rng = random.Random(20)
    for _ in range(20_000):
        lines = [_line(rng) for _ in range(rng.randint(0, 12))]
        start, base = rng.randint(0, len(lines) + 1), rng.randint(0, 7)
        found = rstreader._block_end(lines, start, base)
        assert found == _old_block_end(lines, start, base), (lines, start, base)
        assert rstreader._dedent(lines) == _old_dedent(lines)
    assert rstreader._block_end(["   a", "", "  b"], 0, 2) == 1  # "  b" is not indented past 2
    assert rstreader._block_end(["   a", "", "     b", ""], 0, 2) == 3


def _need(rng: random.Random, at: int, indent: str) -> str:
    body = [f"{indent}.. req:: Title {at}", f"{indent}   :id: PC_{at}", f"{indent}   :status: proposed"]
    if rng.random() < 0.3:
        body.append(f"{indent}      continued")
    body.append("")
    body.extend(
        f"{indent}{' ' * rng.choice((3, 3, 5))}{rng.choice(('Text.', '* item', ''))}"
        for _ in range(rng.randint(0, 4))
    )
    return "\n".join(body)


def _text(rng: random.Random) -> str:
    parts = []
    for at in range(rng.randint(1, 12)):
        indent = rng.choice(("", "", "   "))
        if indent:
            parts.append(".. container:: box\n")
        parts.append(_need(rng, at, indent))
        parts.append(rng.choice(("", "Prose.", ".. note:: x", "   indented prose")))
    return "\n".join(parts) + "\n"


def test_need_spans_end_where_their_blocks_end() -> None:
    rng = random.Random(7)
    spans_seen = 0
    for _ in range(400):
        text = _text(rng)
        lines = [line.expandtabs(rstreader.TAB_WIDTH).rstrip() for line in text.splitlines()]
        for span in rstreader.need_spans(text, BY_DIRECTIVE):
            directive = lines[span.start]
            indent = len(directive) - len(directive.lstrip(" "))
            assert span.end == _old_block_end(lines, span.start + 1, indent)
            assert span.start < span.content <= span.end or span.content == span.end
            spans_seen += 1
        needs, _ = rstreader.read_text(text, "f.rst", BY_DIRECTIVE)
        assert [n.options["id"].value for n in needs] == [
            s.need.options["id"].value for s in rstreader.need_spans(text, BY_DIRECTIVE)
        ]
    assert spans_seen > 1000
