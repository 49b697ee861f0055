"""A page's large raw HTML written straight into its file, not copied through the page's text (issue 20).

The trace pages are mostly one raw HTML table rendered by the extension (chains 10.5 MB at
10,000 requirements). Sphinx writes a page by copying it again and again: docutils' ``visit_raw``
appends ``node.astext()`` (a copy) to the body, the builder joins the body into one string, the
template makes the page from it, and writing encodes that whole. The forked writer of the chains
page peaked 61 MB above what it inherited, the largest process of the cold build.

Here the HTML translator puts a marker in place of each large raw HTML text of a computed page
(:data:`SPLICE_FROM` characters or more, inside the container a computed directive makes, never
inside a need card, whose HTML the render cache keeps), and once Sphinx has written the page,
the page's file is written again with each marker replaced by its text, a slice at a time, into a
temporary file renamed over the page: the same bytes as Sphinx writes (the same encoding, error
handler and newlines; ``tests/test_write_memory.py`` compares the sites), without the copies. A
marker Sphinx's page does not hold exactly once (a template or handler that rewrote the body)
falls back to replacing it in the page's text. Only while the HTML builder's own ``write_doc``
writes that page, and in UTF-8 (``html_output_encoding``);
``SMETS_RAW_SPLICE=off`` leaves the raw HTML to Sphinx.
"""

from __future__ import annotations

import codecs
import os
import secrets
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from ..corpus.cachedir import switched_off
from ..corpus.files import atomic_path

#: raw HTML texts from this many characters are spliced into the written page
SPLICE_FROM = 1 << 20
#: characters encoded and written at once
_SLICE = 1 << 18
#: the class of the container a computed directive's text is parsed into (fingerprints.py)
_GENERATED = "smets-generated"
#: the error handler Sphinx writes a page with
_ERRORS = "xmlcharrefreplace"
_WRITING = "_smets_splice_page"
#: each marker is unique to this process and page (an HTML comment with a random token: no page
#: holds it by chance; not NUL, which docutils' ``astext`` drops)
_TOKEN = secrets.token_hex(16)
#: the page being written -> its markers and their texts, in the order of the page
_PENDING: dict[str, list[tuple[str, str]]] = {}


def _spliceable(node: nodes.Element) -> str | None:
    """The raw node's HTML text, if it is large, of a computed page and outside every card."""
    if "html" not in node.get("format", "").split() or len(node.children) != 1:
        return None
    text = node.children[0]
    if not isinstance(text, nodes.Text) or len(text) < SPLICE_FROM or "\x00" in text:
        return None  # (docutils' astext drops NULs: such a text is left to it)
    generated = False
    parent = node.parent
    while parent is not None:
        if type(parent).__name__ in {"SmetsCard", "CachedCard"}:
            return None
        generated = generated or _GENERATED in parent.get("classes", ())
        parent = parent.parent
    return text if generated else None  # the node's own text: no copy


def visit_raw(self: Any, node: nodes.Element) -> None:
    """docutils' ``visit_raw``, with a marker in place of a large text of the page being spliced."""
    builder = self.builder
    page = getattr(builder, _WRITING, None)
    text = _spliceable(node) if isinstance(page, str) and page == builder.current_docname else None
    if text is None or not isinstance(page, str):
        type(self).visit_raw(self, node)
        return
    pending = _PENDING.setdefault(page, [])
    marker = f"<!--smets-raw-{_TOKEN}-{len(pending)}-->"
    pending.append((marker, text))
    held = node.children[0]
    node.children[0] = nodes.Text(marker)
    try:
        type(self).visit_raw(self, node)
    finally:
        node.children[0] = held


def _encoded(text: str, encoding: str) -> bytes:
    """``text`` as Sphinx writes it: newlines as the platform's, the same encoding and error handler."""
    if os.linesep != "\n":
        text = text.replace("\n", os.linesep)
    return text.encode(encoding, _ERRORS)


def splice(path: Path, pending: list[tuple[str, str]], encoding: str) -> None:
    """Write ``path`` again, each marker of ``pending`` replaced by its text (see the module's doc).

    The page is read back as written (no newline translation) and written as bytes: what Sphinx
    wrote stays byte for byte, each text is encoded as Sphinx would have written it."""
    with path.open(encoding=encoding, newline="") as written:
        page = written.read()
    pieces: list[str] = []
    rest = page
    for marker, _ in pending:
        before, found, rest = rest.partition(marker)
        if not found or marker in rest or marker in before:
            for other, text in pending:  # not exactly once, in order: replaced in the page's text instead
                if other not in page:
                    raise RuntimeError(f"{path}: the page written lost the mark of its raw HTML {other}")
                page = page.replace(other, text.replace("\n", os.linesep))
            with atomic_path(path, durable=False) as tmp:
                tmp.write_bytes(page.encode(encoding, _ERRORS))
            return
        pieces.append(before)
    with atomic_path(path, durable=False) as tmp, tmp.open("wb") as out:
        for before, (_, text) in zip(pieces, pending, strict=True):
            out.write(before.encode(encoding, _ERRORS))
            for at in range(0, len(text), _SLICE):
                out.write(_encoded(text[at : at + _SLICE], encoding))
        out.write(rest.encode(encoding, _ERRORS))


def _install(app: Sphinx) -> None:
    """``builder-inited``: the HTML builder's ``write_doc`` splices the pages its translator marked."""
    builder: Any = app.builder
    original = getattr(builder, "write_doc", None)
    output_path = getattr(builder, "get_output_path", None)
    if switched_off("SMETS_RAW_SPLICE") or builder.format != "html" or original is None:
        return
    if output_path is None or codecs.lookup(str(app.config.html_output_encoding)).name != "utf-8":
        return  # (an encoding with a byte-order mark or state would not encode slice by slice)

    def write_doc(docname: str, doctree: nodes.document) -> None:
        _PENDING.pop(docname, None)
        setattr(builder, _WRITING, docname)
        try:
            original(docname, doctree)
        finally:
            setattr(builder, _WRITING, None)
        pending = _PENDING.pop(docname, None)
        if pending:
            splice(Path(output_path(docname)), pending, str(app.config.html_output_encoding))

    builder.write_doc = write_doc


def register(app: Sphinx) -> None:
    app.add_node(nodes.raw, override=True, html=(visit_raw, None))
    app.connect("builder-inited", _install)
