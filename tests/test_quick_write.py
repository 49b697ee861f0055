"""Two of the page writers' walks with less work per node (:mod:`smets_spec.sphinx.quickwrite`)
give what Sphinx's give, on the real doctrees of the repository's spec (conftest's ``built_site``,
as its readers left them): every page's highlight settings (its ``highlight`` directives in a
made-up tree: the spec has none) (``HighlightLanguageTransform``'s
visitor) and every stored card's search words (``WordCollector``), with the English splitter
(texts split joined) and with one of its own (each text on its own); and on a made-up tree with
every kind of node Sphinx's collector tells apart. ``SMETS_QUICK_WRITE=off``: Sphinx's code."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sphinx_needs.needs as needs_module
import sphinx_needs.utils as needs_utils
from docutils import nodes
from docutils import utils as docutils_utils
from docutils.utils import Reporter
from docutils.writers import html5_polyglot
from sphinx import addnodes
from sphinx.search import WordCollector
from sphinx.search.en import SearchEnglish
from sphinx.transforms.post_transforms.code import HighlightLanguageTransform, HighlightLanguageVisitor
from sphinx.util.docutils import new_document
from sphinx_needs.nodes import Need

from clitools import FirstBuilt
from smets_spec.sphinx import quickwrite
from smets_spec.sphinx.cachedneeds import SmetsCard


class _OwnSplit(SearchEnglish):
    """A language whose splitter is not Sphinx's base one (texts are then split one by one)."""

    def split(self, input: str) -> list[str]:
        return re.findall(r"[A-Za-z]+|\d", input)


def _doctrees(site: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted((site / ".doctrees").rglob("*.doctree"))]


def _loaded(data: bytes) -> nodes.document:
    document: nodes.document = pickle.loads(data)
    document.reporter = Reporter("", 5, 5)
    return document


def _sphinx_words(card: nodes.Node, document: nodes.document, lang: Any) -> list[str]:
    collector = WordCollector(document, lang)
    card.walk(collector)
    return list(collector.found_words)


def test_the_installed_sphinx_is_the_code_known() -> None:
    assert quickwrite.same_code(), "Sphinx's highlight transform or collector changed: check quickwrite"


def test_every_page_gets_the_same_highlight_settings(built_site: Path) -> None:
    pages = blocks = 0
    for data in _doctrees(built_site):
        theirs, ours = _loaded(data), _loaded(data)
        theirs.walkabout(HighlightLanguageVisitor(theirs, "default"))
        quickwrite.set_languages(ours, "default")
        assert ours.pformat() == theirs.pformat()
        pages += 1
        literal = list(ours.findall(nodes.literal_block))
        blocks += len(literal)
        assert all("language" in block and "linenos" in block for block in literal)
    assert pages > 50 and blocks > 20, (pages, blocks)


def test_every_stored_card_gets_the_same_words(first_built_60: FirstBuilt) -> None:
    """On the cards of a cold build with a cache of its own (every card drawn and stored: the
    suite's ``built_site`` may take its cards from a cache other builds of the spec filled)."""
    english, own = SearchEnglish({}), _OwnSplit({})
    cards = words = 0
    first_built_60.again()
    for data in _doctrees(first_built_60.sites["on"]):
        document = _loaded(data)
        for card in document.findall(SmetsCard):
            if not card.get("smets_key"):
                continue
            cards += 1
            found = quickwrite.card_words(card, english)
            assert found == _sphinx_words(card, document, english)
            assert quickwrite.card_words(card, own) == _sphinx_words(card, document, own)
            words += len(found)
    assert cards > 100 and words > 20 * cards, (cards, words)


def test_sphinx_needs_finds_the_same_nodes(built_site: Path) -> None:
    kinds = [list(types) for types in (needs_module.NODE_TYPES, needs_module.NODE_TYPES_PRIO)]
    kinds.append([Need])  # (one type, not in a list)
    found = [0, 0, 0]
    for data in _doctrees(built_site):
        document = _loaded(data)
        for index, types in enumerate(kinds):
            theirs = list(document.findall(needs_utils.node_match(types)))
            ours = list(document.findall(quickwrite.node_match(types)))
            assert len(ours) == len(theirs) and all(a is b for a, b in zip(ours, theirs, strict=True))
            found[index] += len(ours)
    assert found[0] > 50, found  # (the readers left no Need node: each is a card by now)
    document, card = _made_up()
    card += Need()
    card[0] += Need()
    for types in [*kinds, [nodes.paragraph, Need]]:
        theirs = list(document.findall(needs_utils.node_match(types)))
        ours = list(document.findall(quickwrite.node_match(types)))
        assert len(ours) == len(theirs) and all(a is b for a, b in zip(ours, theirs, strict=True))
    assert len(ours) == 4


def _made_up() -> tuple[nodes.document, nodes.container]:
    document = new_document("")
    card = nodes.container()
    section = nodes.section(ids=["s-1"])
    section += nodes.title("", "The Title words")
    section += nodes.paragraph("", "", nodes.Text("alpha beta"), nodes.emphasis("", "gamma\x00 delta"))
    section += nodes.comment("", "hidden comment words")
    section += nodes.paragraph("", "no search words", classes=["no-search"])
    section += nodes.raw(
        "", "<p>raw <b>html</b></p><style>p {}</style><script>x</script> < > <>tail", format="html"
    )
    section += nodes.raw("", "latex only", format="latex")
    section += nodes.meta(name="keywords", content="meter, tariff ,clock")
    section += nodes.inline("", "", nodes.Text("x"), name="keywords", content="other , words", lang="en")
    section += nodes.inline("", "", nodes.Text("y"), name="keywords", content="german", lang="de")
    section += nodes.literal_block("", "one\ntwo\n")
    card += section
    document += card
    return document, card


