"""A computed page's large raw HTML parsed without docutils copying it line by line (issue 20).

A computed directive's text (:mod:`.fingerprints`) is mostly ``.. raw:: html`` blocks of one very
long line (:func:`~smets_spec.markup.html.raw_block`: 10.5 MB for the chains page at 10,000
requirements). docutils' parse of such a block is cheap per line but copies the line again and
again (its indentation found with ``lstrip``, the block's blank lines trimmed with ``strip``, its
indentation cut with a slice, the node's text), and Sphinx's ``ApplySourceWorkaround`` then gives
the raw node a ``rawsource`` copied from ``astext()`` (a copy and three scans, to remove the NULs no
such text has), which :mod:`.rawtext` empties again at ``doctree-read``.

Here (:func:`parse`) each content line of such a block is replaced, for the parse, by a short
token of its own, with the same indentation; after the parse, the raw node holding the token gets
the line's content (the line less its three spaces: what docutils' directive makes of it) as its
text and as its ``rawsource`` (what the workaround would copy: the same characters, as the text
has no NUL), so the workaround leaves it and :mod:`.rawtext` empties it as before. Only a line
that docutils certainly reads as the whole content of a ``raw`` directive of its own is replaced:
``.. raw:: html`` at the left margin after a blank line (or first), one blank line, the line (three
spaces, then no white space), then a blank line or the end. A token found anywhere but as the text
of a raw node is an error (never silently another page). ``SMETS_RAW_DIRECT=off``: docutils parses
the text as it is.
"""

from __future__ import annotations

import secrets

from docutils import nodes
from docutils.parsers.rst.states import RSTState
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles

from ..corpus.cachedir import switched_off

SWITCH = "SMETS_RAW_DIRECT"
#: content lines from this many characters are replaced for the parse
DIRECT_FROM = 1 << 12
_DIRECTIVE = ".. raw:: html"
_INDENT = "   "
#: unique to this process (no text holds it by chance)
_TOKEN = f"smets-raw-direct-{secrets.token_hex(12)}-"


def replaceable(lines: list[str], at: int) -> bool:
    """Whether ``lines[at]`` is certainly the whole content of a ``.. raw:: html`` of its own."""
    line = lines[at]
    if len(line) < DIRECT_FROM or not line.startswith(_INDENT) or line[3].isspace():
        return False
    if at < 2 or lines[at - 1] != "" or lines[at - 2] != _DIRECTIVE:
        return False
    if at >= 3 and lines[at - 3] != "":
        return False  # (after a paragraph's line, the directive's line would be more of it)
    return at + 1 == len(lines) or lines[at + 1] == ""


def parse(state: RSTState, text: str, source: str, container: nodes.Element) -> None:
    """``nested_parse_with_titles`` of ``text``'s lines into ``container``, each large raw line
    replaced for the parse and put back into its raw node (see the module's doc)."""
    lines = text.splitlines()
    held: dict[str, str] = {}
    if not switched_off(SWITCH) and "\x00" not in text:
        for at in range(2, len(lines)):
            if replaceable(lines, at):
                token = f"{_TOKEN}{len(held)}"
                held[token] = lines[at][len(_INDENT) :]
                lines[at] = _INDENT + token
    nested_parse_with_titles(state, StringList(lines, source=source), container)
    if held:
        _put_back(container, held)


def _put_back(container: nodes.Element, held: dict[str, str]) -> None:
    found = 0
    for node in list(container.findall(nodes.raw)):
        child = node.children[0] if len(node.children) == 1 else None
        if not isinstance(child, nodes.Text) or not child.startswith(_TOKEN):
            continue
        content = held.get(str(child))
        if content is None:
            continue
        if node.rawsource or node.get("format") != "html":
            raise RuntimeError(f"{SWITCH}: a raw block parsed otherwise than expected (set {SWITCH}=off)")
        node[0] = nodes.Text(content)
        node.rawsource = content  # what ApplySourceWorkaround would copy (the text has no NUL)
        found += 1
    elsewhere = (t for t in container.findall(nodes.Text) if not isinstance(t.parent, nodes.raw))
    if found != len(held) or any(_TOKEN in str(text) for text in elsewhere):
        raise RuntimeError(f"{SWITCH}: a raw block was not parsed as one (set {SWITCH}=off)")
