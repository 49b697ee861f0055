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

import random
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sphinx.application import Sphinx

from clitools import build_argv
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.needkeys import EXISTS, change_between, keys_of, mentioned, touches
from smets_spec.corpus.schema import DataItem, Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import fingerprints, state
from test_build_render_cache import _block, _Editor


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
        devices = sorted(d for d in ("DEV_ESME", "DEV_GSME", "DEV_IHD", "DEV_CHF") if d not in now.mandatory_for)
        self.option(need_id, "mandatory_for", self.rng.choice(devices))


KINDS = ("title", "text", "link_added", "link_removed", "added", "deleted", "moved", "status", "section", "device")


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[tuple[Path, Sphinx]]:
    # the source listings import the conformance suite, whose marker its own run registers
    pytestconfig.addinivalue_line("markers", "verifies(*ids): the requirements a conformance test verifies")
    base = tmp_path_factory.mktemp("page-index")
    root = generate(base / "project", 120)
    out = base / "site"
    argv = build_argv(root, out, "-j", "1")
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    app = Sphinx(
        str(root / "spec"), str(root), str(out), str(out / ".doctrees"), "html", status=None, warning=None
    )
    yield root, app


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


@pytest.mark.parametrize("seed", [1, 2])
def test_the_index_selects_every_page_whose_text_changed(built: tuple[Path, Sphinx], seed: int) -> None:
    root, app = built
    base = state.corpus_of(app)
    base_keys = keys_of(base)
    sources = {p: p.read_text(encoding="utf-8") for p in (root / "spec").rglob("*.rst")}
    rng = random.Random(seed)
    selected_total = oracle_total = 0
    for kind in KINDS:
        done = _edit(root, base, kind, rng)
        try:
            edited = load_spec(root / "spec", relative_to=root / "spec")
            state._CORPORA[app] = edited
            change = change_between(base_keys, keys_of(edited))
            assert change, done
            oracle = _oracle(app)
            selected = {doc for doc, _ in fingerprints.selected_entries(app.env, change, set())}
            assert oracle <= selected, (done, sorted(oracle - selected))
            assert set(fingerprints.indexed_changed_pages(app, app.env, change, set())) == oracle, done
            assert not any(d.startswith("conformance/tests/") for d in selected), done  # source listings
            if kind == "text":
                assert {"trace/matrix", "req/index", "trace/chains"}.isdisjoint(selected), (done, selected)
            selected_total += len(selected)
            oracle_total += len(oracle)
        finally:
            for path in set((root / "spec").rglob("*.rst")) - set(sources):
                path.unlink()
            for path, text in sources.items():
                path.write_text(text, encoding="utf-8")
            state._CORPORA[app] = base
    every = sum(1 for _ in fingerprints._store(app.env)) * len(KINDS)
    assert oracle_total <= selected_total < every  # narrower than re-rendering every page


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
    from smets_spec.corpus.needkeys import Change

    text_only = Change({"GS_08": frozenset({"text"})}, {"GS_08": frozenset({"req"})}, False)
    title = Change({"GS_08": frozenset({"title"})}, {"GS_08": frozenset({"req"})}, False)
    added = Change({"DEV_NEW": frozenset({EXISTS})}, {"DEV_NEW": frozenset({"device"})}, False)
    assert not touches((), {"GS_08"}, text_only)
    assert touches((), {"GS_08"}, title)
    assert touches((), {"DEV_NEW"}, added)  # a link to a need not written yet shows it once added
    assert not touches((), {"GS_08"}, added)
    assert touches(None, (), text_only)
