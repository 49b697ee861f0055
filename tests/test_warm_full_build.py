"""A full build with a warm user cache into an empty output folder only assembles (issue 20), and
gives the site a build without those caches gives.

The conformance results come from the cache (:mod:`smets_spec.conformance.suitecache`) and every
page's search index contribution too (:mod:`smets_spec.sphinx.searchcache`). Compared, page by page
and the search index (:mod:`sitecompare`), with a build whose two caches are switched off: with
nothing changed; then after a seeded random set of edits of every kind (a title, a text, a link
added and removed, a need added, deleted and moved) with cache entries planted or damaged, where
the edited pages' contributions and the damaged ones are computed again and the rest is taken.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path

from clitools import build_argv, run_ok
from sitecompare import differences
from smets_spec.corpus.synthetic import generate
from smets_spec.corpus.usercache import MAX_BYTES
from smets_spec.sphinx import searchcache
from test_build_render_cache import _edit

_COUNTING = """
import sys
from smets_spec import cli
from smets_spec.sphinx import searchcache
counts, names = [0, 0], []
compute, contribution = searchcache._compute, searchcache.PageCache.contribution
def computed(*args):
    counts[0] += 1
    names.append(args[1])
    return compute(*args)
def looked_up(self, *args):
    counts[1] += 1
    return contribution(self, *args)
plain = searchcache.plain_contribution
def computed_plain(terms, filename, *args):  # a requirement page's, from its words (no doctree)
    made = plain(terms, filename, *args)
    if made is not None:
        counts[0] += 1
        names.append(filename.removesuffix(".html"))
    return made
searchcache._compute, searchcache.PageCache.contribution = computed, looked_up
searchcache.plain_contribution = computed_plain
status = cli.main(sys.argv[1:])
print("computed:", *names)
print("search pages computed", counts[0], "of", counts[1])
sys.exit(status)
"""
_OFF = {"SMETS_CONFORMANCE_CACHE": "off", "SMETS_SEARCH_CACHE": "off"}


def _build(root: Path, out: Path, cache: Path, off: bool = False) -> tuple[int, int, str]:
    """Build into ``out``; how many pages' contributions were computed and looked up; the output."""
    argv = [sys.executable, "-c", _COUNTING, *build_argv(root, out, "-j", "1")[3:]]
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), **(_OFF if off else {}))
    for name in _OFF:
        if not off:
            env.pop(name, None)
    result = run_ok(argv, env=env)
    assert "Traceback" not in result.stderr
    counts = result.stdout.rsplit("search pages computed", 1)[1].split()
    return int(counts[0]), int(counts[2]), result.stdout


def _damage(cache: Path) -> int:
    """Plant or damage five of the shards in different ways; the number of pages they held."""
    shards = sorted((cache / searchcache.KIND).glob("*.json"))
    assert len(shards) > 20  # of searchcache.SHARDS (a shard no page falls into is not written)
    held = 0
    for n, shard in enumerate(shards[:5]):
        data = json.loads(shard.read_text(encoding="utf-8"))
        items = data["value"]
        held += len(items)
        if n == 0:
            shard.write_bytes(b"{not json")
        elif n == 1:
            shard.write_bytes(pickle.dumps(data))
        elif n == 2:  # the right page key, a contribution of the wrong shape
            data["value"] = {name: [key, {**c, "terms": "x"}] for name, (key, c) in items.items()}
            shard.write_text(json.dumps(data), encoding="utf-8")
        elif n == 3:  # a contribution planted under another page key
            data["value"] = {name: ["0" * 64, c] for name, (key, c) in items.items()}
            shard.write_text(json.dumps(data), encoding="utf-8")
        else:
            with shard.open("wb") as handle:
                handle.truncate(MAX_BYTES + 1)
    return held


def test_a_warm_full_build_gives_the_site_a_build_without_the_caches_gives(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 160)
    cache = tmp_path / "cache"
    computed, looked, said = _build(root, tmp_path / "first", cache)
    assert computed == looked > 150 and "running the suite" in said  # requirement pages and documents
    computed, again, said = _build(root, tmp_path / "again", cache)
    # every contribution taken but the conformance page's, which says how old the results are now
    assert again == looked and computed <= 1
    assert set(said.split("computed:", 1)[1].splitlines()[0].split()) <= {"conformance/index"}
    assert "running the suite" not in said and "user cache" in said
    plain = tmp_path / "plain"
    assert _build(root, plain, tmp_path / "other", off=True)[:2] == (0, 0)
    assert differences(plain, tmp_path / "first") == []
    assert differences(plain, tmp_path / "again") == []

    damaged = _damage(cache)
    done = _edit(root, 5)
    computed, looked, said = _build(root, tmp_path / "edited", cache)
    assert damaged + 2 <= computed < looked - 50, done  # the damaged shards' pages, the edited ones
    assert "running the suite" in said  # the spec changed
    plain = tmp_path / "plain-edited"
    _build(root, plain, tmp_path / "other-edited", off=True)
    assert differences(plain, tmp_path / "edited") == [], done
