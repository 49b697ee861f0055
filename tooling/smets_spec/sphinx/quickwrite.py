"""Three walks of Sphinx's page writers done with less work per node, and a look-up kept (issue 20,
the writers' CPU).

Each page a writer resolves is walked, among others, by:

* ``HighlightLanguageTransform`` (a post-transform): docutils' ``walkabout`` of the whole
  doctree with a visitor that acts only on ``document``, ``start_of_file``, ``highlightlang`` and
  ``literal_block`` nodes (a method looked up, and two calls, for every node of the page: ~0.14 s
  of the writers' CPU in a cold build at 2,000 requirements). :class:`QuickHighlightLanguage`
  takes the same nodes in the same order (by their class name, as the visitor's dispatch does),
  with the same settings stack, and sets the same attributes; then removes the ``highlightlang``
  nodes as Sphinx's does.
* :func:`.cachedneeds.collect_words` (``doctree-resolved``), which takes each card to be stored
  through Sphinx's ``WordCollector`` (``Node.walk``: a debug call, a dispatch and an exception per
  node; raw HTML stripped by three ``re.sub``; ~0.28 s of a cold build's writers at 2,000).
  :func:`card_words` gives the same ``found_words`` in the same order: the same checks in the same
  order per node, a raw node's tags removed by :func:`.searchwalk.whole` (the same matches), and,
  with Sphinx's base ``\\w+`` splitter, consecutive texts split at once (:func:`.searchwalk.joins`:
  a newline joining them is no word character).
* sphinx-needs' ``doctree-resolved`` handler (``process_creator``'s ``process_caller``), which
  finds its nodes with ``findall(node_match(types))``: a condition function, so docutils' general
  walk (a generator per node, a call and a test per type: ~0.13 s of the writers' CPU at 2,000).
  :func:`node_match` gives a class whose instances are the nodes of those types: docutils' walk
  by class, the same nodes in the same order.
* docutils' HTML translator, made for every page, looks each of its stylesheets up on disk
  (``get_stylesheet_list``; ~0.1 s with the translator's other set-up at 2,000): its answer is
  kept for the build (:func:`stylesheets`).

Used only while Sphinx's and sphinx-needs' code is the code this was written against
(:data:`KNOWN`, a digest of its source; ``tests/test_quick_write.py`` says when it changed).
``SMETS_QUICK_WRITE=off``: Sphinx's transform and collector, sphinx-needs' condition, docutils'
look-up each time.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import sphinx.search as sphinx_search
import sphinx_needs.needs as needs_module
import sphinx_needs.utils as needs_utils
from docutils import nodes
from docutils import utils as docutils_utils
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms.code import (
    HighlightLanguageTransform,
    HighlightLanguageVisitor,
    HighlightSetting,
)

from ..corpus.cachedir import switched_off
from . import searchwalk
from .sourcedigest import source_digest

SWITCH = "SMETS_QUICK_WRITE"
#: the SHA-256 of the Sphinx code repeated here (see :func:`code_digest`)
KNOWN = "900489c09bda7946a6a6df290278d81276487e1103a639fb4ba3e9c206c5dd27"
#: a marker on the walk's stack: the settings pushed by a ``document`` or ``start_of_file`` go
_POP = object()
#: the visitor's methods, by the node class's name (its dispatch's ``"visit_" + name``)
_NOTHING, _PUSH, _SETTING, _BLOCK = range(4)
_PUSHES = frozenset({"document", "start_of_file"})
_ACTIONS = {"highlightlang": _SETTING, "literal_block": _BLOCK}
_KINDS: dict[type, tuple[int, bool]] = {}


def code_digest() -> str:
    return source_digest(
        HighlightLanguageTransform,
        HighlightLanguageVisitor,
        sphinx_search.WordCollector,
        sphinx_search._is_meta_keywords,
        needs_utils.node_match,
        needs_module.process_creator,
        _STYLESHEETS,
        docutils_utils.find_file_in_dirs,
    )


@functools.cache
def same_code() -> bool:
    return code_digest() == KNOWN


def enabled() -> bool:
    return same_code() and not switched_off(SWITCH)


def usable(document: nodes.document) -> bool:
    """Whether the quick walks stand for Sphinx's on ``document`` (whose reporter, in docutils'
    debug mode, would log each node Sphinx's walk visits)."""
    return enabled() and not document.reporter.debug_flag


def _kind(cls: type) -> tuple[int, bool]:
    """What the visitor does with a node of ``cls`` (its method, by the class's name), and whether
    ``findall(addnodes.highlightlang)`` yields it."""
    kind = _KINDS.get(cls)
    if kind is None:
        name = cls.__name__
        action = _PUSH if name in _PUSHES else _ACTIONS.get(name, _NOTHING)
        kind = _KINDS[cls] = (action, issubclass(cls, addnodes.highlightlang))
    return kind


