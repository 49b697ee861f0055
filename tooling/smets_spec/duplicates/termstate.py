"""Terminology after an edit, from the per-text contributions an earlier scan kept.

Every check of terms.py gathers, over the texts in order, the forms of a key (a folded word, a
unit, a three-word term, an abbreviation, a compound) and the texts using each; its findings are
functions of those per-key lists (and of the glossary, which is part of the kept state's context:
a glossary edit computes everything again). The kept state holds, per check, the inverted index
``key -> [(text id, the forms that text writes, in its order)]`` in text order, the corpus's word
counts and the spell check's unknown words with their neighbours in the corpus. A text edit
takes the edited texts' old contributions out and puts their new ones in; only the keys they touch
are looked at again, and the findings are made from the indexes by the very functions the full
computation uses (terms.py, spelling.py), so they are the same findings in the same order.
A text moved among the others counts as edited (it is the last of a longest run kept in order).
The hyphenation check matches an expression made from every compound of the corpus: while that
expression is unchanged, only the edited texts are matched again; otherwise every text is.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import spelling
from .items import Item, Source
from .terms import (
    SynonymEvent,
    TermFinding,
    _Forms,
    abbreviation_events,
    abbreviation_findings,
    defined_names,
    hyphen_findings,
    hyphen_keys,
    hyphen_matches,
    hyphen_pattern,
    hyphenated,
    misspelling_findings,
    spelling_events,
    spelling_findings,
    synonym_events,
    synonym_findings,
    synonym_phrases,
    terminology,
    trigram_events,
    unit_events,
    unit_findings,
    variant_findings,
)
from .text import tokenize

#: the keyed checks, each an inverted index (the misspelling check's is "words")
INDEXES = ("units", "bases", "spellings", "trigrams", "abbreviations", "words")
#: more edited texts than this share of all: computed in full (cheaper than patching)
SHARE = 0.2
#: trigram keys are three words joined with this in JSON (a word holding it: no state)
JOIN = "\x1f"

Entry = tuple[str, tuple[str, ...]]  # text id, the forms of the key it writes, in its order
Index = dict[Any, list[Entry]]


@dataclass
class TermsKept:
    items: list[tuple[str, str, str]] = field(default_factory=list)  # id, group, text, in order
    indexes: dict[str, Index] = field(default_factory=lambda: {name: {} for name in INDEXES})
    counts: dict[str, int] = field(default_factory=dict)  # every content word's count (spelling.py)
    unknown: dict[str, list[str]] = field(default_factory=dict)  # unknown word -> its neighbours
    hyphens: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # id -> compounds
    pattern: str = ""
    matches: dict[str, list[str]] = field(default_factory=dict)  # id -> compounds matched
    synonyms: dict[str, list[SynonymEvent]] = field(default_factory=dict)
    #: keys written in more than one form, per index (not kept: derived when read back)
    multi: dict[str, set[Any]] = field(default_factory=lambda: {name: set() for name in INDEXES})


@dataclass
class _Contribution:
    keyed: dict[str, dict[Any, tuple[str, ...]]]
    counts: Counter[str]
    hyphens: list[tuple[str, str]]
    synonyms: list[SynonymEvent]


class _Context:
    """What the contributions read besides a text: the glossary's phrases and names."""

    def __init__(self, source: Source) -> None:
        self.phrases = synonym_phrases(source.glossary)
        self.defined = defined_names(source.glossary)
        self.glossary_words = spelling.glossary_words(source.glossary)

    def contribution(self, group: str, text: str) -> _Contribution:
        tokens = tokenize(text)
        whole, bases = unit_events(tokens)
        keyed = {
            "units": _per_key(whole),
            "bases": _per_key(bases),
            "spellings": _per_key(spelling_events(group, tokens)),
            "trigrams": _per_key(trigram_events(tokens)),
            "abbreviations": _per_key(abbreviation_events(group, tokens, self.defined)),
            "words": _per_key(spelling.checked_events(tokens)),
        }
        counts = spelling.word_counts(tokens)
        return _Contribution(keyed, counts, hyphenated(text), synonym_events(group, tokens, self.phrases))


def _per_key(events: Iterable[tuple[Any, str]]) -> dict[Any, tuple[str, ...]]:
    """Each key's forms in the order first written (a form written twice counts once)."""
    out: dict[Any, list[str]] = {}
    for key, form in events:
        forms = out.setdefault(key, [])
        if form not in forms:
            forms.append(form)
    return {key: tuple(forms) for key, forms in out.items()}


def _kept_in_order(positions: list[tuple[int, str]]) -> set[str]:
    """The ids of a longest run whose old positions increase (a longest increasing subsequence)."""
    if all(a[0] < b[0] for a, b in itertools.pairwise(positions)):
        return {i for _, i in positions}
    tails: list[int] = []  # old position ending the best run of each length
    at: list[int] = []  # index in positions of that end
    back: list[int] = []
    for n, (old, _) in enumerate(positions):
        k = bisect.bisect_left(tails, old)
        if k == len(tails):
            tails.append(old)
            at.append(n)
        else:
            tails[k], at[k] = old, n
        back.append(at[k - 1] if k else -1)
    keep: set[str] = set()
    n = at[-1] if at else -1
    while n >= 0:
        keep.add(positions[n][1])
        n = back[n]
    return keep


