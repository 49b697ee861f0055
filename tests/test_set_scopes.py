"""A need added or deleted, built incrementally with the facets that narrow which needs a page
reads (``corpus/needkeys.py`` ``Facet.via`` / ``Facet.where``, ``SMETS_SET_SCOPES``), gives the
site a full build of the edited source gives.

Seeded random requirements added (using data items, or none) and deleted (using some, or none)
on a generated spec; every page, needs.json and the search index compared (:mod:`sitecompare`);
the incremental build's search index written with the pages' numbers moved
(``sphinx/searchfrozen.py`` ``_shifted``, ``SMETS_SEARCH_SHIFT``), the full build's from scratch.
``tests/test_page_index.py`` checks the same edits directive by directive against rendering
every computed directive again.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from clitools import build_argv, counted_build, run_ok
from sitecompare import differences
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.schema import Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.trace.coverage import index_of
from test_build_render_cache import _Editor, copy_without_uses


def _build(root: Path, out: Path, cache: Path, fresh: bool, scopes: str = "on") -> None:
    argv = build_argv(root, out, "-j", "1")
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), SMETS_SET_SCOPES=scopes)
    run_ok([*argv, *(["--fresh"] if fresh else [])], env=env)


def _edit(root: Path, seed: int) -> list[str]:
    """Two requirements added (one using no data item) and two deleted (one using none), none
    that another need links."""
    corpus = load_spec(root / "spec", relative_to=root)
    rng = random.Random(seed)
    editor = _Editor(root, corpus, rng)
    generated = editor.generated(Requirement)
    incoming = index_of(corpus).incoming
    bare = sorted(r.id for r in corpus.requirements if not r.uses and not incoming.get(r.id))
    using = [r for r in generated if editor.uses(r)]
    first = rng.choice(using)
    second = rng.choice([r for r in using if r != first and not incoming.get(r)])
    editor.added(first)
    need_id = rng.choice([r for r in generated if r != first])
    new = copy_without_uses(editor.path(need_id), need_id)
    editor.done.append(f"add {new} (uses nothing)")
    editor.deleted(second)
    editor.deleted(rng.choice(bare))
    return editor.done


def test_needs_added_and_deleted_built_incrementally_give_the_full_build(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 120)
    cache = tmp_path / "cache"
    site = tmp_path / "site"
    _build(root, site, cache, fresh=True)
    done = _edit(root, 31)
    settings = {"SMETS_CACHE_DIR": str(cache), "SMETS_SET_SCOPES": "on"}
    shifted = ("smets_spec.sphinx.searchfrozen", "_shifted")  # the search index's numbers moved
    assert counted_build(root, site, shifted, settings, "-j", "1") == 2  # incremental, the scopes on
    full = tmp_path / "full"
    _build(root, full, tmp_path / "empty", fresh=True, scopes="off")
    assert differences(full, site) == [], done
