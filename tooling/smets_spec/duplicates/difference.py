"""What differs between two similar texts, and which of the differing words name a thing.

A differing word names a thing (so the pair is about different subjects) when it is an acronym
or identifier, a unit symbol, a glossary word, a subject contrast word, a quality contrast word
swapped for its counterpart, a word swapped for its negative (compliant / noncompliant), or a
contrast pair learned from the corpus (contrasts.py). One-letter spelling variants of ordinary
long words are taken as the same word; identifiers never are.
"""

from __future__ import annotations

from dataclasses import dataclass

from .features import Names, Profile
from .index import Doc
from .text import fold


def _variant(x: str, y: str) -> bool:
    """Spelling variants: one edit apart (interoperablity / interoperability), long words only."""
    if min(len(x), len(y)) < 6 or abs(len(x) - len(y)) > 1 or x[0] != y[0]:
        return False
    if len(x) == len(y):
        diffs = [i for i in range(len(x)) if x[i] != y[i]]
        return len(diffs) == 1 or (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and x[diffs[0]] == y[diffs[1]]
            and x[diffs[1]] == y[diffs[0]]
        )
    long, short = (x, y) if len(x) > len(y) else (y, x)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


_NEGATIVE_PREFIXES = ("non-", "non", "un", "in", "im", "dis", "ir", "il")


def _opposites(only_a: set[str], only_b: set[str], pa: Profile, pb: Profile) -> list[tuple[str, str]]:
    """Pairs (a word, its negative) across the two sides: compliant / noncompliant, safe / unsafe."""
    written_b = {fold(pb.written[k]): k for k in only_b}
    out: list[tuple[str, str]] = []
    for x in only_a:
        word = fold(pa.written[x])
        if len(word) < 4:
            continue
        for prefix in _NEGATIVE_PREFIXES:
            y = written_b.get(prefix + word)
            if y is not None:
                out.append((x, y))
            elif word.startswith(prefix) and len(word) - len(prefix) >= 4:
                y = written_b.get(word[len(prefix) :])
                if y is not None:
                    out.append((x, y))
    return out


def _identifier(p: Profile, key: str) -> bool:
    naming = p.named.get(key)
    return naming is not None and naming.strong and naming.group is None


@dataclass
class Difference:
    only_a: set[str]  # subject word keys of a that b lacks
    only_b: set[str]
    named_a: list[str]  # those that name a thing
    named_b: list[str]
    same: dict[str, str]  # key in b -> key in a, for spelling variants


def difference(a: Doc, b: Doc, pa: Profile, pb: Profile, names: Names) -> Difference:
    only_a, only_b = set(a.keys - b.keys), set(b.keys - a.keys)
    same: dict[str, str] = {}
    long_a = [k for k in only_a if len(pa.written[k]) >= 6] if len(only_a) <= 4 and len(only_b) <= 4 else []
    long_a = [k for k in long_a if not _identifier(pa, k)]  # CLEAN_L / CLEAN_R are two things
    for ka in long_a:
        for kb in only_b:
            if not _identifier(pb, kb) and _variant(fold(pa.written[ka]), fold(pb.written[kb])):
                only_a.discard(ka)
                only_b.discard(kb)
                same[kb] = ka
                break
    for side, other, other_doc in ((only_a, only_b, b), (only_b, only_a, a)):
        for key in list(side):  # an abbreviation on one side, its expansion on the other
            expansion = names.expansions.get(key)
            if expansion and expansion <= other_doc.keys:
                side.discard(key)
                other.difference_update(expansion)
    named_a, named_b = _named(only_a, only_b, pa, pb), _named(only_b, only_a, pb, pa)
    opposite = _opposites(only_a, only_b, pa, pb) if only_a and only_b else []  # compliant / noncompliant
    if opposite:
        named_a = sorted({*named_a, *(x for x, _ in opposite)})
        named_b = sorted({*named_b, *(y for _, y in opposite)})
    if names.learned:
        named_a = sorted({*named_a, *(k for k in only_a if names.learned.get(k, frozenset()) & only_b)})
        named_b = sorted({*named_b, *(k for k in only_b if names.learned.get(k, frozenset()) & only_a)})
    return Difference(only_a, only_b, named_a, named_b, same)


def _named(side: set[str], other: set[str], p: Profile, q: Profile) -> list[str]:
    """Differing words that name a thing (a quality word only when swapped for its counterpart)."""
    out: list[str] = []
    other_groups: set[int | None] | None = None
    for key in side:
        naming = p.named.get(key)
        if naming is None:
            continue
        if not naming.strong:
            if other_groups is None:
                other_groups = {q.named[k].group for k in other if k in q.named}
            if naming.group not in other_groups:
                continue
        out.append(key)
    return sorted(out)
