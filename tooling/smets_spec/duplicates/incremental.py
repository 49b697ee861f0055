"""The candidate pairs of a group again after an edit, reusing what provably did not change.

A group's statistics are its texts' subject word counts: the document frequencies (df), the
number of texts (n), the IDF table and the indexing cap follow from them. A text's vector, masses
and core depend on its own counts and on the df of *its* words (and on n); whether two texts are a
candidate pair, their swaps and their classification depend on the two texts (ids, titles, texts),
on the df/IDF of their words and on the corpus-wide names (glossary and learned contrasts, which
the caller compares). So, with the same texts in the group (same ids, same n):

* a text is *dirty* when its id, text, title or type changed, or when it uses a word whose df
  changed (the words of the changed texts, before and after);
* a pair of two clean texts is a candidate now exactly when it was one, with the same result;
* the pairs of a dirty text are found again from the texts sharing an indexed word with it
  (:func:`~.index.is_candidate`, the same sums as :func:`~.index.candidate_pairs`), and a pair
  whose two texts changed places in the group is a new pair (a finding is ordered).

Anything else (a text added or removed, a text made identical to another, no usable state) is the
full computation. :class:`Kept` is what a run keeps for the next one (plain JSON, see store.py).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..corpus.cachedir import switched_off
from .index import Collection, LazyDocs, Weights, candidate_pairs, is_candidate, key_counts, statistics
from .index import weights as weights_of
from .items import Item
from .text import tokenize

#: ``SMETS_DUPS_EDIT=off``: the scan after an edit as before the per-edit shortcuts (the time-basis
#: facts kept per text, the kept pairs' records reused as they are, the state's quicker checks)
SWITCH = "SMETS_DUPS_EDIT"


def quick() -> bool:
    return not switched_off(SWITCH)


#: More changed texts than this share of the group: compute the group in full (quicker then).
DIRTY_SHARE = 0.25


def signature(item: Item) -> str:
    """Everything of an item a pair's result reads (its location and section are taken afresh)."""
    parts = (item.id, item.text, item.title, item.kind, item.group)
    text = "".join(f"{len(part)}:{part}" for part in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass
class Kept:
    """One group's state after a run: its texts, their word counts, its pairs and their results."""

    ids: list[str]
    sigs: list[str]
    counts: list[dict[str, int]]
    pairs: list[tuple[int, int]]
    records: list[Any]  # one per pair: JSON data the caller made, or None
    extra: dict[str, Any] = field(default_factory=dict)  # the caller's group-wide data


@dataclass
class Paired:
    coll: Collection
    pairs: list[tuple[int, int]]
    #: the pairs provably unchanged since the kept state, with their kept record (possibly None)
    reused: dict[tuple[int, int], Any]
    sigs: list[str]
    full: bool


def pair_up(items: Sequence[Item], kept: Kept | None, thresholds: tuple[float, float, float]) -> Paired:
    """The group's collection and candidate pairs, reusing ``kept`` where nothing they read changed."""
    sigs = [signature(item) for item in items]
    found = _incremental(items, sigs, kept, thresholds) if kept is not None else None
    if found is not None:
        return found
    if kept is not None and counted():
        return _counted(items, sigs, kept, thresholds)
    if kept is None and lazy():
        return _from_counts(items, sigs, [key_counts(tokenize(item.text)) for item in items], thresholds)
    coll = Collection.build(items)
    pairs = list(candidate_pairs(coll, *thresholds))
    return Paired(coll, pairs, {}, sigs, True)


#: ``SMETS_SCAN_COUNTED=off``: the full computation with a kept state builds every document first
#: (:meth:`~.index.Collection.build`), as before :func:`_counted`
COUNTED_SWITCH = "SMETS_SCAN_COUNTED"


def counted() -> bool:
    return quick() and not switched_off(COUNTED_SWITCH)


def _counted(
    items: Sequence[Item], sigs: list[str], kept: Kept, thresholds: tuple[float, float, float]
) -> Paired:
    """The full computation (a text added or removed: every weight changes) from the kept word
    counts of the texts whose signature is kept (``key_counts(tokenize(text))`` of the same text,
    in the same order), the candidate pairs found from the texts' weights, and each document built
    when first read (:class:`~.index.LazyDocs`: most of the across-types check's never are): the
    collection and pairs of ``Collection.build`` and ``candidate_pairs``."""
    by_sig = dict(zip(kept.sigs, kept.counts, strict=True))
    counts: list[dict[str, int]] = []
    for item, sig in zip(items, sigs, strict=True):
        count = by_sig.get(sig)
        counts.append(count if count is not None else dict(key_counts(tokenize(item.text))))
    return _from_counts(items, sigs, counts, thresholds)


#: ``SMETS_SCAN_LAZY=off``: the full scan without a kept state builds every document first
#: (:meth:`~.index.Collection.build`), as before the full scan went through :func:`_from_counts`
LAZY_SWITCH = "SMETS_SCAN_LAZY"


def lazy() -> bool:
    return not switched_off(LAZY_SWITCH)


def _from_counts(
    items: Sequence[Item],
    sigs: list[str],
    counts: Sequence[Counter[str] | dict[str, int]],
    thresholds: tuple[float, float, float],
) -> Paired:
    """The collection and candidate pairs of ``Collection.build`` and ``candidate_pairs`` from the
    texts' word counts (``key_counts(tokenize(text))``, in the same order): the pairs found from the
    texts' weights, each document built when first read (:class:`~.index.LazyDocs`: many are never
    read, most of the across-types check's)."""
    df, idf, cap = statistics(counts)
    coll = Collection([], idf, df, cap, counts)
    rows = [weights_of(count, idf, df, cap) for count in counts]
    coll.docs = LazyDocs(items, coll, rows)
    return Paired(coll, list(candidate_pairs(coll, *thresholds, rows=rows)), {}, sigs, True)


def _incremental(
    items: Sequence[Item], sigs: list[str], kept: Kept, thresholds: tuple[float, float, float]
) -> Paired | None:
    ids = [item.id for item in items]
    if len(ids) != len(kept.ids) or set(ids) != set(kept.ids) or len(set(ids)) != len(ids):
        return None  # a text added, removed or made identical to another: every IDF differs
    old_at = {need_id: n for n, need_id in enumerate(kept.ids)}
    changed = [n for n, need_id in enumerate(ids) if kept.sigs[old_at[need_id]] != sigs[n]]
    if len(changed) > DIRTY_SHARE * len(ids):
        return None
    counts: list[dict[str, int]] = [kept.counts[old_at[need_id]] for need_id in ids]
    delta: Counter[str] = Counter()
    for n in changed:
        new = dict(key_counts(tokenize(items[n].text)))
        delta.update(dict.fromkeys(new, 1))
        delta.subtract(dict.fromkeys(counts[n], 1))
        counts[n] = new
    moved = {k for k, v in delta.items() if v}
    df, idf, cap = statistics(counts)
    coll = Collection([], idf, df, cap, counts)
    coll.docs = LazyDocs(items, coll)
    dirty = set(changed) | {n for n, count in enumerate(counts) if moved and not moved.isdisjoint(count)}
    reused: dict[tuple[int, int], Any] = {}
    pairs: set[tuple[int, int]] = set()
    flipped: list[tuple[int, int]] = []
    at = {need_id: n for n, need_id in enumerate(ids)}
    for (i, j), record in zip(kept.pairs, kept.records, strict=True):
        p, q = at[kept.ids[i]], at[kept.ids[j]]
        if p in dirty or q in dirty:
            continue
        if p < q:
            reused[p, q] = record
            pairs.add((p, q))
        else:
            flipped.append((q, p))  # the texts changed places: a new pair, computed again
    pairs.update(flipped)
    pairs.update(_dirty_pairs(items, counts, coll, dirty, thresholds))
    return Paired(coll, sorted(pairs, key=lambda ij: (ij[1], ij[0])), reused, sigs, False)


def _dirty_pairs(
    items: Sequence[Item],
    counts: list[dict[str, int]],
    coll: Collection,
    dirty: set[int],
    thresholds: tuple[float, float, float],
) -> set[tuple[int, int]]:
    """Every candidate pair with a dirty text in it."""
    indexed = {k for n in dirty for k in counts[n] if coll.df[k] <= coll.cap}
    postings: dict[str, list[int]] = {}
    for n, count in enumerate(counts):
        for key in count:
            if key in indexed:
                postings.setdefault(key, []).append(n)
    cache: dict[int, Weights] = {}

    def w(n: int) -> Weights:
        found = cache.get(n)
        if found is None:
            found = cache[n] = weights_of(counts[n], coll.idf, coll.df, coll.cap)
        return found

    out: set[tuple[int, int]] = set()
    for n in dirty:
        partners = {m for key in counts[n] if key in indexed for m in postings[key]} - {n}
        for m in partners:
            i, j = (m, n) if m < n else (n, m)
            if (i, j) not in out and is_candidate(
                w(i), w(j), coll, (frozenset(counts[i]), frozenset(counts[j])), thresholds
            ):
                out.add((i, j))
    return out


def kept_of(paired: Paired, items: Sequence[Item], records: dict[tuple[int, int], Any]) -> Kept:
    """The state to keep after a run: ``records`` holds each pair's result (absent: None)."""
    counts = [dict(c) for c in paired.coll.counts]
    return Kept(
        [item.id for item in items],
        paired.sigs,
        counts,
        paired.pairs,
        [records.get(pair) for pair in paired.pairs],
    )
