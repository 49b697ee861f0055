"""Need directives are registered without docutils parsing their options, or their text when
their card is in the render cache.

At ``source-read`` each need directive the fast reader found whose header is plain (title on the
directive's line, one option per line, nothing docutils' inline parser would change) loses its
directive and option lines to one placeholder line, ``.. smets-cached-need::``, and blank lines
(so every line number stays): parsing options is most of what docutils spends on a need. When its
card is in the render cache (:mod:`.rendercache`, keyed by everything the card shows), its text
lines become blank too, so docutils parses nothing of it. :class:`CachedNeed` then registers the
need through sphinx-needs' own directive code with the title and options as docutils would have
given them, and the text as the need's content (parsed by docutils, or kept unparsed when the card
is cached), so needs.json, tables, ``:need:`` roles, backlinks and sphinx-needs' checks see the
need as before; a cached card is the cached HTML (:class:`CachedCard`).

A card drawn the long way (:class:`SmetsCard`) is stored with the words the search index took
from it when its page is written (:func:`store_page`), if its text is plain (:func:`pure`: no node
whose output depends on the rest of the document) and its document was read without a warning
(so a warning is given again on the next build). Only HTML builders use any of this, and
``SMETS_RENDER_CACHE=off`` switches it off.
"""

from __future__ import annotations

import logging as pylogging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from logging.handlers import BufferingHandler
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.search import WordCollector
from sphinx.util import logging
from sphinx.util.docutils import SphinxTranslator
from sphinx_needs.directives.need import NeedDirective
from sphinx_needs.roles.need_ref import NeedRef

from ..corpus.cachedir import switched_off, user_cache_folder
from ..corpus.load import Corpus
from ..corpus.rstreader import NeedSpan, RawOption, need_spans
from ..corpus.schema import BY_DIRECTIVE
from . import (
    plaintext,
    quickapp,
    quickassets,
    quickquotes,
    quicksettings,
    quicktargets,
    quickwalks,
    quickwrite,
)
from .linker import docname_of, has_requirement_pages
from .rendercache import QUICK_KEYS_SWITCH, RenderCache, Rendered, card_inputs, card_key, context_digest
from .state import corpus_of

LOGGER = logging.getLogger(__name__)
PLACEHOLDER = "smets-cached-need"
#: options that make sphinx-needs draw or fill the need in ways a card does not capture
_UNCACHED_OPTIONS = frozenset(
    {"hide", "template", "pre_template", "post_template", "jinja_content", "layout", "style"}
    | {"collapse", "delete", "title_from_content"}
)
#: the nodes a cached card's text may hold: none of them depends on the rest of the document
_PURE_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Text,
    nodes.paragraph,
    nodes.emphasis,
    nodes.strong,
    nodes.literal,
    nodes.bullet_list,
    nodes.enumerated_list,
    nodes.list_item,
    nodes.definition_list,
    nodes.definition_list_item,
    nodes.term,
    nodes.classifier,
    nodes.definition,
    nodes.block_quote,
    nodes.line_block,
    nodes.line,
    nodes.title_reference,
    nodes.subscript,
    nodes.superscript,
    nodes.abbreviation,
    NeedRef,
)
_HEADER = re.compile(r"^(?P<lead> *\.\. +)(?P<name>[^\s:]+) ?::(?P<title>.*)$")
#: what docutils' inline parser could read as markup in an option value (which it then refuses or
#: changes): such a directive's options are left to docutils
_MARKUP = re.compile(r"[\\*`|\[\]@<]|_(?!\w)|(?<![\w.+-])[a-zA-Z][a-zA-Z0-9.+-]*:\S")


class SmetsCard(nodes.container):  # type: ignore[misc]
    """A need's card drawn from its nodes; the HTML writer stores it in the cache (``smets_key``)."""


class CachedCard(nodes.General, nodes.Element):  # type: ignore[misc]
    """A card from the cache: its HTML (``html``) and, as text, the words the search index takes."""


@dataclass(frozen=True)
class Hit:
    """A need directive whose card is cached: what its placeholder needs to register the need."""

    directive: str
    title: str
    options: tuple[tuple[str, str | None], ...]  # as docutils gives them: in order, None when empty
    content: list[str]
    content_delta: int  # lines from the directive's line to its content's first line
    key: str | None  # None: its card is not cached (its text depends on the rest of the page)
    rendered: Rendered | None  # None: its card is drawn from its text, parsed by docutils


@dataclass
class _DocState:
    hits: dict[int, Hit]  # by the directive's line (1-based)
    cards: dict[str, Hit]  # need id -> its cached card, filled as placeholders run
    keys: dict[str, str]  # need id -> key, for every cacheable need of the document
    warnings: int  # warnings given before the document was read
    doc2path: Any = None  # env.doc2path keeping its answers for this document (see :func:`_kept_paths`)


