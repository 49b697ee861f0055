"""The terminology's per-text events with each word's share remembered (spelling._plain,
spelling._checked, terms._unpossessed) give exactly what the loops they replace gave: the same
events in the same order and the same word counts, on seeded random texts (possessives,
apostrophes, capitals, hyphens, British spellings, digits) and on this spec's texts.

The functions as they were are written out here (``_old_*``) to compare against.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence

from smets_spec.corpus.load import Corpus
from smets_spec.duplicates import spelling, terms
from smets_spec.duplicates.items import from_corpus
from smets_spec.duplicates.text import Role, Token, fold, tokenize

_CHECKED = re.compile(r"^[a-z][a-z'’-]{3,}$")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


def _old_plain(word: str) -> str:
    return fold(word.replace("’", "'"))


def _old_word_counts(tokens: Sequence[Token]) -> Counter[str]:
    return Counter(_old_plain(t.text) for t in tokens if t.role is Role.CONTENT)


def _old_checked_events(tokens: Sequence[Token]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for token in tokens:
        if token.role is not Role.CONTENT or token.acronym or not _CHECKED.match(token.text):
            continue
        out.append((_old_plain(token.text), token.text.rstrip("'’").removesuffix("'s").removesuffix("’s")))
    return out


def _old_spelling_events(group: str, tokens: Sequence[Token]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    check_case = group != "definitions"
    for index, token in enumerate(tokens):
        if token.role is not Role.CONTENT or token.acronym:
            continue
        text = _POSSESSIVE.sub("", token.text)
        if not text:
            continue
        if text.islower():
            form = text
        elif not text.isalpha():
            continue
        else:
            previous = tokens[index - 1] if index else None
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            capital = check_case and text[0].isupper() and not terms._starts_sentence(previous)
            form = (
                text
                if capital and not (terms._capitalised(previous) or terms._capitalised(after))
                else text.lower()
            )
        out.append((fold(text), form))
    return out


_WORDS = (
    "meter",
    "metre",
    "Meter's",
    "meter’s",
    "authorised",
    "authorized",
    "colour",
    "Colour",
    "HAN",
    "IHDs",
    "kWh",
    "int16",
    "CLEAN_L",
    "the",
    "a",
    "shall",
    "not",
    "supplier's",
    "suppliers'",
    "Smart",
    "Meter",
    "smart-meter",
    "real-time",
    "top-ups",
    "centre",
    "centres",
    "Brew",
    "Controller",
    "behaviour",
    "O'Neil",
    "rock’n’roll",
    "prepayment",
    "30",
    "10s",
    "4.5",
    "x86",
    "don't",
    "’tis",
    "it’s",
    "Data",
    "interoperablity",
    "interoperability",
    "licence",
    "license",
)


def _random_text(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randrange(1, 30))]
    seps = [rng.choice([" ", " ", " ", ", ", ". ", "; "]) for _ in words]
    return "".join(w + s for w, s in zip(words, seps, strict=True)).strip()


def _same_events(texts: list[str]) -> None:
    for text in texts:
        tokens = tokenize(text)
        assert spelling.word_counts(tokens) == _old_word_counts(tokens), text
        assert list(spelling.word_counts(tokens)) == list(_old_word_counts(tokens)), text  # order too
        assert spelling.checked_events(tokens) == _old_checked_events(tokens), text
        for group in ("requirements", "definitions"):
            assert terms.spelling_events(group, tokens) == _old_spelling_events(group, tokens), text


def test_events_of_random_texts_are_the_loops_events() -> None:
    rng = random.Random(11)
    texts = [_random_text(rng) for _ in range(400)]
    _same_events(texts)
    assert any(spelling.checked_events(tokenize(t)) for t in texts)
    events = [e for t in texts for e in terms.spelling_events("requirements", tokenize(t))]
    assert any(form != form.lower() for _, form in events)


def test_events_of_this_specs_texts_are_the_loops_events(corpus: Corpus) -> None:
    _same_events([item.text for item in from_corpus(corpus).items()])
