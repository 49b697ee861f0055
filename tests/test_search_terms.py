"""Each word's search term taken from what earlier builds worked out (searchcache.Terms) gives the
same searchindex.js as Sphinx's feed stemming every word (``SMETS_SEARCH_TERMS=off``); so does
the index's words written without a set per word (``SMETS_SEARCH_TERMS_OUT=off``: with).

Two output folders of one generated project, each with its own user cache folder, are built
alike, one as `smets build` does (its terms kept in the user cache by the first build, then
read back), one with both switches off; after a first build and after one requirement's title
and text get seeded random words (new words, stems shared with old words, stop words, digits,
an accent), both searchindex.js files are the same bytes. (Both sides build incrementally: an
incremental index keeps a pruned word with no page, as Sphinx's does, which a full build has not.)
A third folder keeps its terms as objects (``SMETS_SEARCH_TERMS_LINES=off``): the same file.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from clitools import build_argv, run_ok
from smets_spec.corpus.synthetic import edit_requirement, generate

#: keep the terms whatever few a build worked out (a small project has a few thousand words), in
#: a full build too
_KEEPING = """
import sys
from smets_spec import cli
from smets_spec.sphinx import searchcache
searchcache.TERMS_NEW = 1
searchcache.TERMS_SHARE = 1  # a first build too (it writes every document)
sys.exit(cli.main(sys.argv[1:]))
"""


def _build(root: Path, out: Path, cache: Path, terms: bool, lines: bool = True) -> None:
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache))
    if not terms:
        env["SMETS_SEARCH_TERMS"] = env["SMETS_SEARCH_TERMS_OUT"] = "off"
    if not lines:
        env["SMETS_SEARCH_TERMS_LINES"] = "off"
    argv = build_argv(root, out, "-j", "1")
    run_ok([argv[0], "-c", _KEEPING, *argv[3:]], env=env)


def test_kept_terms_give_sphinx_s_index(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 40)
    fast, slow, objects = tmp_path / "fast", tmp_path / "slow", tmp_path / "objects"
    rng = random.Random(7)
    words = ["meterings", "Tariffs", "zorbing", "the", "2031", "connected", "Élan", "runs", "SYN"]
    for step in range(2):
        if step:
            edit_requirement(root, " ".join([*rng.sample(words, 4), f"q{rng.randrange(10**6)}"]))
        _build(root, fast, tmp_path / "cache-fast", True)
        _build(root, slow, tmp_path / "cache-slow", False)
        _build(root, objects, tmp_path / "cache-objects", True, lines=False)  # terms kept as objects
        index = (fast / "searchindex.js").read_bytes()
        assert index == (slow / "searchindex.js").read_bytes() == (objects / "searchindex.js").read_bytes()
        for side, form in (("fast", list), ("objects", dict)):  # (searchcache._stored)
            (entry,) = (tmp_path / f"cache-{side}" / "search-terms").glob("*.json")
            assert type(json.loads(entry.read_text(encoding="utf-8"))["value"]["words"]) is form, step
        assert not (tmp_path / "cache-slow" / "search-terms").exists()
