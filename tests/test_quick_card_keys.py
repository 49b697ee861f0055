"""The render cache's per-need work at source-read, made cheaper (``SMETS_QUICK_CARD_KEYS``), gives
what it gave: what a card shows of each need it names is written once per corpus and page map
(:func:`smets_spec.sphinx.rendercache.card_inputs` the same, text for text, for every need of the
spec, and new for another corpus or page map), and an option block's markup check is one search
of the values joined (the same answer as a search of each, on seeded random values). A warm build
with it on and off is compared by tests/test_quick_read.py."""

from __future__ import annotations

import random

import pytest

from smets_spec.corpus.load import Corpus
from smets_spec.corpus.rstreader import RawOption
from smets_spec.sphinx import cachedneeds, rendercache


def _inputs(corpus: Corpus, pages: dict[str, str]) -> list[str | None]:
    return [rendercache.card_inputs(corpus, need, "The meter shall log.", pages) for need in corpus]


def test_card_inputs_are_the_same_with_the_names_kept(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = {n.id: corpus.location(n.id).file.rsplit(".", 1)[0] for n in corpus}
    monkeypatch.setenv(rendercache.QUICK_KEYS_SWITCH, "off")
    rendercache._SHOWN[:] = [None, None, {}]
    plain = _inputs(corpus, pages)
    assert rendercache._SHOWN[2] == {}  # off: nothing kept
    monkeypatch.delenv(rendercache.QUICK_KEYS_SWITCH)
    assert _inputs(corpus, pages) == plain == _inputs(corpus, pages)
    assert rendercache._SHOWN[0] is corpus and rendercache._SHOWN[1] is pages
    named = next(need for need in corpus if any(need.outgoing().values()))
    target = next(t for ts in named.outgoing().values() for t in ts)
    assert rendercache._SHOWN[2][target].startswith(f"{target}|")
    assert sum(text is not None for text in plain) > 100
    moved = dict(pages, **{target: "sections/elsewhere"})
    assert rendercache.card_inputs(corpus, named, "x", moved) != rendercache.card_inputs(
        corpus, named, "x", pages
    )
    assert rendercache._SHOWN[1] is pages  # the other map's call made its own, then this one's again
    renamed = dict(corpus.needs)
    renamed[target] = corpus.needs[target].model_copy(update={"title": "Renamed"})
    other = Corpus(needs=renamed, locations=corpus.locations)
    assert "|Renamed|" in str(rendercache.card_inputs(other, named, "x", pages))


_PIECES = ["a", "Z9", " ", "_", "x_", "_y", ":", "http:", "a:b", "b: c", "\\", "*", "`", "|", "[", "]"]
_PIECES += ["@", "<"]
_PIECES += ["-", ".", "+", "é", "\u00a0", "\n", "ESME", "1.2", "mailto:x", "v1.0:", ":x", "a.b:c"]


def _value(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randrange(0, 6)))


def test_the_joined_markup_check_gives_each_values_answer() -> None:
    rng = random.Random(1207)
    answers = {True: 0, False: 0}
    for _ in range(20_000):
        options = [RawOption(_value(rng), 1) for _ in range(rng.randrange(0, 5))]
        expected = any(cachedneeds._MARKUP.search(o.value) or "\n" in o.value for o in options)
        assert cachedneeds._marked(options, True) == cachedneeds._marked(options, False) == expected, options
        answers[expected] += 1
    assert min(answers.values()) > 2_000


def test_a_kept_texts_shown_digest_is_the_same_with_the_parts_kept(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smets_spec.sphinx import pagetexts

    rng = random.Random(12)
    ids = sorted(corpus.needs)
    sets = [
        frozenset(rng.sample(ids, rng.randrange(0, 40)) + ["NO_SUCH_1", "é_ünï"][: rng.randrange(0, 3)])
        for _ in range(200)
    ]
    monkeypatch.setenv(rendercache.QUICK_KEYS_SWITCH, "off")
    plain = [pagetexts.shown(corpus, mentions) for mentions in sets]
    monkeypatch.delenv(rendercache.QUICK_KEYS_SWITCH)
    assert [pagetexts.shown(corpus, mentions) for mentions in sets] == plain
    assert [pagetexts.shown(corpus, mentions) for mentions in sets] == plain  # from the kept parts
    assert pagetexts._PARTS[0] is corpus and len(pagetexts._PARTS[1]) > 100
    renamed = dict(corpus.needs)
    one = next(i for i in sorted(sets[1]) if i in corpus.needs)
    renamed[one] = corpus.needs[one].model_copy(update={"title": "Renamed"})
    other = Corpus(needs=renamed, locations=corpus.locations)
    assert pagetexts.shown(other, sets[1]) != plain[1]
    assert len(set(plain)) == len(set(sets))
