"""Each folder's unmarked navigation tree remade from the root folder's (sphinx/navtree.py
``_rebased``, ``SMETS_NAV_REBASE``): the same tree as Sphinx and furo draw for that folder, and
the same site, needs.json and search index as with every tree drawn.

The builds (a generated project built from nothing and after an edit, the switch on and off, each
folder's tree as used compared with the one drawn for it) are tests/test_needs_json_early.py's,
which switch ``SMETS_NAV_REBASE`` with their own switch; here, the trees themselves."""

from __future__ import annotations

from smets_spec.sphinx.navtree import _rebased

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
