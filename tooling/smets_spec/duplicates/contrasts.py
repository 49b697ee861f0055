"""Contrast pairs learned from the corpus itself: words that swap between otherwise identical texts.

A fixed list (import/export, gas/electricity, ...) cannot know a project's own subjects: its
devices, roles, modules, message names. They show in the corpus as *swaps*: two texts with the
same sentence pattern that differ in exactly one word on each side ("Safety Monitor starts
Temperature Controller" / "... starts Brew Controller"). One swap alone may be a paraphrase
(record / capture); a swap that recurs, or a word that swaps with two or more different partners
in such pairs, could be a slot the corpus fills with different subjects, but a paraphrase repeated
across a corpus recurs just as well (expressed / given, entries / records in a generated corpus).
So a swap is learned when both words are names: written with a capital inside a sentence,
nouns (or unknown) to the lemmatiser, and about as common as each other. A word is also a *slot*,
whatever its case, when it swaps with three or more different words that also swap with each other
(queue / semaphore / mutex / stack; create / open / close / delete, in an RTOS's requirements): a
family of alternatives. A paraphrase offers a word one or two synonyms (record / capture, log) that
seldom meet in a pair of their own.
Those pairs are contrast pairs: a pair of texts differing in them is a parallel variant, never a
duplicate. Other subjects written in lower case (safety / security, import / export) come from the
fixed lists in text.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from .features import dice, pattern_sequence
from .index import Doc
from .lemmas import all_lemmas
from .text import SUBJECT_ROLES, Token, is_sentence_end

#: Sentence-pattern similarity from which a one-word swap is counted.
SWAP_PATTERN = 0.5


#: At most this many words may differ on each side of a pair whose swaps are counted.
SWAP_WORDS = 3


def capitalised(doc: Doc) -> dict[str, str]:
    """Key -> word, of the words a text writes with a capital inside a sentence (Brew Controller)."""
    out: dict[str, str] = {}
    previous: Token | None = None
    for token in doc.tokens:
        if (
            token.role in SUBJECT_ROLES
            and token.text[:1].isupper()
            and previous is not None
            and not is_sentence_end(previous)
        ):
            out.setdefault(token.key, token.text)
        previous = token
    return out


@lru_cache(maxsize=65_536)
def _noun(word: str) -> bool:
    """True when the word can be a noun, or the lexicon does not know it (a proper name)."""
    lemmas = all_lemmas(word)
    return not lemmas or "NOUN" in lemmas or "PROPN" in lemmas


def swaps(
    docs: Sequence[Doc], pairs: Iterable[tuple[int, int]], names: set[tuple[str, str]] | None = None
) -> Counter[tuple[str, str]]:
    """One-word-for-one-word swaps (sorted key pairs) between candidate pairs of similar pattern,
    found by aligning the two word sequences (a word replaced by one other word in place). Swaps of
    two names (capitalised inside a sentence, nouns or unknown to lemminflect) are also added to
    ``names``."""
    found: Counter[tuple[str, str]] = Counter()
    for i, j in pairs:
        a, b = docs[i], docs[j]
        size_a, size_b = len(a.keys), len(b.keys)
        if abs(size_a - size_b) >= SWAP_WORDS:
            continue  # a one-for-one swap keeps the number of words, give or take a couple
        shared = len(a.keys & b.keys)  # the sizes of a.keys - b.keys and b.keys - a.keys, first
        if not (0 < size_a - shared <= SWAP_WORDS and 0 < size_b - shared <= SWAP_WORDS):
            continue
        only_a, only_b = a.keys - b.keys, b.keys - a.keys
        if dice(a.shingles, b.shingles) < SWAP_PATTERN:
            continue
        sa, sb = a.sequence or pattern_sequence(a.tokens), b.sequence or pattern_sequence(b.tokens)
        seen: set[tuple[str, str]] = set()
        for op, i1, i2, j1, j2 in SequenceMatcher(None, sa, sb, autojunk=False).get_opcodes():
            if op == "replace" and i2 - i1 == 1 and j2 - j1 == 1 and sa[i1] in only_a and sb[j1] in only_b:
                x, y = sa[i1], sb[j1]
                seen.add((x, y) if x < y else (y, x))
        found.update(seen)
        if seen and names is not None:
            both = {**capitalised(a), **capitalised(b)}
            names.update(
                (x, y) for x, y in seen if x in both and y in both and _noun(both[x]) and _noun(both[y])
            )
    return found


#: Both words of a learned pair are this common relative to each other (document frequencies):
#: names that fill one slot are used alike (Temperature Controller, Brew Controller).
BALANCE = 0.25


#: A word swapped with this many different words may be a slot the corpus fills with different things.
SLOT_PARTNERS = 3

#: ... when at least this many pairs of those words swap with each other too (a family of alternatives).
SLOT_FAMILY = 2


def slots(found: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Keys that swap with at least ``SLOT_PARTNERS`` different keys, at least ``SLOT_FAMILY`` pairs of
    which also swap with each other: the alternatives of one slot (queue, semaphore, mutex, stack)
    meet in pairs of their own, while the synonyms a paraphrase uses for a word (record: capture,
    log) seldom do. A differing slot word replaced by any other word names a different thing
    (difference.py)."""
    return _families(found, SLOT_PARTNERS, SLOT_FAMILY)


def _families(found: Iterable[tuple[str, str]], least_partners: int, least_meetings: int) -> frozenset[str]:
    """Keys swapped with at least ``least_partners`` keys, ``least_meetings`` pairs of which also swap."""
    partners: dict[str, set[str]] = {}
    for x, y in found:
        partners.setdefault(x, set()).add(y)
        partners.setdefault(y, set()).add(x)

    def meetings(key: str) -> int:
        other = sorted(partners[key])
        return sum(1 for i, x in enumerate(other) for y in other[i + 1 :] if y in partners[x])

    return frozenset(
        key
        for key, other in partners.items()
        if len(other) >= least_partners and meetings(key) >= least_meetings
    )


def learned_contrasts(
    found: Counter[tuple[str, str]], df: Counter[str], names: Collection[tuple[str, str]] = ()
) -> dict[str, frozenset[str]]:
    """Word key -> the keys it contrasts with: swaps of two names (capitalised inside a sentence, and
    nouns or unknown words to the lemmatiser), both about as common as each other. (Slots, see
    :func:`slots`, contrast with whatever replaces them.)"""
    out: dict[str, set[str]] = {}
    for x, y in found:
        if (x, y) in names and min(df[x], df[y]) >= BALANCE * max(df[x], df[y], 1):
            out.setdefault(x, set()).add(y)
            out.setdefault(y, set()).add(x)
    return {key: frozenset(value) for key, value in out.items()}


#: A word swapped with this many different words, in pairs of the corpus, is one the corpus varies.
VARIED_PARTNERS = 2


def varied(found: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Keys the corpus swaps with at least ``VARIED_PARTNERS`` different keys, two of which also swap
    with each other (add: get, subtract, and get / subtract): alternatives the corpus writes one
    requirement each for. Two texts that differ only in such a word are a parallel variant
    (classify.py). A word's synonyms in paraphrases (record: capture, note, save) seldom meet in a pair
    of their own, and a one-off swap is no evidence either way: both stay as they were. A looser
    :func:`slots`."""
    return _families(found, VARIED_PARTNERS, 1)
