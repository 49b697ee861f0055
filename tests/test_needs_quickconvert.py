"""needs_quickconvert.convert gives what sphinx-needs' convert_or_type_check gives (the same value,
or the same error and message) for string and link fields of every setting, on texts of every
shape (plain, blank, spaced, delimited, conditions, parts, functions, variants, malformed
brackets, unicode spaces) and on seeded random texts made of the characters that matter; and
with ``SMETS_QUICK_CONVERT=off`` it is sphinx-needs' own call. A build with it on and off is
compared by tests/test_quick_read.py."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sphinx_needs.need_item import NeedLink
from sphinx_needs.needs_schema import FieldSchema, LinkDisplayConfig, LinkSchema, LinksLiteralValue

from smets_spec.sphinx import needs_quickconvert as quick

DISPLAY = LinkDisplayConfig(incoming="links incoming", outgoing="links outgoing")
TEXTS = [
    "",
    "   ",
    "plain",
    "  Two words\t",
    "A title, with a comma; and | bars",
    "GS_08",
    "GS_08, GS_09",
    "DEV_ESME;DEV_GSME|DEV_CHF",
    "GS_08.part",
    "GS_08.a.b",
    "GS_08[status=='draft']",
    "GS_08[[x>1]]",
    "GS_08[[x>1]] , B",
    "GS_08[status=='draft'",
    "GS_08[a]tail",
    "[cond]",
    "A[b]c, D",
    "GS_08,",
    " , ",
    ",,;|",
    "[[copy('id')]]",
    "x [[copy('id')]]",
    "<<x>>",
    "<{a}>",
    "a << b",
    "[[bad",
    "\u00a0GS_08\u2003,\u3000GS_09\u00a0",
    "\u00a0\u2003",
    "Título ünïcode",
    "line\nbreak, second",
]


def _link_schemes() -> list[Any]:
    return [
        LinkSchema(
            name="links",
            schema={"type": "array", "items": {"type": "string"}},
            display=DISPLAY,
            parse_dynamic_functions=functions,
            parse_variants=variants,
            parse_conditions=conditions,
        )
        for functions in (False, True)
        for variants in (False, True)
        for conditions in (False, True)
    ]


def _schemes() -> list[Any]:
    found: list[Any] = [
        FieldSchema(
            name="s", schema={"type": "string"}, parse_dynamic_functions=functions, parse_variants=variants
        )
        for functions in (False, True)
        for variants in (False, True)
    ]
    found += _link_schemes()
    found.append(FieldSchema(name="a", schema={"type": "array", "items": {"type": "string"}}))
    found.append(FieldSchema(name="n", schema={"type": "integer"}))
    return found


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "value", call()
    except Exception as err:  # the same error, type and message
        return type(err).__name__, str(err)


def _same(scheme: Any, text: Any, allow: bool = True) -> None:
    mine = _outcome(lambda: quick.convert(scheme, text, allow))
    theirs = _outcome(lambda: scheme.convert_or_type_check(text, allow_coercion=allow))
    assert mine == theirs, (scheme, text)
    if mine[0] == "value":
        assert type(mine[1]) is type(theirs[1])
        assert type(mine[1].value) is type(theirs[1].value)


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice("AB_9.[]'=,;| <>{}\u00a0x") for _ in range(rng.randrange(0, 14)))


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv(quick.SWITCH, raising=False)
    quick.reset()
    yield
    quick.reset()


def test_every_shape_converts_as_sphinx_needs_does() -> None:
    for scheme in _schemes():
        for text in TEXTS:
            _same(scheme, text)
            _same(scheme, text)  # a link remembered gives the same
        _same(scheme, ["GS_08"], allow=False)
        _same(scheme, "GS_08", allow=False)
        _same(scheme, None)


def test_seeded_random_texts_convert_as_sphinx_needs_does() -> None:
    rng = random.Random(20)
    schemes = _schemes()
    for _ in range(3000):
        _same(rng.choice(schemes), _random_text(rng))


def test_links_are_read_once_and_shared_and_the_switch_gives_sphinx_needs_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scheme = LinkSchema(name="links", schema={"type": "array", "items": {"type": "string"}}, display=DISPLAY)
    first = quick.convert(scheme, "GS_08, DEV_ESME.part", True)
    again = quick.convert(scheme, " DEV_ESME.part|GS_08 ", True)
    assert isinstance(first, LinksLiteralValue) and first.value is not again.value
    assert first.value == [NeedLink(id="GS_08"), NeedLink(id="DEV_ESME", part="part")]
    assert first.value[0] is again.value[1] and first.value[1] is again.value[0]
    with pytest.raises(ValueError, match="Unclosed condition brackets"):
        quick.convert(scheme, "GS_08[x", True)
    assert (True, "GS_08[x") not in quick._LINKS
    calls: list[str] = []
    original = LinkSchema.convert_or_type_check

    def counted(self: Any, value: Any, *, allow_coercion: bool) -> Any:
        calls.append(value)
        return original(self, value, allow_coercion=allow_coercion)

    monkeypatch.setattr(LinkSchema, "convert_or_type_check", counted)
    assert quick.convert(scheme, "GS_08", True).value == [NeedLink(id="GS_08")] and calls == []
    monkeypatch.setenv(quick.SWITCH, "off")
    quick.reset()
    assert quick.convert(scheme, "GS_08", True).value == [NeedLink(id="GS_08")] and calls == ["GS_08"]
