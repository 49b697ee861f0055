"""Each page resolved, and its search words collected, by the forked writer that writes it (issue 20).

Sphinx's parallel write (``Builder._write_parallel``) resolves every page in the main process
(``env.get_and_resolve_doctree``: the page's doctree read, references and toctrees resolved,
``doctree-resolved``), then ``write_doc_serialized`` (the page's images picked, its words fed to the
search index), and only then hands the resolved chunk to a forked writer; with ``-j 2`` it forks
one writer (``nproc`` is ``parallel - 1``: the main process is "busy loading doctrees"). At 10,000
requirements that main-process work was ~7 s of a warm build's write, serial.

Here the writers do it: the main process writes the first page itself, as Sphinx does (its caches
and templates are then inherited), then cuts the other pages into :data:`CHUNKS_PER_PROCESS`
runs of neighbours per process, of about the same cost each (:func:`balanced`, :func:`_costs`;
Sphinx's many small chunks each forked a writer, which copied again what it touched of the main
process), and forks one writer per process for each. A writer takes each page of its run in
turn: resolved and serialised, as Sphinx's main process does, then written, as its writer does,
then freed; it sends back what the main process keeps of each page: the images the page's
``post_process_images`` added to the builder's (copied at the end), the images the resolution
added to the environment's (replayed here, checked to get the same names), and the search
index's input, the words, titles and title words the indexer's collector takes from the page and
its ``index`` nodes' entries. The main process feeds each page to the index through Sphinx's own
``index_page`` (and so through the search cache), in the order of the pages, with a stand-in
document that holds those index nodes and gives the collected words to the collector: the index
gets what it got from the page itself.

What changes for the code that runs: the main process no longer resolves the other runs' pages,
so a handler of ``doctree-resolved`` or a post-transform that kept state across pages in the main
process would see only its own run's pages (the ones this site runs keep none; sphinx-needs' only
lasting effect, an image registered by a need layout or a chart, is replayed as above); and a
writer resolves a page after writing the one before it, where writing sets only the builder's
per-page attributes (section and figure numbers, image paths, the current page), each set again
before it is read.
``tests/test_fork_write.py`` builds a project both ways and compares every page, ``searchindex.js``
and ``needs.json``. Used only while Sphinx's ``_write_parallel`` and the HTML builder's
``write_doc_serialized`` are the ones it repeats (a digest of their source).
``SMETS_FORK_RESOLVE=off``: Sphinx's own write.

The last search index is loaded only once the writers have forked (:func:`.searchreuse.
load_later`: 0.27 s of CPU at 10,000 requirements that came before the first page, now while this
process waits for the writers; they no longer inherit it); the first page's words are kept as a
writer's are, and fed first once it is loaded; no chunk's pages are fed before. The same feeds in
the same order into the same loaded index (``tests/test_fork_write.py``,
``tests/test_incremental_global.py``). ``SMETS_INDEX_LOAD_LATER=off``: loaded as Sphinx prepares
the write. When the index is fed and written by the copy that writes it (:mod:`.searchlater`, an
edit's build), it is not loaded here at all, and each page's feed is held for that copy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sphinx.builders
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.errors import SphinxError
from sphinx.locale import __
from sphinx.util import logging
from sphinx.util.build_phase import BuildPhase
from sphinx.util.display import status_iterator
from sphinx.util.docutils import new_document
from sphinx.util.osutil import relative_uri

from ..corpus.cachedir import switched_off
from .sourcedigest import source_digest
from .state import builder_app

SWITCH = "SMETS_FORK_RESOLVE"
LOGGER = logging.getLogger(__name__)
#: the SHA-256 of the Sphinx code repeated here (``Builder._write_parallel``, then the HTML
#: builder's ``write_doc_serialized`` and ``index_page``); with any other, Sphinx's own write
SPHINX_CODE = "7bfcc6369890fbf381599955e8db17e472acb5bc40d5f7dbfc13dc015c8d064d"
#: Sphinx's write of one page in the main process (resolved, serialised, written)
_WRITE_ONE: Any = vars(sphinx.builders).get("_write_docname")
#: chunks of a write per process (see :func:`balanced`)
CHUNKS_PER_PROCESS = 2
#: what frees a written doctree's reference cycles (given by :mod:`.jobs`)
_RELEASE: list[Callable[[nodes.Node], None]] = [lambda tree: None]
#: the attribute of a stand-in document that holds a page's collected words
_WORDS = "smets_collected_words"


def _sphinx_digest() -> str:
    return source_digest(
        getattr(Builder, "_write_parallel", None),
        StandaloneHTMLBuilder.write_doc_serialized,
        StandaloneHTMLBuilder.index_page,
    )


@functools.cache
def same_code() -> bool:
    """Whether this Sphinx's parallel write is the one this module repeats."""
    return _sphinx_digest() == SPHINX_CODE


