"""The dependency index of the computed pages (corpus/needkeys.py, sphinx/fingerprints.py) against
its oracle, rendering every computed directive again and comparing digests.

A generated spec is built once; then, for seeded random edits of every kind (a title, a text, a
link added and one removed, a need added, deleted or moved between files, a status, section or
device field changed), the edited corpus is read and:

* the pages the index selects from the change of need keys include every page whose rendered
  text changed (the oracle), and the pages it finds changed are exactly the oracle's;
* for a requirement's text edited alone, pages that do not show text (the matrix, the
  requirement index, source listings) are not even rendered again.

``tests/test_build_render_cache.py`` and ``tests/test_incremental_move.py`` build incrementally
after such edits (the index in use) and compare with a full build.
"""

from __future__ import annotations

import functools
import os
import random
import re
import subprocess
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pytest
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace

from clitools import FirstBuilt, build_argv, run_ok
from smets_spec import forking
from smets_spec.corpus.diagnostics import Location
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.needkeys import (
    EXISTS,
    SCOPES_SWITCH,
    SHOWN_BY_A_LINK,
    Change,
    Facet,
    change_between,
    facet,
    keys_of,
    mentioned,
    touches,
)
from smets_spec.corpus.schema import DataItem, Need, Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import envparts, fingerprints, state
from test_build_render_cache import _block, _Editor, copy_without_uses


class _FieldEditor(_Editor):
    """The edits of the render-cache test plus the fields a page can select by."""

    def option(self, need_id: str, name: str, new: str) -> None:
        text = self.path(need_id).read_text(encoding="utf-8")
        start, end = _block(text, need_id)
        found = re.search(rf"^   :{name}: (.*)$", text[start:end], re.M)
        assert found is not None, (need_id, name)
        self.replace(need_id, f":{name}: {found[1]}\n", f":{name}: {new}\n")
        self.done.append(f"{name} {need_id}: {found[1]} -> {new}")

    def status(self, need_id: str) -> None:
        now = self.corpus.needs[need_id].status
        self.option(need_id, "status", "approved" if now is None or now.value != "approved" else "draft")

    def section(self, need_id: str) -> None:
        sections = sorted({r.section.value for r in self.corpus.requirements if r.section})
        now = self.corpus.needs[need_id]
        assert isinstance(now, Requirement) and now.section
        self.option(need_id, "section", self.rng.choice([s for s in sections if s != now.section.value]))

    def device(self, need_id: str) -> None:
        now = self.corpus.needs[need_id]
        assert isinstance(now, Requirement)
        devices = sorted(
            d for d in ("DEV_ESME", "DEV_GSME", "DEV_IHD", "DEV_CHF") if d not in now.mandatory_for
        )
        self.option(need_id, "mandatory_for", self.rng.choice(devices))


KINDS = (
    "title",
    "text",
    "link_added",
    "link_removed",
    "added",
    "deleted",
    "moved",
    "status",
    "section",
    "device",
)


