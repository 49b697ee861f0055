"""Sphinx's search collector repeated with less work per node (issue 20, the main process's write).

Sphinx's :class:`~sphinx.search.IndexBuilder` collects a page's words by walking its doctree
(``sphinx.search._feed_visit_nodes``): a recursive call per node with up to six ``isinstance``
checks, and, for each text node, its unescaped text split on its own (33,800 splits for the 324
pages at 10,000 requirements). In a warm build every page is walked, though its entries come
from the cache (the walk makes the cache key): ~0.9 s of the main process's write.

:func:`collect` takes the same nodes in the same order and gives the same words, titles and
title words, with:

* each node class's kind looked up once (:func:`_kind`), not tested per node;
* the texts of consecutive text nodes split at once (up to :data:`_BATCH` characters), joined
  by a newline, when the language's splitter is Sphinx's ``\\w+`` (the base
  ``SearchLanguage.split``, checked): a newline is not a word character, so the words of the
  joined text are those of each text, in order. Joined before unescaping (docutils' ``unescape``
  removes ``\\x00`` escapes): a text holding a ``\\x00`` is taken node by node, as is every
  text of another splitter;
* a raw HTML node's tags removed by a faster pattern with the same matches (:func:`whole`), its
  text taken as it is when docutils' unescaping would leave it so (:func:`_raw_text`;
  ``SMETS_SEARCH_RAW_TEXT=off``: through ``astext``).

It follows Sphinx's ``_feed_visit_nodes`` (sphinx/search/__init__.py), two-clause BSD licence,
Copyright (c) 2007-2025 by the Sphinx team (see its AUTHORS), whose terms apply to what it repeats.

It is used only when Sphinx's collector is the one it repeats (:data:`SPHINX_WALK`, the SHA-256
of its source; ``tests/test_search_walk.py`` says when it changed). ``SMETS_SEARCH_WALK=off``:
Sphinx's own collector.

**The words of a page's large raw HTML texts are kept** (:class:`RawWords`): the computed pages
(trace tables, catalogue, conformance...) are mostly raw HTML, the same text build after build
(56 MB at 10,000 requirements: its tags removed and split into 13.8 million words, 60 % of the
walk, which every warm build's writers did again). In the user cache (``search-raw/``), one
entry per page (its source file), maps the SHA-256 of each raw HTML text of at least
:data:`MEMO_FROM` characters to its words, each once, in the order of their first place: what a
collector that keeps each word once (:class:`.searchmemory.CompactIndex`'s) takes from the
whole list. Only with Sphinx's base ``\\w+`` splitter (:func:`joins`: :func:`whole` is then a
function of the text alone); the entry's key holds this module's source and Python's version
(its Unicode tables). ``SMETS_SEARCH_RAW_MEMO=off``: every text split again.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sphinx.search as sphinx_search
from docutils import nodes
from sphinx.search import SearchLanguage

from ..corpus.cachedir import switched_off
from ..corpus.usercache import digest, read_regular_entry, write_entry
from .sourcedigest import source_digest

SWITCH = "SMETS_SEARCH_WALK"
#: Sphinx's, as its collector strips a raw node's text (``re.sub`` compiles the same patterns)
_STYLE = re.compile(r"<style.*?</style>", re.IGNORECASE | re.DOTALL)
_SCRIPT = re.compile(r"<script.*?</script>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<]+?>")
#: the same matches as ``_TAG`` in a text without ``<>`` (:func:`whole`), a third faster
_TAG_FAST = re.compile(r"<[^<>]*>")
_BASE_WORD = r"\w+"
#: the SHA-256 of the Sphinx collector :func:`collect` repeats; any other Sphinx's is used as it is
SPHINX_WALK = "b1f604d96efb81e76939c36943b5e9d3e5090a70417d3b4702faaf0fb9b561e4"
#: what the collector does with a node of a class (Sphinx's checks, in its order)
_SKIP, _ELEMENT, _RAW, _META, _TEXT, _TITLE, _OTHER, _OWN_TEXT = range(8)
_KINDS: dict[type, int] = {}
#: characters of texts split at once at most (the words of a page are kept each once as they
#: come, :class:`.searchmemory.CompactIndex`: a page's texts split at once would hold them all)
_BATCH = 1 << 14
#: raw HTML texts from this many characters have their words kept (:class:`RawWords`)
MEMO_FROM = 1024
MEMO_KIND = "search-raw"
MEMO_SWITCH = "SMETS_SEARCH_RAW_MEMO"
MEMO_FORMAT = "smets-search-raw/1"
#: ``SMETS_SEARCH_RAW_TEXT=off``: a raw node's text always through docutils' ``astext`` (:func:`_raw_text`)
RAW_TEXT_SWITCH = "SMETS_SEARCH_RAW_TEXT"
_HEX = re.compile(r"^[0-9a-f]{64}$")


def whole(text: str, split: Callable[[str], list[str]]) -> list[str]:
    """Sphinx's words of a raw HTML node's text, as its collector takes them.

    Sphinx removes tags with ``<[^<]+?>``: from a ``<``, the first ``>`` after the character
    that follows it, with no ``<`` between. Unless that character is itself a ``>`` (``<>``),
    that is the first ``>`` after the ``<``: what ``<[^<>]*>`` matches, greedily, without the
    lazy pattern's test at every character (0.26 s against 0.38 s for the 56 MB of raw HTML of a
    site at 10,000 requirements)."""
    text = _STYLE.sub("", text)
    text = _SCRIPT.sub("", text)
    return split((_TAG if "<>" in text else _TAG_FAST).sub("", text))


def _sphinx_walk_digest() -> str:
    return source_digest(getattr(sphinx_search, "_feed_visit_nodes", None))


@functools.cache
def same_walk() -> bool:
    """Whether this Sphinx's collector is the one :func:`collect` repeats."""
    return _sphinx_walk_digest() == SPHINX_WALK