@dataclass
class Page:
    """What the main process keeps of a page a writer resolved and wrote."""

    docname: str
    #: ``builder.images`` items its ``post_process_images`` added, in order
    images: list[tuple[str, str]] = field(default_factory=list)
    #: ``env.images`` items its resolution added: file, the documents that use it, its unique name
    env_images: list[tuple[str, list[str], str]] = field(default_factory=list)
    #: the indexer's collected words (a ``WordStore``), None when the page is not indexed
    words: Any = None
    #: the ``entries`` of each of its ``index`` nodes, in document order
    entries: list[Any] = field(default_factory=list)


def _title(builder: Any, docname: str) -> str:
    title_node = builder.env.longtitles.get(docname)
    return title_node.astext() if title_node else ""


def _indexed(builder: Any, docname: str, title: str) -> bool:
    """Whether Sphinx's ``index_page`` reads the page's doctree (not for a ``no-search`` page)."""
    if builder.indexer is None or not title:
        return False
    metadata = builder.env.metadata.get(docname, {})
    return not ("no-search" in metadata or "nosearch" in metadata)


def _serialized(builder: Any, docname: str, doctree: nodes.document, env_before: set[str]) -> Page:
    """The HTML builder's ``write_doc_serialized`` in the writer: images picked, words collected."""
    page = Page(docname)
    env_images = builder.env.images
    for name in env_images:
        if name not in env_before:
            docs, unique = env_images[name]
            page.env_images.append((name, sorted(docs), unique))
    builder.imgpath = relative_uri(builder.get_target_uri(docname), builder.imagedir)
    before = set(builder.images)
    builder.post_process_images(doctree)
    page.images = [(uri, name) for uri, name in builder.images.items() if uri not in before]
    if _indexed(builder, docname, _title(builder, docname)):
        page.words = builder.indexer._word_collector(doctree)
        page.entries = [node["entries"] for node in doctree.findall(addnodes.index)]
    return page


def _write_chunk(builder: Any, job: tuple[int, list[str]]) -> tuple[int, list[Page]]:
    """In a forked writer: each page of the chunk resolved and serialised, as Sphinx's main process
    does, then written, as its writer does; a page's doctree goes once it is written."""
    number, docnames = job
    env = builder.env
    pages: list[Page] = []
    for docname in docnames:
        builder.phase = BuildPhase.RESOLVING
        known = set(env.images)
        doctree = env.get_and_resolve_doctree(docname, builder, tags=builder.tags)
        pages.append(_serialized(builder, docname, doctree, known))
        builder.phase = BuildPhase.WRITING
        builder.write_doc(docname, doctree)
        _RELEASE[0](doctree)
    return number, pages


def _stand_in(page: Page) -> nodes.document:
    """A document that gives the indexer the page's words and index entries."""
    document = new_document("")
    for entries in page.entries:
        document += addnodes.index(entries=entries)
    setattr(document, _WORDS, page.words)
    return document


def _collector(indexer: Any) -> None:
    """The indexer's word collector gives a stand-in document's collected words."""
    original = indexer._word_collector
    if getattr(original, "_smets_stand_in", False):
        return

    def collect(doctree: Any) -> Any:
        words = getattr(doctree, _WORDS, None)
        return original(doctree) if words is None else words

    collect._smets_stand_in = True  # type: ignore[attr-defined]
    indexer._word_collector = collect


