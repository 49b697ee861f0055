"""The duplicate scan after an edit made by a forked copy started as the build starts
(``duplicates.page.scan_beside``, ``SMETS_DUPS_BESIDE``), and the requirement pages' plan taking
the empty duplicates panels from one lookup (``reqindex.panels_html``, ``SMETS_PANEL_LOOKUP``).

Seeded random edits of the repository's corpus (titles, texts, a text copied onto another, a word
dropped), one round after another, each analysed twice from its own user cache folder: by the
forked copy (the result sent back, the state written there) and in this process as before. The
analysis (findings, terminology, reviewed outcome, each need's findings, which findings are shown
in full), the findings page and every requirement's panel are the same, and so is the state kept.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from htmltools import StubLinker
from smets_spec.corpus.load import Corpus
from smets_spec.corpus.usercache import entry_path
from smets_spec.duplicates import incremental, page, store
from smets_spec.duplicates.items import REQUIREMENTS, Source
from smets_spec.markup.panels import PANELS, Panel
from smets_spec.sphinx import reqindex


def _edits(seed: int) -> Callable[[Source], None]:
    """Seeded random edits of a source's requirements (in place), the same each time it is applied."""

    def edit(source: Source) -> None:
        rng = random.Random(seed)
        items = source.groups[REQUIREMENTS]
        for serial in range(rng.randrange(1, 4)):
            n = rng.randrange(len(items))
            item, other = items[n], rng.choice(items)
            choice = rng.randrange(4)
            if choice == 0:
                items[n] = replace(item, title=f"{item.title} edited {seed} {serial}")
            elif choice == 1:
                items[n] = replace(item, text=f"EDITED{seed}x{serial} {item.text}")
            elif choice == 2:  # a near copy of another text: a finding
                items[n] = replace(item, text=other.text.replace(" shall ", " must ", 1))
            else:
                words = item.text.split()
                del words[rng.randrange(len(words))]
                items[n] = replace(item, text=" ".join(words) or item.text)

    return edit


def _view(corpus: Corpus, found: page.Analysis) -> tuple[Any, ...]:
    """All the site shows of an analysis: its results, the findings page and every panel."""
    linker = StubLinker()
    shown = sorted(page.anchor(f) for f in found.outcome.active if id(f) in found.blocks)
    by_need = {k: [(f.kind, f.a.id, f.b.id, f.score) for f in v] for k, v in found.by_need.items()}
    panels = [page.duplicates_panel(corpus, r.id, linker) for r in corpus.requirements]  # type: ignore[arg-type]
    return (
        found.scan.findings,
        found.scan.terms,
        found.scan.compared,
        found.scan.candidates,
        found.outcome.active,
        found.outcome.terms,
        found.outcome.suppressed,
        found.problems,
        by_need,
        sorted(found.terms_by_need),
        shown,
        page.duplicates_page(corpus, [], linker),  # type: ignore[arg-type]
        panels,
    )


def _analyse(
    corpus: Corpus, cache: Path, beside: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[Any, ...], bool]:
    """The analysis of ``corpus`` from the state kept in ``cache``; whether a forked copy made it."""
    monkeypatch.setenv("SMETS_CACHE_DIR", str(cache))
    monkeypatch.setenv(page.BESIDE_SWITCH, "on" if beside else "off")
    page._CACHE.clear()
    received: list[object] = []
    take = page._received

    def spy(c: Corpus) -> object:
        got = take(c)
        received.append(got)
        return got

    monkeypatch.setattr(page, "_received", spy)
    started = page.scan_beside(corpus)
    assert started == beside
    found = page.analysis(corpus)
    view = _view(corpus, found)
    store.settle()
    page._CACHE.clear()
    monkeypatch.setattr(page, "_received", take)
    return view, started and received[0] is not None


