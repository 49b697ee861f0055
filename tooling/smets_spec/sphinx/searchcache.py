"""Each page's contribution to the search index, kept in the user cache: a warm build assembles it.

Sphinx's :meth:`~sphinx.search.IndexBuilder.feed` turns a page into index entries in two steps:
it collects the page's words and titles from the doctree (a walk), then stems and filters every
word (most of its time: 4 s of a full build at 10,000 requirements). The second step is a pure
function of what the first collected and of the search language, so it is cached here:

* the **page key** digests everything ``feed`` reads: the page's name, file and title, the
  words, title words and titles the walk collected, and the entries of its ``index`` nodes;
* the **context key** digests what turns them into entries: Sphinx's, docutils' and the
  stemmer's versions, the language class and its module's source, its stop words, the search
  options, and this module's :data:`FORMAT`;
* a page's **contribution** (what ``feed`` adds for it) is computed once by Sphinx's own
  ``feed`` on an empty scratch index fed the collected words, and added to the build's index
  in the order ``feed`` adds it, so the written ``searchindex.js`` is the same byte for byte
  (``tests/test_searchcache.py``).

A page the extension makes itself (each requirement page, :func:`feed_prepared`) is keyed instead
by the digest of what its doctree is made from and the code that makes it, so a warm build does
not even build its doctree.

Contributions live in the user cache (:mod:`smets_spec.corpus.usercache`), in shards by page
name (one edit rewrites one shard), each under a key of the context and the source folder.
Each item is checked field by field when used and only when its page key matches; anything
else is computed again. ``SMETS_SEARCH_CACHE=off`` switches it off (so does the render cache's
``SMETS_RENDER_CACHE=off``).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sphinx import addnodes
from sphinx.application import Sphinx

from ..corpus.cachedir import switched_off
from ..corpus.usercache import digest, read_regular_entry, write_entry
from . import searchmemory
from .rendercache import versions

FORMAT = "smets-search-pages/1"
KIND = "search-pages"
SHARDS = 32
#: ``SMETS_SEARCH_CACHE=off`` (or the render cache's ``SMETS_RENDER_CACHE=off``): every page is fed
SWITCHES = ("SMETS_SEARCH_CACHE", "SMETS_RENDER_CACHE")
_STATE = "_smets_search_cache"
_PACKAGES = ("sphinx", "docutils", "snowballstemmer")

#: one page's contribution: title, file, [title, anchor] pairs, title terms, terms, index entries
Contribution = dict[str, Any]


def _context(app: Sphinx, indexer: Any) -> str | None:
    lang = indexer.lang
    try:
        source = Path(inspect.getsourcefile(type(lang)) or "").read_bytes()
    except (OSError, TypeError):
        return None
    options = json.dumps(app.config.html_search_options, sort_keys=True, default=repr)
    kind = f"{type(lang).__module__}.{type(lang).__qualname__}:{lang.lang}"
    stop = "\n".join(sorted(lang.stopwords))
    where = str(Path(app.srcdir).resolve())
    return digest([FORMAT, sys.version, *versions(_PACKAGES), kind, source, stop, options, where])


def _stemmer(lang: Any) -> str:
    """Which stemmer the language uses (snowballstemmer's C one, PyStemmer, when installed)."""
    stemmer = getattr(lang, "stemmer", None)
    kind = type(stemmer)
    return ";".join([f"{kind.__module__}.{kind.__qualname__}", *versions(("PyStemmer",))])


def _page_key(docname: str, filename: str, title: str, store: Any, entries: list[Any]) -> str:
    collected = json.dumps([store.words, store.title_words, store.titles], ensure_ascii=False)
    return digest([docname, filename, title, collected, repr(entries)])


def _strings(value: object) -> list[str]:
    """``value`` when it is a list of strings (of JSON: a ``str`` is exactly one; the types
    gathered at C speed: a warm build checks every word of every page, ~440,000 at 10,000
    requirements, and a generator's ``isinstance`` per word took a fifth of its feed)."""
    if not isinstance(value, list) or not {str}.issuperset(map(type, value)):
        raise TypeError("not a list of strings")
    return value


def _checked(item: object, key: str) -> Contribution | None:
    """A stored item, when it is exactly one this module writes for ``key``; else None."""
    if not isinstance(item, list) or len(item) != 2 or item[0] != key or not isinstance(item[1], dict):
        return None
    c = item[1]
    try:
        if set(c) != {"title", "file", "titles", "tterms", "terms", "entries"}:
            return None
        if not isinstance(c["title"], str) or not isinstance(c["file"], str):
            return None
        _strings(c["tterms"]), _strings(c["terms"])
        if not isinstance(c["titles"], list) or not isinstance(c["entries"], list):
            return None
        for pair in c["titles"]:
            if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], str):
                return None
            if not (pair[1] is None or isinstance(pair[1], str)):
                return None
        if not all(len(_strings(entry)) == 3 for entry in c["entries"]):
            return None
    except (TypeError, KeyError):
        return None
    return c