def set_languages(document: nodes.document, default_language: str) -> list[nodes.Node]:
    """What ``document.walkabout(HighlightLanguageVisitor(document, default_language))`` does;
    returns the ``highlightlang`` nodes, in document order (what ``findall`` then gives)."""
    default = HighlightSetting(default_language, False, sys.maxsize)
    settings: list[HighlightSetting] = []
    met: list[nodes.Node] = []
    stack: list[Any] = [document]
    kinds = _KINDS
    while stack:
        node = stack.pop()
        if node is _POP:
            settings.pop()
            continue
        action, highlightlang = kinds.get(type(node)) or _kind(type(node))
        if highlightlang:
            met.append(node)
        if action == _PUSH:
            settings.append(default)
            stack.append(_POP)
        elif action == _SETTING:
            settings[-1] = HighlightSetting(node["lang"], node["force"], node["linenothreshold"])
        elif action == _BLOCK:
            setting = settings[-1]
            if "language" not in node:
                node["language"] = setting.language
                node["force"] = setting.force
            if "linenos" not in node:
                node["linenos"] = node.astext().count("\n") >= setting.lineno_threshold - 1
        children = node.children
        if children:
            stack.extend(reversed(children))
    return met


class QuickHighlightLanguage(HighlightLanguageTransform):
    """``HighlightLanguageTransform`` through :func:`set_languages`."""

    def apply(self, **kwargs: Any) -> None:
        if not usable(self.document):
            super().apply(**kwargs)
            return
        for node in set_languages(self.document, self.config.highlight_language):
            node.parent.remove(node)


def card_words(card: nodes.Node, lang: Any) -> list[str]:
    """``WordCollector(document, lang)``'s ``found_words`` after ``card.walk`` of it."""
    split = lang.split
    join = searchwalk.joins(lang)
    words: list[str] = []
    pending: list[str] = []  # texts to split at once (``join``)

    def flush() -> None:
        if pending:
            words.extend(searchwalk._split_texts(pending, split))
            pending.clear()

    stack: list[Any] = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.comment):
            continue
        element = isinstance(node, nodes.Element)
        if element and "no-search" in node["classes"]:
            continue
        if isinstance(node, nodes.raw):
            if "html" in node.get("format", "").split():
                flush()
                words.extend(searchwalk.whole(searchwalk._raw_text(node), split))
            continue
        if isinstance(node, nodes.Text):
            if join and type(node) is nodes.Text:
                pending.append(node)
            else:
                flush()
                words.extend(split(node.astext()))
        elif isinstance(node, nodes.title):
            pass  # (its titles and title words are not ``found_words``)
        elif element and sphinx_search._is_meta_keywords(node, lang.lang):
            flush()
            words.extend([keyword.strip() for keyword in node["content"].split(",")])
        stack.extend(reversed(node.children))
    flush()
    return words


class _AnyOf(type):
    """A class whose instances are the nodes of any of its ``types`` (see :func:`node_match`)."""

    types: tuple[type, ...] = ()

    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, cls.types)


def node_match(node_types: type | list[type]) -> Any:
    """sphinx-needs' ``node_match`` (the condition its ``doctree-resolved`` handler gives
    ``findall``) as a class: ``findall`` then takes docutils' walk by class, each node tested with
    one ``isinstance`` of the types, not the general walk (a generator and a condition call, with
    a test per type, for each node). The same nodes in the same order."""
    if not enabled():
        return _NODE_MATCH(node_types)
    listed = node_types if isinstance(node_types, list) else [node_types]
    return _AnyOf("AnyOf", (), {"types": tuple(listed)})


#: sphinx-needs' own (as :func:`register` found it)
_NODE_MATCH = needs_utils.node_match
#: docutils' own, and its answers kept in this process since the build started (:func:`stylesheets`)
_STYLESHEETS = docutils_utils.get_stylesheet_list
_KEPT_STYLESHEETS: dict[str, list[str]] = {}


def stylesheets(settings: Any) -> list[str]:
    """docutils' ``get_stylesheet_list``, each answer kept for the build: its HTML translator asks
    it for every page Sphinx writes, each time looking every stylesheet up on disk (``Path.exists``
    in each folder of ``stylesheet_dirs``); the answer depends on those settings, the current
    folder and those files only. (Sphinx's pages do not show it: its templates draw their own
    links.)"""
    if not enabled():
        return list(_STYLESHEETS(settings))
    key = repr((settings.stylesheet, settings.stylesheet_path, settings.stylesheet_dirs, str(Path.cwd())))
    kept = _KEPT_STYLESHEETS.get(key)
    if kept is None:
        kept = _KEPT_STYLESHEETS[key] = _STYLESHEETS(settings)
    return list(kept)


def _forget_stylesheets(app: Sphinx) -> None:
    _KEPT_STYLESHEETS.clear()


def register(app: Sphinx) -> None:
    """The quick transform where Sphinx registered its own (the same place in the order),
    :func:`node_match` where sphinx-needs' handler looks its own up, :func:`stylesheets` where
    docutils' HTML translator does, forgotten as each build starts."""
    setattr(needs_module, "node_match", node_match)  # noqa: B010 (a name it imported)
    docutils_utils.get_stylesheet_list = stylesheets
    app.connect("builder-inited", _forget_stylesheets)
    transforms = app.registry.post_transforms
    for index, transform in enumerate(transforms):
        if transform is HighlightLanguageTransform:
            transforms[index] = QuickHighlightLanguage