#: ``SMETS_NEED_PATHS=off``: sphinx-needs asks Sphinx for the document's path afresh for each need.
#: On, while a placeholder registers its need, the environment's ``doc2path`` answers each question
#: asked before in this document with the path it gave then (a path object is immutable, and which
#: file a document name stands for does not change while the document is read): sphinx-needs asks
#: twice a need, each answer a new ``pathlib`` object.
PATHS_SWITCH = "SMETS_NEED_PATHS"


def _kept_paths(env: Any, kept: dict[Any, Any]) -> Any:
    """``env.doc2path``, each answer kept in ``kept`` by its arguments."""
    original = type(env).doc2path

    def doc2path(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(kwargs.items())) if kwargs else args
        found = kept.get(key)
        if found is None:
            found = kept[key] = original(env, *args, **kwargs)
        return found

    return doc2path


_DOCS: dict[str, _DocState] = {}
_CACHES: WeakKeyDictionary[Sphinx, tuple[RenderCache, str, dict[str, str]]] = WeakKeyDictionary()


def _warnings_given(app: Sphinx) -> int:
    """Warnings so far in this process (a parallel reader holds its own in a buffer until it ends)."""
    held = 0
    for handler in pylogging.getLogger("sphinx").handlers:
        if isinstance(handler, BufferingHandler):
            held += sum(1 for record in handler.buffer if record.levelno >= pylogging.WARNING)
    return int(getattr(app, "_warncount", 0)) + held


#: ``SMETS_RENDER_CACHE=off``: every need directive goes through docutils, no card is cached
SWITCH = "SMETS_RENDER_CACHE"


def enabled(app: Sphinx) -> bool:
    builder = getattr(app, "builder", None)
    if switched_off(SWITCH):
        return False
    return builder is not None and builder.format == "html" and builder.name in {"html", "dirhtml"}


def _settings(app: Sphinx) -> list[str]:
    conf = Path(app.confdir) / "conf.py"
    overrides = getattr(app.config, "_overrides", {})
    return [
        app.builder.name,
        conf.read_text(encoding="utf-8", errors="surrogateescape") if conf.is_file() else "",
        repr(sorted((str(k), repr(v)) for k, v in dict(overrides).items())),
        f"req-pages={has_requirement_pages(app)}",
    ]


def cache_of(app: Sphinx) -> tuple[RenderCache, str, dict[str, str]]:
    """This build's cache, its context digest and every need's page (made once per build)."""
    found = _CACHES.get(app)
    if found is None:
        corpus = corpus_of(app)
        pages = {need.id: docname_of(corpus, need.id) for need in corpus}
        found = (RenderCache(user_cache_folder()), context_digest(_settings(app)), pages)
        _CACHES[app] = found
    return found


def _plain_header(lines: list[str], span: NeedSpan, quick: bool) -> bool:
    """A title on the directive's line and one line per option, none with text docutils would parse,
    indented as its text is (so the text keeps its indentation when the options are taken away)."""
    raw = span.need
    header = _HEADER.match(lines[span.start])
    if header is None or header["name"] != raw.directive or header["title"].strip() != raw.title:
        return False
    options = [line for line in lines[span.start + 1 : span.content] if line.strip()]
    if len(options) != len(raw.options) or not all(line.lstrip().startswith(":") for line in options):
        return False
    body = [_indent(line) for line in lines[span.content : span.end] if line.strip()]
    if not body or (options and min(_indent(line) for line in options) < min(body)):
        return False  # docutils dedents the text by its options' indentation: keep them
    return not _marked(raw.options.values(), quick)


def _marked(options: Iterable[RawOption], quick: bool) -> bool:
    """Whether any option's value holds markup (:data:`_MARKUP`) or a line break: one search of the
    values joined by a space with ``SMETS_QUICK_CARD_KEYS`` on (no match of :data:`_MARKUP` holds a
    space, and one at a value's end or start reads a space beside it as it reads the end; the
    switch is read once per document: ``quick``)."""
    if not quick:
        return any(_MARKUP.search(o.value) or "\n" in o.value for o in options)
    joined = " ".join(o.value for o in options)
    return "\n" in joined or _MARKUP.search(joined) is not None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _fast(
    corpus: Corpus, docname: str, lines: list[str], span: NeedSpan, pages: dict[str, str], quick: bool
) -> bool:
    """Whether the directive can be registered from what the fast reader read (see the module's doc)."""
    raw = span.need
    record = corpus.needs.get(raw.options["id"].value) if "id" in raw.options else None
    if record is None or record.directive != raw.directive or _UNCACHED_OPTIONS & set(raw.options):
        return False
    if pages.get(record.id) != docname or span.content >= span.end:
        return False  # recorded on another page (a duplicate id), or no text
    return "\t" not in "".join(lines[span.start : span.end]) and _plain_header(lines, span, quick)


