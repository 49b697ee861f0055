"""The incremental duplicate scan (duplicates/store.py, incremental.py) gives exactly the full scan.

Seeded random edits of the repository's own corpus (titles, texts, words shared with another
item, near and exact copies, common words, items added, deleted and moved, glossary changes, a
location shifted), one after another, each scanned from the state the previous scan kept (through
JSON, as the user cache keeps it) and compared with a full scan of the same source: every finding
(kind, items with their locations, score, reason, scores, signals), every terminology finding,
the groups compared and the number of candidate pairs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from smets_spec.corpus.diagnostics import Location
from smets_spec.corpus.load import Corpus
from smets_spec.duplicates import incremental, page, store
from smets_spec.duplicates import scan as scan_module
from smets_spec.duplicates.items import Item, ReaderTexts, Source, from_corpus
from smets_spec.duplicates.reader import reader_text
from smets_spec.duplicates.scan import Scan, scan


def _through_json(state: store.State) -> store.State:
    loaded = store.from_json(json.loads(json.dumps(store.to_json(state))))
    assert loaded is not None
    return loaded


def _same(got: Scan, want: Scan) -> None:
    assert got.findings == want.findings
    assert got.terms == want.terms
    assert got.compared == want.compared
    assert got.candidates == want.candidates


def _words(source: Source) -> list[str]:
    return [w for item in source.items() for w in item.text.split()]


def _edit(rng: random.Random, source: Source, serial: int) -> str:
    """One random edit of ``source`` (in place); what it was."""
    group = rng.choice([g for g, items in source.groups.items() if len(items) > 2])
    items = source.groups[group]
    n = rng.randrange(len(items))
    item, other = items[n], rng.choice(items)
    words = item.text.split()
    choice = rng.randrange(11)
    if choice == 0:
        items[n] = replace(item, title=f"{item.title} edited {serial}")
    elif choice == 1:  # a word replaced by one of the corpus (its df changes, and the other's)
        words[rng.randrange(len(words))] = rng.choice(_words(source))
        items[n] = replace(item, text=" ".join(words))
    elif choice == 2:  # a new word and the title: what an author's first edit does
        items[n] = replace(item, title=f"Edited {serial}", text=f"EDITED T{serial} {item.text}")
    elif choice == 3:  # a near copy of another item: a duplicate, a conflict or a parallel variant
        copied = other.text.split()
        at = rng.randrange(len(copied))
        copied[at] = rng.choice(["15", "not", "gas", "remote", copied[at], "shall"])
        items[n] = replace(item, text=" ".join(copied))
    elif choice == 4:  # word for word another item's text
        items[n] = replace(item, text=other.text)
    elif choice == 5:  # an item added after another
        new = replace(
            other, id=f"{other.id}_NEW{serial}", title=f"{other.title} (b)", text=f"{other.text} too"
        )
        items.insert(rng.randrange(len(items) + 1), new)
    elif choice == 6 and len(items) > 3:
        del items[n]
    elif choice == 7:  # moved: two items change places
        m = rng.randrange(len(items))
        items[n], items[m] = items[m], items[n]
    elif choice == 8:  # lines shift above it: only the location changes
        where = item.location
        items[n] = replace(item, location=Location(where.file, (where.line or 0) + 3))
    elif choice == 9 and source.glossary:
        k = rng.randrange(len(source.glossary))
        entry = source.glossary[k]
        source.glossary[k] = replace(entry, synonyms=(*entry.synonyms, f"meter thing {serial}"))
    else:  # a common word appended: many texts' vectors change
        items[n] = replace(item, text=f"{item.text} The meter shall record it.")
    source.all_ids = frozenset(i.id for i in source.items())
    return f"{group} {item.id} edit {choice}"


def _copy(source: Source) -> Source:
    return replace(
        source, groups={g: list(items) for g, items in source.groups.items()}, glossary=list(source.glossary)
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edits_scan_as_a_full_scan(corpus: Corpus, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _copy(from_corpus(corpus))
    reused: list[int] = []
    pair_up = incremental.pair_up

    def counted(*args: object, **kwargs: object) -> incremental.Paired:
        paired = pair_up(*args, **kwargs)  # type: ignore[arg-type]
        reused.append(len(paired.reused))
        return paired

    monkeypatch.setattr("smets_spec.duplicates.scan.pair_up", counted)
    monkeypatch.setattr("smets_spec.duplicates.across.pair_up", counted)
    first, state = store.scan_kept(source, None)
    _same(first, scan(source))
    rng = random.Random(seed)
    for serial in range(12):
        what = _edit(rng, source, serial)
        got, state = store.scan_kept(source, _through_json(state))
        try:
            _same(got, scan(source))
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, edit {serial}: {what}") from exc
    assert sum(reused) > 100  # the pairs of unchanged texts were reused, not all computed again


def test_unchanged_source_reuses_everything(corpus: Corpus) -> None:
    source = from_corpus(corpus)
    full, state = store.scan_kept(source, None)
    again, _ = store.scan_kept(source, _through_json(state))
    _same(again, full)
    assert state.groups["requirements"].pairs  # something to reuse
    paired = incremental.pair_up(
        source.groups["requirements"], _through_json(state).groups["requirements"], (0.35, 0.8, 0.85)
    )
    assert not paired.full and set(paired.reused) == set(paired.pairs)


def _item(n: int, text: str) -> Item:
    return Item(f"R_{n}", text, "requirements", "s", Location("spec/r.rst", n), f"Title {n}", "requirement")


def test_a_new_word_makes_only_its_text_dirty() -> None:
    items = [_item(n, f"The meter shall record event {n} in the log with reading {n}.") for n in range(40)]
    paired = incremental.pair_up(items, None, (0.35, 0.8, 0.85))
    kept = incremental.kept_of(paired, items, {})
    items[7] = replace(items[7], text=items[7].text + " Zebra.")
    again = incremental.pair_up(items, kept, (0.35, 0.8, 0.85))
    assert not again.full
    assert {p for p in again.pairs if p not in again.reused} == {p for p in again.pairs if 7 in p}
    assert again.pairs == sorted(
        incremental.pair_up(items, None, (0.35, 0.8, 0.85)).pairs, key=lambda ij: (ij[1], ij[0])
    )


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"context": "x", "groups": {"requirements": {"ids": ["A"], "sigs": [], "counts": []}}},
        {"context": 1},
        "pickle",
    ],
)
def test_state_of_another_shape_is_no_state(bad: object) -> None:
    assert store.from_json(bad) is None


def test_planted_pair_record_naming_other_items_is_refused(corpus: Corpus) -> None:
    _, state = store.scan_kept(from_corpus(corpus), None)
    data = store.to_json(state)
    kept = data["groups"]["requirements"]
    at = next(k for k, r in enumerate(kept["records"]) if r and r.get("finding"))
    kept["records"][at]["finding"][1] = "SOMEONE_ELSE"
    assert store.from_json(json.loads(json.dumps(data))) is None


def test_the_site_analysis_keeps_its_state_in_the_cache_folder(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(page.SWITCH, raising=False)
    first = page._scan(corpus, from_corpus(corpus))
    store.settle()  # the state is written by a forked copy (store.save_beside)
    entries = list((tmp_path / store.KIND).glob("*.json"))
    assert len(entries) == 1
    assert json.loads(entries[0].read_text(encoding="utf-8"))["value"]["groups"]["requirements"]["ids"]
    second = page._scan(corpus, from_corpus(corpus))
    _same(second, first)
    _same(first, scan(from_corpus(corpus)))
    entries[0].write_text("not json", encoding="utf-8")  # a damaged entry: a full scan, then replaced
    _same(page._scan(corpus, from_corpus(corpus)), first)
    store.settle()
    assert json.loads(entries[0].read_text(encoding="utf-8"))["value"]["terms"]["items"]


def test_changed_learned_contrasts_classify_every_pair_again(corpus: Corpus) -> None:
    """When the contrasts learned from the whole group differ from the kept ones, no kept result is
    used: kept results blanked out do not show, while with the same contrasts they would."""
    source = from_corpus(corpus)
    full, state = store.scan_kept(source, None)
    kept = _through_json(state)
    for record in kept.groups["requirements"].records:
        if record:
            record.pop("finding", None)
    blanked, _ = store.scan_kept(source, kept)
    assert len(blanked.findings) < len(full.findings)  # the kept results are used as they are
    kept.groups["requirements"].extra["learned"] = [[["x", ["y"]]], [], []]
    again, _ = store.scan_kept(source, kept)
    _same(again, full)


def test_kept_answers_spare_loading_the_lemmatiser_and_the_spell_checker(corpus: Corpus) -> None:
    import sys

    from smets_spec.duplicates import lemmas, memory, spelling

    source = from_corpus(corpus)
    full, state = store.scan_kept(source, None)
    assert state.lemmas and state.unknown
    memory.release()  # a fresh process: no memo, no table loaded
    assert not lemmas.LEMMAS and spelling._checker.cache_info().currsize == 0
    edited = _copy(source)
    items = edited.groups["requirements"]
    items[3] = replace(items[3], text=items[3].text + " It shall also be logged.")
    got, _ = store.scan_kept(edited, _through_json(state))
    _same(got, scan(edited))
    memory.release()
    again, _ = store.scan_kept(source, _through_json(state))
    _same(again, full)
    singleton = sys.modules["lemminflect.utils.Singleton"]
    assert not singleton._Singleton._instances  # every word it was asked is among the kept answers
    assert spelling._checker.cache_info().currsize == 0
    assert store.from_json({**store.to_json(state), "lemmas": {"remotely": {"ADV": [1]}}}) is None


_TIME_TEXTS = (
    "All timestamps shall be recorded in UTC.",
    "Every event time shall be kept in UTC by the meter clock.",
    "The display shall show the date and time in local time.",
    "The tariff switching time shall follow local time including BST.",
    "The log shall record the time of each event.",
)


def _edit_time(rng: random.Random, source: Source, serial: int) -> str:
    """A random edit of ``source`` (in place), half of them a text that states a time basis."""
    if rng.random() < 0.5:
        return _edit(rng, source, serial)
    items = source.groups["requirements"]
    n = rng.randrange(len(items))
    items[n] = replace(items[n], text=f"{rng.choice(_TIME_TEXTS)} {rng.choice(['', 'It', 'Always'])}")
    return f"{items[n].id} time text"


@pytest.mark.parametrize("seed", [4, 5])
def test_quick_path_scans_as_the_path_before_it(
    corpus: Corpus, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SMETS_DUPS_EDIT`` on (the time-basis facts kept per text, the state's quicker checks) gives
    the findings of the path before it (``=off``), scanned in full, on random edits."""
    source = _copy(from_corpus(corpus))
    rng = random.Random(seed)
    state: store.State | None = None
    conflicts = 0
    for serial in range(10):
        what = _edit_time(rng, source, serial) if serial else "none"
        monkeypatch.delenv(incremental.SWITCH, raising=False)
        got, state = store.scan_kept(source, _through_json(state) if state else None)
        assert state.groups["requirements"].extra.get(scan_module.BASIS)
        monkeypatch.setenv(incremental.SWITCH, "off")
        want = scan(source)
        try:
            _same(got, want)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, edit {serial}: {what}") from exc
        conflicts += sum(1 for f in want.findings if "time basis" in f.reason)
    assert conflicts  # the time-basis rule had something to report


def test_quick_state_checks_accept_what_the_old_ones_accept(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state's pair checks (``_pairs``) refuse exactly what the loop before them refused."""
    _, state = store.scan_kept(from_corpus(corpus), None)
    rng = random.Random(7)
    damages: list[Callable[[list[Any]], object]] = [
        lambda p: p.__setitem__(0, p[1]),
        lambda p: p.__setitem__(1, 10**6),
        lambda p: p.__setitem__(0, -1),
        lambda p: p.__setitem__(0, True),
        lambda p: p.__setitem__(1, 1.0),
        lambda p: p.append(3),
        lambda p: p.pop(),
        lambda p: p.reverse(),
        lambda p: None,
    ]
    verdicts = set()
    for trial in range(40):
        data = json.loads(json.dumps(store.to_json(state)))
        group = data["groups"]["requirements"] if trial % 2 else data["across"]
        at = rng.randrange(len(group["pairs"]))
        rng.choice(damages)(group["pairs"][at])
        if trial % 5 == 0:
            group["pairs"][at] = "x" if trial % 10 else {"a": 1}
        if trial % 7 == 0 and group["records"][at] is None:
            group["records"][at] = ["duplicate", "A", "B", 1.0, "r", {}, []]
        monkeypatch.delenv(incremental.SWITCH, raising=False)
        quick = store.from_json(data)
        monkeypatch.setenv(incremental.SWITCH, "off")
        old = store.from_json(data)
        assert quick == old, trial
        verdicts.add(old is None)
    assert verdicts == {True, False}


def test_kept_reader_texts_give_the_same_source(corpus: Corpus) -> None:
    """A source made with the reader texts an earlier run kept (by the content's digest, through
    JSON) is the source made without; a text kept under another content's digest is never read."""
    memo = ReaderTexts()
    plain = from_corpus(corpus)
    assert from_corpus(corpus, texts=memo) == plain
    kept = json.loads(json.dumps(memo.used))
    again = ReaderTexts(kept)
    assert from_corpus(corpus, texts=again) == plain
    assert again.used == memo.used
    rng = random.Random(3)
    pieces = [
        "The meter",
        "shall",
        ":need:`Title <R_1>`",
        "**bold**",
        "\n\n",
        "\n",
        "- item",
        ".. note::",
        "   x",
    ]
    contents = ["".join(rng.choice(pieces) + " " for _ in range(rng.randrange(1, 12))) for _ in range(200)]
    first = ReaderTexts()
    for content in contents[:100]:
        first(content)
    second = ReaderTexts(first.used)
    assert [second(c) for c in contents] == [reader_text(c) for c in contents]


def test_the_site_analysis_is_the_same_with_the_quick_path(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``page._analysis`` with ``SMETS_DUPS_EDIT`` on (the reader texts kept with the state, the state
    written by a forked copy) gives what it gives with ``=off``, with no state and with one."""
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(page.SWITCH, raising=False)
    assert corpus.source is not None
    results = []
    for switch in ("on", "on", "off"):
        monkeypatch.setenv(incremental.SWITCH, switch)
        found = page._analysis(corpus, None)
        store.settle()
        results.append((found.scan.findings, found.scan.terms, found.outcome.active, found.outcome.terms))
        state = store.load(corpus.source)
        assert state is not None and bool(state.texts) == (switch == "on")
    assert results[0] == results[1] == results[2]


def test_the_state_written_beside_reads_back(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """:func:`store.save_beside` (a forked copy writes it) leaves the entry :func:`store.save` leaves."""
    _, state = store.scan_kept(from_corpus(corpus), None)
    monkeypatch.delenv(incremental.SWITCH, raising=False)
    store.save_beside(tmp_path, state, tmp_path / "beside")
    store.settle()
    monkeypatch.setenv(incremental.SWITCH, "off")
    store.save_beside(tmp_path, state, tmp_path / "here")
    assert (
        store.load(tmp_path, tmp_path / "beside")
        == store.load(tmp_path, tmp_path / "here")
        == _through_json(state)
    )


def test_the_review_file_stamp_from_one_stat(tmp_path: Path) -> None:
    """``page._stamp`` is ``path.stat().st_mtime_ns if path.is_file() else 0`` (the path before it)."""
    from types import SimpleNamespace

    project = SimpleNamespace(source=tmp_path)
    review = tmp_path / page.SUPPRESSIONS

    def old() -> int:
        return review.stat().st_mtime_ns if review.is_file() else 0

    assert page._stamp(project) == old() == 0  # type: ignore[arg-type]  # no folder
    review.parent.mkdir(parents=True)
    assert page._stamp(project) == old() == 0  # type: ignore[arg-type]  # no file
    review.mkdir()
    assert page._stamp(project) == old() == 0  # type: ignore[arg-type]  # a folder
    review.rmdir()
    review.write_text("[x]\n", encoding="utf-8")
    assert page._stamp(project) == old() != 0  # type: ignore[arg-type]
    review.unlink()
    review.symlink_to(review)  # a loop
    assert page._stamp(project) == old() == 0  # type: ignore[arg-type]
    assert page._stamp(SimpleNamespace(source=None)) == 0  # type: ignore[arg-type]


def test_kept_marks_give_the_same_findings_page(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The findings page with the spans kept in the user cache (page.Marks) is the page with every
    finding marked again (``SMETS_DUPS_EDIT=off``): with no entry, with its own entry, and with a
    damaged or planted one (seeded random damage: refused values are marked again)."""
    from htmltools import StubLinker

    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(page.SWITCH, raising=False)
    linker = StubLinker()
    monkeypatch.setenv(incremental.SWITCH, "off")
    want = page.duplicates_page(corpus, [], linker)
    assert not (tmp_path / page.MARKS).exists()
    monkeypatch.setenv(incremental.SWITCH, "on")
    assert page.duplicates_page(corpus, [], linker) == want  # no entry: each marked, then kept
    entries = list((tmp_path / page.MARKS).glob("*.json"))
    assert len(entries) == 1
    data = json.loads(entries[0].read_text(encoding="utf-8"))
    assert data["value"]
    stamp = entries[0].stat().st_mtime_ns
    assert page.duplicates_page(corpus, [], linker) == want  # from the entry, left as it is
    assert entries[0].stat().st_mtime_ns == stamp
    rng = random.Random(7)
    damage: list[Callable[[Any], Any]] = [
        lambda v: [v[1], v[0]],
        lambda v: [[[0, 10**6]], v[1]],
        lambda v: [[[3, 3]], v[1]],
        lambda v: [[["<b>", 2]], v[1]],
        lambda v: [[[True, 2]], v[1]],
        lambda v: [[[-1, 2]], v[1]],
        lambda v: "<script>",
        lambda v: [v[0]],
        lambda v: [v[0], v[1], v[1]],
        lambda v: [[[0, 1, 2]], v[1]],
        lambda v: None,
    ]
    for _ in range(6):
        value = dict(data["value"])
        for key in rng.sample(sorted(value), min(5, len(value))):
            value[key] = rng.choice(damage)(value[key])
        entries[0].write_text(json.dumps({"key": data["key"], "value": value}), encoding="utf-8")
        # a value that reads back but is not this page's (spans swapped, both within the texts) can
        # move the bold, never add markup; the refused ones are marked again (below)
        assert "<script>" not in page.duplicates_page(corpus, [], linker)
    refused = {k: rng.choice(damage[1:])(v) for k, v in data["value"].items()}
    entries[0].write_text(json.dumps({"key": data["key"], "value": refused}), encoding="utf-8")
    assert page.duplicates_page(corpus, [], linker) == want
    assert json.loads(entries[0].read_text(encoding="utf-8")) == data  # replaced by the page's own


@pytest.mark.parametrize("seed", [8, 9])
def test_kept_marks_are_the_marked_spans(corpus: Corpus, seed: int) -> None:
    """page.Marks.spans == classify.marked on the normalised texts of every finding, over seeded
    random edits, each page's spans read back from JSON by the next (as the user cache keeps them)."""
    from smets_spec.duplicates.classify import marked
    from smets_spec.duplicates.text import normalised

    source = _copy(from_corpus(corpus))
    rng = random.Random(seed)
    kept: dict[str, Any] = {}
    checked = 0
    for serial in range(6):
        (_edit_time if serial % 2 else _edit)(rng, source, serial)
        memo = page.Marks.__new__(page.Marks)
        memo.kept, memo.used = json.loads(json.dumps(kept)), {}
        for finding in scan(source).findings:
            a, b = normalised(finding.a.text), normalised(finding.b.text)
            want = marked(finding, a, b)
            assert memo.spans(finding, a, b) == (list(want[0]), list(want[1]))
            checked += 1
        kept = {k: [[list(s) for s in x], [list(s) for s in y]] for k, (x, y) in memo.used.items()}
    assert checked > 20


@pytest.mark.parametrize("seed", [10, 11])
def test_across_types_normalise_once_as_before(
    corpus: Corpus, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``across_types_kept`` with each text normalised once (``SMETS_DUPS_EDIT`` on) gives what it
    gives with ``=off``, from no state and from the kept one, on seeded random edits that copy texts
    across types (with odd spacing and case), short texts, and boilerplate (a text on many needs)."""
    from smets_spec.duplicates.across import BOILERPLATE, across_types_kept
    from smets_spec.duplicates.classify import Thresholds

    source = _copy(from_corpus(corpus))
    names = scan_module.names_of(source)
    rng = random.Random(seed)
    groups = sorted(g for g, items in source.groups.items() if items)
    assert len(groups) >= 2
    kept: dict[str, Any] = {}
    found = 0
    for serial in range(8):
        a, b = rng.sample(groups, 2)
        ia, ib = rng.randrange(len(source.groups[a])), rng.randrange(len(source.groups[b]))
        text = source.groups[a][ia].text
        choice = rng.randrange(4)
        if choice == 0:  # the same body on another type, spaced and cased otherwise
            text = "  " + text.replace(" ", " \n ").upper() if rng.random() < 0.5 else text
        elif choice == 1:  # too short to compare
            text = "Short text."
        elif choice == 2:  # boilerplate
            for g in (a, b):
                for n in rng.sample(range(len(source.groups[g])), min(BOILERPLATE, len(source.groups[g]))):
                    source.groups[g][n] = replace(source.groups[g][n], text="To be defined later on.")
        source.groups[b][ib] = replace(source.groups[b][ib], text=text)
        results = []
        for switch in ("on", "off"):
            monkeypatch.setenv(incremental.SWITCH, switch)
            results += [
                across_types_kept(source, names, Thresholds(), set(), s) for s in (None, kept.get("state"))
            ]
        assert all(r[0] == results[0][0] for r in results), serial
        assert results[0][1] == results[2][1] and results[1][1] == results[3][1]  # the same state kept
        assert all((r[1] is None) == (results[0][1] is None) for r in results)
        if results[0][1] is not None:
            kept["state"] = store._kept(
                json.loads(json.dumps(store._kept_json(results[0][1]))), store._across_record
            )
        found += len(results[0][0])
    assert found  # something was reported across types