def _keep(builder: Any, page: Page) -> None:
    """In the main process, in the order of the pages: what Sphinx's main process kept of the page."""
    env_images = builder.env.images
    for name, docs, unique in page.env_images:
        given = None
        for docname in docs:
            given = env_images.add_file(docname, name)
        if given != unique:
            raise SphinxError(
                f"{page.docname}: the image {name} was named {unique} by its writer, {given} in "
                "the order Sphinx writes the pages; build with SMETS_FORK_RESOLVE=off"
            )
    for uri, name in page.images:
        builder.images[uri] = name
    title = _title(builder, page.docname)
    if page.words is not None:
        builder.index_page(page.docname, _stand_in(page), title)
    elif builder.indexer is not None and title:  # a no-search page: Sphinx feeds an empty document
        builder.index_page(page.docname, new_document(""), title)


#: what a page costs to resolve and write besides its doctree's size, as bytes of doctree (see
#: :func:`_costs`)
PAGE_BYTES = 600_000
#: ``SMETS_WRITE_PAGE_COST=off``: the runs cut by bytes of doctrees alone, as before
COST_SWITCH = "SMETS_WRITE_PAGE_COST"


def _sizes(doctrees: Path, docnames: list[str]) -> list[int]:
    sizes = []
    for docname in docnames:
        try:
            sizes.append((doctrees / f"{docname}.doctree").stat().st_size)
        except OSError:
            sizes.append(0)
    return sizes


def _costs(doctrees: Path, docnames: list[str]) -> list[int]:
    """Each page's cost to its writer, as bytes of pickled doctree: its doctree's size and
    :data:`PAGE_BYTES` (what a cold build knows of every page before it is written).

    Measured page by page in cold builds (the CPU of each page's resolve and write in its writer),
    a page costs about 16-24 ms whatever its size, plus ~2 ms per 100 kB of doctree: the trace and
    catalogue pages' doctrees (a few large raw HTML nodes) are megabytes and cheap to write. Cut by
    bytes alone, the last of the four runs at 2,000 requirements held 0.24 s of the 2.7 s of CPU
    (one writer alone 0.4 s at the end), at 10,000 0.6 of 9.5 s (one writer's runs 6.3 s, the
    other's 3.2 s); with the fixed part, each process's runs came within 1 % of half (2,000:
    1.51 and 1.49 s; 10,000: 4.78 and 4.69 s, by the costs measured with bytes alone)."""
    sizes = _sizes(doctrees, docnames)
    if switched_off(COST_SWITCH):
        return sizes
    return [size + PAGE_BYTES for size in sizes]


def balanced(docnames: list[str], sizes: list[int], count: int) -> list[list[str]]:
    """``docnames`` cut into at most ``count`` runs of neighbours, each about as many bytes of
    pickled doctrees (a page's size counts for the run its middle falls in), in order.

    Sphinx forks a writer for each of many small chunks; each fork copies, page by page, what the
    writer touches of the main process (the environment a page is resolved with): a few chunks
    per process, each resolving and writing one page at a time, do that fewer times."""
    total = sum(sizes)
    chunks: list[list[str]] = [[] for _ in range(max(1, count))]
    seen = 0
    for n, (docname, size) in enumerate(zip(docnames, sizes, strict=True)):
        middle = (seen + size / 2) / total if total else n / len(docnames)
        chunks[min(len(chunks) - 1, int(middle * len(chunks)))].append(docname)
        seen += size
    return [chunk for chunk in chunks if chunk]


def _write_first(builder: Any, firstname: str, later: bool) -> Page | None:
    """Sphinx's write of the first page in this process; with ``later`` (the last index's load put
    off: :func:`.searchreuse.load_later`), what the index would be fed of it is kept instead, as a
    writer's page (fed by :func:`_keep` once the index is loaded)."""
    if not later:
        _WRITE_ONE(firstname, env=builder.env, builder=builder, tags=builder.tags)
        return None
    kept = Page(firstname)
    own = vars(builder).get("index_page")

    def keep_words(pagename: str, doctree: nodes.document, title: str) -> None:
        if pagename != firstname:
            raise SphinxError(f"{pagename} fed to the search index as {firstname} was written")
        if _indexed(builder, pagename, title):
            kept.words = builder.indexer._word_collector(doctree)
            kept.entries = [node["entries"] for node in doctree.findall(addnodes.index)]

    builder.index_page = keep_words
    try:
        _WRITE_ONE(firstname, env=builder.env, builder=builder, tags=builder.tags)
    finally:
        if own is None:
            vars(builder).pop("index_page", None)
        else:
            builder.index_page = own
    return kept