def _span_key(app: Sphinx, corpus: Corpus, docname: str, lines: list[str], span: NeedSpan) -> str | None:
    _, context, pages = cache_of(app)
    record = corpus.needs[span.need.options["id"].value]
    inputs = card_inputs(corpus, record, span.need.content, pages)
    block = "\n".join(lines[span.start : span.end])
    return None if inputs is None else card_key(context, docname, block, inputs)


def _pending(span: NeedSpan, key: str | None, rendered: Rendered | None) -> Hit:
    raw = span.need
    options = tuple((name, option.value or None) for name, option in raw.options.items())
    content = raw.content.split("\n")
    return Hit(raw.directive, raw.title, options, content, span.content - span.start, key, rendered)


def replace_cached(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: each need with a plain header loses it (one placeholder line instead), and
    its text too when its card is cached (see the module's doc)."""
    if not enabled(app):
        return
    corpus = corpus_of(app)
    cache, _, pages = cache_of(app)
    lines = source[0].splitlines()
    state = _DocState({}, {}, {}, _warnings_given(app))
    _DOCS[docname] = state
    stored = cache.load(docname)
    quick = not switched_off(QUICK_KEYS_SWITCH)
    inside = 0  # the end of the last need's block: a need nested in it is part of that need's content
    for span in need_spans(source[0], BY_DIRECTIVE):
        nested, inside = span.start < inside, max(inside, span.end)
        if nested or not _fast(corpus, docname, lines, span, pages, quick):
            continue
        key = _span_key(app, corpus, docname, lines, span)
        if key is not None:
            state.keys[span.need.options["id"].value] = key
        hit = stored.get(key) if key is not None else None
        state.hits[span.start + 1] = _pending(span, key, hit)
        lead = lines[span.start][: lines[span.start].index("..")]
        end = span.end if hit is not None else span.content  # a card to draw keeps its text to parse
        lines[span.start : end] = [f"{lead}.. {PLACEHOLDER}::"] + [""] * (end - span.start - 1)
    if state.hits:
        source[0] = "\n".join(lines) + "\n"


class _Unparsed:
    """The parser state for a need whose card is cached: its content is kept, not parsed."""

    def __init__(self, state: Any) -> None:
        self._state = state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state, name)

    def nested_parse(self, *args: Any, **kwargs: Any) -> None:
        return None


class CachedNeed(NeedDirective):
    """The placeholder of a cached need: sphinx-needs' own directive, its text kept but not parsed."""

    def run(self) -> list[nodes.Node]:
        source, line = self.get_source_info()
        state = _DOCS.get(self.env.docname)
        hit = state.hits.get(line or 0) if state is not None else None
        if state is None or hit is None:
            LOGGER.warning(
                f"'.. {PLACEHOLDER}::' is the build's own placeholder, not for spec sources "
                "[smets.unsafe-markup]",
                location=self.get_location(),
            )
            return []
        self.name = hit.directive
        self.arguments = [hit.title] if hit.title else []
        self.options = dict(hit.options)
        if state.doc2path is None:
            state.doc2path = False if switched_off(PATHS_SWITCH) else _kept_paths(self.env, {})
        if state.doc2path is False:
            return self._register(state, hit, source, line)
        env = vars(self.env)
        env["doc2path"] = state.doc2path
        try:
            return self._register(state, hit, source, line)
        finally:
            env.pop("doc2path", None)

    def _register(self, state: _DocState, hit: Hit, source: str | None, line: int | None) -> list[nodes.Node]:
        if hit.rendered is None:  # docutils read the text as this directive's content: parse it
            return self._parsed()
        first = (line or 0) + hit.content_delta - 1  # 0-based line of the content in the source
        items = [(source or "", first + i) for i in range(len(hit.content))]
        self.content = StringList(hit.content, items=items)
        self.content_offset = self.lineno - 1 + hit.content_delta
        self.block_text = ""
        self.state = _Unparsed(self.state)  # type: ignore[has-type]
        made = list(super().run())
        for node in made:
            if isinstance(node, nodes.Element) and node.get("refid") and not isinstance(node, nodes.target):
                state.cards[str(node["refid"])] = hit
        return made

    def _parsed(self) -> list[nodes.Node]:
        """The need with its text parsed; plain paragraphs made without docutils' parser (the same nodes)."""
        directive: Any = self
        made = (
            plaintext.paragraphs_of(directive.content, directive.state.document.settings)
            if plaintext.enabled()
            else None
        )
        if made is not None:
            directive.state = plaintext.Paragraphs(directive.state, directive.content, made)
        return list(super().run())


def cached_card(docname: str, need_id: str) -> tuple[str, Rendered] | None:
    """The key and cached card of a need whose placeholder ran in this document, if any."""
    state = _DOCS.get(docname)
    hit = state.cards.get(need_id) if state is not None else None
    return (hit.key, hit.rendered) if hit is not None and hit.key and hit.rendered else None


def pure(node: nodes.Element) -> bool:
    """Whether a card's text holds only nodes whose HTML depends on nothing else in the document."""
    for child in node.findall(include_self=False):
        if not isinstance(child, _PURE_NODES) or (isinstance(child, nodes.Element) and child.get("ids")):
            return False
    return True


def key_for(app: Sphinx, docname: str, need_id: str, body: nodes.Element) -> str | None:
    """The key to store a card under, or None: not cacheable, or its document gave a warning."""
    state = _DOCS.get(docname)
    if state is None or need_id not in state.keys or _warnings_given(app) != state.warnings:
        return None
    return state.keys[need_id] if pure(body) else None


def forget(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``, last: the document is read; its bookkeeping goes."""
    _DOCS.pop(app.env.docname, None)


def collect_words(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: the words the search index will take from each card to be stored."""
    indexer = getattr(app.builder, "indexer", None)
    quick = quickwrite.usable(doctree)  # (the same words, with less work per node)
    for card in doctree.findall(SmetsCard):
        if not card.get("smets_key"):
            continue
        if indexer is None:
            card["smets_key"] = ""
            continue
        if quick:
            card["smets_words"] = quickwrite.card_words(card, indexer.lang)
            continue
        collector = WordCollector(doctree, indexer.lang)
        card.walk(collector)
        card["smets_words"] = list(collector.found_words)


def visit_card(self: SphinxTranslator, node: nodes.Element) -> None:
    translator: Any = self
    node["smets_start"] = len(translator.body)
    translator.visit_container(node)


def depart_card(self: SphinxTranslator, node: nodes.Element) -> None:
    translator: Any = self
    translator.depart_container(node)
    key = node.get("smets_key")
    if key and "smets_words" in node:
        html = "".join(translator.body[int(node["smets_start"]) :])
        _page_cards(translator)[str(key)] = Rendered(html, tuple(node["smets_words"]))


#: per page being written, the cards to store once it is written (see :func:`store_page`)
_WRITTEN: dict[str, dict[str, Rendered]] = {}


def _page_cards(translator: Any) -> dict[str, Rendered]:
    return _WRITTEN.setdefault(str(translator.builder.current_docname), {})


def store_page(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """``html-page-context``, after the page's body is written: its cards replace its cache file."""
    cards = _WRITTEN.pop(pagename, None)
    if cards:
        cache_of(app)[0].save(pagename, cards)


def visit_cached(self: SphinxTranslator, node: nodes.Element) -> None:
    translator: Any = self
    translator.body.append(str(node["html"]))
    _page_cards(translator)[str(node["key"])] = Rendered(str(node["html"]), tuple(node["words"]))
    raise nodes.SkipNode


def make_cached(need_id: str, key: str, rendered: Rendered) -> CachedCard:
    """The node that stands for a cached card: its HTML, and its search words as text."""
    words = list(rendered.words)
    return CachedCard("", nodes.Text(" ".join(words)), html=rendered.html, words=words, key=key)


def _prepare(app: Sphinx, *args: Any) -> None:
    """Before the read forks: the cache, its context and the pages, made once for every worker."""
    if enabled(app):
        cache_of(app)


def register(app: Sphinx) -> None:
    quickquotes.register(app)
    quickwalks.register(app)
    quickwrite.register(app)
    quicksettings.register(app)
    quicktargets.register(app)
    quickassets.register(app)
    quickapp.register(app)
    app.connect("env-before-read-docs", _prepare)
    app.add_node(SmetsCard, html=(visit_card, depart_card))
    app.add_node(CachedCard, html=(visit_cached, None))
    app.add_directive(PLACEHOLDER, CachedNeed)
    app.connect("source-read", replace_cached, priority=900)  # after the clause-number and safety rewrites
    app.connect("doctree-read", forget, priority=990)
    app.connect("doctree-resolved", collect_words, priority=900)
    app.connect("html-page-context", store_page)  # after sphinx-needs resolves :need:
