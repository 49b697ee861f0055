"""An edit's ``searchindex.js`` written by a forked copy (``sphinx/searchbeside.py``,
``SMETS_INDEX_BESIDE``) is the file the main process writes from the same index.

Two builds of a small generated project, each run by a driver that, where the main process waits
for the copy (``searchbeside.settle``), writes the index again itself with the main process's own
index and Sphinx's own ``dump_search_index`` (the path the switch restores) into another file, and
compares the two byte for byte: a full build whose copy fails (the main process then writes the
index), then seeded random edits (titles and texts, a link, a need added and one deleted) built
incrementally. Every build in the test goes beside (the driver lowers the share of documents
written that sends the index beside, so the small project's builds count as edits); the record of
the written index (``searchreuse``) names the file the copy wrote. The graph view's data, which
the copy makes too (``searchbeside.ALSO``), is compared with the main process's own text.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from clitools import driven_build
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.schema import Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import searchbeside
from smets_spec.sphinx.searchreuse import RECORD
from test_build_render_cache import _Editor

_DRIVER = """
import os, sys
from pathlib import Path
from smets_spec import cli
import smets_spec.sphinx.searchbeside as beside
from smets_spec.sphinx import searchcache, searchearly, searchlater, site
settle, copy, checks = beside.settle, beside._in_copy, []
def failing(write, app):
    raise SystemExit(3)
def compared(app, exception):
    found = getattr(app, beside._CHILD, None)
    if found is None:
        settle(app, exception)
        return
    found[0].join()
    # the copy fed the index too (searchlater): its file is aside until settled, and the main
    # process's own write loads the last index from the site, so it comes first
    placed = getattr(app, beside._PLACE, None) is not None and found[0].exitcode == 0
    if not placed:
        settle(app, exception)
    builder = app.builder
    name = builder.searchindex_filename
    path = Path(app.outdir) / name
    written = (beside._aside(app, path) if placed else path).read_bytes()
    searchlater.catch_up(app)  # (loaded from the site)
    builder.searchindex_filename = "searchindex-main.js"
    try:
        found[1]()  # the main process's own write, from its own index
    finally:
        builder.searchindex_filename = name
    if placed:
        settle(app, exception)
    graph = Path(app.outdir) / "_static" / "smets-graph.js"
    same_graph = graph.read_text(encoding="utf-8") == site._graph_text(app)
    again = Path(app.outdir) / "searchindex-main.js"
    checks.append([found[0].exitcode, again.read_bytes() == written, same_graph, len(written)])
    again.unlink()
searchcache.TERMS_SHARE = 1
if os.environ.get("COPY_FAILS"):
    beside._in_copy = failing
