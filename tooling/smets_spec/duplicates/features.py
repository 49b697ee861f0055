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

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from .lemmas import all_lemmas
from .text import SUBJECT_ROLES, Role, Token, fold, is_sentence_end, needs_counterpart


@dataclass
class Names:
    """What marks a word as naming a thing: glossary phrases and abbreviation expansions."""

    phrases: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # first word -> phrases
    expansions: dict[str, frozenset[str]] = field(default_factory=dict)  # abbreviation key -> word keys
    first_words: set[str] = field(default_factory=set)  # lower-case first words, a quick test
    #: contrast pairs learned from the corpus (word key -> keys it swaps with): see contrasts.py
    learned: dict[str, frozenset[str]] = field(default_factory=dict)
    #: slots learned from the corpus: words swapped with three or more different words (contrasts.py)
    slots: frozenset[str] = frozenset()
    #: words the corpus swaps with two or more different words (contrasts.varied)
    varied: frozenset[str] = frozenset()

    def add_phrase(self, words: Sequence[str]) -> None:
        folded = tuple(fold(w) for w in words if w)
        if len(folded) > 1:
            self.phrases.setdefault(folded[0], []).append(folded)
            self.first_words.add(words[0].lower())


@dataclass(frozen=True)
class Sentence:
    keys: frozenset[str]
    quantities: tuple[str, ...]  # "10 s", "48" (sorted)
    modals: tuple[str, ...]
    negations: tuple[str, ...]
    comparators: tuple[str, ...]
    time_keys: frozenset[str]
    written: tuple[tuple[str, str], ...] = ()  # quantity key -> as written ("30 s" -> "30 seconds")
    #: negations in a qualifying clause, as written with the word after ("not provide"): see subordinate
    qualified: tuple[str, ...] = ()


@dataclass(frozen=True)
class Naming:
    """How a subject word names a thing: ``strong`` (acronym, identifier, unit symbol, glossary word,
    subject contrast word) or only by its contrast ``group`` (a quality such as local/remote)."""

    strong: bool
    group: int | None


@dataclass
class Profile:
    named: dict[str, Naming]  # subject word key -> how it names a thing
    written: dict[str, str]  # subject word key -> the word as first written in the text
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
    first = names.first_words
    if not first:
        return found
    for start, token in enumerate(tokens):
        if token.text.lower() not in first:
            continue
        for phrase in names.phrases.get(fold(token.text), ()):
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


#: Negation words inside fixed expressions that negate nothing: "no later than", "not only".
_NOT_NEGATING = frozenset(
    {("no", "later"), ("no", "earlier"), ("no", "more"), ("no", "less"), ("not", "only")}
)


def _near_number(tokens: Sequence[Token], index: int, reach: int = 3) -> bool:
    """A number within ``reach`` tokens of ``index``, in the same phrase (no punctuation between)."""
    for step in (1, -1):
        for offset in range(1, reach + 1):
            at = index + step * offset
            if not 0 <= at < len(tokens) or tokens[at].role is Role.PUNCT:
                break
            if tokens[at].role is Role.NUMBER:
                return True
    return False


#: Words that open a condition ahead of the obligation ("When a mutex does not become available, ...").
_CONDITIONS = frozenset({"when", "whenever", "if", "where", "while", "once"})
#: Relative pronouns: "errors that do not have a handler" describes the errors, it negates no obligation.
_RELATIVES = frozenset({"that", "which", "who", "whom", "whose"})


@lru_cache(maxsize=16_384)
def _only_noun(word: str) -> bool:
    """True when the lexicon knows the word as a noun and not as a verb ("errors", not "indicating")."""
    lemmas = all_lemmas(word)
    return "NOUN" in lemmas and "VERB" not in lemmas


