"""A raw HTML node's text held once in its doctree, not twice (issue 20, memory).

Sphinx's ``ApplySourceWorkaround`` transform gives every text element without a ``rawsource`` a
copy of its text as one (``node.rawsource = node.astext()``), raw nodes included; docutils' own
``raw`` directive and the need cards (:mod:`.cards`) leave it empty. So the raw HTML the extension
renders (the computed pages' tables, every need's card) was held twice in each doctree: pickled
twice into ``.doctrees`` (54 of its 166 MB at 10,000 requirements; the chains page was 21 MB for
10.5 MB of HTML), unpickled twice for every page written, in the main process and in the writer
forked with the page. Nothing reads a raw node's ``rawsource``: the HTML writer and the search
index read its text, and Sphinx never translates a raw node (an inline node without
``translatable``), so the only reader of ``rawsource``, the message catalogue, skips it.

At ``doctree-read`` (after every transform, before the doctree is pickled) a raw node whose
``rawsource`` is the workaround's copy of its text gets the empty one docutils gave it back.
``SMETS_RAW_ONCE=off`` keeps the copies.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from ..corpus.cachedir import switched_off


def drop_copies(doctree: nodes.Node) -> int:
    """Empty the ``rawsource`` of every raw node of ``doctree`` that repeats its one text; how many."""
    dropped = 0
    for node in doctree.findall(nodes.raw):
        children = node.children
        one_text = len(children) == 1 and isinstance(children[0], nodes.Text)
        if node.rawsource and one_text and node.rawsource == children[0]:  # str equality: no copy
            node.rawsource = ""
            dropped += 1
    return dropped


def _doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    if not switched_off("SMETS_RAW_ONCE"):
        drop_copies(doctree)


def register(app: Sphinx) -> None:
    app.connect("doctree-read", _doctree_read, priority=950)
