"""Misspellings, found with a spell-checking library and the corpus's own vocabulary.

The dictionary is pyspellchecker's English word list (MIT; word frequencies, no network), plus the
glossary's terms, abbreviations and synonyms, plus every word the corpus itself writes at least
:data:`FREQUENT` times: a specification's jargon (prepayment, firmware, debounce) is known because
the corpus uses it, not because a list says so. British spellings are folded to American first
(authorised = authorized), possessives are taken off (the component's = component), and only
lower-case words of four letters or more are checked: acronyms, identifiers (int16, CLEAN_L),
words with digits and capitalised names are never misspellings.

A word the dictionary lacks is reported only when a word one or two edits away (a symmetric-delete
index over the corpus's words) is written in the corpus (twice as often, when the word itself is
written more than once): "interoperablity" in HA_05 next to "interoperability" in WA_04. A rare
word with no such neighbour (a term of art used once) is left alone, so
"relations" is never turned into "reactions" nor "throughput" into "throughout": both are words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from .items import GlossaryEntry, Item
from .lemmas import unknown as unknown_forms
from .text import Role, Token, fold

#: A word written this often in the corpus is part of its vocabulary unless a neighbour is
#: written twice as often.
FREQUENT = 2
_CHECKED = re.compile(r"^[a-z][a-z'’-]{3,}$")


@lru_cache(maxsize=1)
def _checker() -> object:
    from spellchecker import SpellChecker  # MIT, bundled word list

    return SpellChecker(language="en", distance=1)


@lru_cache(maxsize=200_000)
def _plain(word: str) -> str:
    """Lower case, possessive off, British spelling folded (remembered: a word is met many times)."""
    return fold(word.replace("’", "'"))


_TRE = re.compile(r"([tb])re(s|d)?$")


def _spellings(written: str) -> set[str]:
    """The forms a dictionary may know a word by: as written, British folded, -tre as -ter."""
    raw = written.lower().replace("’", "'").removesuffix("'s").rstrip("'")
    return {raw, fold(raw), _TRE.sub(r"\1er\2", raw)}


def vocabulary(tokenised: Iterable[tuple[Item, Sequence[Token]]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for _, tokens in tokenised:
        counts.update(_plain(t.text) for t in tokens if t.role is Role.CONTENT)
    return counts


def word_counts(tokens: Sequence[Token]) -> Counter[str]:
    """One text's share of :func:`vocabulary`."""
    return Counter([_plain(t.text) for t in tokens if t.role is Role.CONTENT])


def glossary_words(glossary: Sequence[GlossaryEntry]) -> set[str]:
    words: set[str] = set()
    for entry in glossary:
        for name in (entry.term, entry.abbreviation, *entry.synonyms):
            words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*", name or ""))
    return words


def _deletions(word: str) -> Iterable[str]:
    return (word[:i] + word[i + 1 :] for i in range(len(word)))


def _neighbours(words: Iterable[str]) -> dict[str, set[str]]:
    """Each corpus word under itself and its one-letter deletions: two words meet under a common key
    when they are at most two edits apart (a symmetric-delete index; quicker than the library's
    own candidate search, which tries every edit of a long word against its whole dictionary)."""
    index: dict[str, set[str]] = {}
    for word in words:
        for key in (word, *_deletions(word)):
            index.setdefault(key, set()).add(word)
    return index


def checked_events(tokens: Sequence[Token]) -> list[tuple[str, str]]:
    """The words of a text the spell check reads: (plain word, as written), in the text's order."""
    return [
        event
        for token in tokens
        if token.role is Role.CONTENT and not token.acronym and (event := _checked(token.text)) is not None
    ]


@lru_cache(maxsize=200_000)
def _checked(text: str) -> tuple[str, str] | None:
    """A word's event of :func:`checked_events` (None: a word the spell check does not read)."""
    if not _CHECKED.match(text):
        return None
    return _plain(text), text.rstrip("'’").removesuffix("'s").removesuffix("’s")


def usable(word: str, glossary_words: set[str]) -> bool:
    """A word that may be a misspelling or a suggestion (not a glossary word, not hyphenated)."""
    return word not in glossary_words and "-" not in word


def unknown_words(first_written: dict[str, str]) -> list[str]:
    """The words (with how each was first written) the dictionary lacks in every spelling."""
    forms = {word: _spellings(written) for word, written in first_written.items()}
    lacking = unknown_forms([f for fs in forms.values() for f in fs], _checker)
    return [word for word, fs in forms.items() if fs <= lacking]


def near(word: str) -> list[str]:
    """The keys under which :func:`neighbours` files a word: itself and its one-letter deletions."""
    return [word, *_deletions(word)]


def in_vocabulary(word: str) -> bool:
    """A corpus word that may be suggested (the index of neighbours holds only these)."""
    return word.isalpha() and len(word) >= 4


def neighbours(counts: Iterable[str]) -> dict[str, set[str]]:
    return _neighbours(w for w in counts if in_vocabulary(w))


def suggestion(word: str, candidates: Iterable[str], counts: Counter[str] | dict[str, int]) -> str | None:
    """The neighbour to suggest for an unknown word, if any."""
    # a neighbour the corpus writes more often: a word the corpus uses often itself is its
    # vocabulary (jargon), unless a neighbour is written at least twice as often
    own = counts.get(word, 0)
    floor = 2 * own if own >= FREQUENT else 1
    near = [c for c in candidates if c != word and counts.get(c, 0) >= floor]
    return max(near, key=lambda c: (counts[c], c)) if near else None


def misspellings(
    tokenised: Sequence[tuple[Item, Sequence[Token]]], glossary: Sequence[GlossaryEntry]
) -> list[tuple[str, str, list[Item], list[Item]]]:
    """(word as written, suggested word, items using the word, items using the suggestion), for words
    the dictionary lacks that are one or two edits from a word the corpus uses."""
    counts = vocabulary(tokenised)
    in_glossary = glossary_words(glossary)
    users: dict[str, tuple[str, list[Item]]] = {}
    written_as: dict[str, str] = {}
    for item, tokens in tokenised:
        for word, written in checked_events(tokens):
            written_as.setdefault(word, written.lower())
            if usable(word, in_glossary):
                users.setdefault(word, (written, []))[1].append(item)
    if not users:
        return []
    unknown = unknown_words({word: written for word, (written, _) in users.items()})
    if not unknown:
        return []
    near_words = neighbours(counts)
    out: list[tuple[str, str, list[Item], list[Item]]] = []
    for word in sorted(unknown):
        best = suggestion(word, {c for key in near(word) for c in near_words.get(key, ())}, counts)
        if best is not None:
            written, items = users[word]
            out.append((written, written_as.get(best, best), items, users.get(best, ("", []))[1]))
    return out
