"""Terminology patched from the kept per-text contributions (duplicates/termstate.py) is the full one.

Seeded random chained edits aimed at the terminology checks (words added and removed, a word
misspelt, an abbreviation, a unit written another way, a compound hyphenated or split, a capital
mid-sentence, a glossary synonym written, titles, texts added, deleted and moved, a text emptied),
each from the state the previous step kept (through JSON, as the user cache keeps it), compared
with :func:`~smets_spec.duplicates.terms.terminology` of the same source: every finding, field by
field, its location included. On the repository's corpus and on a generated one.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from smets_spec.corpus.diagnostics import Location
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.synthetic import generate
from smets_spec.duplicates import store, termjson, termstate
from smets_spec.duplicates.items import Source, from_corpus
from smets_spec.duplicates.terms import terminology


def _through_json(kept: termstate.TermsKept | None) -> termstate.TermsKept | None:
    data = json.loads(json.dumps(termjson.to_json(kept)))
    return termjson.from_json(data) if data is not None else None


def _copy(source: Source) -> Source:
    return replace(
        source, groups={g: list(items) for g, items in source.groups.items()}, glossary=list(source.glossary)
    )


def _misspelt(rng: random.Random, word: str) -> str:
    at = rng.randrange(1, len(word) - 1)
    choice = rng.randrange(3)
    if choice == 0:  # a letter dropped
        return word[:at] + word[at + 1 :]
    if choice == 1:  # two letters swapped
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + word[at] + word[at:]  # a letter doubled


_EXTRAS = [
    "The HAN and the ZQX shall be logged.",
    "It records kWh and kwh and KWH readings.",
    "The real-time clock and the real time clock and the realtime clock.",
    "A top-up and two top ups.",
    "The Meter shall keep the Tariff.",
    "The authorised party and the authorized party.",
    "The smart meter system and the smart metering system.",
    "Measured in kVArh, kvarh and kVAh.",
    "The comms hub shall respond.",
    "It shall record the CHF and the IHDs.",
    "A tip off is logged.",
    "A tip-off is logged.",
]


def _edit(rng: random.Random, source: Source, serial: int) -> str:
    """One random edit of ``source`` (in place); what it was."""
    group = rng.choice([g for g, items in source.groups.items() if len(items) > 3])
    items = source.groups[group]
    n = rng.randrange(len(items))
    item, other = items[n], rng.choice(items)
    words = item.text.split()
    choice = rng.randrange(12)
    if choice == 0:
        items[n] = replace(item, title=f"{item.title} edited {serial}")
    elif choice == 1:  # a word of another text added
        words.insert(rng.randrange(len(words) + 1), rng.choice(other.text.split()))
        items[n] = replace(item, text=" ".join(words))
    elif choice == 2 and len(words) > 1:  # a word removed (a word's count may drop to nothing)
        del words[rng.randrange(len(words))]
        items[n] = replace(item, text=" ".join(words))
    elif choice == 3:  # a word misspelt: one edit from a word the corpus uses
        long = [k for k, w in enumerate(words) if w.isalpha() and w.islower() and len(w) > 5]
        if long:
            k = rng.choice(long)
            words[k] = _misspelt(rng, words[k])
        items[n] = replace(item, text=" ".join(words))
    elif choice == 4:  # a sentence with abbreviations, units, compounds, capitals, synonyms
        items[n] = replace(item, text=f"{item.text} {rng.choice(_EXTRAS)}")
    elif choice == 5:  # a new word and the title: what an author's first edit does
        items[n] = replace(item, title=f"Edited {serial}", text=f"EDITED T{serial} {item.text}")
    elif choice == 6:  # a text added after another
        new = replace(other, id=f"{other.id}_NEW{serial}", text=f"{other.text} {rng.choice(_EXTRAS)}")
        items.insert(rng.randrange(len(items) + 1), new)
    elif choice == 7 and len(items) > 4:
        del items[n]
    elif choice == 8:  # moved: two texts change places
        m = rng.randrange(len(items))
        items[n], items[m] = items[m], items[n]
    elif choice == 9:  # lines shift above it: only the location changes
        items[n] = replace(item, location=Location(item.location.file, (item.location.line or 0) + 3))
    elif choice == 10:  # a text replaced by another's
        items[n] = replace(item, text=other.text)
    else:  # a sentence of another text taken out
        items[n] = replace(item, text=item.text.split(". ")[0])
    source.all_ids = frozenset(i.id for i in source.items())
    return f"{group} {item.id} edit {choice}"


def _fields(source: Source) -> list[tuple[object, ...]]:
    return [(t.check, t.term, t.message, t.forms, t.location, t.fix) for t in terminology(source)]


def _chain(source: Source, seed: int, steps: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """Random edits, each patched from the state the previous kept; the texts read again in all."""
    read: list[int] = []
    contribution = termstate._Context.contribution

    def counted(self: termstate._Context, group: str, text: str) -> termstate._Contribution:
        read.append(1)
        return contribution(self, group, text)

    monkeypatch.setattr(termstate._Context, "contribution", counted)
    found, kept = termstate.update(source, None)
    assert [(t.check, t.term, t.message, t.forms, t.location, t.fix) for t in found] == _fields(source)
    read.clear()
    rng = random.Random(seed)
    for serial in range(steps):
        what = _edit(rng, source, serial)
        found, kept = termstate.update(source, _through_json(kept))
        got = [(t.check, t.term, t.message, t.forms, t.location, t.fix) for t in found]
        assert got == _fields(source), f"seed {seed}, edit {serial}: {what}"
    return len(read)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_edits_of_the_corpus_give_the_full_terminology(
    corpus: Corpus, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _copy(from_corpus(corpus))
    read = _chain(source, seed, 25, monkeypatch)
    assert read < 25 * 4  # only the edited texts were read again (old and new), never all 200


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Source:
    root = generate(tmp_path_factory.mktemp("terms") / "project", 600, seed=5)
    return from_corpus(load_spec(root / "spec", relative_to=root))


@pytest.mark.parametrize("seed", [7, 8])
def test_random_edits_of_a_generated_corpus_give_the_full_terminology(
    generated: Source, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _copy(generated)
    assert len(source.items()) > 600
    read = _chain(source, seed, 30, monkeypatch)
    assert read < 30 * 4


def test_a_new_misspelling_is_found_and_goes_away_with_its_fix(corpus: Corpus) -> None:
    source = _copy(from_corpus(corpus))
    _, kept = termstate.update(source, None)
    items = source.groups["requirements"]
    item = items[5]
    items[5] = replace(item, text=f"{item.text} The configuraton of the meter.")
    found, kept = termstate.update(source, _through_json(kept))
    assert [t for t in found if t.term == "configuraton"] == [
        t for t in terminology(source) if t.term == "configuraton"
    ]
    assert any(t.check == "misspelling" and t.term == "configuraton" for t in found)
    items[5] = item
    found, _ = termstate.update(source, _through_json(kept))
    assert not any(t.term == "configuraton" for t in found)
    assert [t.message for t in found] == [t.message for t in terminology(source)]


def _state(source: Source) -> dict[str, object]:
    _, kept = termstate.update(source, None)
    data = termjson.to_json(kept)
    assert isinstance(data, dict)
    return json.loads(json.dumps(data))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "plant",
    [
        lambda d: d["indexes"].pop("words"),
        lambda d: d["indexes"]["spellings"].update({"meter": ["NOBODY"]}),
        lambda d: d["indexes"]["spellings"].update(
            {"meter": list(reversed(d["indexes"]["spellings"]["meter"]))}
        ),
        lambda d: d["indexes"]["trigrams"].update({"a\x1fb": ["WA_04"]}),
        lambda d: d["counts"].update({"meter": -3}),
        lambda d: d["unknown"].update({"nosuchword": []}),
        lambda d: d["synonyms"].update({"WA_04": [["0", "x", "y", "z"]]}),
        lambda d: d["items"].append(d["items"][0]),
        lambda d: d.update({"items": "__import__('os')"}),
    ],
)
def test_a_planted_state_is_refused(corpus: Corpus, plant: object) -> None:
    data = _state(from_corpus(corpus))
    assert termjson.from_json(data) is not None
    plant(data)  # type: ignore[operator]
    assert termjson.from_json(data) is None


def test_a_synonym_of_another_glossary_is_computed_in_full(corpus: Corpus) -> None:
    source = from_corpus(corpus)
    data = _state(source)
    data["synonyms"] = {source.items()[0].id: [[10_000, "x", "y", "z"]]}
    kept = termjson.from_json(data)
    assert kept is not None  # of the right shape, but naming no entry of this glossary: not used
    found, _ = termstate.update(source, kept)
    assert [(t.check, t.term, t.message, t.forms, t.location, t.fix) for t in found] == _fields(source)


def test_a_damaged_terms_state_is_a_full_scan_without_a_traceback(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = from_corpus(corpus)
    full, state = store.scan_kept(source, None)
    data = store.to_json(state)
    data["terms"]["indexes"]["spellings"] = {"meter": [["WA_04"]]}  # an entry without forms
    assert store.from_json(json.loads(json.dumps(data))) is None
    folder = tmp_path / "cache"
    store.save(tmp_path, state, folder)
    entry = next((folder / store.KIND).glob("*.json"))
    raw = json.loads(entry.read_text(encoding="utf-8"))
    raw["value"]["terms"]["counts"] = {"meter": "many"}
    entry.write_text(json.dumps(raw), encoding="utf-8")
    assert store.load(tmp_path, folder) is None  # no state: the scan runs in full
    again, _ = store.scan_kept(source, store.load(tmp_path, folder))
    assert again.terms == full.terms


def _steps(source: Source, edits: list[tuple[int, str]]) -> list[list[tuple[object, ...]]]:
    """Texts appended one edit after another, each patched from the state kept; the findings."""
    _, kept = termstate.update(source, None)
    items = source.groups["requirements"]
    out: list[list[tuple[object, ...]]] = []
    for n, extra in edits:
        items[n] = replace(items[n], text=f"{items[n].text} {extra}")
        found, kept = termstate.update(source, _through_json(kept))
        got: list[tuple[object, ...]] = [
            (t.check, t.term, t.message, t.forms, t.location, t.fix) for t in found
        ]
        assert got == _fields(source)
        out.append(got)
    return out


def test_a_compound_hyphenated_later_finds_the_unchanged_texts_writing_it_apart(corpus: Corpus) -> None:
    """A new compound changes the expression every text is matched with: the texts not edited are
    matched again (they write "tip off" apart, which only now is a form of "tip-off")."""
    source = _copy(from_corpus(corpus))
    before, after = _steps(source, [(3, "A tip off is logged."), (9, "A tip-off is logged.")])
    assert not any(t[1] == "tipoff" for t in before)
    items = source.groups["requirements"]
    assert [t[3] for t in after if t[:2] == ("hyphenation", "tipoff")] == [
        {"tip off": (items[3].id,), "tip-off": (items[9].id,)}
    ]


def test_a_word_new_to_the_corpus_is_suggested_for_an_unknown_word_kept(corpus: Corpus) -> None:
    """An unknown word with no neighbour in the corpus gets one when an edit writes the word: the kept
    neighbours of the unknown words are patched with the words the corpus gains."""
    source = _copy(from_corpus(corpus))
    before, after = _steps(
        source,
        [(3, "The photosynthesys is logged."), (9, "The photosynthesis is logged, photosynthesis twice.")],
    )
    assert not any(t[1] == "photosynthesys" for t in before)
    assert any(t[0] == "misspelling" and t[1] == "photosynthesys" for t in after)


def test_the_scan_runs_without_cyclic_collection_and_gives_it_back(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from smets_spec.duplicates import scan as scan_module

    seen: list[bool] = []

    def watched(source: Source) -> list[object]:
        seen.append(gc.isenabled())
        return terminology(source)  # type: ignore[return-value]

    monkeypatch.setattr(scan_module, "terminology", watched)
    try:
        assert gc.isenabled()
        scan_module.scan(from_corpus(corpus))
        assert seen == [False] and gc.isenabled()
        gc.disable()
        scan_module.scan(from_corpus(corpus))
        assert not gc.isenabled()  # a caller's choice stays
    finally:
        gc.enable()


def test_an_unchanged_state_is_not_written_again(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smets_spec.duplicates import page

    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(page.SWITCH, raising=False)
    source = from_corpus(corpus)
    page._scan(corpus, source)  # the first state: a full scan
    page._scan(corpus, source)  # kept: the pairs in the kept path's order
    store.settle()  # the state is written by a forked copy (store.save_beside)
    assert len(list((tmp_path / store.KIND).glob("*.json"))) == 1
    written: list[object] = []
    monkeypatch.setattr(store, "save", lambda *a, **k: written.append(a))
    page._scan(corpus, source)
    assert written == []


def test_many_edits_and_a_reordering_give_the_full_terminology(generated: Source) -> None:
    """Past the share of edited texts the state is made afresh; a shuffled order is mostly moves."""
    source = _copy(generated)
    _, kept = termstate.update(source, None)
    items = source.groups["requirements"]
    rng = random.Random(11)
    for n in rng.sample(range(len(items)), 200):
        items[n] = replace(items[n], text=f"{items[n].text} {rng.choice(_EXTRAS)}")
    found, kept = termstate.update(source, _through_json(kept))
    assert [(t.check, t.term, t.message, t.forms, t.location, t.fix) for t in found] == _fields(source)
    rng.shuffle(items)
    found, kept = termstate.update(source, _through_json(kept))
    assert [(t.check, t.term, t.message, t.forms, t.location, t.fix) for t in found] == _fields(source)
    items[:40] = reversed(items[:40])  # forty texts moved: patched
    found, _ = termstate.update(source, _through_json(kept))
    assert [(t.check, t.term, t.message, t.forms, t.location, t.fix) for t in found] == _fields(source)


def test_texts_kept_in_order_are_a_longest_increasing_run() -> None:
    from bisect import bisect_left

    rng = random.Random(3)
    for size in range(0, 60, 3):
        old = rng.sample(range(1000), size)
        kept = termstate._kept_in_order([(p, f"T{p}") for p in old])
        run = [p for p in old if f"T{p}" in kept]
        assert run == sorted(run)
        tails: list[int] = []  # the length of a longest increasing run, by patience sorting
        for p in old:
            k = bisect_left(tails, p)
            tails[k : k + 1] = [p]
        assert len(run) == len(tails)
