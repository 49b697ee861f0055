"""Lexical vectors and candidate pairs, without comparing all pairs.

Each text becomes a sparse TF-IDF vector over its subject words (a dict,
L2-normalised), its IDF mass (the sum of the IDF of its distinct subject
words, for containment) and its "core" (the rarer half of its words).

Candidate pairs come from an inverted index over the words used by at most
``cap`` texts (``cap`` grows slowly with the corpus). For every pair sharing an
indexed word the partial dot product is accumulated; a pair is verified
exactly when the partial dot plus the largest contribution its frequent words
could add reaches the threshold, or when its shared IDF mass could make the
shorter text contained in the longer. A pair that shares no word used by at
most ``cap`` texts is never compared: frequent words alone (the same sentence
frame, the same device name) do not make a duplicate.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import mul

from .features import pattern_sequence, shingles
from .items import Item
from .text import SUBJECT_ROLES, Token, tokenize


@dataclass
class Doc:
    item: Item
    tokens: tuple[Token, ...]
    keys: frozenset[str]  # distinct subject words (content words and unit symbols)
    vector: dict[str, float]
    mass: float  # sum of IDF over ``keys``
    core: frozenset[str]  # the rarer half of ``keys``
    common_norm: float  # norm of the vector part on unindexed (frequent) words
    common_mass: float  # IDF mass of unindexed words
    shingles: frozenset[str]  # word bigrams of the sentence pattern
    sequence: tuple[str, ...] = ()  # the sentence pattern (pattern_sequence of the tokens)


def cap_for(n: int) -> int:
    """Largest document frequency indexed: every word of a small corpus, not the common ones of a big one."""
    return max(32, int(2 * math.sqrt(n)))


def key_counts(tokens: Sequence[Token]) -> Counter[str]:
    """How often each subject word occurs in a text (in the order of first use)."""
    return Counter([t.key for t in tokens if t.role in SUBJECT_ROLES])


@dataclass(frozen=True)
class Weights:
    """The part of a :class:`Doc` that depends on its word counts and the group's statistics only."""

    vector: dict[str, float]
    mass: float
    core: frozenset[str]
    common_norm: float
    common_mass: float