def _nothing() -> None:
    """(The last index's load, when the copy that writes the index loads it: :mod:`.searchlater`.)"""


def write_parallel(builder: Any, docnames: Sequence[str], nproc: int) -> None:
    """Sphinx's ``_write_parallel``, each chunk resolved by the writer that writes it (module doc)."""
    from .searchlater import holds_pages
    from .searchreuse import load_later

    firstname, rest = docnames[0], list(docnames[1:])
    app = builder_app(builder)
    load = load_later(app) if builder.indexer is not None else None
    if holds_pages(app):  # the pages' feeds held for the index's copy: it loads the index
        load = _nothing
    first = _write_first(builder, firstname, load is not None)
    if builder.indexer is not None:
        _collector(builder.indexer)
    processes = nproc + 1  # the main process only gathers: every process writes
    chunks = balanced(rest, _costs(Path(builder.doctreedir), rest), processes * CHUNKS_PER_PROCESS)
    progress = status_iterator(
        chunks, __("writing output... "), "darkgreen", len(chunks), builder.config.verbosity
    )
    waiting: dict[int, list[Page]] = {}
    kept = [0]
    ready = [first is None]  # (the first page fed: the chunks' pages may follow)

    def keep_ready() -> None:
        while ready[0] and kept[0] in waiting:
            for page in waiting.pop(kept[0]):
                _keep(builder, page)
            kept[0] += 1

    def on_chunk_done(job: Any, result: tuple[int, list[Page]]) -> None:
        number, pages = result
        waiting[number] = pages
        keep_ready()
        next(progress)

    tasks = vars(sphinx.builders)["ParallelTasks"](processes)
    task = functools.partial(_write_chunk, builder)
    for number, chunk in enumerate(chunks):
        tasks.add_task(task, (number, list(chunk)), on_chunk_done)
    if load is not None and first is not None:  # the writers have forked: load, then feed the first
        load()
        _keep(builder, first)
        ready[0] = True
        keep_ready()  # (a chunk done while the others were added)
    tasks.join()
    if waiting or kept[0] != len(chunks):
        raise SphinxError(f"the parallel write kept {kept[0]} of {len(chunks)} chunks")
    LOGGER.info("")


def _writes_here(builder: Any) -> bool:
    """Whether this build's parallel write is :func:`write_parallel` (installed at ``write-started``)."""
    installed = vars(builder).get("_write_parallel")
    return isinstance(installed, functools.partial) and installed.func is write_parallel


def usable(builder: Any) -> bool:
    """Whether this build writes through :func:`write_parallel`."""
    if switched_off(SWITCH) or not isinstance(builder, StandaloneHTMLBuilder) or not same_code():
        return False
    if _WRITE_ONE is None:
        return False
    kind = type(builder)
    return (
        kind._write_parallel is Builder._write_parallel
        and kind.write_doc_serialized is StandaloneHTMLBuilder.write_doc_serialized
    )


def _install(app: Sphinx, builder: Builder) -> None:
    """``write-started``: the builder's parallel write is :func:`write_parallel`."""
    if usable(builder):
        builder._write_parallel = functools.partial(write_parallel, builder)  # type: ignore[method-assign]


def _uninstall(app: Sphinx, exception: Exception | None) -> None:
    builder = getattr(app, "builder", None)
    if builder is not None:
        vars(builder).pop("_write_parallel", None)


def register(app: Sphinx, release: Callable[[nodes.Node], None] | None = None) -> None:
    """``release``: what frees a written doctree's reference cycles."""
    from . import searchreuse

    if release is not None:
        _RELEASE[0] = release
    searchreuse.LATER_WRITE[0] = _writes_here
    app.connect("write-started", _install)
    app.connect("build-finished", _uninstall)
