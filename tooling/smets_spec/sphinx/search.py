"""The site's search finds what users type: need ids, and the requirement pages with their text.

Sphinx's own search (``searchindex.js``, loaded by a script tag, so it works from ``file://``
and from a web server alike) is fed three things it would not know of:

* every requirement page ``req/<ID>.html`` (written outside Sphinx, see :mod:`.reqpages`) as a
  document of the index, with its id, title and text (from its card on the section page), fed
  at ``html-collect-pages``, before Sphinx writes the index (a page whose title and text are those
  of the last build keeps its entries from the last index: :mod:`.searchreuse`);
* every need id as an object of the ``smets`` domain, pointing at the need's own page (a
  requirement's page, else its card), so ``GS_08`` or ``DAT_METER_BALANCE`` is an object hit;
* a result scorer (``html_search_scorer``, written into Sphinx's ``language_data.js``, a file:
  no inline script) that puts the item whose id is the query first: Sphinx splits ``GS_08`` into
  ``gs`` and ``08``, which alone would rank ``PC_08`` level with it.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.domains import Domain, ObjType
from sphinx.util.docutils import new_document

from ..corpus.cachedir import switched_off
from ..corpus.load import Corpus
from ..corpus.schema import NEED_TYPES, Requirement
from ..corpus.usercache import digest  # each part length-prefixed: what one page was fed from
from . import searchbeside, searchcache, searchearly, searchlater, searchmemory
from .linker import REQ_FOLDER, docname_of, has_requirement_pages
from .reqpages import requirement_texts
from .searchreuse import ensure_loaded, keep_on_load, unchanged, write_record
from .state import corpus_of

SCORER = Path(__file__).resolve().parent.parent / "templates" / "static" / "smets-search-scorer.js"
_TAG = re.compile(r"<[^>]+>")
_ROLE = re.compile(r":[\w:-]+:`([^`<]*?)\s*(?:<([^>`]*)>)?`")
#: object priority 1 ("object results" in Sphinx's scorer); the scorer lifts an exact id above all
_PRIORITY = 1
_FED = "_smets_search_fed"
#: requirement pages fed between two moves of their words into the index's compact store
_SETTLE_EVERY = 64


def _object_types() -> dict[str, ObjType]:
    return {t.directive: ObjType(t.title_, t.directive) for t in NEED_TYPES}


class SmetsDomain(Domain):
    """Need ids as objects: what makes an id a search hit (no directives or roles of its own)."""

    name = "smets"
    label = "SMETS"
    object_types = _object_types()
    initial_data: ClassVar[dict[str, Any]] = {}

    def get_objects(self) -> Iterable[tuple[str, str, str, str, str, int]]:
        from .state import app_of

        app = app_of(self.env)
        return list(need_objects(corpus_of(app), has_requirement_pages(app)))

    def merge_domaindata(self, docnames: Any, otherdata: dict[str, Any]) -> None:
        """Nothing to merge: the objects come from the corpus, not from the documents."""

    def resolve_any_xref(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


def need_objects(corpus: Corpus, req_pages: bool) -> Iterator[tuple[str, str, str, str, str, int]]:
    """``(name, dispname, type, docname, anchor, priority)`` of every need, at its own page."""
    for need in corpus.needs.values():
        if isinstance(need, Requirement) and req_pages:
            yield need.id, need.id, need.directive, f"{REQ_FOLDER}/{need.id}", "", _PRIORITY
        else:
            yield need.id, need.id, need.directive, docname_of(corpus, need.id), need.id, _PRIORITY


def plain_text(markup: str) -> str:
    """The words of a requirement's HTML (or reST) text, for the index."""
    text = _TAG.sub(" ", _ROLE.sub(lambda m: f"{m[1]} {m[2] or ''}", markup))
    return " ".join(html.unescape(text).split())


def _doctree_parts(req: Requirement, text: str) -> tuple[str, str, str, str]:
    """Everything the page's doctree is made of: its section id, title, text and fields."""
    fields = [req.id, req.section.value if req.section else "", *(req.mandatory_for or [])]
    return req.id, f"{req.id} {' '.join(req.title.split())}", text, " ".join(str(f) for f in fields if f)


def _doctree(req: Requirement, text: str) -> nodes.document:
    """A small doctree of the page: its title, then its text and fields (what the indexer reads)."""
    section_id, title, body, fields = _doctree_parts(req, text)
    document = new_document(f"{REQ_FOLDER}/{req.id}.html")
    section = nodes.section(ids=[section_id])
    section += nodes.title(text=title)
    section += nodes.paragraph(text=body)
    section += nodes.paragraph(text=fields)
    document += section
    return document


_FED_EARLY = searchearly.FED_EARLY


def feed_early(app: Sphinx) -> None:
    """Feed the requirement pages now (:mod:`.searchearly`, as the finish begins): the
    ``html-collect-pages`` handler then feeds nothing to this index."""
    feed_requirement_pages(app)
    setattr(app, _FED_EARLY, getattr(app.builder, "indexer", None))  # (cleared at write-started)