def subordinate(tokens: Sequence[Token]) -> frozenset[int]:
    """Positions of a sentence's words that qualify rather than state the obligation: a leading
    condition up to its comma, relative and participle clauses after a noun up to punctuation or a
    modal verb, and a modal verb of a clause followed by the obligation's own. A negation or modal
    there ("hardware that does not provide ...", "an error indicating that it was not locked", "the
    count a semaphore can have shall be set") is none of the obligation."""
    out: set[int] = set()
    if tokens and tokens[0].text.lower() in _CONDITIONS:
        comma = next((i for i, t in enumerate(tokens) if t.text == ","), None)
        if comma is not None:
            out.update(range(comma))
    modals: list[int] = []
    for index, token in enumerate(tokens):
        if token.role is Role.MODAL:
            modals.append(index)
            continue
        if index == 0 or (token.role is not Role.FUNCTION and not token.text.endswith("ing")):
            continue
        word = token.text.lower()
        if (word in _RELATIVES or _participle(word)) and _only_noun(tokens[index - 1].text.lower()):
            for at in range(index + 1, len(tokens)):
                if tokens[at].role in (Role.PUNCT, Role.MODAL):
                    break
                out.add(at)
    if len(modals) > 1:
        out.update(_embedded_modals(tokens, modals))
    return frozenset(out)


@lru_cache(maxsize=16_384)
def _participle(word: str) -> bool:
    """A present participle opening a clause that describes the noun before it ("an error indicating
    that the mutex was not locked")."""
    return word.endswith("ing") and "VERB" in all_lemmas(word)


#: Words that join two obligations of one sentence ("shall log and shall report").
_JOINERS = frozenset({"and", "or", "but", "then"})


def _embedded_modals(tokens: Sequence[Token], modals: Sequence[int]) -> list[int]:
    """Modal verbs followed, in the same clause, by another modal: the first is inside a clause that
    describes a noun ("the maximum count a semaphore can have shall be set"), not the obligation's."""
    out: list[int] = []
    for first, second in pairwise(modals):
        between = tokens[first + 1 : second]
        if not any(t.role is Role.PUNCT or t.text.lower() in _JOINERS for t in between):
            out.append(first)
    return out


def _sentence(tokens: Sequence[Token]) -> Sentence:
    qualifying = subordinate(tokens)
    quantities: list[str] = []
    modals: list[str] = []
    negations: list[str] = []
    comparators: list[str] = []
    qualified: list[str] = []
    written: dict[str, str] = {}
    for index, token in enumerate(tokens):
        role = token.role
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if role is Role.NUMBER:
            has_unit = after is not None and after.role is Role.UNIT
            key = f"{token.key} {after.key}" if has_unit and after is not None else token.key
            quantities.append(key)
            written.setdefault(
                key, f"{token.text} {after.text}" if has_unit and after is not None else token.text
            )
        elif role is Role.MODAL and index not in qualifying:
            restricted = after is not None and after.text.lower() == "only" and token.key in {"can", "may"}
            modals.append(f"{token.key}-only" if restricted else token.key)
        elif role is Role.NEGATION:
            if after is not None and (token.key, after.text.lower()) in _NOT_NEGATING:
                continue
            if index in qualifying:
                qualified.append(f"{token.text} {after.text}" if after is not None else token.text)
            else:
                negations.append(token.text.lower())
        elif role is Role.COMPARATOR and _near_number(tokens, index):
            comparators.append(token.text.lower())  # "above" in "the above list" is no range word
    return Sentence(
        frozenset(t.key for t in tokens if t.role in SUBJECT_ROLES),
        tuple(sorted(quantities)),
        tuple(sorted(modals)),
        tuple(sorted(negations)),
        tuple(sorted(comparators)),
        frozenset(t.key for t in tokens if t.role is Role.TIME_BASIS),
        tuple(written.items()),
        tuple(qualified),
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


def shingles(sequence: Sequence[str]) -> frozenset[str]:
    """Word bigrams of the sequence, with its start and end."""
    padded = ["^", *sequence, "$"]
    return frozenset(f"{x} {y}" for x, y in pairwise(padded))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    total = len(a) + len(b)
    return 2 * len(a & b) / total if total else 0.0


def profile(tokens: Sequence[Token], names: Names) -> Profile:
    glossary = named_positions(tokens, names)
    named: dict[str, Naming] = {}
    written: dict[str, str] = {}
    for index, token in enumerate(tokens):
        if token.role not in SUBJECT_ROLES:
            continue
        if token.key not in written:
            written[token.key] = token.text
        group = token.group
        strong = (
            token.acronym
            or token.role is Role.SYMBOL
            or index in glossary
            or (group is not None and not needs_counterpart(group))
        )
        if strong or group is not None:
            old = named.get(token.key)
            named[token.key] = Naming(strong or (old is not None and old.strong), group)
    return Profile(named, written, tokens)
