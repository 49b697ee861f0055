"""A site built with a warm render cache is the site built without one, and the site built with
every need directive parsed by docutils (``SMETS_RENDER_CACHE=off``).

Every page, needs.json and the search index are compared after normalising only the build's own
timestamps (:mod:`sitecompare`): on the repository's spec, and on a generated spec after a seeded
random set of edits of every kind (a title, a text, a linked need's title, a link added and one
removed, a need added, deleted and moved between files), built incrementally with the cache of the
build before the edits, against a full build of the edited source without the cache (that
comparison is made in tests/test_incremental_global.py's rounds of random edits, on their builds;
the editor is here).
"""

from __future__ import annotations

import os
import pickle
import random
import re
import subprocess
from pathlib import Path

from clitools import build_argv, run_ok, sourcedir
from conftest import copy_project
from sitecompare import differences
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import DataItem, Requirement
from smets_spec.sphinx.cachedneeds import CachedCard, SmetsCard
from smets_spec.sphinx.rendercache import RenderCache
from smets_spec.trace.coverage import index_of


def _build(root: Path, out: Path, cache: Path, fresh: bool = True, switch: str = "on") -> None:
    argv = build_argv(root, out, "-j", "1")
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), SMETS_RENDER_CACHE=switch)
    run_ok([*argv, *(["--fresh"] if fresh else [])], env=env)


def _cards(out: Path) -> tuple[int, int]:
    """Cards drawn from their nodes, and cards taken from the cache, in the build's saved doctrees."""
    drawn = cached = 0
    for path in (out / ".doctrees").rglob("*.doctree"):
        doctree = pickle.loads(path.read_bytes())  # the doctrees this test's own build just wrote
        drawn += sum(1 for _ in doctree.findall(SmetsCard))
        cached += sum(1 for _ in doctree.findall(CachedCard))
    return drawn, cached


def _pages(out: Path) -> list[str]:
    return [
        p.relative_to(out / ".doctrees").with_suffix("").as_posix()
        for p in (out / ".doctrees").rglob("*.doctree")
    ]