def usable() -> bool:
    """Whether :func:`collect` stands for Sphinx's collector in this build."""
    return same_walk() and not switched_off(SWITCH)


def joins(lang: Any) -> bool:
    """Whether ``lang`` splits with Sphinx's base ``\\w+`` (texts may be split joined by a newline)."""
    word_re = getattr(lang, "_word_re", None)
    if type(lang).split is not SearchLanguage.split or not isinstance(word_re, re.Pattern):
        return False
    return word_re.pattern == _BASE_WORD and word_re.flags == re.UNICODE


def _kind(cls: type) -> int:
    kind = _KINDS.get(cls)
    if kind is None:
        if issubclass(cls, nodes.comment):
            kind = _SKIP
        elif issubclass(cls, nodes.raw):
            kind = _RAW
        elif issubclass(cls, nodes.meta):
            kind = _META
        elif issubclass(cls, nodes.Text):  # (one whose text is not docutils' is split on its own)
            kind = _TEXT if getattr(cls, "astext", None) is nodes.Text.astext else _OWN_TEXT
        elif issubclass(cls, nodes.title):
            kind = _TITLE
        elif issubclass(cls, nodes.Element):
            kind = _ELEMENT
        else:
            kind = _OTHER
        _KINDS[cls] = kind
    return kind


def _raw_text(node: Any) -> str:
    """``node.astext()`` of a raw node: its one docutils text as it is when it holds no ``\\x00``
    (docutils' ``unescape`` then returns it unchanged, after three splits and joins of the whole
    text: 88 MB of raw HTML at 10,000 requirements)."""
    children = node.children
    if len(children) == 1 and type(children[0]) is nodes.Text and "\x00" not in children[0]:
        return str(children[0])
    return str(node.astext())


def _split_texts(texts: list[str], split: Callable[[str], list[str]]) -> list[str]:
    """The words of each text node of ``texts`` (raw, not unescaped), in order: split joined."""
    joined = "\n".join(texts)
    if "\x00" in joined:  # docutils' escapes: each text unescaped on its own, as Text.astext does
        return [word for text in texts for word in split(nodes.unescape(text))]
    return split(joined)