def weights(
    count: Counter[str] | dict[str, int], idf: dict[str, float], df: Counter[str], cap: int
) -> Weights:
    """The TF-IDF vector and masses of one text from its word counts and the group's df/idf/cap."""
    log = math.log
    weight = idf.__getitem__
    raw = {k: (1.0 + log(c)) * idf[k] if c > 1 else idf[k] for k, c in count.items()}
    values = raw.values()
    norm = math.sqrt(sum(map(mul, values, values))) or 1.0  # the same products summed in the same order
    vector = {k: v / norm for k, v in raw.items()}
    ranked = sorted(count, key=weight, reverse=True)
    common = [k for k in count if df[k] > cap]
    return Weights(
        vector,
        sum(map(weight, count)),
        frozenset(ranked[: (len(ranked) + 1) // 2]),
        math.sqrt(sum(vector[k] ** 2 for k in common)) if common else 0.0,
        sum(map(weight, common)),
    )


def make_doc(item: Item, tokens: tuple[Token, ...], count: Counter[str] | dict[str, int], w: Weights) -> Doc:
    sequence = tuple(pattern_sequence(tokens))
    return Doc(
        item,
        tokens,
        frozenset(count),
        w.vector,
        w.mass,
        w.core,
        w.common_norm,
        w.common_mass,
        shingles(sequence),
        sequence,
    )


def statistics(counts: Sequence[Counter[str] | dict[str, int]]) -> tuple[Counter[str], dict[str, float], int]:
    """Document frequencies, IDF table and indexing cap of a group's texts (from their word counts)."""
    df: Counter[str] = Counter()
    for count in counts:
        df.update(count.keys())
    n = len(counts)
    log = math.log
    idf = {key: log((1 + n) / (1 + f)) + 1.0 for key, f in df.items()}
    return df, idf, cap_for(n)


@dataclass
class Collection:
    """The documents of one group, their IDF table and the indexing cap."""

    docs: Sequence[Doc]
    idf: dict[str, float]
    df: Counter[str]
    cap: int
    #: each document's subject word counts (what the persisted scan state keeps, incremental.py)
    counts: Sequence[Counter[str] | dict[str, int]] = ()

    @classmethod
    def build(cls, items: Sequence[Item]) -> Collection:
        tokenised = [tokenize(item.text) for item in items]
        counts = [key_counts(tokens) for tokens in tokenised]
        df, idf, cap = statistics(counts)
        docs = [
            make_doc(item, tokens, count, weights(count, idf, df, cap))
            for item, tokens, count in zip(items, tokenised, counts, strict=True)
        ]
        return cls(docs, idf, df, cap, counts)

    @property
    def items(self) -> list[Item]:
        """The group's items, in order (without building a lazily built document)."""
        docs = self.docs
        return list(docs.items) if isinstance(docs, LazyDocs) else [d.item for d in docs]


class LazyDocs(Sequence[Doc]):
    """The documents of a group, each built when first read (most are never read after an edit)."""

    def __init__(self, items: Sequence[Item], coll: Collection, known: Sequence[Weights] = ()) -> None:
        """``known``: each document's :func:`weights` when worked out already (what it computes) from
        ``coll.counts`` (each text's :func:`key_counts`, in order)."""
        self.items, self.coll, self.known = items, coll, known
        self._docs: list[Doc | None] = [None] * len(items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Doc:  # type: ignore[override]
        doc = self._docs[index]
        if doc is None:
            item = self.items[index]
            tokens = tokenize(item.text)
            coll = self.coll
            if self.known:  # the weights from the collection's counts: the text's key_counts
                doc = make_doc(item, tokens, coll.counts[index], self.known[index])
            else:
                count = key_counts(tokens)
                doc = make_doc(item, tokens, count, weights(count, coll.idf, coll.df, coll.cap))
            self._docs[index] = doc
        return doc

    def __iter__(self) -> Iterator[Doc]:
        return (self[i] for i in range(len(self.items)))


def cosine(a: Doc | Weights, b: Doc | Weights) -> float:
    """The cosine of two documents (or of their :class:`Weights`: the same vectors, the same sum)."""
    small, large = (a.vector, b.vector) if len(a.vector) <= len(b.vector) else (b.vector, a.vector)
    # sum(w * large.get(k, 0.0) for k, w in small.items()): the same products, summed in the same order
    found: float = sum(map(mul, small.values(), map(large.get, small, repeat(0.0))))
    return found


def shared_mass(a: Doc, b: Doc, idf: dict[str, float]) -> float:
    return sum(map(idf.__getitem__, a.keys & b.keys))


def is_candidate(
    earlier: Weights,
    later: Weights,
    coll: Collection,
    keys: tuple[frozenset[str], frozenset[str]],
    thresholds: tuple[float, float, float],
) -> bool:
    """What :func:`candidate_pairs` says of one pair (``earlier`` before ``later`` in the group),
    computed in the same order, so the same floating-point sums decide."""
    min_cosine, min_containment, max_length = thresholds
    df, cap, idf = coll.df, coll.cap, coll.idf
    dot = mass = 0.0
    shared = False
    for key, weight in later.vector.items():
        if df[key] > cap or key not in earlier.vector:
            continue
        shared = True
        dot += weight * earlier.vector[key]
        mass += idf[key]
    if not shared:
        return False
    small, large = min(len(keys[0]), len(keys[1])), max(len(keys[0]), len(keys[1]))
    return dot + earlier.common_norm * later.common_norm >= min_cosine or (
        small <= max_length * large
        and mass + min(earlier.common_mass, later.common_mass)
        >= min_containment * min(earlier.mass, later.mass)
    )


def candidate_pairs(
    coll: Collection,
    min_cosine: float,
    min_containment: float,
    max_length: float,
    rows: Sequence[Weights] | None = None,
) -> Iterator[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, whose cosine may reach ``min_cosine``, or where the shorter text (with
    at most ``max_length`` times the words of the longer) may be contained in the longer. ``rows``:
    the documents' :func:`weights` instead of the documents (the same sums; their ``keys`` are
    ``coll.counts``' keys)."""
    if rows is None:
        return _candidates(
            coll.docs, [len(doc.keys) for doc in coll.docs], coll, min_cosine, min_containment, max_length
        )
    return _candidates(
        rows, [len(count) for count in coll.counts], coll, min_cosine, min_containment, max_length
    )


def _candidates(
    docs: Sequence[Doc | Weights],
    sizes: Sequence[int],
    coll: Collection,
    min_cosine: float,
    min_containment: float,
    max_length: float,
) -> Iterator[tuple[int, int]]:
    """:func:`candidate_pairs` over ``docs`` (documents or their weights), ``sizes`` their numbers of
    distinct subject words."""
    postings: dict[str, list[tuple[int, float]]] = {}  # key -> (document, its weight of the key)
    df, cap, idf = coll.df, coll.cap, coll.idf
    for j, doc in enumerate(docs):
        dots: dict[int, float] = {}
        masses: dict[int, float] = {}
        for key, weight in doc.vector.items():
            if df[key] > cap:
                continue
            plist = postings.get(key)
            if plist is None:
                postings[key] = [(j, weight)]
                continue
            mass = idf[key]
            for i, earlier in plist:
                dots[i] = dots.get(i, 0.0) + weight * earlier
                masses[i] = masses.get(i, 0.0) + mass
            plist.append((j, weight))
        size = sizes[j]
        for i, dot in dots.items():
            other = docs[i]
            if dot + other.common_norm * doc.common_norm >= min_cosine or (
                min(sizes[i], size) <= max_length * max(sizes[i], size)
                and masses[i] + min(other.common_mass, doc.common_mass)
                >= min_containment * min(other.mass, doc.mass)
            ):
                yield i, j