def test_a_made_up_card_gets_the_same_words() -> None:
    document, card = _made_up()
    for lang in (SearchEnglish({}), _OwnSplit({})):
        assert quickwrite.card_words(card, lang) == _sphinx_words(card, document, lang)
    found = quickwrite.card_words(card, SearchEnglish({}))
    assert found[:5] == ["The", "Title", "words", "alpha", "beta"]
    assert "hidden" not in found and "search" not in found and "latex" not in found
    assert {"raw", "html", "tail", "meter", "tariff", "clock", "other", "words"} <= set(found)
    assert "german" not in found


def test_highlight_settings_follow_files_and_directives() -> None:
    document = new_document("")
    document += nodes.literal_block("", "a\n")
    document += addnodes.highlightlang(lang="python", force=True, linenothreshold=2)
    document += nodes.literal_block("", "b\nc\n")
    inner = addnodes.start_of_file(docname="x")
    inner += nodes.literal_block("", "d\n")
    inner += addnodes.highlightlang(lang="c", force=False, linenothreshold=1)
    inner += nodes.literal_block("", "e\n", language="json")
    document += inner
    document += nodes.literal_block("", "f\n")
    theirs = document.deepcopy()
    theirs.reporter = document.reporter
    theirs.walkabout(HighlightLanguageVisitor(theirs, "none"))
    quickwrite.set_languages(document, "none")
    assert document.pformat() == theirs.pformat()
    blocks = [
        (block["language"], block.get("force"), block["linenos"])
        for block in document.findall(nodes.literal_block)
    ]
    assert blocks == [
        ("none", False, False),
        ("python", True, True),
        ("none", False, False),
        ("json", None, True),
        ("python", True, True),
    ]


def test_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    document, _ = _made_up()
    assert quickwrite.usable(document)
    assert isinstance(quickwrite.node_match(Need), type)
    monkeypatch.setenv("SMETS_QUICK_WRITE", "off")
    assert not quickwrite.usable(document)
    condition = quickwrite.node_match([Need])
    assert not isinstance(condition, type) and condition(Need()) and not condition(nodes.paragraph())
    ran: list[str] = []
    monkeypatch.setattr(HighlightLanguageTransform, "apply", lambda self, **kwargs: ran.append("sphinx"))
    monkeypatch.setattr(quickwrite, "set_languages", lambda *args: ran.append("quick"))
    transform = quickwrite.QuickHighlightLanguage(document)
    transform.apply()
    monkeypatch.delenv("SMETS_QUICK_WRITE")
    document.reporter.debug_flag = True  # docutils' debug mode: Sphinx's walk logs each node
    assert not quickwrite.usable(document)
    assert ran == ["sphinx"]


def test_the_quick_transform_stands_where_sphinx_put_its_own() -> None:
    connected: list[tuple[str, Any]] = []
    app = SimpleNamespace(
        registry=SimpleNamespace(post_transforms=[object, HighlightLanguageTransform, int]),
        connect=lambda event, handler: connected.append((event, handler)),
    )
    original, looked_up = needs_module.node_match, docutils_utils.get_stylesheet_list
    try:
        quickwrite.register(app)  # type: ignore[arg-type]
        assert needs_module.node_match is quickwrite.node_match
        assert docutils_utils.get_stylesheet_list is quickwrite.stylesheets
    finally:
        needs_module.node_match, docutils_utils.get_stylesheet_list = original, looked_up
    assert app.registry.post_transforms == [object, quickwrite.QuickHighlightLanguage, int]
    assert [event for event, _ in connected] == ["builder-inited"]


def test_stylesheets_are_looked_up_once_a_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = new_document("").settings
    settings.stylesheet, settings.stylesheet_path = None, "minimal.css,plain.css"
    settings.stylesheet_dirs = [str(tmp_path), str(Path(html5_polyglot.__file__).parent)]
    (tmp_path / "minimal.css").write_text("p {}\n", encoding="utf-8")
    expected = docutils_utils.get_stylesheet_list(settings)
    assert expected[0] == (tmp_path / "minimal.css").as_posix() and expected[1].endswith(
        "html5_polyglot/plain.css"
    )
    assert quickwrite.enabled()  # (before docutils' function is stood in for below)
    quickwrite._forget_stylesheets(None)  # type: ignore[arg-type]
    monkeypatch.setattr(quickwrite, "_STYLESHEETS", lambda s: expected)
    assert quickwrite.stylesheets(settings) == expected
    monkeypatch.setattr(quickwrite, "_STYLESHEETS", lambda s: ["asked again"])
    assert quickwrite.stylesheets(settings) == expected  # kept
    monkeypatch.setenv("SMETS_QUICK_WRITE", "off")
    assert quickwrite.stylesheets(settings) == ["asked again"]
    monkeypatch.delenv("SMETS_QUICK_WRITE")
    quickwrite._forget_stylesheets(None)  # type: ignore[arg-type]
    assert quickwrite.stylesheets(settings) == ["asked again"]  # a new build asks again