@pytest.mark.parametrize("seed", [1, 2])
def test_the_scan_beside_is_the_scan_here(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Round after round of edits: the forked copy's analysis == this process's, state == state."""
    assert corpus.source is not None
    monkeypatch.delenv(page.SWITCH, raising=False)
    monkeypatch.delenv(incremental.SWITCH, raising=False)
    from_corpus = page.from_corpus
    rng = random.Random(seed)
    used = 0
    for round_ in range(4):
        edit = _edits(rng.randrange(1 << 30))

        def edited(c: Corpus, edit: Callable[[Source], None] = edit, **kwargs: Any) -> Source:
            source = from_corpus(c, **kwargs)
            edit(source)
            return source

        monkeypatch.setattr(page, "from_corpus", edited)  # the copy is forked with it
        if round_ == 3:  # a damaged state: both scan in full
            for cache in ("a", "b"):
                monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / cache))
                path = entry_path(store.KIND, store.entry_key(corpus.source))
                path.write_text('{"key": "x", "value": [1]}', encoding="utf-8")
        there, by_copy = _analyse(corpus, tmp_path / "a", True, monkeypatch)
        here, _ = _analyse(corpus, tmp_path / "b", False, monkeypatch)
        assert there == here
        used += by_copy
        states = []
        for cache in ("a", "b"):
            monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / cache))
            states.append(store.load(corpus.source))
        assert states[0] is not None and states[0] == states[1]
    assert used == 4  # every round the copy's, the first (no state kept yet: a full scan) too


def test_a_copy_for_another_corpus_is_not_used(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy started for one corpus object gives nothing to another (which scans here); the switch
    off starts none."""
    assert corpus.source is not None
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(page.SWITCH, raising=False)
    monkeypatch.delenv(incremental.SWITCH, raising=False)
    monkeypatch.setenv(page.BESIDE_SWITCH, "off")
    assert not page.scan_beside(corpus)
    page._CACHE.clear()
    want = _view(corpus, page.analysis(corpus))  # scanned here
    store.settle()
    monkeypatch.delenv(page.BESIDE_SWITCH)
    other = replace(corpus)
    assert page.scan_beside(other)
    page._CACHE.clear()
    assert page._received(corpus) is None
    assert _view(corpus, page.analysis(corpus)) == want
    store.settle()
    page._CACHE.clear()


def test_the_panels_from_one_lookup(corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``reqindex.panels_html`` gives every requirement's analysis panels as asking each does (the
    switch off), and asks the duplicates panel only of the requirements it shows something for."""
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path))
    page._CACHE.clear()
    linker = StubLinker()
    panels = reqindex.analysis_panels()
    assert any(p.html is page.duplicates_panel for p in panels)
    asked: list[str] = []

    def counted(c: Corpus, req_id: str, lk: Any) -> str:
        asked.append(req_id)
        return page.duplicates_panel(c, req_id, lk)

    html_on = reqindex.panels_html(corpus, linker, panels)  # type: ignore[arg-type]
    monkeypatch.setenv(reqindex.LOOKUP_SWITCH, "off")
    html_off = reqindex.panels_html(corpus, linker, panels)  # type: ignore[arg-type]
    reqs = [r.id for r in corpus.requirements]
    assert [html_on(r) for r in reqs] == [html_off(r) for r in reqs]
    involved = page.involved(corpus)
    assert involved and len(involved & set(reqs)) < len(reqs)
    assert all((page.duplicates_panel(corpus, r, linker) != "") == (r in involved) for r in reqs)  # type: ignore[arg-type]
    # a panel replaced by another function is asked as ever
    monkeypatch.delenv(reqindex.LOOKUP_SWITCH)
    monkeypatch.setitem(PANELS, "duplicates", Panel("duplicates", "Duplicates", counted, 60))
    swapped = reqindex.panels_html(corpus, linker, reqindex.analysis_panels())  # type: ignore[arg-type]
    assert [swapped(r)["duplicates"] for r in reqs] == [html_off(r)["duplicates"] for r in reqs]
    assert asked == reqs
    assert reqindex.panel_digest("") == reqindex._h(("",))
    page._CACHE.clear()


def test_a_copy_not_taken_ends_by_itself(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that never asks for the analysis (nothing changed): its copy ends by itself (it never
    waits for the build), having kept the state of what it scanned; the build lets it go."""
    assert corpus.source is not None
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(page.SWITCH, raising=False)
    monkeypatch.delenv(incremental.SWITCH, raising=False)
    monkeypatch.delenv(page.BESIDE_SWITCH, raising=False)
    from_corpus = page.from_corpus

    def edited(c: Corpus, **kwargs: Any) -> Source:
        source = from_corpus(c, **kwargs)
        _edits(7)(source)
        return source

    page._CACHE.clear()
    page.analysis(corpus)
    store.settle()
    path = entry_path(store.KIND, store.entry_key(corpus.source))
    before = path.read_bytes()
    monkeypatch.setattr(page, "from_corpus", edited)  # the copy keeps another state
    assert page.scan_beside(corpus)
    child = page._BESIDE[-1].process
    child.join(60)
    assert child.exitcode == 0
    page.forget_beside()
    assert not page._BESIDE
    store.settle()
    assert path.read_bytes() != before
    monkeypatch.setattr(page, "from_corpus", from_corpus)
    page._CACHE.clear()
    got = _view(corpus, page.analysis(corpus))  # from the state the copy kept
    store.settle()
    page._CACHE.clear()
    monkeypatch.setenv(page.SWITCH, "off")  # a full scan
    assert got == _view(corpus, page.analysis(corpus))
    page._CACHE.clear()


def test_a_copy_forked_from_the_build_leaves_the_scan_to_the_build(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process forked from the build while its scan copy runs (a page writer, the comparison's
    copy) neither reads the build's pipe (it would take the scan from the build) nor joins the
    build's children (only their parent can): it analyses from the kept state, finding the same,
    and the build still takes the scan its copy made."""
    import multiprocessing
    import os

    assert corpus.source is not None
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path))
    for switch in (page.SWITCH, incremental.SWITCH, page.BESIDE_SWITCH):
        monkeypatch.delenv(switch, raising=False)
    page._CACHE.clear()
    page.analysis(corpus)  # a kept state
    store.settle()
    page._CACHE.clear()
    assert page.scan_beside(corpus)
    received = page._received

    def in_child(send: Any) -> None:
        took = []
        page._received = lambda c: took.append(1) or received(c)  # type: ignore[assignment]
        found = page.analysis(corpus)  # not the build's: its own, from the kept state
        send.send((took, page._BESIDE == [], _view(corpus, found)))
        os._exit(0)

    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=in_child, args=(send,))
    child.start()
    took, let_go, seen = receive.recv()
    child.join(60)
    assert child.exitcode == 0
    assert took == [1] and let_go  # asked, found none of its own
    assert page.started_for(corpus)  # the build's copy still the build's
    scanned = page._received(corpus)  # the copy's scan, still there for the build
    store.settle()
    assert scanned is not None
    assert (scanned.findings, scanned.terms, scanned.compared, scanned.candidates) == seen[:4]
    page._CACHE.clear()