beside.settle = compared
status = cli.main(sys.argv[1:])
print("EARLY", "/".join(searchearly.LAST))
print("CHECKS", checks)
sys.exit(status)
"""


def _early(stdout: str) -> str:
    return stdout.rsplit("EARLY ", 1)[1].split("\n", 1)[0].strip()


def _checks(stdout: str) -> list[list[int]]:
    return json.loads(stdout.rsplit("CHECKS", 1)[1].strip().replace("True", "true").replace("False", "false"))


def _edit(root: Path, seed: int) -> list[str]:
    corpus = load_spec(root / "spec", relative_to=root)
    editor = _Editor(root, corpus, random.Random(seed))
    reqs = editor.generated(Requirement)
    picked = editor.rng.sample(reqs, 5)
    editor.title(picked[0])
    editor.title(picked[1])
    editor.text(picked[1])
    editor.link_added(picked[2])
    editor.added(picked[3])
    editor.deleted(picked[4])
    return editor.done


def test_the_index_written_beside_is_the_main_process_s(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 120)
    site = tmp_path / "site"
    settings = {"SMETS_CACHE_DIR": str(tmp_path / "cache")}
    full = driven_build(_DRIVER, root, site, {**settings, "COPY_FAILS": "1"}, "-j", "2", "--fresh")
    assert [c[:3] for c in _checks(full.stdout)] == [[3, True, True]]  # the copy failed: written here
    assert _early(full.stdout) == "written"  # as the finish began (searchearly)
    done = _edit(root, int(os.environ.get("INDEX_BESIDE_SEED", "20")))
    edit = driven_build(_DRIVER, root, site, settings, "-j", "2")
    checks = _checks(edit.stdout)
    assert len(checks) == 1 and checks[0][:3] == [0, True, True] and checks[0][3] > 1000, (done, checks)
    assert _early(edit.stdout) == "written"  # and not again: nothing was fed after it
    record = json.loads((site / ".doctrees" / RECORD).read_text(encoding="utf-8"))
    assert record["index"] == hashlib.sha256((site / "searchindex.js").read_bytes()).hexdigest()
    assert not list(site.glob("searchindex*.tmp")) and not (site / "searchindex-main.js").exists()
    assert not list(site.rglob("smets-beside-*"))


@pytest.mark.parametrize(
    ("writing", "documents", "parallel", "switch", "wanted"),
    [
        (10, 100, 2, "", True),  # an edit's build: a tenth of the documents written
        (25, 100, 2, "", True),  # a quarter: still beside
        (26, 100, 2, "", False),  # more than a quarter (a full build): here
        (10, 100, 1, "", False),  # -j 1: here
        (10, 100, 2, "off", False),  # SMETS_INDEX_BESIDE=off: here
    ],
)
def test_which_builds_write_their_index_beside(
    monkeypatch: pytest.MonkeyPatch, writing: int, documents: int, parallel: int, switch: str, wanted: bool
) -> None:
    monkeypatch.setenv(searchbeside.SWITCH, switch)
    env = SimpleNamespace(all_docs=dict.fromkeys(f"doc{n}" for n in range(documents)))
    app: Any = SimpleNamespace(env=env, builder=SimpleNamespace(indexer=object()), parallel=parallel)
    searchbeside.note_writing(app, writing)
    assert searchbeside.wanted(app) is wanted
    app.builder.indexer = None  # a builder without a search index: nothing to write beside
    assert searchbeside.wanted(app) is False


class _Indexer:
    def __init__(self) -> None:
        self._titles: dict[str, str] = {"a": "A"}

    def feed(self, docname: str, *rest: object) -> None:
        self._titles[docname] = docname


@pytest.mark.parametrize("late", ["nothing", "feed", "index_page", "store"])
def test_the_index_written_early_is_written_again_if_it_changed_after(
    monkeypatch: pytest.MonkeyPatch, late: str
) -> None:
    """``searchearly``: Sphinx's own call to write the index does nothing unless the index was fed,
    or a store of it changed size, since the early write (then: the copy waited for, written again)."""
    from smets_spec.sphinx import searchearly

    writes: list[str] = []
    indexer = _Indexer()

    def index_page(docname: str, *rest: object) -> None:
        indexer.feed(docname)

    builder: Any = SimpleNamespace(indexer=indexer, index_page=index_page)
    builder.dump_search_index = lambda: writes.append("written")
    app: Any = SimpleNamespace(builder=builder)
    settled: list[bool] = []
    monkeypatch.setattr(searchbeside, "pending", lambda app: not settled)
    monkeypatch.setattr(searchbeside, "settle", lambda app, exception: settled.append(True))
    dump = builder.dump_search_index
    guard = searchearly._Guard(app, indexer, dump)
    if late == "feed":
        indexer.feed("b")
    elif late == "index_page":
        builder.index_page("c")
    elif late == "store":
        indexer._titles["d"] = "D"
    builder.dump_search_index()
    assert writes == ([] if late == "nothing" else ["written"])
    assert settled == ([] if late == "nothing" else [True])  # the early copy waited for first
    assert builder.dump_search_index is dump and "feed" not in vars(indexer)
    assert builder.index_page is index_page
    del guard
