"""contrasts.swaps tells the pairs with too many differing words by the size of the words shared
before it builds the two differences: the same swaps and the same names as when it built them
first (the loop as it was, ``_old_swaps`` here), on seeded random texts of few words (most pairs one
to three words apart) and on this spec's requirements.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from itertools import combinations

from smets_spec.corpus.diagnostics import Location
from smets_spec.corpus.load import Corpus
from smets_spec.duplicates import contrasts
from smets_spec.duplicates.features import dice, pattern_sequence
from smets_spec.duplicates.index import Collection, Doc
from smets_spec.duplicates.items import Item, from_corpus


def _old_swaps(
    docs: Sequence[Doc], pairs: Iterable[tuple[int, int]], names: set[tuple[str, str]]
) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for i, j in pairs:
        a, b = docs[i], docs[j]
        if abs(len(a.keys) - len(b.keys)) >= contrasts.SWAP_WORDS:
            continue
        only_a, only_b = a.keys - b.keys, b.keys - a.keys
        if not (0 < len(only_a) <= contrasts.SWAP_WORDS and 0 < len(only_b) <= contrasts.SWAP_WORDS):
            continue
        if dice(a.shingles, b.shingles) < contrasts.SWAP_PATTERN:
            continue
        sa, sb = a.sequence or pattern_sequence(a.tokens), b.sequence or pattern_sequence(b.tokens)
        seen: set[tuple[str, str]] = set()
        for op, i1, i2, j1, j2 in SequenceMatcher(None, sa, sb, autojunk=False).get_opcodes():
            if op == "replace" and i2 - i1 == 1 and j2 - j1 == 1 and sa[i1] in only_a and sb[j1] in only_b:
                x, y = sa[i1], sb[j1]
                seen.add((x, y) if x < y else (y, x))
        found.update(seen)
        if seen:
            both = {**contrasts.capitalised(a), **contrasts.capitalised(b)}
            names.update(
                (x, y)
                for x, y in seen
                if x in both and y in both and contrasts._noun(both[x]) and contrasts._noun(both[y])
            )
    return found


def _same_swaps(items: list[Item]) -> Counter[tuple[str, str]]:
    coll = Collection.build(items)
    pairs = list(combinations(range(len(items)), 2))
    names: set[tuple[str, str]] = set()
    old_names: set[tuple[str, str]] = set()
    found = contrasts.swaps(coll.docs, pairs, names)
    assert found == _old_swaps(coll.docs, pairs, old_names)
    assert names == old_names
    return found


def test_swaps_of_random_texts_are_the_loops() -> None:
    rng = random.Random(3)
    slots = (
        ("Meter", "Hub", "Brew Controller", "display"),
        ("send", "record", "log", "store"),
        ("energy", "gas", "tariff", "alert"),
        ("supplier", "Consumer", "operator"),
    )
    items = []
    for n in range(120):
        x, v, y, z = (rng.choice(choices) for choices in slots)
        text = (
            f"The {x} shall {v} the {y} reading to the {z}" + rng.choice(["", " every day", " at once"]) + "."
        )
        items.append(Item(f"R_{n}", text, "requirements", "R", Location("r.rst", n), f"Title {n}"))
    assert sum(_same_swaps(items).values()) > 20


def test_swaps_of_this_specs_requirements_are_the_loops(corpus: Corpus) -> None:
    _same_swaps(from_corpus(corpus).groups["requirements"][:150])
