"""Lexical features and candidate pairs without comparing all pairs.

Each text becomes a sparse TF-IDF vector over its content words (a dict,
L2-normalised) and an IDF mass (the sum of the IDF of its distinct content
words, for containment). Candidate pairs come from an inverted index over the
words whose document frequency is under a cap chosen so that the index work
stays bounded; for every pair that shares an indexed word the partial dot
product and shared mass are accumulated, and an upper bound that adds the
largest possible contribution of the unindexed (frequent, low-IDF) words
decides whether the pair is verified exactly. Pairs that share no indexed word
have a cosine of at most ``common_norm(a) * common_norm(b)``: frequent words
alone cannot make a duplicate.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .features import is_subject
from .items import Item
from .text import Token, tokenize

#: Work budget of the inverted index, in pair updates (sum of df^2 over indexed words).
INDEX_BUDGET = 4_000_000
MIN_CAP = 8


@dataclass
class Doc:
    item: Item
    tokens: tuple[Token, ...]
    keys: frozenset[str]  # distinct subject words (content words and bare units)
    vector: dict[str, float]
    mass: float  # sum of IDF over ``keys``
    common_norm: float = 0.0  # norm of the vector part on unindexed words
    common_mass: float = 0.0  # IDF mass of unindexed words


def subject_keys(tokens: Sequence[Token]) -> list[str]:
    """Keys compared for similarity: content words, and units not part of a quantity."""
    return [t.key for t, p in zip(tokens, (None, *tokens), strict=False) if is_subject(t, p)]


@dataclass
class Collection:
    """The documents of one group, their IDF table and the indexing cap."""

    docs: list[Doc]
    idf: dict[str, float]
    df: Counter[str]
    cap: int

    @classmethod
    def build(cls, items: Sequence[Item]) -> Collection:
        tokenised = [(item, tokenize(item.text)) for item in items]
        counts = [Counter(subject_keys(tokens)) for _, tokens in tokenised]
        df: Counter[str] = Counter()
        for count in counts:
            df.update(count.keys())
        n = len(items)
        idf = {key: math.log((1 + n) / (1 + f)) + 1.0 for key, f in df.items()}
        cap = _choose_cap(df)
        docs: list[Doc] = []
        for (item, tokens), count in zip(tokenised, counts, strict=True):
            vector = {k: (1.0 + math.log(c)) * idf[k] for k, c in count.items()}
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            vector = {k: v / norm for k, v in vector.items()}
            common = [k for k in vector if df[k] > cap]
            docs.append(Doc(item, tokens, frozenset(count), vector, sum(idf[k] for k in count),
                            math.sqrt(sum(vector[k] ** 2 for k in common)), sum(idf[k] for k in common)))
        return cls(docs, idf, df, cap)


def _choose_cap(df: Counter[str]) -> int:
    """The largest document frequency to index within the work budget."""
    spent = 0
    cap = MIN_CAP
    for frequency, words in sorted(Counter(df.values()).items()):
        spent += frequency * frequency * words
        if spent > INDEX_BUDGET and frequency > MIN_CAP:
            break
        cap = frequency
    return cap


def cosine(a: Doc, b: Doc) -> float:
    small, large = (a.vector, b.vector) if len(a.vector) <= len(b.vector) else (b.vector, a.vector)
    return sum(w * large.get(k, 0.0) for k, w in small.items())


def containment(a: Doc, b: Doc, idf: dict[str, float]) -> tuple[float, float]:
    """IDF-weighted share of a's words found in b, and of b's words found in a."""
    shared = sum(idf[k] for k in a.keys & b.keys)
    return (shared / a.mass if a.mass else 0.0, shared / b.mass if b.mass else 0.0)


def candidate_pairs(coll: Collection, min_cosine: float, min_containment: float) -> Iterator[tuple[int, int]]:
    """Pairs ``(i, j)`` with ``i < j`` whose cosine or containment may reach the thresholds."""
    postings: dict[str, list[int]] = {}
    docs, idf, df, cap = coll.docs, coll.idf, coll.df, coll.cap
    for j, doc in enumerate(docs):
        dots: dict[int, float] = {}
        masses: dict[int, float] = {}
        for key, weight in doc.vector.items():
            if df[key] > cap:
                continue
            plist = postings.get(key)
            if plist is None:
                postings[key] = [j]
                continue
            w_idf = idf[key]
            for i in plist:
                dots[i] = dots.get(i, 0.0) + weight * docs[i].vector[key]
                masses[i] = masses.get(i, 0.0) + w_idf
            plist.append(j)
        for i, dot in dots.items():
            other = docs[i]
            if dot + other.common_norm * doc.common_norm >= min_cosine:
                yield i, j
                continue
            shared = masses[i] + min(other.common_mass, doc.common_mass)
            smaller = min(other.mass, doc.mass) or 1.0
            if shared / smaller >= min_containment:
                yield i, j