class PageCache:
    """The contributions of one build's index: looked up, computed, and written back at the end.

    A contribution taken from a shard is dropped from memory once used (the index holds its words);
    a shard is rewritten only when this build computed a page of it or a page of it is gone, from
    a fresh read of it.
    """

    def __init__(self, context: str, scratch: Any, terms: Terms | None = None) -> None:
        self.context = context
        self.scratch = scratch
        #: each word's terms for the pages of Sphinx's documents (None: Sphinx's feed works them out)
        self.terms = terms
        self.loaded: dict[int, dict[str, Any]] = {}
        #: per page looked up: its key, and its contribution when computed here (None: as stored)
        self.used: dict[str, tuple[str, Contribution | None]] = {}
        self.dirty: set[int] = set()
        self.computed = 0

    def _shard_key(self, shard: int) -> str:
        return digest([self.context, str(shard)])

    def _read(self, shard: int) -> dict[str, Any]:
        value = read_regular_entry(KIND, self._shard_key(shard))
        return value if isinstance(value, dict) else {}

    def _load(self, shard: int) -> dict[str, Any]:
        if shard not in self.loaded:
            self.loaded[shard] = self._read(shard)
        return self.loaded[shard]

    @staticmethod
    def _number(docname: str) -> int:
        return int(hashlib.sha256(docname.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16) % SHARDS

    def contribution(self, docname: str, key: str, compute: Callable[[], Contribution]) -> Contribution:
        shard = self._number(docname)
        found = _checked(self._load(shard).pop(docname, None), key)
        if found is None:
            found = compute()
            self.computed += 1
            self.dirty.add(shard)
            self.used[docname] = (key, found)
        else:
            self.used[docname] = (key, None)
        return found

    def save(self, keep: set[str]) -> None:
        """Rewrite every shard this build read whose items changed: this build's items, and the
        earlier ones of other pages in ``keep`` (a shard not read keeps its items until it is)."""
        for n, left in self.loaded.items():  # pages of the shard not looked up in this build
            if any(name not in keep for name in left):
                self.dirty.add(n)
        shards: dict[int, list[str]] = {n: [] for n in self.dirty}
        for name in self.used:  # (in the order looked up; each name's shard worked out once)
            shards.get(self._number(name), []).append(name)
        for n in sorted(self.dirty):
            stored = self._read(n)
            merged = {name: item for name, item in stored.items() if name in keep and name not in self.used}
            for name in shards[n]:
                key, computed = self.used[name]
                if computed is not None:
                    merged[name] = [key, computed]
                elif name in stored:
                    merged[name] = stored[name]
            write_entry(KIND, self._shard_key(n), merged)


def _empty(indexer: Any) -> None:
    """Give the scratch index dicts of its own (Sphinx's index keeps its dicts in the environment)."""
    indexer._titles, indexer._filenames, indexer._all_titles = {}, {}, {}
    indexer._mapping, indexer._title_mapping, indexer._index_entries = {}, {}, {}


def distinct(store: Any) -> Any:
    """``store`` with each word and title word once, at its first place.

    Sphinx's feed adds each word's stem to sets and dicts (``setdefault(...).add``): a repeat adds
    nothing, and what a word adds depends only on the word and on the title terms (made before the
    words, from the title words alone), so the index it makes, its dicts' order included, is the
    same. The 18 largest pages at 10,000 requirements hold each word 3.3 times: Sphinx's feed of
    them takes 1.33 s of CPU, of their distinct words 1.09 s. (Remembering the stems across pages
    as well gained nothing there: few words repeat from page to page once each page's are distinct.)"""
    from sphinx.search import WordStore

    return WordStore(
        words=list(dict.fromkeys(store.words)),
        titles=store.titles,
        title_words=list(dict.fromkeys(store.title_words)),
    )


#: the SHA-256 of the source of Sphinx's ``IndexBuilder.feed`` whose two word loops :class:`Terms`
#: repeats (:mod:`.sourcedigest`): another Sphinx feeds every page itself
FEED_CODE = "056af53b330d8dac4d0d499a39e57cffbc1aec743757f0fd2d59034635611a48"
#: ``SMETS_SEARCH_TERMS=off``: every computed page's words stemmed and filtered by Sphinx's feed
TERMS_SWITCH = "SMETS_SEARCH_TERMS"
#: a build writing at most this share of its documents (1/4) uses :class:`Terms` (:func:`terms_wanted`)
TERMS_SHARE = 4
#: ``SMETS_SEARCH_TERMS_FULL=off``: a full build uses no :class:`Terms` and keeps none (the first
#: edit after it works every fed word's term out again: 1.8 s of the main process at 10,000)
TERMS_FULL_SWITCH = "SMETS_SEARCH_TERMS_FULL"
#: the user cache's kind of the kept terms (one entry per search context)
TERMS_KIND = "search-terms"
#: new terms a build works out before it keeps them all (or a fiftieth of those it has)
TERMS_NEW = 4096
#: the most words kept (about 35 bytes each: well within the user cache's largest entry); more:
#: only the last build's
TERMS_MOST = 1_000_000
_NONE = ""  # no term (a term of "" sets Terms.odd: that page is fed by Sphinx)


#: ``SMETS_SEARCH_TERMS_LINES=off``: the kept terms stored as a JSON object of word -> term (read
#: either way); on, as the words and their terms in two strings, one a line (:func:`_stored`)
LINES_SWITCH = "SMETS_SEARCH_TERMS_LINES"
_LINE = "\n"


def _stored(mapping: dict[str, str]) -> dict[str, str] | list[object]:
    """``mapping`` as kept: ``[words, terms, count]``, the words and their terms each joined by
    newlines (a JSON string is read at C speed and split at once: at 10,000 requirements the
    238,000 words' object took 0.23 s of CPU to read, the two strings ~0.05 s with their
    dict); the object itself when a word or term holds a newline (none does: Sphinx's
    splitter makes words of word characters), or with ``SMETS_SEARCH_TERMS_LINES=off``."""
    words, terms = _LINE.join(mapping), _LINE.join(mapping.values())
    lines = len(mapping) - 1
    if switched_off(LINES_SWITCH) or words.count(_LINE) != lines or terms.count(_LINE) != lines:
        return mapping
    return [words, terms, len(mapping)]


def _mapping(value: object) -> dict[str, str] | None:
    """What :func:`_stored` kept, when exactly of one of its shapes; else None."""
    if isinstance(value, dict):
        return value if {str}.issuperset(map(type, value.values())) else None
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[2], int):
        return None
    words, terms, count = value
    if not isinstance(words, str) or not isinstance(terms, str):
        return None
    if count == 0:
        return {} if words == terms == "" else None
    keys, values = words.split(_LINE), terms.split(_LINE)
    if len(keys) != count or len(values) != count:
        return None
    mapping = dict(zip(keys, values, strict=True))
    return mapping if len(mapping) == count else None


