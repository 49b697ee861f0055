"""Each folder's unmarked navigation tree remade from the root folder's (sphinx/navtree.py
``_rebased``, ``SMETS_NAV_REBASE``): the same tree as Sphinx and furo draw for that folder, and
the same site, needs.json and search index as with every tree drawn."""

from __future__ import annotations

from pathlib import Path

from clitools import driven_build
from sitecompare import differences
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx.navtree import _rebased

#: `smets build`; each folder's tree as used, compared with the one drawn for it, logged
_DRIVER = """
import os, sys
from smets_spec import cli
from smets_spec.sphinx import navtree
folder = navtree._folder
def compared(builder, directory, folders):
    used = folder(builder, directory, folders)
    drawn = navtree._neutral(builder, directory)
    same = (used is None and drawn is None) or (used.html, used.probe) == (drawn.html, drawn.probe)
    with open(os.environ["NAV_LOG"], "a", encoding="utf-8") as out:
        out.write(f"{'same' if same else 'DIFFERS'}:{directory or '.'}\\n")
    return used
navtree._folder = compared
sys.exit(cli.main(sys.argv[1:]))
"""


def _build(root: Path, site: Path, switch: str) -> list[str]:
    log = site.parent / f"{site.name}.log"
    settings = {"SMETS_CACHE_DIR": str(root.parent / "cache"), "SMETS_NAV_REBASE": switch}
    driven_build(_DRIVER, root, site, {**settings, "NAV_LOG": str(log)}, "-j", "2")
    return log.read_text(encoding="utf-8").split()


def test_every_folder_tree_is_the_one_drawn_and_the_site_the_same(tmp_path: Path) -> None:
    root = generate(tmp_path / "project", 20)
    on, off = tmp_path / "site-on", tmp_path / "site-off"
    logged = _build(root, on, "on")
    folders = {entry.split(":", 1)[1] for entry in logged}
    assert len(folders) >= 10 and {"sections", "guide", "req"} <= folders
    assert [entry for entry in logged if not entry.startswith("same:")] == []
    _build(root, off, "off")
    assert differences(on, off) == []
    for name in ("needs.json", "searchindex.js"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name


TREE = (
    '<ul>\n<li class="toctree-l1 has-children"><a class="reference internal" href="a/index.html">A</a>'
    '<label for="x"><span class="icon"><svg><use href="#svg-arrow-right"></use></svg></span></label><ul>\n'
    '<li class="toctree-l2"><a class="reference internal" href="a/b.html#part">B</a></li>\n'
    '<li class="toctree-l2"><a class="reference internal" href="c.html">C</a></li>\n'
    "</ul>\n</li>\n</ul>\n"
)


def test_links_are_made_relative_as_sphinx_makes_them() -> None:
    got = _rebased(TREE, "a/_smets_nav_probe_.html")
    assert got is not None
    assert 'href="index.html">A' in got and 'href="b.html#part">B' in got
    assert 'href="../c.html">C' in got and '<use href="#svg-arrow-right">' in got
    assert _rebased(TREE, "a/d/_smets_nav_probe_.html") == TREE.replace(
        'href="a/index.html"', 'href="../index.html"'
    ).replace('href="a/b.html#', 'href="../b.html#').replace('href="c.html"', 'href="../../c.html"')


def test_a_tree_with_another_url_is_left_to_furo() -> None:
    assert _rebased(TREE.replace("</ul>\n</li>", '<img src="x.png"/></ul>\n</li>', 1), "a/p.html") is None
    external = '<li><a class="reference external" href="https://example.org/">E</a></li>'
    assert _rebased(TREE.replace("<ul>\n", f"<ul>\n{external}", 1), "a/p.html") is None
    assert _rebased(TREE.replace("c.html", "c&amp;d.html"), "a/p.html") is None
