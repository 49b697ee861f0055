"""A computed page's large raw HTML put back into its node after the parse (``rawdirect``,
``SMETS_RAW_DIRECT``): the same doctree and the same site as docutils' parse of the text as it is.

Seeded random texts of the shapes the renderers write (headings, paragraphs, one-line raw blocks
large and small) and of shapes near them that must be left to docutils (a raw block right after a
paragraph's line, of two lines, indented otherwise, with options, holding a NUL) are parsed both
ways; each doctree is then given Sphinx's source workaround and :mod:`.rawtext`'s clean-up, as a
read does, and compared node by node, ``rawsource`` included. A generated project's edit built
both ways gives the same site: tests/test_shared_first.py (one build for both switches).
"""

from __future__ import annotations

import random
from typing import ClassVar

import pytest
from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from sphinx.util.nodes import apply_source_workaround, nested_parse_with_titles

from smets_spec.sphinx import rawdirect, rawtext

_TEXTS: list[str] = []


class _Generated(Directive):
    """The text of ``_TEXTS[0]`` parsed as a computed directive parses it (argument: the path)."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, object]] = {}

    def run(self) -> list[nodes.Node]:
        container = nodes.container(classes=["smets-generated"])
        if self.arguments[0] == "direct":
            rawdirect.parse(self.state, _TEXTS[0], "gen", container)
        else:
            nested_parse_with_titles(self.state, StringList(_TEXTS[0].splitlines(), source="gen"), container)
        return [container]


def _html(pick: random.Random, size: int) -> str:
    cells = "".join(
        f'<tr><td><a class="smets-ref" href="../req/ES_{n}.html" title="T{n} &amp; *x*">ES_{n}</a></td></tr>'
        for n in range(size)
    )
    return f'<div class="smets-scroll"><table>{cells}</table></div>' + " " * pick.choice([0, 0, 2])


_OTHER_INDENTS = ("    ", "\t", "   \xa0", "  ")


def _piece(pick: random.Random) -> str:
    big = _html(pick, pick.choice([3, 60, 200]))
    kind = pick.randrange(10)
    if kind == 0:
        title = pick.choice(["Mandatory (3)", "By section", "Gaps"])
        return f"{title}\n{'~' * len(title)}\n"
    if kind == 1:
        return "Some *text* with ES_1 and a ``literal``.\n"
    if kind == 2:  # right after a paragraph's line: more of the paragraph
        return f"A line.\n.. raw:: html\n\n   {big}\n"
    if kind == 3:  # two lines: left to docutils
        return f".. raw:: html\n\n   {big}\n   {big}\n"
    if kind == 4:  # indented otherwise
        indent = pick.choice(_OTHER_INDENTS)
        return f".. raw:: html\n\n{indent}{big}\n"
    if kind == 5:
        return f".. raw:: html\n   :class: wide\n\n   {big}\n"
    if kind == 6:
        return f".. raw:: html\n\n   {big}\x00x\n"
    return f".. raw:: html\n\n   {big}\n"


def _text(pick: random.Random) -> str:
    return "\n".join(_piece(pick) for _ in range(pick.randrange(1, 6)))


def _doctree(text: str, path: str) -> nodes.document:
    _TEXTS[:] = [text]
    directives.register_directive("gen", _Generated)
    doctree = publish_doctree(
        f"Page\n====\n\n.. gen:: {path}\n\nAfter.\n",
        settings_overrides={"report_level": 5, "halt_level": 5, "raw_enabled": True, "_disable_config": True},
    )
    for node in doctree.findall():
        if isinstance(node, (nodes.TextElement, nodes.image, nodes.topic)):
            apply_source_workaround(node)  # as Sphinx's ApplySourceWorkaround
    return doctree


def _shape(doctree: nodes.document) -> list[tuple[str, str, str, object, object]]:
    return [
        (type(n).__name__, str(n) if isinstance(n, nodes.Text) else "", n.rawsource, n.source, n.line)
        if not isinstance(n, nodes.Text)
        else ("Text", str(n), "", None, None)
        for n in doctree.findall()
    ]


@pytest.mark.parametrize("seed", range(40))
def test_the_same_doctree_as_docutils_parse(seed: int) -> None:
    pick = random.Random(seed)
    text = _text(pick)
    plain, direct = _doctree(text, "plain"), _doctree(text, "direct")
    assert direct.pformat() == plain.pformat()
    assert _shape(direct) == _shape(plain)
    assert rawtext.drop_copies(direct) == rawtext.drop_copies(plain)  # as at doctree-read
    assert _shape(direct) == _shape(plain)


def test_each_shape_of_its_own_is_replaced_and_only_those(monkeypatch: pytest.MonkeyPatch) -> None:
    big = "<p>" + "x" * rawdirect.DIRECT_FROM + "</p>"
    lines = ["Title", "~~~~~", "", ".. raw:: html", "", f"   {big}", "", ".. raw:: html", "", f"   {big}"]
    assert [at for at in range(len(lines)) if rawdirect.replaceable(lines, at)] == [5, 9]
    assert not rawdirect.replaceable([".. raw:: html", "", f"   {big}", "   more"], 2)
    assert not rawdirect.replaceable(["para", ".. raw:: html", "", f"   {big}"], 3)
    assert not rawdirect.replaceable([".. raw:: html", "", f"   {big[:100]}"], 2)
    assert not rawdirect.replaceable([".. raw:: html", "", f"    {big}"], 2)
    replaced: list[int] = []
    original = rawdirect._put_back
    counted = lambda c, held: (replaced.append(len(held)), original(c, held))  # noqa: E731
    monkeypatch.setattr(rawdirect, "_put_back", counted)
    _doctree("\n".join(lines), "direct")
    assert replaced == [2]
    monkeypatch.setenv(rawdirect.SWITCH, "off")
    _doctree("\n".join(lines), "direct")
    assert replaced == [2]