@pytest.fixture(autouse=True)
def _rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text rendered, none taken from the user cache (sphinx/pagetexts.py): the oracle renders."""
    monkeypatch.setenv("SMETS_PAGE_TEXT_CACHE", "off")


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[tuple[Path, Sphinx]]:
    # the source listings import the conformance suite, whose marker its own run registers
    pytestconfig.addinivalue_line("markers", "verifies(*ids): the requirements a conformance test verifies")
    base = tmp_path_factory.mktemp("page-index")
    root = generate(base / "project", 120)
    _git_with_a_version(root)
    out = base / "site"
    argv = build_argv(root, out, "-j", "1")
    run_ok(argv)
    with docutils_namespace():  # as sphinx-build does: no node or directive registered for good
        app = Sphinx(
            str(root / "spec"), str(root), str(out), str(out / ".doctrees"), "html", status=None, warning=None
        )
        yield root, app


def _git(root: Path, *args: str) -> str:
    argv = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


def _git_with_a_version(root: Path) -> None:
    """A git repository whose first version is the tag ``v1``: the version pages count each device's
    requirements at that commit and in the working draft (what the index must not miss)."""
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "generated")
    _git(root, "tag", "v1")
    versions = root / "spec" / "changes" / "versions.rst"
    text = versions.read_text(encoding="utf-8")
    versions.write_text(re.sub(r":revision: \S+", ":revision: v1", text, count=1), encoding="utf-8")
    _git(root, "commit", "-q", "-am", "the first version is v1")


def _edit(root: Path, corpus: Corpus, kind: str, rng: random.Random) -> str:
    editor = _FieldEditor(root / "spec", corpus, rng)  # the corpus's files are relative to spec/
    reqs = editor.generated(Requirement)
    if kind == "link_removed":
        reqs = [r for r in reqs if len(editor.uses(r)) >= 2]
    if kind == "link_added" and rng.random() < 0.3:  # a data item's title shows on other pages too
        editor.title(rng.choice(editor.generated(DataItem)))
        return editor.done[-1]
    getattr(editor, kind)(rng.choice(reqs))
    return editor.done[-1]


def _oracle(app: Sphinx) -> set[str]:
    """Pages whose computed text changed: every directive rendered again and its digest compared."""
    return set(fingerprints.changed_pages(app, app.env, set()))


def _changed_directives(app: Sphinx) -> set[tuple[str, str, tuple[str, ...]]]:
    """Directives (page, name, args) whose computed text changed: each rendered again, digests compared."""
    corpus = state.corpus_of(app)
    return {
        (doc, name, args)
        for doc, entries in fingerprints._store(app.env).items()
        if doc in app.env.found_docs
        for name, args, old, *_ in entries
        if fingerprints.digest(corpus, fingerprints.render(app, name, doc, args)) != old
    }


def _in_two_processes(app: Sphinx, change: Change) -> list[str]:
    """:func:`fingerprints.indexed_changed_pages` as a parallel build runs it: half the selected
    pages compared in a forked copy, which sends back the pages it found changed and their texts."""
    saved = fingerprints.PARALLEL_FROM, app.parallel, forking.start
    forks: list[str] = []

    def start(
        target: Callable[..., object], args: tuple[object, ...], name: str, behind: bool = False
    ) -> BaseProcess | None:
        forks.append(name)
        return saved[2](target, args, name, behind=behind)

    fingerprints.PARALLEL_FROM, app.parallel, forking.start = 2, 2, start
    fingerprints._TEXTS.clear()  # nothing rendered before: the copy's texts must come back
    try:
        found = fingerprints.indexed_changed_pages(app, app.env, change, set())
        for (name, doc, args), text in fingerprints._TEXTS.items():  # the texts kept are this corpus's
            assert text == fingerprints.RENDERERS[name](app, doc, args), (name, doc)
    finally:
        fingerprints.PARALLEL_FROM, app.parallel, forking.start = saved
    selected = fingerprints.selected_entries(app, app.env, change, set())
    # (the duplicate analysis, run by a page's render, may fork its state's writer too)
    pages = [name for name in forks if name != "smets-dups-state"]
    assert pages == (["smets-page-digests"] if len(selected) >= 2 else []), forks
    return found


def _restore(app: Sphinx, root: Path, sources: dict[Path, str], base: Corpus) -> None:
    """The spec's files as they were before an edit (a file the edit made removed), and its corpus."""
    for path in set((root / "spec").rglob("*.rst")) - set(sources):
        path.unlink()
    for path, text in sources.items():
        path.write_text(text, encoding="utf-8")
    state._CORPORA[app] = base


