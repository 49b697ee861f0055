"""The index of the requirement pages (sphinx/reqindex.py) against its oracle, drawing every page again.

A generated spec is built once (its index kept in the output folder). Then, for seeded random edits
of every kind (a title, a text, a link added and one removed, a need added, deleted or moved
between files, a status, section or device field, a data item's title), the edited corpus is read
and every requirement page is drawn again in memory: the pages the index selects include every
page whose HTML now differs from the built one, and they are far fewer than all of them.

Then the site built incrementally (two forked writers) after a round of edits is the site a full
build of the edited sources gives (:func:`sitecompare.differences`).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace

from clitools import build_argv, run_ok
from sitecompare import differences
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.schema import ConformanceTest, DataItem, Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import reqcache, reqindex, reqpages, state
from smets_spec.sphinx.linker import REQ_FOLDER
from smets_spec.trace.coverage import index_of
from test_build_render_cache import _block
from test_page_index import KINDS, _edit, _FieldEditor, _git_with_a_version, _restore


class _LinkEditor(_FieldEditor):
    """The edits of the computed pages' index test, plus links changed on another need (a conformance
    test verifying one more, or one less, requirement): the requirement's back links change."""

    def verifies(self, test_id: str) -> list[str]:
        text = self.path(test_id).read_text(encoding="utf-8")
        start, end = _block(text, test_id)
        found = re.search(r"^   :verifies: (.*)$", text[start:end], re.M)
        assert found is not None, test_id
        return [v.strip() for v in found[1].split(",")]

    def _relink(self, test_id: str, old: list[str], new: list[str]) -> None:
        self.replace(test_id, f":verifies: {', '.join(old)}\n", f":verifies: {', '.join(new)}\n")
        self.done.append(f"verifies {test_id}: {old} -> {new}")

    def backlink_added(self, test_id: str) -> None:
        old = self.verifies(test_id)
        self._relink(
            test_id, old, [*old, self.rng.choice([r for r in self.generated(Requirement) if r not in old])]
        )

    def backlink_removed(self, test_id: str) -> None:
        old = self.verifies(test_id)
        self._relink(
            test_id, old, old[:-1] if len(old) > 1 else [self.rng.choice(self.generated(Requirement))]
        )


def _tests(editor: _LinkEditor) -> list[str]:
    return [
        t.id for t in editor.corpus.of_type(ConformanceTest) if "syn" in editor.corpus.location(t.id).file
    ]


def _build(root: Path, out: Path, *more: str) -> str:
    env = dict(os.environ, SMETS_CACHE_DIR=str(root.parent / "cache"))
    result = run_ok(build_argv(root, out, *more), env=env)
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Sphinx]]:
    base = tmp_path_factory.mktemp("reqpage-index")
    root = generate(base / "project", 120)
    _git_with_a_version(root)  # the change-history panel reads the version tag
    out = base / "site"
    _build(root, out, "-j", "1")
    with docutils_namespace():
        app = Sphinx(
            str(root / "spec"), str(root), str(out), str(out / ".doctrees"), "html", status=None, warning=None
        )
        yield root, app


def _redrawn(app: Sphinx, drawing: reqpages.Drawing) -> set[str]:
    """The oracle: every requirement page drawn again, and those whose HTML differs from the built one."""
    corpus = state.corpus_of(app)
    analyses = {p.name for p in reqindex.analysis_panels()}
    folder = Path(app.outdir) / REQ_FOLDER
    differ = set()
    for req in corpus.requirements:
        body, _ = reqpages._body(corpus, drawing, req, analyses)
        page = reqpages.whole_page(drawing.shell, drawing.shell_title, req, drawing.around, body)
        target = folder / f"{req.id}.html"
        if not target.is_file() or target.read_text(encoding="utf-8") != page:
            differ.add(req.id)
    return differ


def _plans(app: Sphinx, monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], set[str]]:
    """(pages the index selects, pages whose HTML changed) for the corpus now in ``app``."""
    corpus = state.corpus_of(app)
    shell = reqpages._shell(Path(app.outdir))
    assert shell is not None
    selected = {r.id for r in reqpages.plan(app, corpus, shell).todo}
    with monkeypatch.context() as patch:
        patch.setenv("SMETS_REQ_INDEX", "off")
        full = reqpages.plan(app, corpus, shell)
    assert len(full.todo) == len(corpus.requirements)
    return selected, _redrawn(app, full)


