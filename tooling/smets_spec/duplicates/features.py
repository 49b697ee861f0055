"""Per-text features computed once and reused for every pair the text is in.

* which subject words name a thing: acronyms, identifiers, unit symbols
  standing alone, contrast-set words, words of a glossary term written in the
  text;
* the word shingles (bigrams of the word sequence, function words left out and
  quantities masked) that measure the sentence pattern;
* per sentence, the conflict-relevant words: quantities (number and unit),
  modal verbs, negations, comparators and the time basis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .text import SUBJECT_ROLES, Role, Token, contrast_group, fold, is_sentence_end, needs_counterpart


@dataclass
class Names:
    """What marks a word as naming a thing: glossary phrases and abbreviation expansions."""

    phrases: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # first word -> phrases
    expansions: dict[str, frozenset[str]] = field(default_factory=dict)  # abbreviation key -> word keys

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
class Naming:
    """How a subject word names a thing: ``strong`` (acronym, identifier, unit symbol, glossary word,
    subject contrast word) or only by its contrast ``group``."""

    strong: bool
    group: int | None


@dataclass
class Profile:
    named: dict[str, Naming]  # subject word key -> how it names a thing
    written: dict[str, str]  # subject word key -> the word as written (folded), for spelling variants
    shingles: Counter[tuple[str, str]]
    tokens: Sequence[Token]
    _sentences: tuple[Sentence, ...] | None = None

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        if self._sentences is None:
            self._sentences = tuple(_sentence(s) for s in _split(self.tokens))
        return self._sentences


def named_positions(tokens: Sequence[Token], names: Names) -> set[int]:
    """Positions of tokens inside a glossary phrase written in the text."""
    found: set[int] = set()
    if not names.phrases:
        return found
    for start, token in enumerate(tokens):
        phrases = names.phrases.get(fold(token.text))
        for phrase in phrases or ():
            if tuple(fold(t.text) for t in tokens[start : start + len(phrase)]) == phrase:
                found.update(range(start, start + len(phrase)))
    return found


def _split(tokens: Sequence[Token]) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    for token in tokens:
        if is_sentence_end(token):
            out.append([])
        else:
            out[-1].append(token)
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
        frozenset(t.key for t in tokens if t.role in SUBJECT_ROLES),
        _quantities(tokens),
        words(Role.MODAL),
        words(Role.NEGATION),
        words(Role.COMPARATOR),
        frozenset(t.key for t in tokens if t.role is Role.TIME_BASIS),
    )


_SKIP = (Role.FUNCTION, Role.PUNCT)


def pattern_sequence(tokens: Sequence[Token], same: dict[str, str] | None = None) -> list[str]:
    """The word sequence that makes the sentence pattern: function words left out, quantities masked."""
    same = same or {}
    return [
        "#" if t.role is Role.NUMBER or t.role is Role.UNIT else same.get(t.key, t.key)
        for t in tokens
        if t.role not in _SKIP
    ]


def shingles(sequence: Sequence[str]) -> Counter[tuple[str, str]]:
    padded = ["^", *sequence, "$"]
    return Counter(zip(padded, padded[1:], strict=False))


def dice(a: Counter[tuple[str, str]], b: Counter[tuple[str, str]]) -> float:
    total = a.total() + b.total()
    return 2 * (a & b).total() / total if total else 0.0


def profile(tokens: Sequence[Token], names: Names) -> Profile:
    glossary = named_positions(tokens, names)
    named: dict[str, Naming] = {}
    written: dict[str, str] = {}
    for index, token in enumerate(tokens):
        if token.role not in SUBJECT_ROLES:
            continue
        written.setdefault(token.key, fold(token.text))
        group = contrast_group(token.text)
        strong = token.acronym or token.role is Role.SYMBOL or index in glossary or (
            group is not None and not needs_counterpart(group))
        if strong or group is not None:
            old = named.get(token.key)
            named[token.key] = Naming(strong or (old is not None and old.strong), group)
    return Profile(named, written, shingles(pattern_sequence(tokens)), tokens)