def _changed(kept: TermsKept, items: Sequence[Item]) -> set[str]:
    """Ids of the texts added, deleted, edited (text or group) or moved among the others."""
    old = {item_id: (n, group, text) for n, (item_id, group, text) in enumerate(kept.items)}
    changed: set[str] = set()
    same: list[tuple[int, str]] = []
    for item in items:
        before = old.get(item.id)
        if before is None or before[1] != item.group or before[2] != item.text:
            changed.add(item.id)
        else:
            same.append((before[0], item.id))
    changed |= old.keys() - {item.id for item in items}
    return changed | ({i for _, i in same} - _kept_in_order(same))


def _patch(
    index: Index,
    multi: set[Any],
    old: Iterable[dict[Any, Any]],
    new: dict[str, dict[Any, Any]],
    changed: set[str],
    position: dict[str, int],
) -> set[Any]:
    """Take the changed texts' old entries out of ``index`` and put their new ones in; the keys touched."""
    dirty: set[Any] = set()
    for keys in old:
        dirty.update(keys)
    added: dict[Any, list[Entry]] = {}
    for item_id, keys in new.items():
        for key, forms in keys.items():
            added.setdefault(key, []).append((item_id, forms))
    dirty.update(added)
    for key in dirty:
        entries = [e for e in index.get(key, ()) if e[0] not in changed]
        if key in added:
            entries += added[key]
            entries.sort(key=lambda e: position[e[0]])
        if entries:
            index[key] = entries
        else:
            index.pop(key, None)
        if entries and len({f for _, forms in entries for f in forms}) > 1:
            multi.add(key)
        else:
            multi.discard(key)
    return dirty


def _forms(entries: list[Entry], by_id: dict[str, Item]) -> _Forms:
    forms = _Forms()
    for item_id, written in entries:
        item = by_id[item_id]
        for form in written:
            forms.add(form, item)
    return forms


def update(source: Source, kept: TermsKept | None) -> tuple[list[TermFinding], TermsKept | None]:
    """Every terminology finding of ``source`` (exactly :func:`~.terms.terminology`'s), from ``kept``
    when it is the state of an earlier scan with the same glossary; and the state to keep."""
    items = source.items()
    by_id = {item.id: item for item in items}
    if len(by_id) != len(items):  # one id twice: the per-id state cannot tell them apart
        return terminology(source), None
    context = _Context(source)
    changed = _changed(kept, items) if kept is not None else set()
    if kept is None or len(changed) > max(50, SHARE * len(items)) or not _synonyms_fit(kept, source):
        kept, changed = TermsKept(), set(by_id)
        old_of: dict[str, _Contribution] = {}
    else:
        kept = _copy(kept)  # the caller's state stays as it was
        before = {item_id: (group, text) for item_id, group, text in kept.items}
        old_of = {i: context.contribution(*before[i]) for i in changed if i in before}
    new_of = {i: context.contribution(by_id[i].group, by_id[i].text) for i in changed if i in by_id}
    position = {item.id: n for n, item in enumerate(items)}
    dirty = {
        name: _patch(
            kept.indexes[name],
            kept.multi[name],
            (c.keyed[name] for c in old_of.values()),
            {i: c.keyed[name] for i, c in new_of.items()},
            changed,
            position,
        )
        for name in INDEXES
    }
    kept.items = [(item.id, item.group, item.text) for item in items]
    for i in changed:
        _store(kept.hyphens, i, new_of[i].hyphens if i in new_of else [])
        _store(kept.synonyms, i, new_of[i].synonyms if i in new_of else [])
    added, removed = _count(kept.counts, old_of.values(), new_of.values())
    _unknown(kept, dirty["words"], added, removed, context)
    found = _findings(source, kept, by_id, changed)
    if found is None:  # three-word terms that read alike (not one key): as the full computation
        return terminology(source), kept
    return found, kept


def _copy(kept: TermsKept) -> TermsKept:
    """A copy sharing the entry lists and tuples (the patch replaces them, never changes one)."""
    return TermsKept(
        list(kept.items),
        {name: dict(index) for name, index in kept.indexes.items()},
        dict(kept.counts),
        dict(kept.unknown),
        dict(kept.hyphens),
        kept.pattern,
        dict(kept.matches),
        dict(kept.synonyms),
        {name: set(keys) for name, keys in kept.multi.items()},
    )


def _synonyms_fit(kept: TermsKept, source: Source) -> bool:
    return all(0 <= e[0] < len(source.glossary) for events in kept.synonyms.values() for e in events)


def _store(where: dict[str, Any], item_id: str, value: list[Any]) -> None:
    if value:
        where[item_id] = value
    else:
        where.pop(item_id, None)


def _count(
    counts: dict[str, int], old: Iterable[_Contribution], new: Iterable[_Contribution]
) -> tuple[set[str], set[str]]:
    """Patch the corpus's word counts; the suggestible words that came (added) and went (removed)."""
    delta: Counter[str] = Counter()
    for c in old:
        delta.subtract(c.counts)
    for c in new:
        delta.update(c.counts)
    added: set[str] = set()
    removed: set[str] = set()
    for word, change in delta.items():
        if not change:
            continue
        before = counts.get(word, 0)
        after = before + change
        if after > 0:
            counts[word] = after
        else:
            counts.pop(word, None)
        if spelling.in_vocabulary(word) and (before > 0) != (after > 0):
            (added if after > 0 else removed).add(word)
    return added, removed


def _unknown(kept: TermsKept, dirty: set[str], added: set[str], removed: set[str], context: _Context) -> None:
    """The unknown words (the dictionary lacks every spelling of how each is first written) and
    their neighbours among the corpus's words, patched for the words touched and the vocabulary's
    change."""
    words = kept.indexes["words"]
    asked = {w: words[w][0][1][0] for w in dirty if w in words and spelling.usable(w, context.glossary_words)}
    lacking = set(spelling.unknown_words(asked)) if asked else set()
    fresh = [w for w in lacking if w not in kept.unknown]
    for w in dirty:
        if w not in lacking:
            kept.unknown.pop(w, None)
    if removed or added:
        keys = {w: set(spelling.near(w)) for w in kept.unknown}
        for w, neighbours in kept.unknown.items():
            kept_ones = [v for v in neighbours if v not in removed]
            new_ones = [v for v in added if keys[w].intersection(spelling.near(v))]
            kept.unknown[w] = sorted({*kept_ones, *new_ones})
    if len(fresh) > 8:
        index = spelling.neighbours(kept.counts)
        of = {w: {c for key in spelling.near(w) for c in index.get(key, ())} for w in fresh}
    else:
        of = {w: _neighbours_of(w, kept.counts) for w in fresh}
    for w in fresh:
        kept.unknown[w] = sorted(of[w])


def _neighbours_of(word: str, counts: dict[str, int]) -> set[str]:
    """The corpus's words filed under a key of ``word`` in the index of neighbours (spelling.py)."""
    keys = set(spelling.near(word))
    size = len(word)
    return {
        v
        for v in counts
        if abs(len(v) - size) <= 1 and spelling.in_vocabulary(v) and keys.intersection(spelling.near(v))
    }


def _findings(
    source: Source, kept: TermsKept, by_id: dict[str, Item], changed: set[str]
) -> list[TermFinding] | None:
    """The findings of every check, from the indexes, in :func:`~.terms.terminology`'s order."""
    indexes, multi = kept.indexes, kept.multi

    def forms_of(name: str, keys: Iterable[Any]) -> dict[Any, _Forms]:
        return {key: _forms(indexes[name][key], by_id) for key in keys}

    trigrams = forms_of("trigrams", multi["trigrams"])
    if len({" ".join(k) for k in trigrams}) != len(trigrams):
        return None
    found = unit_findings(forms_of("units", multi["units"]), forms_of("bases", multi["bases"]))
    found += spelling_findings(forms_of("spellings", multi["spellings"]))
    found += _hyphenations(kept, by_id, changed)
    found += variant_findings(trigrams)
    found += misspelling_findings(_misspellings(kept, by_id, spelling.glossary_words(source.glossary)))
    order = [item.id for item in source.items()]
    found += synonym_findings(
        source.glossary, [(by_id[i], kept.synonyms[i]) for i in order if i in kept.synonyms]
    )
    if source.has_glossary:
        found += abbreviation_findings(forms_of("abbreviations", indexes["abbreviations"]))
    return found


def _hyphenations(kept: TermsKept, by_id: dict[str, Item], changed: set[str]) -> list[TermFinding]:
    order = [i for i in by_id if i in kept.hyphens]
    keys = hyphen_keys(kept.hyphens[i] for i in order)
    pattern = hyphen_pattern(keys) if keys else ""
    again = set(by_id) if pattern != kept.pattern else changed & by_id.keys()
    kept.pattern = pattern
    if not keys:
        kept.matches = {}
        return []
    expression = re.compile(pattern, re.I)
    for i in again:
        _store(kept.matches, i, hyphen_matches(expression, by_id[i].text))
    for i in [i for i in kept.matches if i not in by_id]:
        del kept.matches[i]
    return hyphen_findings(keys, [(by_id[i], kept.matches[i]) for i in by_id if i in kept.matches])


def _misspellings(
    kept: TermsKept, by_id: dict[str, Item], in_glossary: set[str]
) -> list[tuple[str, str, list[Item], list[Item]]]:
    """spelling.misspellings' answer from the kept words, counts and unknown words."""
    words = kept.indexes["words"]
    out: list[tuple[str, str, list[Item], list[Item]]] = []
    for word in sorted(kept.unknown):
        best = spelling.suggestion(word, kept.unknown[word], kept.counts)
        if best is None:
            continue
        entries = words[word]
        suggested = words[best][0][1][0].lower() if best in words else best
        usable = best in words and spelling.usable(best, in_glossary)
        others = [by_id[i] for i, _ in words[best]] if usable else []
        out.append((entries[0][1][0], suggested, [by_id[i] for i, _ in entries], others))
    return out
