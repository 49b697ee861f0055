"""Per-text features computed once and reused for every pair the text is in.

* the subject words (content words and bare units) and which of them name a
  thing (acronyms, identifiers, bare units, contrast-set words, words of a
  glossary term written in the text);
* the word shingles (bigrams of the word sequence, function words left out and
  numbers masked) that measure the sentence pattern;
* per sentence, the conflict-relevant words: quantities (number and unit),
  modal verbs, negations, comparators and the time basis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .text import Role, Token, contrast_group, fold


@dataclass
class Names:
    """What marks a word as naming a thing: glossary phrases and abbreviation expansions."""

    phrases: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # first word -> phrases
    expansions: dict[str, frozenset[str]] = field(default_factory=dict)  # abbreviation -> word keys

    def add_phrase(self, words: Sequence[str]) -> None:
        folded = tuple(fold(w) for w in words if w)
        if len(folded) > 1:
            self.phrases.setdefault(folded[0], []).append(folded)


@dataclass(frozen=True)
class Sentence:
    keys: frozenset[str]
    quantities: Counter[str]
    modals: Counter[str]
    negations: Counter[str]
    comparators: Counter[str]
    time_keys: frozenset[str]


@dataclass(frozen=True)
class Profile:
    subject: tuple[tuple[int, Token], ...]  # (position, token) of subject words
    bearing: frozenset[int]  # positions of subject words that name a thing
    shingles: Counter[tuple[str, str]]
    sentences: tuple[Sentence, ...]


def named_positions(tokens: Sequence[Token], names: Names) -> set[int]:
    """Positions of tokens inside a glossary phrase written in the text."""
    found: set[int] = set()
    if not names.phrases:
        return found
    words = [fold(t.text) for t in tokens]
    for start, word in enumerate(words):
        for phrase in names.phrases.get(word, ()):
            if tuple(words[start : start + len(phrase)]) == phrase:
                found.update(range(start, start + len(phrase)))
    return found


def is_subject(token: Token, previous: Token | None) -> bool:
    """Content words, and units that are not part of a quantity (``kWh`` in "import kWh")."""
    return token.role is Role.CONTENT or (
        token.role is Role.UNIT and (previous is None or previous.role is not Role.NUMBER)
    )


def _sentences(tokens: Sequence[Token], text: str) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    for index, token in enumerate(tokens):
        out[-1].append(token)
        if index + 1 < len(tokens):
            gap = text[token.end : tokens[index + 1].start]
            if any(c in gap for c in ";!?\n") or ". " in gap or gap.endswith("."):
                out.append([])
    return [s for s in out if s]


def _quantities(tokens: Sequence[Token]) -> Counter[str]:
    out: Counter[str] = Counter()
    for index, token in enumerate(tokens):
        if token.role is Role.NUMBER:
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            unit = after.key if after is not None and after.role is Role.UNIT else ""
            out[f"{token.key} {unit}".strip()] += 1
    return out


def _sentence(tokens: Sequence[Token]) -> Sentence:
    def words(role: Role) -> Counter[str]:
        return Counter(t.key for t in tokens if t.role is role)

    return Sentence(
        frozenset(t.key for t in tokens if t.role is Role.CONTENT),
        _quantities(tokens),
        words(Role.MODAL),
        words(Role.NEGATION),
        words(Role.COMPARATOR),
        frozenset(t.key for t in tokens if t.role is Role.TIME_BASIS),
    )


def pattern_sequence(tokens: Sequence[Token], same: dict[str, str] | None = None) -> list[str]:
    same = same or {}
    return ["#" if t.role is Role.NUMBER else same.get(t.key, t.key) for t in tokens if t.role is not Role.FUNCTION]


def shingles(sequence: Sequence[str]) -> Counter[tuple[str, str]]:
    padded = ["^", *sequence, "$"]
    return Counter(zip(padded, padded[1:], strict=False))


def dice(a: Counter[tuple[str, str]], b: Counter[tuple[str, str]]) -> float:
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 0.0


def profile(tokens: Sequence[Token], text: str, names: Names) -> Profile:
    named = named_positions(tokens, names)
    subject: list[tuple[int, Token]] = []
    bearing: set[int] = set()
    previous: Token | None = None
    for index, token in enumerate(tokens):
        if is_subject(token, previous):
            subject.append((index, token))
            if token.acronym or token.role is Role.UNIT or index in named or contrast_group(token.key) is not None:
                bearing.add(index)
        previous = token
    return Profile(tuple(subject), frozenset(bearing), shingles(pattern_sequence(tokens)),
                   tuple(_sentence(s) for s in _sentences(tokens, text)))
