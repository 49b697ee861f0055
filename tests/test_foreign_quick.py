"""The quicker check for markup the extension never renders (:func:`smets_spec.sphinx.rendercache.foreign`)
gives the answer of the expressions as written (``SMETS_QUICK_FOREIGN=off``), on seeded random HTML
made of the pieces that matter (tags, quotes, handlers, schemes, Unicode spaces and case) and on
every card and requirement-page body of a generated site's kind."""

from __future__ import annotations

import random

import pytest

from smets_spec.sphinx import rendercache

PIECES = (
    "<",
    ">",
    "</",
    "/>",
    "<a",
    "<img",
    "<div class=",
    "<p>",
    " ",
    "\t",
    "\n",
    "\u00a0",
    "\u2028",
    "\x1c",
    "/",
    '"',
    "'",
    "`",
    "=",
    " = ",
    "on",
    "onclick",
    "ONERROR",
    "onx",
    "o",
    "n",
    "con",
    "section",
    "javascript",
    "JavaScript",
    "vbscript",
    "data",
    ":",
    " :",
    "script",
    "iframe",
    "svg",
    "math",
    "base",
    "x",
    "y",
    "href",
    "src",
    "&lt;",
    "&gt;",
    "İ",
    "\u0130n",
    "text ",
    "on =",
    "=on",
    "a=b",
)


def _slow(html: str) -> bool:
    low = html.lower()
    return any(check.search(low) for check in rendercache._FOREIGN)


def _random_html(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40)))


def test_the_same_answer_on_seeded_random_html(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(rendercache.QUICK_SWITCH, raising=False)
    rng = random.Random(20261206)
    answers = {True: 0, False: 0}
    for _ in range(60_000):
        html = _random_html(rng)
        expected = _slow(html)
        assert rendercache.foreign(html) == expected, repr(html)
        assert rendercache.foreign(html, True) == rendercache.foreign(html, False) == expected, repr(html)
        answers[expected] += 1
    assert min(answers.values()) > 3_000  # both answers well covered


@pytest.mark.parametrize(
    "html",
    [
        '<img src=x onerror="alert(1)">',
        "<img/onerror=alert(1)>",
        '<a href="#"\u00a0onclick = "x">',
        "<a href=javascript:alert(1)>",
        '<a href = " JavaScript :x">',
        '<div data-x="1"><p>on click=</p></div>',
        "<p>a > b onclick=</p>",
        "<p>a < b onclick=</p>",
        '<a title="x>y" onclick=z>',
        "<svg>",
        "text only, on=off, data: none",
        "<p class=on>section=3</p>",
    ],
)
def test_known_cases(html: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(rendercache.QUICK_SWITCH, raising=False)
    quick = rendercache.foreign(html)
    monkeypatch.setenv(rendercache.QUICK_SWITCH, "off")
    assert quick == rendercache.foreign(html) == _slow(html)


def test_a_lowered_text_is_not_lowered_again_with_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    from smets_spec.sphinx import pagetexts

    rng = random.Random(20261207)
    lowered = [_random_html(rng) + rng.choice(["", "<svg>", "<SVG ", "<svg/>ΑΣ"]) for _ in range(8_000)]
    for switch in (None, "off"):
        if switch is None:
            monkeypatch.delenv(rendercache.QUICK_SWITCH, raising=False)
        else:
            monkeypatch.setenv(rendercache.QUICK_SWITCH, switch)
        answers = {True: 0, False: 0}
        for text in lowered:
            low = text.lower()
            assert rendercache.foreign_lowered(low) == rendercache.foreign(text) == _slow(text), repr(text)
            answers[pagetexts.foreign_text(text)] += 1
        assert min(answers.values()) > 500
    monkeypatch.delenv(rendercache.QUICK_SWITCH, raising=False)
    calls: list[str] = []
    monkeypatch.setattr(rendercache, "_foreign_quick", lambda low: calls.append(low) or False)
    assert pagetexts.foreign_text("<P>Text ONE</P>") is False and calls == ["<p>text one</p>"]
