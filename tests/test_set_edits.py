"""Needs added, deleted and moved, built incrementally while the duplicate scan still runs beside
the build, give the site a fresh build gives.

While the forked copy of ``duplicates.page.scan_beside`` scans, the comparison of the computed
pages (``sphinx/fingerprints.py`` ``_compared`` / ``_in_two``) compares the duplicate findings'
page last, in the main process, and warms no duplicates panel before it forks
(``fingerprints.LATE``, ``SMETS_COMPARE_LATE``); by default it does not compare that page at all
but reads it again, in the main process after its share of the read (``fingerprints._left_to_read``,
``halfread.LAST``, ``SMETS_LATE_READ``). Here the copy is made to start its scan only once the
main process first waits for it (or after a minute), so the comparison certainly meets it
running, however loaded the machine; the incremental build, from one built site
and cache each way (the path taken counted), is compared with a fresh build with the switches
off: every page, needs.json and the search index (:mod:`sitecompare`). The comparison's pages are
shared between the two processes by seeded costs of a last comparison (``fingerprints._split``,
``SMETS_DIGESTS_BALANCED``; off in the build with the late read off). The seeded edits are
``tests/test_set_scopes.py``'s (two requirements added, two deleted), a requirement moved to
another file of its section and one more added.
"""

from __future__ import annotations

import ast
import os
import random
import shutil
from pathlib import Path

from clitools import build_argv, driven_build, run_ok
from sitecompare import differences
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.schema import Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.trace.coverage import index_of
from test_build_render_cache import _Editor
from test_set_scopes import _edit

#: the build, with the duplicate scan's copy waiting until the main process first waits for its
#: scan (a file made then, the copy looking for it), the comparison in two processes from
#: two pages on (a small project's edit compares fewer than ``PARALLEL_FROM``), and the late
#: comparisons counted: 1 for each, 100 for each comparison in two processes
_DRIVER = """
import os, sys, time
from smets_spec import cli
import smets_spec.duplicates.page as page
import smets_spec.sphinx.fingerprints as fingerprints
scan, two, left = page._scan_copy, fingerprints._in_two, fingerprints._left_to_read
received, mark = page._received, os.environ["SET_EDITS_MARK"]
here = fingerprints.read_here
changed, calls, pages = fingerprints._changed, [], {"left": set(), "read here": set(), "compared": set()}
def slow(*args):
    deadline = time.monotonic() + 60
    while not os.path.exists(mark):
        if time.monotonic() > deadline:  # the main process never waited: said in a file
            open(mark + ".never", "a").close()
            break
        time.sleep(0.02)
    return scan(*args)
def waited(*args):
    open(mark, "a").close()
    return received(*args)
def in_two(*args):
    calls.append(1)
    return two(*args)
def left_to_read(*args):
    todo, found = left(*args)
    pages["left"].update(found)
    return todo, found
def read_here(*args):
    found = here(*args)
    pages["read here"].update(found)
    return found
def compared(app, corpus, todo):
    pages["compared"].update(docname for docname, _ in todo)
    return changed(app, corpus, todo)
import random
split = fingerprints._split
pages["copy"], pages["every other"] = set(), set()
def seeded(app):  # seeded costs of a last comparison, for the split (SMETS_DIGESTS_BALANCED)
    rng = random.Random(7)
    return {doc: rng.random() for doc in sorted(fingerprints._store(app.env))}
def split_by_costs(todo, last, costs):
    mine, theirs = split(todo, last, costs)
    pages["copy"].update(docname for docname, _ in theirs)
    pages["every other"].update(docname for docname, _ in todo[::2])
    return mine, theirs
page._scan_copy, page._received = slow, waited
fingerprints._in_two, fingerprints._left_to_read = in_two, left_to_read
fingerprints.read_here, fingerprints._changed = read_here, compared
fingerprints._costs, fingerprints._split = seeded, split_by_costs
fingerprints.PARALLEL_FROM = 2
status = cli.main(sys.argv[1:])
print("CALLS", sum(calls), {k: sorted(v) for k, v in pages.items()})
sys.exit(status)
"""


def _plus_700(need_id: str) -> str:
    """The id ``_Editor.added`` gives the copy of ``need_id``."""
    section, number = need_id.split("_")
    return f"{section}_{int(number) + 700}"


def _moved(root: Path, seed: int) -> list[str]:
    """A generated requirement no other need links, moved to another file of its section, and
    one more added (the number of requirements changes: the findings page certainly changes)."""
    corpus = load_spec(root / "spec", relative_to=root)
    editor = _Editor(root, corpus, random.Random(seed))
    incoming = index_of(corpus).incoming
    moved = editor.rng.choice([r for r in editor.generated(Requirement) if not incoming.get(r)])
    editor.moved(moved)
    free = [r for r in editor.generated(Requirement) if r != moved and _plus_700(r) not in corpus.needs]
    editor.added(editor.rng.choice(free))
    return editor.done


def test_set_edits_compared_while_the_scan_runs_give_the_fresh_build(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 120)
    cache, site = tmp_path / "cache", tmp_path / "site"
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache))
    run_ok([*build_argv(root, site, "-j", "2"), "--fresh"], env=env)
    # the same built site and cache for the page compared last, after the wait (SMETS_LATE_READ=off)
    shutil.copytree(site, tmp_path / "site-off", symlinks=True)
    shutil.copytree(cache, tmp_path / "cache-off", symlinks=True)
    done = [*_edit(root, 53), *_moved(root, 53)]
    marked = {"SMETS_CACHE_DIR": str(cache), "SET_EDITS_MARK": str(tmp_path / "waited-on")}
    result = driven_build(_DRIVER, root, site, marked, "-j", "2")
    calls, pages = result.stdout.rsplit("CALLS", 1)[1].split(" ", 2)[1:]
    seen = ast.literal_eval(pages)
    assert int(calls) == 1, done  # the comparison in two
    assert (tmp_path / "waited-on").exists() and not (tmp_path / "waited-on.never").exists()
    # the findings page met its scan running: left to the read (not compared), and read here, last
    assert seen["left"] == ["quality/duplicates"] == seen["read here"], (done, seen)
    assert "quality/duplicates" not in seen["compared"], (done, seen)
    # the pages shared by seeded costs (SMETS_DIGESTS_BALANCED), not every other one to the copy
    assert seen["copy"] and seen["copy"] != seen["every other"], (done, seen)
    off = {"SMETS_CACHE_DIR": str(tmp_path / "cache-off"), "SMETS_LATE_READ": "off"}
    off["SET_EDITS_MARK"] = str(tmp_path / "waited-on-off")
    off["SMETS_DIGESTS_BALANCED"] = "off"
    result = driven_build(_DRIVER, root, tmp_path / "site-off", off, "-j", "2")
    seen = ast.literal_eval(result.stdout.rsplit("CALLS", 1)[1].split(" ", 2)[2])
    assert not (tmp_path / "waited-on-off.never").exists()
    assert seen["left"] == [] and "quality/duplicates" in seen["compared"], (done, seen)  # compared last
    assert seen["copy"] == [], (done, seen)  # every other page to the copy
    full = tmp_path / "full"
    fresh = {"SMETS_CACHE_DIR": str(tmp_path / "empty"), "SMETS_COMPARE_LATE": "off"}
    fresh["SMETS_LATE_READ"] = "off"
    run_ok([*build_argv(root, full, "-j", "2"), "--fresh"], env=dict(os.environ, **fresh))
    assert differences(full, site) == [], done
    assert differences(full, tmp_path / "site-off") == [], done
