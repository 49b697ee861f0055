"""The duplicate index's sums written with ``map`` (index.py: :func:`~.index.weights`,
:func:`~.index.cosine`, :func:`~.index.shared_mass`) and the candidate pairs' postings holding each
document's weight give exactly what the loops they replace gave: the same floats bit for bit (the
same products summed in the same order) and the same pairs, on seeded random word counts.

The loops as they were are written out here (``_old_*``) to compare against.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator, Sequence

import pytest

from smets_spec.duplicates import index
from smets_spec.duplicates.index import Collection, Weights, statistics


def _old_weights(count: dict[str, int], idf: dict[str, float], df: Counter[str], cap: int) -> Weights:
    log = math.log
    raw = {k: (1.0 + log(c)) * idf[k] if c > 1 else idf[k] for k, c in count.items()}
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    vector = {k: v / norm for k, v in raw.items()}
    ranked = sorted(count, key=idf.__getitem__, reverse=True)
    common = [k for k in count if df[k] > cap]
    return Weights(
        vector,
        sum(idf[k] for k in count),
        frozenset(ranked[: (len(ranked) + 1) // 2]),
        math.sqrt(sum(vector[k] ** 2 for k in common)),
        sum(idf[k] for k in common),
    )


def _old_cosine(a: Weights, b: Weights) -> float:
    small, large = (a.vector, b.vector) if len(a.vector) <= len(b.vector) else (b.vector, a.vector)
    return sum(w * large.get(k, 0.0) for k, w in small.items())


def _old_candidates(
    docs: Sequence[Weights], sizes: Sequence[int], coll: Collection, thresholds: tuple[float, float, float]
) -> Iterator[tuple[int, int]]:
    min_cosine, min_containment, max_length = thresholds
    postings: dict[str, list[int]] = {}
    df, cap, idf = coll.df, coll.cap, coll.idf
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
            mass = idf[key]
            for i in plist:
                dots[i] = dots.get(i, 0.0) + weight * docs[i].vector[key]
                masses[i] = masses.get(i, 0.0) + mass
            plist.append(j)
        size = sizes[j]
        for i, dot in dots.items():
            other = docs[i]
            if dot + other.common_norm * doc.common_norm >= min_cosine or (
                min(sizes[i], size) <= max_length * max(sizes[i], size)
                and masses[i] + min(other.common_mass, doc.common_mass)
                >= min_containment * min(other.mass, doc.mass)
            ):
                yield i, j


def _counts(rng: random.Random, n: int) -> list[dict[str, int]]:
    """``n`` texts' word counts over a skewed vocabulary (some words in most texts: above the cap)."""
    vocabulary = [f"w{k}" for k in range(rng.choice([40, 300, 2000]))]
    out = []
    for _ in range(n):
        size = rng.randrange(0, 25)
        words = [vocabulary[min(int(rng.expovariate(0.05)), len(vocabulary) - 1)] for _ in range(size)]
        out.append(dict(Counter(words)))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_weights_cosines_masses_and_pairs_are_the_loops_bit_for_bit(seed: int) -> None:
    rng = random.Random(seed)
    counts = [{}, {"rare": 2}, *_counts(rng, rng.choice([30, 120, 400]))]  # no words, no common word
    df, idf, cap = statistics(counts)
    cap = rng.choice([cap, 3, 10])  # small caps: many words unindexed, common norms and masses not 0
    rows = [index.weights(count, idf, df, cap) for count in counts]
    old = [_old_weights(count, idf, df, cap) for count in counts]
    assert rows == old  # dataclass equality: every float equal
    assert [math.copysign(1, w.common_norm) for w in rows] == [math.copysign(1, w.common_norm) for w in old]
    assert any(w.common_norm for w in rows) and any(not w.common_norm for w in rows)
    for _ in range(300):
        a, b = rng.choice(rows), rng.choice(rows)
        assert index.cosine(a, b) == _old_cosine(a, b)
    coll = Collection([], idf, df, cap, counts)
    sizes = [len(count) for count in counts]
    for thresholds in [(0.35, 0.8, 0.85), (0.9, 2.0, 0.0), (0.1, 0.3, 1.0)]:
        pairs = list(index.candidate_pairs(coll, *thresholds, rows=rows))
        assert pairs == list(_old_candidates(rows, sizes, coll, thresholds))
        assert pairs or thresholds[0] == 0.9


def test_shared_mass_is_the_loop_bit_for_bit() -> None:
    rng = random.Random(7)
    idf = {f"w{k}": rng.uniform(1.0, 6.0) for k in range(200)}
    keys = list(idf)
    for _ in range(300):
        a = frozenset(rng.sample(keys, rng.randrange(0, 30)))
        b = frozenset(rng.sample(keys, rng.randrange(0, 30)))
        doc_a = index.Doc(None, (), a, {}, 0.0, frozenset(), 0.0, 0.0, frozenset())  # type: ignore[arg-type]
        doc_b = index.Doc(None, (), b, {}, 0.0, frozenset(), 0.0, 0.0, frozenset())  # type: ignore[arg-type]
        assert index.shared_mass(doc_a, doc_b, idf) == sum(idf[k] for k in a & b)
