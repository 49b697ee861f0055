"""A build that changes nothing in the search index neither loads nor writes it (sphinx/searchreuse.py).

Two output folders of one generated project are built alike, one as `smets build` does, one
with ``SMETS_SEARCH_CACHE=off`` (Sphinx's own path: the last index loaded, pruned, fed and written
every build). After each step (nothing changed; seeded random edits of every kind, then nothing
changed again; a planted index) both searchindex.js files are the same bytes, and the fast one
was left untouched exactly when nothing changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from clitools import build_argv, run_ok
from smets_spec.corpus.synthetic import generate
from test_build_render_cache import _edit

_TIMED = """
import sys
from sphinx.builders.html import StandaloneHTMLBuilder
from smets_spec import cli
calls = []
for name in ("load_indexer", "dump_search_index"):
    original = getattr(StandaloneHTMLBuilder, name)
    def run(self, *args, _original=original, _name=name):
        calls.append(_name)
        return _original(self, *args)
    setattr(StandaloneHTMLBuilder, name, run)
status = cli.main(sys.argv[1:])
print("SPHINX CALLS", ",".join(calls))
sys.exit(status)
"""


def _build(root: Path, out: Path, fast: bool) -> str:
    """Build ``out``; which of Sphinx's index steps ran (load_indexer, dump_search_index)."""
    env = dict(os.environ, SMETS_CACHE_DIR=str(root.parent / "cache"))
    if not fast:
        env["SMETS_SEARCH_CACHE"] = "off"
    argv = build_argv(root, out, "-j", "1")
    result = run_ok([argv[0], "-c", _TIMED, *argv[3:]], env=env)
    return result.stdout.rsplit("SPHINX CALLS", 1)[1].strip()


def _both(root: Path, fast: Path, slow: Path) -> tuple[str, bool]:
    """Build both folders; (Sphinx's index steps in the fast one, whether its index was rewritten)."""
    index = fast / "searchindex.js"
    before = index.stat() if index.exists() else None
    calls = _build(root, fast, True)
    assert _build(root, slow, False) == "load_indexer,dump_search_index"
    assert index.read_bytes() == (slow / "searchindex.js").read_bytes(), calls
    after = index.stat()
    rewritten = before is None or (before.st_ino, before.st_mtime_ns) != (after.st_ino, after.st_mtime_ns)
    return calls, rewritten


def test_the_index_is_left_as_it_is_exactly_when_nothing_changed(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 200)
    fast, slow = tmp_path / "fast", tmp_path / "slow"
    assert _both(root, fast, slow)[1]  # a first build writes it
    # nothing changed: Sphinx's own steps to load and write the index do not run
    assert _both(root, fast, slow) == ("", False)
    for seed in (5,):  # one round of every kind of edit
        done = _edit(root, seed)  # every kind of edit: the index changes, loaded and written
        assert _both(root, fast, slow) == ("load_indexer,dump_search_index", True), done
        assert _both(root, fast, slow) == ("", False), done  # and nothing changed after it
    # a planted index (another build's, edited): Sphinx's own path reads it, so does this one
    planted = (fast / "searchindex.js").read_text(encoding="utf-8").replace('"titles":["', '"titles":["X', 1)
    for out in (fast, slow):
        (out / "searchindex.js").write_text(planted, encoding="utf-8")
    assert _both(root, fast, slow) == ("load_indexer,dump_search_index", True)
    assert "X" in (fast / "searchindex.js").read_text(encoding="utf-8").split('"titles":["', 1)[1][:2]