@pytest.mark.parametrize("seed", [1, 2])
def test_the_index_selects_every_page_whose_text_changed(
    built: tuple[Path, Sphinx], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, app = built
    costs_rng = random.Random(seed + 100)
    base = state.corpus_of(app)
    base_keys = keys_of(base)
    sources = {p: p.read_text(encoding="utf-8") for p in (root / "spec").rglob("*.rst")}
    rng = random.Random(seed)
    selected_total = oracle_total = 0
    seen: set[str] = set()
    for kind in KINDS:
        done = _edit(root, base, kind, rng)
        try:
            edited = load_spec(root / "spec", relative_to=root / "spec")
            state._CORPORA[app] = edited
            change = change_between(base_keys, keys_of(edited))
            assert change, done
            oracle = _oracle(app)
            selected = {doc for doc, _ in fingerprints.selected_entries(app, app.env, change, set())}
            assert oracle <= selected, (done, sorted(oracle - selected))
            # directive by directive too: a page with another directive selected must not hide one
            chosen = {
                (doc, e[0], e[1])
                for doc, es in fingerprints.selected_entries(app, app.env, change, set())
                for e in es
            }
            missed = _changed_directives(app) - chosen
            assert not missed, (done, sorted(missed))
            assert set(fingerprints.indexed_changed_pages(app, app.env, change, set())) == oracle, done
            assert set(_in_two_processes(app, change)) == oracle, done
            # split by seeded random costs of a last comparison (SMETS_DIGESTS_BALANCED), and every
            # other page as before (off): the same pages found, the copy's texts this corpus's
            costs = {doc: costs_rng.random() for doc in selected if costs_rng.random() < 0.8}
            costs[fingerprints._BESIDE_COST] = costs_rng.random()
            with monkeypatch.context() as patched:
                patched.setattr(app.env, fingerprints._COSTS, costs, raising=False)
                assert set(_in_two_processes(app, change)) == oracle, done
                patched.setenv(fingerprints.BALANCED_SWITCH, "off")
                assert set(_in_two_processes(app, change)) == oracle, done
            # no costs kept (the first edit after a full build): split by the texts' sizes
            # (SMETS_COST_ESTIMATE), and every other page as before (off)
            with monkeypatch.context() as patched:
                patched.setattr(app.env, fingerprints._COSTS, None, raising=False)
                assert set(_in_two_processes(app, change)) == oracle, done
                patched.setenv(fingerprints.ESTIMATE_SWITCH, "off")
                assert set(_in_two_processes(app, change)) == oracle, done
            assert not any(d.startswith("conformance/tests/") for d in selected), done  # source listings
            if kind == "text":
                assert {"trace/matrix", "req/index", "trace/chains"}.isdisjoint(selected), (done, selected)
            if done.startswith(("link ", "unlink ", "mandatory_for ")):  # the duplicate scan reads no link
                assert "quality/duplicates" not in selected, done
            if kind == "title":  # only the section listing the requirement shows its title
                need = base.needs[done.split()[1]]
                assert isinstance(need, Requirement) and need.section
                sections = {d for d, name, _ in chosen if name == "smets-section"}
                assert sections == {f"sections/{need.section.value.lower()}"}, (done, sections)
            seen |= oracle
            selected_total += len(selected)
            oracle_total += len(oracle)
        finally:
            _restore(app, root, sources, base)
    assert {"changes/versions", "trace/matrix", "req/index"} <= seen  # the edits reach the version pages too
    every = sum(1 for _ in fingerprints._store(app.env)) * len(KINDS)
    assert oracle_total <= selected_total < every  # narrower than re-rendering every page


@pytest.mark.parametrize("seed", [3])
def test_the_notes_worked_out_ahead_are_what_the_read_records(
    built: tuple[Path, Sphinx], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest and mentions kept from the comparison (the forked copy's for its pages,
    :data:`fingerprints._NOTES`; this process's digests) are what the re-read of each changed page
    records without them (``SMETS_PAGE_NOTES=off``): the environment, so the site, is the same."""
    root, app = built
    base = state.corpus_of(app)
    base_keys = keys_of(base)
    sources = {p: p.read_text(encoding="utf-8") for p in (root / "spec").rglob("*.rst")}
    rng = random.Random(seed)
    from_copy = from_here = 0
    for kind in ("title", "link_added", "device"):
        done = _edit(root, base, kind, rng)
        try:
            edited = load_spec(root / "spec", relative_to=root / "spec")
            state._CORPORA[app] = edited
            fingerprints._count_pages(app.env, edited)  # as env-get-outdated does: shared rows counted
            change = change_between(base_keys, keys_of(edited))
            found = _in_two_processes(app, change)  # every other page the copy's, fixed beforehand
            for doc in found:
                for name, args, *_ in fingerprints._store(app.env)[doc]:
                    key = (name, doc, args)
                    text = fingerprints.render(app, name, doc, args)
                    kept = fingerprints._noted(edited, key, text)
                    from_copy += key in fingerprints._NOTES
                    from_here += key in fingerprints._DIGESTS and key not in fingerprints._NOTES
                    assert kept is None or kept == fingerprints._note_of(edited, name, text), (done, key)
                    with monkeypatch.context() as off:
                        off.setenv(fingerprints.NOTES_SWITCH, "off")
                        assert fingerprints._noted(edited, key, text) is None
                    assert fingerprints._noted(edited, key, text + " ") is None  # another text: not kept
        finally:
            _restore(app, root, sources, base)
            fingerprints._PAGES_FOR[0] = None
    assert from_copy > 0 and from_here > 0, (from_copy, from_here)


def test_the_balanced_split_shares_every_page_once() -> None:
    """:func:`fingerprints._split`: every page to one side only, in its order, the pages whose first
    directive is the same on one side; without costs every other page to the copy (as
    ``SMETS_DIGESTS_BALANCED=off``); with costs, the two sides' work (this process's beside work
    and late pages included) differs by no more than the largest group of pages."""
    rng = random.Random(17)
    for count in range(30):
        alone: Any = [(f"p{i}", [(f"d{i}", (), "", None, None)]) for i in range(count)]
        assert fingerprints._split(alone, [], {}) == (alone[1::2], alone[::2])
        todo: Any = [
            (f"p{i}", [(rng.choice(["a", "b", f"d{i}", f"d{i}"]), (), "", None, None)]) for i in range(count)
        ]
        last: Any = [(f"late{i}", []) for i in range(rng.randrange(3))]
        assert fingerprints._split(todo, last, {"other": 1.0}) == (todo[1::2], todo[::2])
        costs = {doc: rng.random() for doc, _ in todo + last if rng.random() < 0.8}
        costs[fingerprints._BESIDE_COST] = rng.random()
        costs[fingerprints._COPY_COST] = rng.random() / 2
        mine, theirs = fingerprints._split(todo, last, costs)
        known = [costs[d] for d, _ in todo if d in costs]
        if not known:
            assert (mine, theirs) == (todo[1::2], todo[::2])
            continue
        assert sorted(mine + theirs) == sorted(todo) and len(mine) + len(theirs) == count
        assert mine == [p for p in todo if p in mine] and theirs == [p for p in todo if p in theirs]
        assert not {e[0] for _, es in mine for e in es} & {e[0] for _, es in theirs for e in es}, count
        mean = sum(known) / len(known)

        def cost(doc: str, costs: dict[str, float] = costs, mean: float = mean) -> float:
            return costs.get(doc, mean)

        groups = [sum(cost(d) for d, es in todo if es[0][0] == name) for name in {es[0][0] for _, es in todo}]
        here = costs[fingerprints._BESIDE_COST] + sum(cost(d) for d, _ in last + mine)
        there = costs[fingerprints._COPY_COST] + sum(cost(d) for d, _ in theirs)
        start = abs(here - sum(cost(d) for d, _ in mine) - costs[fingerprints._COPY_COST])
        assert abs(here - there) <= max([start, *groups]) + 1e-9, count


def test_a_full_read_keeps_each_pages_text_size_as_its_first_cost(
    built: tuple[Path, Sphinx], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full build's read kept the characters of each page's computed texts (a serial read
    here; a parallel one's: the next test); with no comparison costed the pages
    to compare, :func:`fingerprints._first_costs` estimates them from those sizes, the costs kept
    beside left as they are; none once a page is costed, nor with ``SMETS_COST_ESTIMATE=off``."""
    _, app = built
    corpus = state.corpus_of(app)
    sizes = fingerprints._sizes(app.env)
    store = fingerprints._store(app.env)
    assert set(sizes) == set(store) and len(sizes) > 40
    same = 0
    for doc, entries in store.items():
        texts = [fingerprints.render(app, name, doc, args) for name, args, *_ in entries]
        if all(fingerprints.digest(corpus, t) == e[2] for t, e in zip(texts, entries, strict=True)):
            assert sizes[doc] == sum(len(t) for t in texts) > 0, doc
            same += 1
    assert same >= len(store) - 2  # (the conformance summary shows when the suite ran)
    todo: Any = [("trace/chains", []), ("trace/matrix", []), ("nowhere", [])]
    kept = {fingerprints._BESIDE_COST: 0.25, "other": 1.0}
    first = fingerprints._first_costs(app, todo, kept)
    assert first == {
        **kept,
        "trace/chains": sizes["trace/chains"] * fingerprints.PER_CHAR,
        "trace/matrix": sizes["trace/matrix"] * fingerprints.PER_CHAR,
    }
    assert first["trace/chains"] > first["trace/matrix"] > 0
    costed = {**kept, "trace/matrix": 0.5}
    assert fingerprints._first_costs(app, todo, costed) is costed
    monkeypatch.setenv(fingerprints.ESTIMATE_SWITCH, "off")
    assert fingerprints._first_costs(app, todo, kept) is kept


def test_a_parallel_reads_readers_hand_back_their_pages_text_sizes(first_built_60: FirstBuilt) -> None:
    """The readers of a full build in two processes send the sizes of their pages' texts back with
    their environments (``env-merge-info``): every computed page has its size, none other."""
    first_built_60.again()
    env = envparts.load(first_built_60.sites["on"] / ".doctrees" / "environment.pickle")
    sizes, store = fingerprints._sizes(env), fingerprints._store(env)
    assert set(sizes) == set(store) and len(store) > 40
    assert all(size > 0 for size in sizes.values())
    assert sizes["trace/chains"] > 1000 and sizes["req/index"] > 1000


def test_a_copy_that_fails_leaves_the_pages_it_took_to_this_process(
    built: tuple[Path, Sphinx], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, app = built
    base = state.corpus_of(app)
    sources = {p: p.read_text(encoding="utf-8") for p in (root / "spec").rglob("*.rst")}
    done = _edit(root, base, "title", random.Random(5))
    try:
        edited = load_spec(root / "spec", relative_to=root / "spec")
        state._CORPORA[app] = edited
        change = change_between(keys_of(base), keys_of(edited))
        oracle = _oracle(app)
        assert len(fingerprints.selected_entries(app, app.env, change, set())) >= 4, done

        def failing(app: Sphinx, corpus: Corpus, todo: Any, conn: Any) -> None:
            os._exit(3)  # dies silently

        monkeypatch.setattr(fingerprints, "_worker", failing)
        assert set(_in_two_processes(app, change)) == oracle, done  # its fixed half compared here
    finally:
        _restore(app, root, sources, base)


def test_a_version_tag_moved_selects_the_version_pages(built: tuple[Path, Sphinx]) -> None:
    """The version and change pages read the commit a version's revision names: moving the tag is a
    change."""
    root, app = built
    nothing = Change({}, {}, False)
    assert "changes/versions" in fingerprints._store(app.env)
    assert fingerprints.selected_entries(app, app.env, nothing, set()) == []
    assert fingerprints.restamped_pages(app, app.env) == []  # no source and no stamp changed
    fingerprints._STAMPED.clear()
    _git(root, "tag", "-f", "v1", "HEAD")
    try:
        selected = {doc for doc, _ in fingerprints.selected_entries(app, app.env, nothing, set())}
        versions = {
            "smets-versions",
            "smets-device-versions",
            "smets-changelog",  # the change pages compare against the versions' commits too
            "smets-suspects",
            "smets-gaps",
        }  # the assessment pages' stamp is the baseline's
        stamped = {d for d, es in fingerprints._store(app.env).items() if any(e[0] in versions for e in es)}
        assert selected == stamped and {"changes/versions", "devices/esme"} <= stamped
    finally:
        _git(root, "tag", "-f", "v1", "HEAD~1")
        fingerprints._STAMPED.clear()


def test_need_keys_name_the_aspects_that_changed(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", 120)
    before = load_spec(root / "spec", relative_to=root / "spec")
    rng = random.Random(7)
    editor = _FieldEditor(root / "spec", before, rng)
    first, second, third = editor.generated(Requirement)[:3]
    editor.title(first)
    editor.status(second)
    editor.deleted(third)
    after = load_spec(root / "spec", relative_to=root / "spec")
    change = change_between(keys_of(before), keys_of(after))
    assert change.needs[first] == {"title"}
    assert change.needs[second] >= {"fields"} and "title" not in change.needs[second]
    assert change.needs[third] == {EXISTS}
    assert not change.order  # the survivors are in the same order
    # needs after the deleted one in its file moved up: their lines changed, nothing else
    assert all(a == {"line"} for i, a in change.needs.items() if i not in {first, second, third})


def test_a_mention_counts_only_for_what_a_link_shows() -> None:
    known = {"GS_08": object(), "DAT_X": object()}
    found = mentioned("see GS_08 and DAT_X, GS_0800, DEV_NEW and GS_081; GS", known)
    assert found == {"GS_08", "DAT_X", "DEV_NEW", "GS_081"}  # known ids, and words shaped like one
    text_only = Change({"GS_08": frozenset({"text"})}, {"GS_08": frozenset({"req"})}, False)
    title = Change({"GS_08": frozenset({"title"})}, {"GS_08": frozenset({"req"})}, False)
    added = Change({"DEV_NEW": frozenset({EXISTS})}, {"DEV_NEW": frozenset({"device"})}, False)
    assert not touches((), {"GS_08"}, text_only)
    assert touches((), {"GS_08"}, title)
    assert touches((), {"DEV_NEW"}, added)  # a link to a need not written yet shows it once added
    assert not touches((), {"GS_08"}, added)
    assert touches(None, (), text_only)


# ------------------------------------------ a need added or removed (needkeys.Facet via / where)


def _added_bare(editor: _FieldEditor, need_id: str) -> None:
    """A requirement added beside ``need_id``, a copy of it with a new id that uses no data item."""
    new = copy_without_uses(editor.path(need_id), need_id)
    editor.done.append(f"add {new} (uses nothing)")


def _set_edit(root: Path, corpus: Corpus, kind: str, rng: random.Random) -> tuple[str, str]:
    """One need added or deleted (``*_bare``: a requirement that uses no data item); what was done
    and the requirement's id."""
    editor = _FieldEditor(root / "spec", corpus, rng)
    reqs = editor.generated(Requirement)
    bare = sorted(r.id for r in corpus.requirements if not r.uses)
    if kind == "added_bare":
        _added_bare(editor, rng.choice(reqs))
    elif kind == "deleted_bare":
        editor.deleted(rng.choice(bare))
    else:
        getattr(editor, kind)(rng.choice(reqs))
    done = editor.done[-1]
    return done, done.split()[1]


@pytest.mark.parametrize("seed", [11, 12])
def test_a_need_added_or_deleted_renders_only_the_directives_that_can_show_it(
    built: tuple[Path, Sphinx], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seeded random requirements added and deleted, using data items or none: every directive
    whose text changed is selected, the pages found changed are the oracle's, and what is selected
    is a subset of what ``SMETS_SET_SCOPES=off`` selects (every need of a facet's types counts);
    a requirement that uses nothing selects no assessment, catalogue or protocol page and only
    the section page of its own section."""
    root, app = built
    base = state.corpus_of(app)
    base_keys = keys_of(base)
    sources = {p: p.read_text(encoding="utf-8") for p in (root / "spec").rglob("*.rst")}
    rng = random.Random(seed)
    narrower = 0
    for kind in ("added_bare", "deleted_bare", "added", "deleted", "added_bare", "deleted_bare"):
        done, need_id = _set_edit(root, base, kind, rng)
        try:
            edited = load_spec(root / "spec", relative_to=root / "spec")
            state._CORPORA[app] = edited
            change = change_between(base_keys, keys_of(edited))
            assert change.needs[need_id] == {EXISTS}, done

            def chosen(change: Change = change) -> set[tuple[str, str, tuple[str, ...]]]:
                picked = fingerprints.selected_entries(app, app.env, change, set())
                return {(doc, e[0], e[1]) for doc, es in picked for e in es}

            scoped = chosen()
            with monkeypatch.context() as off:
                off.setenv(SCOPES_SWITCH, "off")
                every = chosen()
            missed = _changed_directives(app) - scoped
            assert not missed, (done, sorted(missed))
            assert scoped <= every, done
            narrower += len(every) - len(scoped)
            oracle = _oracle(app)
            assert set(fingerprints.indexed_changed_pages(app, app.env, change, set())) == oracle, done
            if kind.endswith("_bare"):
                names = {name for _, name, _ in scoped}
                assert not names & {"smets-assessment", "smets-catalogue", "smets-protocol"}, (done, names)
                need = (edited if kind.startswith("added") else base).needs[need_id]
                assert isinstance(need, Requirement) and need.section
                sections = {d for d, name, _ in scoped if name == "smets-section"}
                assert sections == {f"sections/{need.section.value.lower()}"}, (done, sections)
        finally:
            _restore(app, root, sources, base)
    assert narrower > 0


def test_a_facet_reads_a_need_only_through_its_via_links_or_where_it_lists_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uses_nothing = ("req", "t", "x", "l", "f", "a.rst", "n", "mandatory_for=DEV_A", "uses=")
    using = (*uses_nothing[:-1], "uses=DAT_X")
    added = change_between({}, {"R_1": uses_nothing})
    assert added.linked == {"R_1": frozenset({"mandatory_for"})}
    via = (facet(Requirement, aspects=("fields", "links:uses"), via=("uses",)),)
    assert not touches(via, None, added)
    assert touches(via, None, change_between({}, {"R_1": using}))
    assert touches(via, None, change_between({"R_1": using}, {"R_1": uses_nothing}))  # no longer uses
    assert touches(via, None, Change(added.needs, added.types, False))  # links not known: it counts
    monkeypatch.setenv(SCOPES_SWITCH, "off")
    assert touches(via, None, added)
    monkeypatch.delenv(SCOPES_SWITCH)

    class _Req:
        directive = "req"
        section = "A"

    def listed(need: Any, args: tuple[str, ...]) -> bool:
        return bool(need.section == args[0])

    where = (facet(Requirement, aspects=("fields",), where=listed),)
    needs: dict[str, Any] = {"R_1": _Req()}
    assert touches(where, frozenset(), added, ("A",), needs)  # listed now
    assert not touches(where, frozenset(), added, ("B",), needs)  # listed neither before nor now
    assert touches(where, None, added, ("B",), needs)  # mentions not recorded: it counts
    removed = change_between({"R_1": uses_nothing}, {})
    assert touches(where, frozenset({"R_1"}), removed, ("B",), {})  # mentioned (listed) before
    assert not touches(where, frozenset({"R_2"}), removed, ("B",), {})
    with pytest.raises(ValueError, match="via"):
        facet(Requirement, via=())


# ------------------------------------------------------------ every declaration is honest

_READS: list[tuple[str, str]] = []


class _TracedLocation(Location):
    def __getattribute__(self, name: str) -> object:
        if name in ("file", "line"):
            _READS.append((object.__getattribute__(self, "_need"), name))
        return object.__getattribute__(self, name)


def _traced_location(where: Location, need_id: str) -> Location:
    loc = _TracedLocation(where.file, where.line)
    object.__setattr__(loc, "_need", need_id)
    return loc


class _TracedLocations(dict[str, Location]):
    def get(self, key: str, default: Any = None) -> Any:
        found = super().get(key)
        return default if found is None else _traced_location(found, key)

    def __getitem__(self, key: str) -> Location:
        return _traced_location(super().__getitem__(key), key)


class _TracedLines(dict[str, dict[str, int]]):
    def get(self, key: str, default: Any = None) -> Any:
        _READS.append((key, "line"))
        return super().get(key, default)

    def __getitem__(self, key: str) -> dict[str, int]:
        _READS.append((key, "line"))
        return super().__getitem__(key)


class _TracedCorpus(Corpus):
    def location(self, need_id: str, field_name: str | None = None) -> Location:
        """What :meth:`Corpus.location` gives, recording which of file and line the caller reads."""
        where = dict.__getitem__(self.locations, need_id)
        line = dict.get(self.field_lines, need_id, {}).get(field_name or "")
        return _traced_location(Location(where.file, line) if line is not None else where, need_id)


@functools.cache
def _traced_class(cls: type[Need]) -> type[Need]:
    names = frozenset(cls.model_fields) - {"id"}

    def __getattribute__(self: Need, name: str) -> object:  # noqa: N807 - the hook it replaces
        if name in names:
            _READS.append((object.__getattribute__(self, "id"), name))
        return object.__getattribute__(self, name)

    return type(f"Traced{cls.__name__}", (cls,), {"__getattribute__": __getattribute__})


def _traced(corpus: Corpus) -> Corpus:
    """A copy of ``corpus`` whose needs, locations and field lines record every read into _READS."""
    needs = {
        i: _traced_class(type(n)).model_construct(_fields_set=n.model_fields_set, **dict(n))
        for i, n in corpus.needs.items()
    }
    return _TracedCorpus(
        needs=needs,  # type: ignore[arg-type]
        locations=_TracedLocations(corpus.locations),
        diagnostics=corpus.diagnostics,
        field_lines=_TracedLines(corpus.field_lines),
        rejected=corpus.rejected,
        source=corpus.source,
    )


def _aspect(need: Need, name: str) -> str:
    if name in ("title", "file", "line"):
        return name
    if name == "content":
        return "text"
    return f"links:{name}" if name in type(need).links() else "fields"


def _covered(deps: tuple[Facet, ...], mentions: frozenset[str], need: Need, aspect: str) -> bool:
    if need.id in mentions and aspect in SHOWN_BY_A_LINK:
        return True
    return any(
        (f.types is None or need.directive in f.types)
        and (aspect in f.aspects or (aspect.startswith("links:") and "links" in f.aspects))
        for f in deps
    )


def _undeclared(
    app: Sphinx,
    docname: str,
    name: str,
    args: tuple[str, ...],
    deps: tuple[Facet, ...],
    mentions: frozenset[str],
) -> tuple[int, set[tuple[str, str]]]:
    """The count of reads rendering ``name`` made, and those its ``deps`` and ``mentions`` do not cover."""
    base = state.corpus_of(app)
    state._CORPORA[app] = _traced(base)  # a fresh corpus: its analyses are computed again, traced
    _READS.clear()
    try:
        fingerprints.RENDERERS[name](app, docname, args)
    finally:
        state._CORPORA[app] = base
    reads = set(_READS)
    return len(reads), {
        (i, a)
        for i, field in reads
        if i in base.needs and not _covered(deps, mentions, base.needs[i], a := _aspect(base.needs[i], field))
    }


def test_no_renderer_reads_a_need_outside_its_declared_dependencies(built: tuple[Path, Sphinx]) -> None:
    """Each declared directive, rendered on a corpus recording every field read, reads nothing undeclared."""
    _, app = built
    checked: dict[tuple[str, tuple[str, ...]], int] = {}
    for docname, entries in fingerprints._store(app.env).items():
        for name, args, _, mentions, _ in entries:
            deps = fingerprints.DEPS.get(name)
            if deps is None or (name, args) in checked:
                continue
            checked[name, args], undeclared = _undeclared(
                app, docname, name, args, deps, mentions or frozenset()
            )
            assert not undeclared, (name, args, sorted(undeclared)[:10])
    assert checked["smets-matrix", ()] > 300 and checked["smets-section", ("DI",)] > 100  # reads are seen
    assert checked["smets-schema", ()] == 0


def test_the_tracing_catches_a_declaration_too_narrow(built: tuple[Path, Sphinx]) -> None:
    _, app = built
    entry = next(e for e in fingerprints._store(app.env)["sections/di"] if e[0] == "smets-section")
    narrow = (facet(Requirement, aspects=("fields",)),)  # the section table shows titles too
    _, undeclared = _undeclared(app, "sections/di", "smets-section", entry[1], narrow, frozenset())
    assert {a for _, a in undeclared} == {"title", "links:mandatory_for", "links:optional_for"}


@pytest.mark.parametrize("seed", [3])
def test_mentions_found_row_by_row_are_the_whole_texts(built: tuple[Path, Sphinx], seed: int) -> None:
    """Every computed directive's text, after seeded random edits: the needs it mentions found row by
    row, the rows shared across the build's pages (fingerprints.mentions_of), are those of the whole
    text; and off (``SMETS_ROW_MENTIONS=off``) is the whole text's path."""
    root, app = built
    base = state.corpus_of(app)
    sources = {p: p.read_text(encoding="utf-8") for p in (root / "spec").rglob("*.rst")}
    rng = random.Random(seed)
    shared = 0
    for kind in ("title", "text", "added", "device"):
        done = _edit(root, base, kind, rng)
        try:
            edited = load_spec(root / "spec", relative_to=root / "spec")
            state._CORPORA[app] = edited
            for doc, entries in fingerprints._store(app.env).items():
                for name, args, *_ in entries:
                    text = fingerprints.render(app, name, doc, args)
                    whole = mentioned(text, edited.needs)
                    assert fingerprints.mentions_of(text, edited, True) == whole, (done, doc, name)
            shared += len(fingerprints._ROWS)
        finally:
            _restore(app, root, sources, base)
    assert shared  # rows were kept and met again
    fingerprints.forget_rows()
    assert not fingerprints._ROWS


def test_mentions_are_whole_when_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus: Any = type("C", (), {"needs": {"GS_08": 1}})()
    monkeypatch.setenv(fingerprints.ROWS_SWITCH, "off")
    assert fingerprints.mentions_of("<tr>GS_08</tr><tr>DAT_X", corpus) == {"GS_08", "DAT_X"}
    assert fingerprints._ROWS_OF[0] is not corpus  # no row kept