def test_the_site_built_from_the_cache_is_the_site_built_without_it(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    cache = tmp_path / "cache"
    _build(root, tmp_path / "cold", cache)
    drawn, cached = _cards(tmp_path / "cold")
    assert cached == 0 and drawn > 400
    stored = sum(len(RenderCache(cache).load(page)) for page in _pages(tmp_path / "cold"))
    assert stored > 0.8 * drawn  # all but the needs whose text depends on their page (directives, ...)
    _build(root, tmp_path / "warm", cache)
    assert _cards(tmp_path / "warm")[1] == stored
    assert differences(tmp_path / "cold", tmp_path / "warm") == []
    # and both are the site every need directive parsed by docutils gives (no placeholder, no cache)
    _build(root, tmp_path / "plain", tmp_path / "unused", switch="off")
    assert not (tmp_path / "unused" / "cards").exists()  # no render cache (catalogue answers are kept)
    assert differences(tmp_path / "plain", tmp_path / "cold") == []


def test_tricky_layouts_build_the_same_with_and_without_the_cache(tmp_path: Path) -> None:
    """Wrapped titles and options, tabs, a need nested in a need or in ``only``, literal examples."""
    root = sourcedir(tmp_path, "syntax")
    _build(root, tmp_path / "plain", tmp_path / "unused", switch="off")
    _build(root, tmp_path / "cold", tmp_path / "cache")
    _build(root, tmp_path / "warm", tmp_path / "cache")
    assert _cards(tmp_path / "warm")[1] > 0
    assert differences(tmp_path / "plain", tmp_path / "cold") == []
    assert differences(tmp_path / "plain", tmp_path / "warm") == []


# ------------------------------------------------------------ random edits of a generated spec


def _block(text: str, need_id: str) -> tuple[int, int]:
    """Start and end offsets of the directive block of ``need_id`` (up to the next unindented line)."""
    at = text.index(f"   :id: {need_id}\n")
    start = text.rindex("\n.. ", 0, at) + 1
    end = re.compile(r"^\S", re.M).search(text, text.index("\n", start) + 1)
    return start, end.start() if end else len(text)


def copy_without_uses(path: Path, need_id: str) -> str:
    """A copy of the requirement ``need_id`` added at the end of its file ``path``, with a new id
    (its number + 800) and no ``uses``: the new id."""
    text = path.read_text(encoding="utf-8")
    start, end = _block(text, need_id)
    section, number = need_id.split("_")
    new = f"{section}_{int(number) + 800}"
    block = (
        text[start:end].replace(need_id, new).replace(f"{section}.{number}", f"{section}.{int(number) + 800}")
    )
    path.write_text(text + "\n" + re.sub(r"^   :uses: .*\n", "", block, flags=re.M), encoding="utf-8")
    return new


class _Editor:
    def __init__(self, root: Path, corpus: Corpus, rng: random.Random) -> None:
        self.root, self.corpus, self.rng = root, corpus, rng
        self.done: list[str] = []

    def path(self, need_id: str) -> Path:
        return self.root / self.corpus.location(need_id).file

    def replace(self, need_id: str, old: str, new: str) -> None:
        path = self.path(need_id)
        text = path.read_text(encoding="utf-8")
        start, end = _block(text, need_id)
        block = text[start:end]
        assert old in block, (need_id, old)
        path.write_text(text[:start] + block.replace(old, new, 1) + text[end:], encoding="utf-8")

    def generated(self, kind: type[Requirement] | type[DataItem]) -> list[str]:
        return [
            n.id
            for n in self.corpus.of_type(kind)
            if "/syn" in self.corpus.location(n.id).file or "-syn-" in self.corpus.location(n.id).file
        ]

    def title(self, need_id: str) -> None:
        old = self.corpus.needs[need_id].title
        self.replace(need_id, f":: {old}\n", f":: {old} (edited {self.rng.randrange(1000)})\n")
        self.done.append(f"title {need_id}")

    def text(self, need_id: str) -> None:
        other = self.rng.choice(self.generated(Requirement))
        self.replace(need_id, "\n\n   ", f"\n\n   Edited: see :need:`{other}`. ")
        self.done.append(f"text {need_id} -> {other}")

    def uses(self, need_id: str) -> list[str]:
        text = self.path(need_id).read_text(encoding="utf-8")
        start, end = _block(text, need_id)
        found = re.search(r"^   :uses: (.*)$", text[start:end], re.M)
        return [u.strip() for u in found[1].split(",")] if found else []

    def link_added(self, need_id: str) -> None:
        uses = self.uses(need_id)
        new = self.rng.choice([d for d in self.generated(DataItem) if d not in uses])
        self.replace(need_id, f":uses: {', '.join(uses)}\n", f":uses: {', '.join((*uses, new))}\n")
        self.done.append(f"link {need_id} -> {new}")

    def link_removed(self, need_id: str) -> None:
        uses = self.uses(need_id)
        self.replace(need_id, f":uses: {', '.join(uses)}\n", f":uses: {', '.join(uses[:-1])}\n")
        self.done.append(f"unlink {need_id} -> {uses[-1]}")

    def added(self, need_id: str) -> None:
        path = self.path(need_id)
        text = path.read_text(encoding="utf-8")
        start, end = _block(text, need_id)
        section, number = need_id.split("_")
        new = f"{section}_{int(number) + 700}"
        block = (
            text[start:end]
            .replace(need_id, new)
            .replace(f"{section}.{number}", f"{section}.{int(number) + 700}")
        )
        path.write_text(text + "\n" + block, encoding="utf-8")
        self.done.append(f"add {new}")

    def deleted(self, need_id: str) -> None:
        path = self.path(need_id)
        text = path.read_text(encoding="utf-8")
        start, end = _block(text, need_id)
        path.write_text(text[:start] + text[end:], encoding="utf-8")
        self.done.append(f"delete {need_id}")

    def moved(self, need_id: str) -> None:
        path = self.path(need_id)
        section = need_id.split("_")[0].lower()
        others = sorted(p for p in path.parent.glob(f"{section}*.rst") if p != path)
        target = self.rng.choice(others)
        text = path.read_text(encoding="utf-8")
        start, end = _block(text, need_id)
        path.write_text(text[:start] + text[end:], encoding="utf-8")
        target.write_text(target.read_text(encoding="utf-8") + "\n" + text[start:end], encoding="utf-8")
        self.done.append(f"move {need_id} -> {target.name}")


def _edit(root: Path, seed: int) -> list[str]:
    """One edit of each kind, each on a generated need chosen by ``seed``; what was done."""
    corpus = load_spec(root / "spec", relative_to=root)
    rng = random.Random(seed)
    editor = _Editor(root, corpus, rng)
    incoming = index_of(corpus).incoming
    reqs = rng.sample(editor.generated(Requirement), 40)
    linked = [r for r in reqs if len(editor.uses(r)) >= 2]
    unlinked = [r for r in reqs if not incoming.get(r)]
    editor.title(reqs[0])
    editor.text(reqs[1])
    editor.title(rng.choice(editor.generated(DataItem)))  # shown as a tooltip on other pages' cards
    editor.link_added(linked[0])
    editor.link_removed(linked[1])
    editor.added(reqs[2])
    editor.deleted(unlinked[-1])
    editor.moved(unlinked[-2])
    return editor.done


def test_an_author_cannot_write_the_placeholder_of_a_cached_need(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    page = root / "spec" / "requirements.rst"
    page.write_text(page.read_text(encoding="utf-8") + "\n.. smets-cached-need::\n", encoding="utf-8")
    argv = build_argv(root, tmp_path / "o")
    env = dict(os.environ, SMETS_CACHE_DIR=str(tmp_path / "cache"))
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "requirements.rst" in result.stderr and "smets-cached-need::' is the build's own placeholder" in (
        result.stderr
    )
    assert "[smets.unsafe-markup]" in result.stderr