def collect(
    doctree: nodes.Node,
    store: Any,
    split: Callable[[str], list[str]],
    language: str,
    join: bool,
    memo: RawWords | None = None,
) -> None:
    """Sphinx's ``_feed_visit_nodes`` (the same nodes in the same order, the same words); ``join``:
    consecutive texts split at once (:func:`joins` of the language; module doc); ``memo``: the
    large raw HTML texts' words kept (only with ``join``, into a store whose words are each kept
    once: :class:`RawWords`)."""
    if not join:
        memo = None
    quick_raw = not switched_off(RAW_TEXT_SWITCH)
    words, titles, title_words = store.words, store.titles, store.title_words
    pending: list[str] = []  # text nodes' texts to split at once (``join``)
    size = 0

    def flush() -> None:
        nonlocal size
        if pending:
            words.extend(_split_texts(pending, split))
            pending.clear()
            size = 0

    stack: list[Any] = [doctree]
    kinds = _KINDS
    while stack:
        node = stack.pop()
        kind = kinds.get(type(node))
        if kind is None:
            kind = _kind(type(node))
        if kind == _TEXT and join:
            pending.append(node)
            size += len(node)
            if size > _BATCH:
                flush()
            continue  # (a text node has no children)
        if kind in (_TEXT, _OWN_TEXT):
            flush()
            words.extend(split(node.astext()))
            continue
        if kind == _SKIP or (kind != _OTHER and "no-search" in node.attributes["classes"]):
            continue
        if kind == _RAW:
            if "html" in node.get("format", "").split():
                flush()
                text = _raw_text(node) if quick_raw else str(node.astext())
                if memo is not None and len(text) >= MEMO_FROM:
                    words.extend(memo.words(text, split))
                else:
                    words.extend(whole(text, split))
            continue
        if kind == _META and sphinx_search._is_meta_keywords(node, language):
            flush()
            words.extend([keyword.strip() for keyword in node["content"].split(",")])
        elif kind == _TITLE:
            title, is_main_title = node.astext(), len(titles) == 0
            ids = node.parent["ids"]
            titles.append((title, None if is_main_title else ids[0] if ids else None))
            title_words.extend(split(title))
        stack.extend(reversed(node.children))
    flush()


@functools.cache
def _memo_context() -> str:
    """What the kept words are a function of besides the text: :func:`whole`'s code (this module)
    and Python's (its ``re`` and Unicode tables)."""
    return digest([MEMO_FORMAT, sys.version, unicodedata.unidata_version, Path(__file__).read_bytes()])


def _words_of(value: object) -> dict[str, list[str]] | None:
    """A stored entry's value when it is exactly of the shape :meth:`RawWords.save` writes."""
    if not isinstance(value, dict):
        return None
    for text_digest, words in value.items():
        if (
            not _HEX.match(text_digest)
            or not isinstance(words, list)
            or not {str}.issuperset(map(type, words))
        ):
            return None
    return value


class RawWords:
    """The words of one page's large raw HTML texts, kept in the user cache (module doc)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.held: dict[str, list[str]] | None = None
        self.used: dict[str, list[str]] = {}
        self.fresh = 0

    @classmethod
    def of(cls, doctree: nodes.Node) -> RawWords | None:
        """The kept words of the page ``doctree`` is (by its source file); None when switched off
        or the page has no source."""
        source = doctree.get("source") if isinstance(doctree, nodes.Element) else None
        if not source or switched_off(MEMO_SWITCH):
            return None
        return cls(digest([_memo_context(), str(source)]))

    def words(self, text: str, split: Callable[[str], list[str]]) -> list[str]:
        """:func:`whole`'s words of ``text``, each once in the order of its first place."""
        if self.held is None:
            self.held = _words_of(read_regular_entry(MEMO_KIND, self.key)) or {}
        name = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        found = self.held.get(name)
        if found is None:
            found = list(dict.fromkeys(whole(text, split)))
            self.fresh += 1
        self.used[name] = found
        return found

    def save(self) -> None:
        """Keep this page's texts' words when one was worked out or one kept was not used."""
        if self.held is None or (not self.fresh and self.used.keys() == self.held.keys()):
            return
        write_entry(MEMO_KIND, self.key, self.used)
