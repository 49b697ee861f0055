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


def _plain(word: str) -> str:
    """Lower case, possessive off, British spelling folded."""
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


def _glossary_words(glossary: Sequence[GlossaryEntry]) -> set[str]:
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


def misspellings(
    tokenised: Sequence[tuple[Item, Sequence[Token]]], glossary: Sequence[GlossaryEntry]
) -> list[tuple[str, str, list[Item], list[Item]]]:
    """(word as written, suggested word, items using the word, items using the suggestion), for words
    the dictionary lacks that are one or two edits from a word the corpus uses."""
    counts = vocabulary(tokenised)
    glossary_words = _glossary_words(glossary)
    users: dict[str, tuple[str, list[Item]]] = {}
    written_as: dict[str, str] = {}
    for item, tokens in tokenised:
        for token in tokens:
            if token.role is not Role.CONTENT or token.acronym or not _CHECKED.match(token.text):
                continue
            word = _plain(token.text)
            written = token.text.rstrip("'’").removesuffix("'s").removesuffix("’s")
            written_as.setdefault(word, written.lower())
            if word not in glossary_words and "-" not in word:
                users.setdefault(word, (written, []))[1].append(item)
    if not users:
        return []
    forms = {word: _spellings(written) for word, (written, _) in users.items()}
    lacking = unknown_forms([f for fs in forms.values() for f in fs], _checker)
    unknown = [word for word, fs in forms.items() if fs <= lacking]
    if not unknown:
        return []
    near_words = _neighbours(w for w in counts if w.isalpha() and len(w) >= 4)
    out: list[tuple[str, str, list[Item], list[Item]]] = []
    for word in sorted(unknown):
        candidates = {c for key in (word, *_deletions(word)) for c in near_words.get(key, ())}
        # a neighbour the corpus writes more often: a word the corpus uses often itself is its
        # vocabulary (jargon), unless a neighbour is written at least twice as often
        floor = 2 * counts[word] if counts[word] >= FREQUENT else 1
        near = [c for c in candidates if c != word and counts.get(c, 0) >= floor]
        if near:
            best = max(near, key=lambda c: (counts[c], c))
            written, items = users[word]
            out.append((written, written_as.get(best, best), items, users.get(best, ("", []))[1]))
    return out