def feed_requirement_pages(app: Sphinx) -> list[tuple[str, dict[str, Any], str]]:
    """``html-collect-pages``: put every requirement page into the search index (writes no page)."""
    indexer = getattr(app.builder, "indexer", None)
    early = vars(app).pop(_FED_EARLY, None)
    if indexer is None or not has_requirement_pages(app) or (early is not None and early is indexer):
        return []
    corpus = corpus_of(app)
    texts = requirement_texts(app, corpus)
    pages: dict[str, tuple[Requirement, str, str, tuple[str, str, str, str]]] = {}
    digests: dict[str, str] = {}
    for req in corpus.requirements:
        text = plain_text(texts.get(req.id) or req.content or "")
        title = " ".join(f"{req.id} {req.title}".split())
        docname = f"{REQ_FOLDER}/{req.id}"
        parts = _doctree_parts(req, text)
        pages[docname] = (req, title, text, parts)
        digests[docname] = digest((docname, f"{docname}.html", title, *parts))
    kept = unchanged(app, indexer, digests)  # their entries of the last build stand (see searchreuse)
    code = Path(__file__).read_bytes()  # what makes the doctree from the parts digested
    plain = not switched_off(searchcache.PLAIN_SWITCH)  # contributions made from the parts' words
    for n, (docname, (req, title, text, parts)) in enumerate(pages.items()):
        if docname not in kept:
            made = functools.partial(_doctree, req, text)
            _, heading, body, fields = parts
            searchcache.feed_prepared(
                app,
                indexer,
                (docname, f"{docname}.html", title),
                (digests[docname], code),
                made,
                (heading, (body, fields)) if plain else None,
            )
        if n % _SETTLE_EVERY == 0:
            searchmemory.settle(indexer)
    searchmemory.settle(indexer)
    _keep_when_pruned(indexer, set(pages))
    setattr(app, _FED, digests)
    return []


def _record(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``, early: record what the requirement pages of the written index were fed
    from, and keep this build's page contributions; then the index (written) and the contributions
    go before the requirement-page writers fork and needs.json is written. While a forked copy
    still writes the index (:mod:`.searchbeside`), the record and the index's release wait for it
    (:func:`_record_late`)."""
    digests: dict[str, str] | None = getattr(app, _FED, None)
    if not searchbeside.pending(app):
        _record_index(app, exception, digests)
    if exception is None:
        searchcache.save(app, set(app.env.all_docs) | set(digests or ()))


def _record_index(app: Sphinx, exception: Exception | None, digests: dict[str, str] | None) -> None:
    searchmemory.release(getattr(app.builder, "indexer", None))
    if exception is None and digests is not None:
        write_record(app, digests)


def _record_late(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``, late: the index written by a forked copy waited for (written here if
    the copy failed), then recorded and released as :func:`_record` does."""
    if searchbeside.pending(app):
        searchbeside.settle(app, exception)
        _record_index(app, exception, getattr(app, _FED, None))


def _cache_contributions(app: Sphinx) -> None:
    """``builder-inited``: the index Sphinx makes when it starts writing is held compactly
    (:mod:`.searchmemory`, its words settled after each page) and takes each page's contribution
    from the user cache (:mod:`.searchcache`)."""
    builder = app.builder
    original: Any = getattr(builder, "prepare_writing", None)
    index_page: Any = getattr(builder, "index_page", None)
    if original is None or index_page is None:
        return

    def prepare_writing(docnames: Any) -> None:
        original(docnames)
        indexer = getattr(builder, "indexer", None)
        if indexer is not None:
            searchmemory.adopt(indexer)
            searchcache.install(app, indexer, len(set(docnames)))
            searchbeside.note_writing(app, len(set(docnames)))
            searchlater.arm(app, index_now, searchearly.armed(app))

    def index_now(pagename: str, doctree: nodes.document, title: str) -> None:
        ensure_loaded(app)  # (its loading is put off when Sphinx writes no document: searchreuse)
        index_page(pagename, doctree, title)
        searchmemory.settle(getattr(builder, "indexer", None))

    def index_and_settle(pagename: str, doctree: nodes.document, title: str) -> None:
        if not searchlater.hold(app, (pagename, doctree, title)):  # (fed by the index's copy)
            index_now(pagename, doctree, title)

    builder.prepare_writing = prepare_writing  # type: ignore[method-assign]
    builder.index_page = index_and_settle  # type: ignore[attr-defined]


def _keep_contributions(app: Sphinx) -> None:
    """The index's copy (:mod:`.searchlater`): keep the page contributions it worked out, as
    :func:`_record` does (the main process then has none)."""
    searchcache.save(app, set(app.env.all_docs) | set(getattr(app, _FED, None) or ()))


def _texts_first(app: Sphinx) -> None:
    """Before the index's copy starts (:mod:`.searchlater`): the requirement texts read here, once
    for both (the copy feeds them; the requirement pages' writers, started here next, draw them)."""
    if has_requirement_pages(app):
        requirement_texts(app, corpus_of(app))


def _keep_when_pruned(indexer: Any, ours: set[str]) -> None:
    """Sphinx prunes the index to its own documents just before writing it: keep the pages fed here.

    (This build's indexer only; the next build makes a new one, and feeds the pages again.)
    """
    prune = indexer.prune

    def keep_ours(docnames: Iterable[str]) -> None:
        prune(set(docnames) | ours)

    indexer.prune = keep_ours


def _scorer(app: Sphinx, config: Config) -> None:
    if not config.html_search_scorer:
        config.html_search_scorer = str(SCORER)


def register(app: Sphinx) -> None:
    app.add_domain(SmetsDomain)
    app.connect("config-inited", _scorer)
    app.connect("html-collect-pages", feed_requirement_pages)
    searchearly.register(app, feed_early)
    searchlater.register(app, feed_early, _keep_contributions, _texts_first, _FED)
    app.connect("builder-inited", keep_on_load)
    app.connect("builder-inited", _cache_contributions)
    app.connect("build-finished", _record, priority=90)  # before jobs' collection and trim (100)
    app.connect("build-finished", _record_late, priority=880)  # before the build's mark (900)
