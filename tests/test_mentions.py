"""``needkeys.mentioned`` looks only at words with an underscore when every id shape and every
known id has one: the same answer as looking at every word, on seeded random texts of ids, words
that look like ids, prose and markup, with known ids with and without underscores."""

from __future__ import annotations

import importlib
import random
import re
from typing import Any

import pytest

from smets_spec.corpus import needkeys
from smets_spec.corpus.needkeys import SHAPES_UNDERSCORED, _always_has, mentioned

_WORD = re.compile(r"[A-Za-z0-9_]+")


def _every_word(text: str, known: dict[str, object]) -> frozenset[str]:
    """What ``mentioned`` answers, from every word of the text (the definition)."""
    return frozenset(t for t in set(_WORD.findall(text)) if t in known or needkeys._ID_LIKE.fullmatch(t))


_PIECES = (
    "GS_08", "GS_081", "GS_0800", "DEV_ESME", "DEV_NEW", "DAT_X", "x_GS_08", "GS_08_", "_GS_08", "SMETS_1_2",
    "GS", "ESME", "shall", "the", "DEVESME", "gs_08", "TERM_HAN", "PO_1", "a", "_", "__", "9_9",
)  # fmt: skip
_GLUE = (" ", "", '<a href="req/', '.html">', "</a>", "_", "-", ".", ",", "\n", "é", "`", ":need:`")


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) + rng.choice(_GLUE) for _ in range(rng.randrange(1, 60)))


@pytest.mark.parametrize("seed", range(4))
def test_the_underscored_words_give_every_words_answer(seed: int) -> None:
    rng = random.Random(seed)
    underscored = {k: object() for k in ("GS_08", "DAT_X", "DEV_ESME", "x_GS_08", "9_9")}
    plain_too = {**underscored, "ESME": object(), "shall": object()}  # ids without one: every word
    for known in (underscored, plain_too, {}):
        for _ in range(300):
            text = _text(rng)
            assert mentioned(text, known) == _every_word(text, known), (text, sorted(known))
    assert mentioned("ESME shall GS_08", plain_too) == {"ESME", "shall", "GS_08"}
    assert mentioned("ESME shall GS_08", underscored) == {"GS_08"}


def test_a_mapping_grown_since_it_was_asked_about_is_asked_again() -> None:
    known: dict[str, object] = {"GS_08": object()}
    assert mentioned("ESME GS_08", known) == {"GS_08"}
    known["ESME"] = object()  # (a corpus never grows; a caller's mapping might)
    assert mentioned("ESME GS_08", known) == {"ESME", "GS_08"}


def test_the_id_shapes_of_this_schema_all_have_an_underscore() -> None:
    assert SHAPES_UNDERSCORED  # so the pages and requirement pages use the fast path


@pytest.mark.parametrize(
    ("pattern", "always"),
    [
        ("A_B", True),
        ("A_?B", False),  # optional
        ("(?:A_|B)", False),  # one branch without
        ("(?:A_|B_C)", True),
        ("[_]", True),  # (read as the literal)
        ("[_a]", False),  # a class proves nothing
        ("x(?:_y)+", True),
        ("x(?:_y)*", False),
        ("x(?:_y){2,3}", True),
        ("x(?>_y)", True),
        ("(_)", True),
        ("", False),
    ],
)
def test_an_expression_always_has_an_underscore_only_when_certain(pattern: str, always: bool) -> None:
    parser: Any = importlib.import_module("re._parser")
    assert _always_has(parser.parse(pattern), ord("_")) is always


_ROWS = ("<tr>", "<tr", "<tr_", "<tr data-x=GS_08>", "<td>", "</tr>", "<tr>GS_08", "<tr>DEV_", "tr")


@pytest.mark.parametrize("seed", range(3))
def test_row_by_row_gives_the_whole_texts_answer(seed: int) -> None:
    """Cut before each ``<tr`` (rows of its own and rows shared with earlier texts, a memo that runs
    out of room half way), the answer is the whole text's, on seeded random texts with rows."""
    rng = random.Random(seed)
    underscored = {k: object() for k in ("GS_08", "DAT_X", "DEV_ESME", "x_GS_08", "9_9", "tr_GS")}
    plain_too = {**underscored, "ESME": object(), "tr": object()}
    for known in (underscored, plain_too, {}):
        memo: dict[str, frozenset[str]] = {}
        room = [rng.choice((0, 200, 1 << 20))]
        rows: list[str] = []
        for _ in range(150):
            own = [rng.choice(_ROWS) + _text(rng) for _ in range(rng.randrange(0, 8))]
            shared = rng.sample(rows, min(len(rows), rng.randrange(0, 5)))
            rows += own
            parts = own + shared
            rng.shuffle(parts)
            text = _text(rng) + "".join(parts)
            assert needkeys.mentioned_by_rows(text, known, memo, room) == mentioned(text, known), text


def test_rows_are_kept_while_there_is_room() -> None:
    memo: dict[str, frozenset[str]] = {}
    room = [20]
    text = "head GS_08<tr>DAT_X</tr><tr>DEV_ESME and more</tr>"
    assert needkeys.mentioned_by_rows(text, {"GS_08": 1}, memo, room) == {"GS_08", "DAT_X", "DEV_ESME"}
    assert memo == {">DAT_X</tr>": frozenset({"DAT_X"}), ">DEV_ESME and more</tr>": frozenset({"DEV_ESME"})}
    assert room[0] == 20 - len(">DAT_X</tr>") - len(">DEV_ESME and more</tr>")
    needkeys.mentioned_by_rows("<tr>PO_1</tr>", {}, memo, room)  # no room left: answered, not kept
    assert len(memo) == 2


_ODD = ("é", "ß", "٣", "Ǆ", "_", "__", "\u00a0", "\t", "0", "Z", "z_", "_9", "\U0001d7d8", "K")  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_the_faster_expression_finds_the_same_words(seed: int) -> None:
    """``_UNDERSCORED_WORDS`` (``\\b`` with ``re.ASCII``) finds exactly ``_UNDERSCORED``'s words, in
    order, on seeded random texts with non-ASCII letters and digits beside the words."""
    rng = random.Random(seed)
    for _ in range(400):
        text = "".join(
            rng.choice(_ODD) if rng.random() < 0.4 else _text(rng)[:12] for _ in range(rng.randrange(1, 40))
        )
        assert needkeys._UNDERSCORED_WORDS.findall(text) == needkeys._UNDERSCORED.findall(text), text


def test_the_switch_gives_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    known = {"GS_08": object(), "DAT_X": object()}
    text = "GS_08éDAT_X ٣GS_08 x_GS_08 DEV_ESME_ GS_0800 gs_08"
    on = mentioned(text, known)
    monkeypatch.setenv("SMETS_MENTION_WORDS", "off")
    assert mentioned(text, known) == on == _every_word(text, known)
