"""Needs added, deleted and moved, built incrementally while the duplicate scan still runs beside
the build, give the site a fresh build gives.

While the forked copy of ``duplicates.page.scan_beside`` scans, the comparison of the computed
pages (``sphinx/fingerprints.py`` ``_compared`` / ``_in_two``) compares the duplicate findings'
page last, in the main process, and warms no duplicates panel before it forks
(``fingerprints.LATE``, ``SMETS_COMPARE_LATE``). Here the copy is made to start its scan late
(it sleeps first), so the comparison certainly meets it running; the incremental build (the
path taken counted) is compared with a fresh build with the switch off: every page,
needs.json and the search index (:mod:`sitecompare`). The seeded edits are
``tests/test_set_scopes.py``'s (two requirements added, two deleted) and a requirement moved to
another file of its section.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from clitools import build_argv, driven_build, run_ok
from sitecompare import differences
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.schema import Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.trace.coverage import index_of
from test_build_render_cache import _Editor
from test_set_scopes import _edit

#: the build, with the duplicate scan's copy sleeping first, the comparison in two processes from
#: two pages on (a small project's edit compares fewer than ``PARALLEL_FROM``), and the late
#: comparisons counted: 1 for each, 100 for each comparison in two processes
_DRIVER = """
import sys, time
from smets_spec import cli
import smets_spec.duplicates.page as page
import smets_spec.sphinx.fingerprints as fingerprints
scan, split, two, calls = page._scan_copy, fingerprints._split_late, fingerprints._in_two, []
def slow(*args):
    time.sleep(1.5)
    return scan(*args)
def counted(*args):
    calls.append(1)
    return split(*args)
def in_two(*args):
    calls.append(100)
    return two(*args)
page._scan_copy, fingerprints._split_late, fingerprints._in_two = slow, counted, in_two
fingerprints.PARALLEL_FROM = 2
status = cli.main(sys.argv[1:])
print("CALLS", sum(calls))
sys.exit(status)
"""


def _moved(root: Path, seed: int) -> str:
    """A generated requirement no other need links, moved to another file of its section."""
    corpus = load_spec(root / "spec", relative_to=root)
    editor = _Editor(root, corpus, random.Random(seed))
    incoming = index_of(corpus).incoming
    editor.moved(editor.rng.choice([r for r in editor.generated(Requirement) if not incoming.get(r)]))
    return editor.done[0]


def test_set_edits_compared_while_the_scan_runs_give_the_fresh_build(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 120)
    cache, site = tmp_path / "cache", tmp_path / "site"
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache))
    run_ok([*build_argv(root, site, "-j", "2"), "--fresh"], env=env)
    done = [*_edit(root, 53), _moved(root, 53)]
    result = driven_build(_DRIVER, root, site, {"SMETS_CACHE_DIR": str(cache)}, "-j", "2")
    assert int(result.stdout.rsplit("CALLS", 1)[1]) == 101, done  # the scan met running, in two
    full = tmp_path / "full"
    off = {"SMETS_CACHE_DIR": str(tmp_path / "empty"), "SMETS_COMPARE_LATE": "off"}
    run_ok([*build_argv(root, full, "-j", "2"), "--fresh"], env=dict(os.environ, **off))
    assert differences(full, site) == [], done
