"""Memory of the write phase (issue 20): a raw HTML node's text held once in its doctree
(sphinx/rawtext.py) and sphinx-needs' copies of the need nodes released at ``write-started``
(sphinx/neednodes.py) and a page's large raw HTML spliced into its written file (sphinx/rawsplice.py,
here from 2,000 characters so that the small project's trace pages are spliced) give the same site,
needs.json and search index as with all three switched off (``SMETS_RAW_ONCE=off``,
``SMETS_NEED_NODES=off``, ``SMETS_RAW_SPLICE=off``), with doctrees about half the size where the
raw HTML is most of a page (the trace pages, the need cards)."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
from docutils import nodes

from clitools import driven_build
from sitecompare import differences
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx.neednodes import Released, nothing_reads_them, release
from smets_spec.sphinx.rawsplice import splice
from smets_spec.sphinx.rawtext import drop_copies
from sphinxtools import build_in_process, toctree_project

#: `smets build` with the splice from 2,000 characters, each spliced page named in SPLICED_LOG
_DRIVER = """
import os, sys
from smets_spec import cli
from smets_spec.sphinx import rawsplice
rawsplice.SPLICE_FROM = 2000
original = rawsplice.splice
def logged(path, pending, encoding):
    with open(os.environ["SPLICED_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{path.name} {len(pending)}\\n")
    original(path, pending, encoding)
rawsplice.splice = logged
sys.exit(cli.main(sys.argv[1:]))
"""


def _build(root: Path, switch: str) -> Path:
    site = root.parent / f"site-{switch}"
    settings = {
        "SMETS_CACHE_DIR": str(root.parent / f"cache-{switch}"),
        "SMETS_RAW_ONCE": switch,
        "SMETS_NEED_NODES": switch,
        "SMETS_RAW_SPLICE": switch,
        "SPLICED_LOG": str(root.parent / "spliced.log"),
    }
    driven_build(_DRIVER, root, site, settings, "-j", "2")
    return site


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("rawonce")
    made = generate(base / "on" / "project", 60)
    shutil.copytree(made, base / "off" / "project")
    return {"on": _build(made, "on"), "off": _build(base / "off" / "project", "off")}


def _doctree(site: Path, doc: str) -> nodes.document:
    with (site / ".doctrees" / f"{doc}.doctree").open("rb") as handle:  # this test's own build
        tree: nodes.document = pickle.load(handle)
    return tree


def test_the_same_site_needs_json_and_search_index(sites: dict[str, Path]) -> None:
    on, off = sites["on"], sites["off"]
    spliced = (on.parent / "spliced.log").read_text(encoding="utf-8").split()
    assert "chains.html" in spliced and "matrix.html" in spliced  # (by the forked writers)
    assert not (off.parent / "spliced.log").exists()
    assert differences(on, off) == []
    for name in ("needs.json", "searchindex.js", "trace/chains.html", "trace/matrix.html"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name


def test_raw_html_is_pickled_once(sites: dict[str, Path]) -> None:
    on, off = sites["on"], sites["off"]
    for doc in ("trace/chains", "trace/matrix"):
        raws = list(_doctree(on, doc).findall(nodes.raw))
        assert raws and all(raw.rawsource == "" for raw in raws), doc
        assert max(len(raw.astext()) for raw in raws) > 10_000  # the page's table is there
        kept = list(_doctree(off, doc).findall(nodes.raw))
        assert [raw.astext() for raw in raws] == [raw.astext() for raw in kept]
        size = (on / ".doctrees" / f"{doc}.doctree").stat().st_size
        assert size < 0.6 * (off / ".doctrees" / f"{doc}.doctree").stat().st_size, doc
    cards = 0
    for path in (on / ".doctrees").rglob("*.doctree"):  # the need cards' raw HTML too
        doc = path.relative_to(on / ".doctrees").with_suffix("").as_posix()
        raws = list(_doctree(on, doc).findall(nodes.raw))
        assert all(raw.rawsource == "" for raw in raws), doc
        cards += sum(1 for raw in raws if "smets-need-head" in raw.astext())
    assert cards > 50


def test_only_a_copy_of_the_text_is_dropped() -> None:
    copied = nodes.raw("", "<b>x</b>", format="html")
    copied.rawsource = copied.astext()  # what Sphinx's source workaround gives it
    own = nodes.raw(".. raw:: html\n\n   <i>y</i>", "<i>y</i>", format="html")
    empty = nodes.raw("", "", format="html")
    tree = nodes.container("", copied, own, empty)
    assert drop_copies(tree) == 1
    assert (copied.rawsource, own.rawsource, empty.rawsource) == ("", ".. raw:: html\n\n   <i>y</i>", "")
    assert copied.astext() == "<b>x</b>"


def test_a_build_releases_the_need_nodes_once_nothing_can_read_them(tmp_path: Path) -> None:
    app = build_in_process(toctree_project(tmp_path), tmp_path / "out", 1)
    held = vars(app.env)["_needs_all_nodes"]
    assert isinstance(held, Released) and not held  # in a real build: nothing there could read them
    assert release(app.env) == 0  # once
    assert not nothing_reads_them()  # outside the build (docutils' registries restored): kept

    class Env:
        pass

    env = Env()
    parent = nodes.section("", nodes.paragraph("", "text"))
    vars(env)["_needs_all_nodes"] = {"A": parent}
    assert release(env) == 1
    assert parent.children[0].parent is None  # the cycle cut: reference counting frees the copy


_ERRORS = "xmlcharrefreplace"  # the error handler Sphinx writes a page with


def test_a_splice_writes_what_sphinx_wrote_and_falls_back_when_a_marker_is_not_there_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smets_spec.sphinx import rawsplice

    monkeypatch.setattr(rawsplice, "_SLICE", 3)  # slices cut anywhere, a character past Latin-1 among them
    table, chart = "<table>\u2192 caf\u00e9\n \ud800\r\n</table>", "<svg>x</svg>"
    page = tmp_path / "page.html"
    whole = tmp_path / "whole.html"
    whole.write_text(f"<p>a\r</p>{table}<p>b</p>{chart}<p>\u2014</p>\n", encoding="utf-8", errors=_ERRORS)
    for marked, pending in (
        ("<p>a\r</p>M0<p>b</p>M1<p>\u2014</p>\n", [("M0", table), ("M1", chart)]),
        ("<p>a\r</p>M0<p>b</p>M1<p>\u2014</p>\n", [("M1", chart), ("M0", table)]),  # out of order
    ):
        page.write_text(marked, encoding="utf-8", errors=_ERRORS)  # as Sphinx writes it
        splice(page, pending, "utf-8")
        assert page.read_bytes() == whole.read_bytes()  # what Sphinx writes of the whole page
    page.write_text("<p>a</p>", encoding="utf-8")
    with pytest.raises(RuntimeError, match="lost the mark"):  # never a page without its table
        splice(page, [("M0", table)], "utf-8")