def test_the_built_site_keeps_an_index_that_selects_nothing(
    built: tuple[Path, Sphinx], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, app = built
    data = json.loads((Path(app.outdir) / reqindex.INDEX).read_text(encoding="utf-8"))
    corpus = state.corpus_of(app)
    assert set(data["pages"]) == {r.id for r in corpus.requirements}
    selected, changed = _plans(app, monkeypatch)
    assert selected == set() and changed == set()  # the built pages are what a full redraw gives


@pytest.mark.parametrize("seed", [3, 4])
def test_the_index_selects_every_page_whose_html_changed(
    built: tuple[Path, Sphinx], monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    root, app = built
    base = state.corpus_of(app)
    sources = {p: p.read_text(encoding="utf-8") for p in (root / "spec").rglob("*.rst")}
    rng = random.Random(seed)
    selected_total = changed_total = 0
    for kind in (*KINDS, "backlink_added", "backlink_removed"):
        if kind.startswith("backlink"):
            editor = _LinkEditor(root / "spec", base, rng)
            getattr(editor, kind)(rng.choice(_tests(editor)))
            done = editor.done[-1]
        else:
            done = _edit(root, base, kind, rng)
        try:
            state._CORPORA[app] = load_spec(root / "spec", relative_to=root / "spec")
            selected, changed = _plans(app, monkeypatch)
            assert changed <= selected, (done, sorted(changed - selected))
            assert changed or kind == "moved", done  # every kind of edit shows on some page
            selected_total += len(selected)
            changed_total += len(changed)
        finally:
            _restore(app, root, sources, base)
    assert changed_total <= selected_total < len(base.requirements) * len(KINDS) // 4
    assert selected_total > changed_total  # (the index draws a few pages whose HTML is the same)


def test_the_index_is_refused_when_it_is_not_this_builds(built: tuple[Path, Sphinx]) -> None:
    _, app = built
    corpus = state.corpus_of(app)
    shell = reqpages._shell(Path(app.outdir))
    assert shell is not None
    glob = reqpages.plan(app, corpus, shell).inputs.glob
    assert reqindex.load(Path(app.outdir), glob) is not None  # (stamps and records)
    assert reqindex.load(Path(app.outdir), "another shell, code or conf.py") is None
    other = reqpages.plan(app, corpus, (shell[0].replace("<body", "<body data-x", 1), shell[1]))
    assert len(other.todo) == len(corpus.requirements)  # another theme or sidebar: every page drawn


def _cached_draw(app: Sphinx, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every page drawn with the page cache (:mod:`.reqcache`) into ``app``'s output: each written page
    and each record is what drawing it without the cache gives; the count taken from the cache."""
    corpus = state.corpus_of(app)
    shell = reqpages._shell(Path(app.outdir))
    assert shell is not None
    analyses = {p.name for p in reqindex.analysis_panels()}
    with monkeypatch.context() as patch:
        patch.setenv("SMETS_REQ_INDEX", "off")
        patch.setenv("SMETS_REQ_CACHE", "off")
        plain = reqpages.plan(app, corpus, shell)
        assert plain.cache is None
        expected = {r.id: reqpages._body(corpus, plain, r, analyses) for r in corpus.requirements}
        patch.delenv("SMETS_REQ_CACHE")
        drawing = reqpages.plan(app, corpus, shell)
        assert drawing.cache is not None and drawing.template is not None
        records = reqpages.draw(app, corpus, drawing, drawing.todo)
    assert list(records) == [r.id for r in corpus.requirements]
    folder = Path(app.outdir) / REQ_FOLDER
    for req in corpus.requirements:
        body, shown = expected[req.id]
        page = reqpages.whole_page(plain.shell, plain.shell_title, req, plain.around, body)
        assert (folder / f"{req.id}.html").read_text(encoding="utf-8") == page, req.id
        deps = reqindex.shows(corpus, req.id, body)
        digests = {k: reqindex.panel_digest(v) for k, v in shown.items()}
        assert records[req.id] == (plain.inputs.digest(req.id, deps), deps, digests), req.id
    return drawing.hits


@pytest.fixture
def site_copy(
    built: tuple[Path, Sphinx], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, Sphinx]]:
    """The built site copied, ``app`` writing into the copy, the build's user cache folder."""
    root, app = built
    shutil.copytree(Path(app.outdir), tmp_path / "site")
    monkeypatch.setattr(app, "outdir", str(tmp_path / "site"))
    monkeypatch.setenv("SMETS_CACHE_DIR", str(root.parent / "cache"))
    yield root, app


@pytest.mark.parametrize("seed", [5])
def test_pages_from_the_cache_are_the_pages_drawn(
    site_copy: tuple[Path, Sphinx], monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """The build kept every body; after each kind of random edit, every page drawn with the cache is
    the page drawn without it, and the pages the edit changed were drawn again."""
    root, app = site_copy
    base = state.corpus_of(app)
    assert _cached_draw(app, monkeypatch) == len(base.requirements)  # all of them from the build's cache
    sources = {p: p.read_text(encoding="utf-8") for p in (root / "spec").rglob("*.rst")}
    rng = random.Random(seed)
    for kind in (*KINDS, "backlink_added", "backlink_removed"):
        if kind.startswith("backlink"):
            editor = _LinkEditor(root / "spec", base, rng)
            getattr(editor, kind)(rng.choice(_tests(editor)))
        else:
            _edit(root, base, kind, rng)
        try:
            state._CORPORA[app] = load_spec(root / "spec", relative_to=root / "spec")
            hits = _cached_draw(app, monkeypatch)
            assert 0 < hits < len(state.corpus_of(app).requirements), kind
        finally:
            _restore(app, root, sources, base)
    assert _cached_draw(app, monkeypatch) < len(base.requirements)  # the last edit's pages: drawn again


def test_a_planted_body_is_not_used(site_copy: tuple[Path, Sphinx], monkeypatch: pytest.MonkeyPatch) -> None:
    """A body in the cache with a script in it (its digests left right) is drawn again, not shown."""
    root, app = site_copy
    corpus = state.corpus_of(app)
    req = corpus.requirements[0]
    cache = reqcache.PageCache(Path(app.srcdir))
    shard = cache.load(reqcache.shard_of(req.id))
    _, body, _ = shard.kept[req.id]
    assert "<script" not in body
    for path in (root.parent / "cache" / reqcache.KIND).glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if req.id in data["value"]["pages"]:
            data["value"]["pages"][req.id][3] = body + "<img src=x onerror=alert(1)><script>alert(1)</script>"
            path.write_text(json.dumps(data), encoding="utf-8")
    assert req.id not in cache.load(reqcache.shard_of(req.id)).kept
    assert _cached_draw(app, monkeypatch) == len(corpus.requirements) - 1
    assert "alert" not in (Path(app.outdir) / REQ_FOLDER / f"{req.id}.html").read_text(encoding="utf-8")


def test_the_shell_template_is_the_shell() -> None:
    """The template cut at markers gives :func:`.reqshell.whole_page`'s bytes, for a shell whose title,
    links and footer the regexes find, and is refused for a shell that holds the marker."""
    from smets_spec.corpus.schema import Requirement as Req
    from smets_spec.sphinx import reqnav, reqshell

    head = (
        '<html><head><title>All &amp; more - site</title><link rel="next" title="x" href="a.html" />'
        '<link rel="prev" title="y" href="b.html"></head><body><h1>All &amp; more<a class="headerlink" '
        'href="#">#</a></h1>'
    )
    tail = '<footer><div class="related-pages"><a class="next-page" href="n">N</a> </div></footer></html>'
    req = Req(id="GS_08", title='A <b> & "c"', clause="GS.08")
    around = {
        "GS_08": (reqnav.Neighbour("GS_07 Before", "GS_07.html"), reqnav.Neighbour("X: y", "../x.html"))
    }
    shell = reqshell.Shell.of((head, tail), "All &amp; more")
    assert shell is not None
    want = reqshell.whole_page((head, tail), "All &amp; more", req, around, "<p>body</p>")
    assert shell.page(req, around["GS_08"], "<p>body</p>") == want
    assert "GS_07 Before" in want and "<title>GS.08" in want and "related-pages" in want
    assert reqshell.Shell.of((head + "\x00title\x00", tail), "All &amp; more") is None


def test_an_incremental_build_after_edits_is_the_full_build(
    built: tuple[Path, Sphinx], tmp_path: Path
) -> None:
    """Two forked writers, a round of random edits: the same site as a full build of the edited sources.
    (Last in this file: it edits the built project for good.)"""
    root, app = built
    out = Path(app.outdir)
    corpus = load_spec(root / "spec", relative_to=root / "spec")
    rng = random.Random(11)
    editor = _LinkEditor(root / "spec", corpus, rng)
    incoming = index_of(corpus).incoming
    reqs = rng.sample(editor.generated(Requirement), 12)
    unlinked = [r for r in editor.generated(Requirement) if not incoming.get(r) and r not in reqs]
    editor.title(reqs[0])
    editor.text(reqs[1])
    editor.title(rng.choice(editor.generated(DataItem)))
    editor.link_added(next(r for r in reqs if len(editor.uses(r)) >= 1))
    editor.link_removed(next(r for r in reversed(reqs) if len(editor.uses(r)) >= 2))
    editor.added(reqs[2])
    editor.deleted(unlinked[0])
    editor.moved(reqs[4])
    editor.status(reqs[5])
    editor.section(reqs[6])
    editor.device(reqs[7])
    editor.backlink_added(_tests(editor)[0])
    editor.backlink_removed(_tests(editor)[1])
    log = _build(root, out, "-j", "2", "-v")
    drawn = [line for line in log.splitlines() if line.startswith("requirement pages:")]
    assert drawn and not drawn[-1].startswith(f"requirement pages: {len(corpus.requirements)} "), drawn
    _build(root, tmp_path / "full", "-j", "2", "--fresh")
    assert differences(tmp_path / "full", out) == [], editor.done