@functools.cache
def _same_feed() -> bool:
    from sphinx.search import IndexBuilder

    from .sourcedigest import source_digest

    return source_digest(IndexBuilder.feed) == FEED_CODE


class Terms:
    """What Sphinx's feed makes of each word, worked out once for the build's pages.

    Sphinx's ``feed`` (:data:`FEED_CODE`) turns each title word into a title term (its stem if
    the language's filter keeps it, else the word if kept, else none), and each word into a
    term (its stem, or the word when only the word is kept; none if neither is) left out when
    the page has it as a title term: rules that read the word alone and the search language
    (its stemmer and filter, in the cache's context key), so a word makes the same term on every
    page. The nine device pages list the same rows; each word's term is worked out once here.
    A term is never "" but in theory (a word stemmed to "", which the filter keeps): then
    :attr:`odd` is set and :meth:`of` leaves the page to Sphinx.
    """

    def __init__(self, lang: Any, key: str | None = None) -> None:
        self.lang = lang
        self.words: dict[str, str] = {}
        self.titles: dict[str, str] = {}
        self.odd = False
        #: the user cache's entry of the terms kept by earlier builds (None: none read or written)
        self.key = key
        self._read = key is None
        #: the words (text words, then title words) whose terms this build worked out
        self.fresh: list[str] = []
        self.fresh_titles: list[str] = []

    def _load(self) -> None:
        """Take the terms earlier builds kept (:data:`TERMS_KIND`), when exactly of their shape."""
        self._read = True
        assert self.key is not None
        value = read_regular_entry(TERMS_KIND, self.key)
        if not isinstance(value, dict) or set(value) != {"words", "titles"}:
            return
        words, titles = _mapping(value["words"]), _mapping(value["titles"])
        if words is None or titles is None:
            return
        self.words, self.titles = words, titles  # (the contribution interns the terms it takes)

    def save(self) -> None:
        """Keep this build's terms for the next builds when it worked out many new ones (an edit's
        few new words are worked out again next time rather than rewrite every word's term)."""
        fresh = len(self.fresh) + len(self.fresh_titles)
        if self.key is None or self.odd or fresh < max(TERMS_NEW, len(self.words) // 50):
            return
        words, titles = self.words, self.titles
        if len(words) + len(titles) > TERMS_MOST:  # only this build's own
            if fresh > TERMS_MOST:  # (an entry past the cache's size limit would never be read)
                return
            words = {word: words[word] for word in self.fresh}
            titles = {word: titles[word] for word in self.fresh_titles}
        write_entry(TERMS_KIND, self.key, {"words": _stored(words), "titles": _stored(titles)})
        self.fresh, self.fresh_titles = [], []

    def _title(self, word: str) -> str:
        keep = self.lang.word_filter
        stemmed: str = self.lang.stem(word).lower()
        if keep(stemmed):
            term = stemmed
        elif keep(word):
            term = word
        else:
            term = _NONE
        if (stemmed == "" or word == "") and keep(""):
            self.odd = True
        self.titles[word] = term = sys.intern(term)
        self.fresh_titles.append(word)
        return term

    def _word(self, word: str) -> str:
        keep = self.lang.word_filter
        stemmed: str = self.lang.stem(word).lower()
        if not keep(stemmed) and keep(word):
            stemmed = word
        term = stemmed if keep(stemmed) else _NONE
        if stemmed == "" and keep(""):
            self.odd = True
        self.words[word] = term = sys.intern(term)
        self.fresh.append(word)
        return term

    def of(self, store: Any) -> tuple[list[str], list[str]] | None:
        """The title terms and terms Sphinx's feed adds to an empty index for ``store``, in the
        order it adds them (None: :attr:`odd`)."""
        if not self._read:
            self._load()
        titles, words = self.titles, self.words
        tterms: dict[str, None] = {}
        for word in store.title_words:
            term = titles.get(word)
            if term is None:
                term = self._title(word)
            if term:
                tterms[term] = None
        terms: dict[str, None] = {}
        for word in store.words:
            term = words.get(word)
            if term is None:
                term = self._word(word)
            if term and term not in tterms:
                terms[term] = None
        return None if self.odd else (list(tterms), list(terms))


def _compute(
    scratch: Any,
    docname: str,
    filename: str,
    title: str,
    doctree: Any,
    store: Any,
    terms: Terms | None = None,
) -> Contribution:
    """What Sphinx's own feed adds for the page, fed on the empty scratch index (words as collected,
    each once: :func:`distinct`). With ``terms`` (:class:`Terms`, Sphinx's feed as it repeats),
    Sphinx's feed makes the title, file, titles and index entries from no words, and the terms
    come from ``terms``: the same terms, in the same order."""
    _empty(scratch)
    once = distinct(store)
    made = terms.of(once) if terms is not None else None
    if made is not None:
        bare = type(once)(words=[], titles=once.titles, title_words=[])
        scratch._word_collector = lambda _doctree: bare
    else:
        scratch._word_collector = lambda _doctree: once
    scratch.feed(docname, filename, title, doctree)
    tterms, words = made if made is not None else (list(scratch._title_mapping), list(scratch._mapping))
    return {
        "title": scratch._titles[docname],
        "file": scratch._filenames[docname],
        "titles": [list(pair) for pair in scratch._all_titles[docname]],
        # interned: the index's keys are the first page's strings, and every page kept here until
        # save() would otherwise hold its own copy of each word (~30 MB at 10,000 requirements, cold)
        "tterms": [sys.intern(word) for word in tterms],
        "terms": [sys.intern(word) for word in words],
        "entries": [list(e) for e in scratch._index_entries[docname]],
    }


def _apply(indexer: Any, docname: str, c: Contribution) -> None:
    """Add a page's contribution to the index, in the order Sphinx's feed adds it."""
    indexer._titles[docname] = c["title"]
    indexer._filenames[docname] = c["file"]
    indexer._all_titles[docname] = [(t, a) for t, a in c["titles"]]
    if searchmemory.add_page(indexer, docname, c["tterms"], c["terms"]):
        indexer._index_entries[docname] = [(a, b, m) for a, b, m in c["entries"]]
        return
    for mapping, words in ((indexer._title_mapping, c["tterms"]), (indexer._mapping, c["terms"])):
        get = mapping.get
        for word in words:  # ``mapping.setdefault(word, set()).add(docname)``, without a set per word
            pages = get(word)
            if pages is None:
                mapping[word] = {docname}
            else:
                pages.add(docname)
    indexer._index_entries[docname] = [(a, b, m) for a, b, m in c["entries"]]


def _entries(doctree: Any) -> list[Any]:
    return [node["entries"] for node in doctree.findall(addnodes.index)]


def an_edit(writing: int, documents: int) -> bool:
    """Whether a build writing ``writing`` of its ``documents`` documents is an edit's: at most
    :data:`TERMS_SHARE` of them (the search terms used, the index written beside: :mod:`.searchbeside`)."""
    return writing * TERMS_SHARE <= documents


def terms_wanted(writing: int, documents: int) -> bool:
    """Whether a build writing ``writing`` of ``documents`` documents uses :class:`Terms`: an
    incremental one (at most :data:`TERMS_SHARE` of them), and a full one, which keeps them for
    the first edit after it (their words' terms held add ~25 MB to the full build's peak at 10,000
    requirements, within the memory target; ``SMETS_SEARCH_TERMS_FULL=off``: not a full build,
    and the first build after an edit keeps them)."""
    share = an_edit(writing, documents) or not switched_off(TERMS_FULL_SWITCH)
    return share and not switched_off(TERMS_SWITCH) and _same_feed()


#: ``SMETS_STEM_UNCACHED=off``: the search language's stemmer keeps PyStemmer's own cache
STEM_SWITCH = "SMETS_STEM_UNCACHED"


def uncached(lang: Any) -> bool:
    """Turn off the cache of ``lang``'s stemmer when it is PyStemmer's (``Stemmer.Stemmer``, what
    snowballstemmer gives when PyStemmer is installed); returns whether it did.

    The cache keeps the stems of up to 10,000 words and, when full, purges the least used half:
    with the ~55,000 distinct words of a cold build at 2,000 requirements it hardly ever hits, and
    its keeping cost four times the stemming (0.10 against 0.025 s of CPU for those words). A
    word's stem is the same with or without it (the cache holds what the stemmer returned), and
    :class:`Terms` asks each word's stem once anyway."""
    stemmer: Any = getattr(lang, "stemmer", None)
    kind = type(stemmer)
    if kind.__module__ != "Stemmer" or kind.__qualname__ != "Stemmer" or switched_off(STEM_SWITCH):
        return False
    stemmer.maxCacheSize = 0
    return True


def install(app: Sphinx, indexer: Any, writing: int | None = None) -> None:
    """Have ``indexer`` (this build's) take each page's contribution from the cache; ``writing``:
    how many documents the build writes (None: as many as it has)."""
    if switched_off(*SWITCHES):
        return
    context = _context(app, indexer)
    if context is None:
        return
    uncached(indexer.lang)
    from sphinx.search import IndexBuilder

    scratch: Any = IndexBuilder(app.env, indexer.lang.lang, app.config.html_search_options, "")
    scratch.lang = indexer.lang
    _empty(scratch)
    terms = None
    documents = len(app.env.all_docs)
    if terms_wanted(documents if writing is None else writing, documents):
        terms = Terms(scratch.lang, digest([context, FEED_CODE, _stemmer(indexer.lang)]))
    cache = PageCache(context, scratch, terms)
    original = indexer.feed

    def feed(docname: str, filename: Any, title: str, doctree: Any) -> None:
        if docname in indexer._titles:  # fed before in this index and not pruned: Sphinx's own way
            original(docname, filename, title, doctree)
            return
        name = os.fspath(filename)
        store = indexer._word_collector(doctree)
        entries = _entries(doctree)
        key = _page_key(docname, name, title, store, entries)
        found = cache.contribution(
            docname, key, lambda: _compute(scratch, docname, name, title, doctree, store, cache.terms)
        )
        _apply(indexer, docname, found)

    indexer.feed = feed
    setattr(app, _STATE, cache)


#: ``SMETS_SEARCH_PLAIN_PAGES=off``: a requirement page's contribution computed by Sphinx's feed
#: from its doctree, its words stemmed again for each page (:func:`plain_contribution`)
PLAIN_SWITCH = "SMETS_SEARCH_PLAIN_PAGES"


def plain_store(split: Callable[[str], list[str]], title: str, texts: tuple[str, ...]) -> Any:
    """What Sphinx's collector (``_feed_visit_nodes``) takes from a document holding one section
    titled ``title`` with a paragraph of each of ``texts`` (the requirement page's doctree,
    :func:`.search._doctree`): the title (the main one: no anchor) and its words, then the words
    of the title's text and of each paragraph, in order. None when a text holds a ``\\x00``
    (docutils' unescaping of a text node would remove it)."""
    from sphinx.search import WordStore

    if any("\x00" in text for text in (title, *texts)):
        return None
    title_words = split(title)
    words = list(title_words)
    for text in texts:
        words += split(text)
    return WordStore(words=words, titles=[(title, None)], title_words=title_words)


def plain_contribution(terms: Terms | None, filename: str, title: str, store: Any) -> Contribution | None:
    """What Sphinx's feed adds for a page titled ``title`` whose collected words are ``store``
    and which holds no ``index`` node, with the build's :class:`Terms` (each word's term worked
    out once for all the pages, not once a page): the title, file and titles as the feed takes
    them, the terms as :meth:`Terms.of` makes them, no index entries. None without terms (or
    when a word makes none: :attr:`Terms.odd`): Sphinx's feed makes it then."""
    if terms is None or store is None:
        return None
    made = terms.of(distinct(store))
    if made is None:
        return None
    tterms, words = made
    return {
        "title": title,
        "file": filename,
        "titles": [list(pair) for pair in store.titles],
        "tterms": [sys.intern(word) for word in tterms],
        "terms": [sys.intern(word) for word in words],
        "entries": [],
    }


def feed_prepared(
    app: Sphinx,
    indexer: Any,
    page: tuple[str, str, str],
    inputs: tuple[str, bytes],
    doctree: Callable[[], Any],
    texts: tuple[str, tuple[str, ...]] | None = None,
) -> None:
    """Feed a page the extension makes itself (a requirement page): ``page`` is its name, file and
    title; ``inputs`` the digest of everything ``doctree()`` builds its doctree from, and the
    source of the code that builds it. A cached contribution under that key is added without
    building the doctree; otherwise it is built and fed as any page. With ``texts`` (the title
    of the doctree's one section, and the texts of its paragraphs: all ``doctree()`` holds), a
    contribution to compute is made from their words and the build's terms
    (:func:`plain_contribution`), without the doctree (the caller passes none with
    :data:`PLAIN_SWITCH` off)."""
    docname, filename, title = page
    cache: PageCache | None = getattr(app, _STATE, None)
    if cache is None or docname in indexer._titles:
        indexer.feed(docname, filename, title, doctree())
        return
    key = digest(["prepared", docname, filename, title, *inputs])

    def compute() -> Contribution:
        if texts is not None:
            store = plain_store(indexer.lang.split, *texts)
            plain = plain_contribution(cache.terms, filename, title, store)
            if plain is not None:
                return plain
        made = doctree()
        return _compute(cache.scratch, docname, filename, title, made, indexer._word_collector(made))

    _apply(indexer, docname, cache.contribution(docname, key, compute))


def save_terms(app: Sphinx) -> None:
    """Keep the words' terms (:class:`Terms`) and let go of them: when the index is written (every
    page fed by then; ~25 MB at 10,000 requirements, cold, not held through the index's writing
    and ``build-finished``), else at ``build-finished``."""
    cache: PageCache | None = getattr(app, _STATE, None)
    if cache is not None and cache.terms is not None:
        cache.terms.save()
        cache.terms = None  # (a page fed after this is fed by Sphinx's feed: the same terms)


def save(app: Sphinx, keep: set[str]) -> None:
    """``build-finished``: keep this build's contributions (pages of ``keep`` stay cached), and
    the words' terms if not kept yet (:func:`save_terms`)."""
    cache: PageCache | None = getattr(app, _STATE, None)
    if cache is not None:
        cache.save(keep)
        save_terms(app)
        delattr(app, _STATE)
