"""Parallel reading only where it pays, and the corpus's analyses computed before it forks.

Every page computed from the corpus shares a few analyses (link index, graph, duplicate
findings, conformance status, consultation comments, version history), each cached per
corpus. They are computed once in the main process before reading starts, by rendering
every requirement-page panel of the first requirement; the workers Sphinx forks for a
parallel read inherit them instead of each computing its own, and the requirement pages
written at the end of the build find them ready.

Those objects, and everything else alive at that point, are then frozen out of the garbage
collector's reach (:func:`gc.freeze`): they live to the end of the build, and each collection
would otherwise walk them all again and, in a forked worker, touch (so copy) their pages;
they are handed back at ``build-finished``. The same is done with the environment once reading
is over, after one collection has freed what the parallel read's merges left behind (each
worker's environment, unpickled into reference cycles: 200,000 objects at 2,000 requirements).

Every document to be read is forgotten before any is read (:func:`purge_first`), so a need
moved between files survives a serial read. A handful of changed documents are read
serially: Sphinx reads in parallel by forking workers that each send the *whole*
environment back, pickled, to be merged. With thousands of needs in the environment that
costs more than reading a few documents, so an incremental build that re-reads fewer than
:data:`PARALLEL_EDIT_FROM` documents reads them in the main process; writing is still parallel.
(Each worker now sends back only what it read, :mod:`.readback`: an edit's read of 16 to 63
documents, mostly computed pages, is parallel again, one chunk a process.)
Measured at 2,000 requirements: see docs/performance.md.

A parallel write resolves each chunk of documents in the main process and hands it to a
forked writer; Sphinx queues every chunk at once, so the main process held the resolved
doctree of every page until its writer finished (800 MB at 10,000 requirements), and each
writer forked later inherited them. :class:`BoundedTasks` lets the main process resolve the
next chunk while one is written, and no further.

Sphinx also keeps every doctree it reads: the pickled bytes of each one loaded for writing (the
size of ``.doctrees``, 160 MB at 10,000 requirements, for the whole build) and, after a serial
read, every doctree itself until it is written. A page's bytes are dropped once it is resolved
(:func:`_drop_pickled`), and each doctree of a serial read as the next document is read
(:func:`_drop_read`): a page is resolved once, and any later use reads its file again.
"""

from __future__ import annotations

import ctypes
import gc
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sphinx.builders
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.environment import BuildEnvironment
from sphinx.util.parallel import ParallelTasks
from sphinx.util.parallel import make_chunks as original_chunks
from sphinx_needs.data import SphinxNeedsData

from ..corpus.cachedir import switched_off, user_cache_folder
from ..duplicates.memory import release as release_scan_memos
from ..markup.panels import ordered
from . import (
    copyheap,
    envpickle,
    eventlog,
    forkahead,
    forkwrite,
    halfread,
    needmemory,
    promptjoin,
    readback,
    rendercache,
    warmfull,
)
from .linker import REQ_FOLDER, SphinxLinker
from .state import corpus_of

#: Fewer documents to read than this: read them serially (the build of an edit), unless
#: :data:`PARALLEL_EDIT_FROM` says otherwise.
SERIAL_BELOW = 64
#: ``SMETS_EDIT_READ_PARALLEL=off``: every read of fewer than :data:`SERIAL_BELOW` documents is
#: serial, as before. Now a read of at least :data:`PARALLEL_EDIT_FROM` of them (an edit that
#: changed the tables: the computed pages read again, whose texts the comparison already made) is
#: parallel too, one chunk a process; the collector and the rest of an edit's build stay as for
#: a serial read.
EDIT_READ_PARALLEL = "SMETS_EDIT_READ_PARALLEL"
PARALLEL_EDIT_FROM = 16
_SAVED = "_smets_parallel"
#: ``SMETS_READ_CHUNKS=off``: a parallel read cut into chunks by Sphinx's ``make_chunks``
READ_CHUNKS = "SMETS_READ_CHUNKS"
#: Chunks of a parallel read per process (see :func:`read_chunks`).
READ_CHUNKS_PER_PROCESS = 2
#: Most bytes of pickled doctrees in one chunk of a parallel write (see :func:`sized_chunks`).
CHUNK_BYTES = 8 << 20


def warm(app: Sphinx, later: frozenset[str] = frozenset(), only: frozenset[str] | None = None) -> None:
    """Compute the per-corpus analyses the panels and pages share (see the module's doc); the
    panels named in ``later`` are left to whoever asks for them; with ``only``, no other panel."""
    corpus = corpus_of(app)
    first = next(iter(corpus.requirements), None)
    if first is None:
        return
    linker = SphinxLinker(app, corpus, f"{REQ_FOLDER}/index")
    for panel in ordered():
        if only is not None and panel.name not in only:
            continue
        if panel.name not in later and not warmfull.panel_skipped(corpus, panel.name):
            panel.html(corpus, first.id, linker)
    release_scan_memos()  # the duplicate findings are kept; the scan's memos and tables are not


def purge_first(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Forget every document about to be read before reading any, as Sphinx's parallel read does.

    Sphinx's serial read forgets a document just before reading it. A need moved from
    ``b.rst`` to ``a.rst`` is then still known from ``b`` while ``a`` is read (sphinx-needs
    reports a duplicate id and keeps the old one), and reading ``b`` removes it: the need is
    gone from the site until a full build. Forgetting them all first (twice is harmless: the
    serial loop's own purge finds nothing left) gives the same result as a full build.
    """
    for docname in docnames:
        app.events.emit("env-purge-doc", env, docname)
        env.clear_doc(docname)


#: ``(app, docnames)``: panels not to warm before the read of ``docnames`` (their work still runs
#: beside the build and this process reads the pages that wait for it: fingerprints' ``later_panels``)
WARM_LATER: list[Callable[[Sphinx, list[str]], frozenset[str]]] = []


def _before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if not 0 < len(docnames) < SERIAL_BELOW:
        _restore_thresholds()  # quietened early (:func:`_quieten_early`), yet not the read of an edit
    purge_first(app, env, docnames)
    _SETTLING[0] = len(docnames) >= SERIAL_BELOW
    _READING_PROCESS[0] = os.getpid()
    envpickle.FREEZE_LOADED[0] = os.getpid() if _warm_full() else 0
    if docnames:
        warm(app, frozenset().union(*(later(app, docnames) for later in WARM_LATER)))
    # the corpus, its analyses and Sphinx's state live to the end of the build: keep the garbage
    # collector from walking them again and again (and, in a forked worker, from copying them)
    if not (0 < len(docnames) < SERIAL_BELOW and quieten()):
        gc.collect()  # what the scans left in reference cycles goes first: frozen, it would stay
    freeze()
    if app.parallel > 1 and len(docnames) < _parallel_from():
        setattr(app, _SAVED, app.parallel)
        app.parallel = 1
    if not switched_off(READ_CHUNKS):
        vars(sphinx.builders)["make_chunks"] = read_chunks  # what Builder._read_parallel cuts with
    vars(sphinx.builders)["ParallelTasks"] = forkahead.tasks_class()  # the next reader forked before a merge
    readback.start(app.parallel > 1)  # each worker sends back the documents it read, not what it inherited


def _parallel_from() -> int:
    """The fewest documents a parallel build reads in parallel."""
    return SERIAL_BELOW if switched_off(EDIT_READ_PARALLEL) else PARALLEL_EDIT_FROM


#: the documents a parallel read puts in its last chunk (:func:`read_last`)
_READ_LAST: list[frozenset[str]] = [frozenset()]


def read_last(docnames: frozenset[str]) -> None:
    """Have the next parallel read (:func:`read_chunks`) put ``docnames`` in its last chunk, after
    its share of the others: pages whose text waits for work beside the build (:mod:`.earlyread`)."""
    _READ_LAST[0] = docnames


def read_chunks(arguments: Sequence[str], nproc: int, maxbatch: int = 10) -> list[list[str]]:
    """Sphinx's ``make_chunks`` for reading: :data:`READ_CHUNKS_PER_PROCESS` chunks a process
    (one for the read of an edit, fewer than :data:`SERIAL_BELOW` documents), each every
    ``count``-th document; the documents of :func:`read_last` at the end of the last chunk.

    Sphinx cuts a read of 324 documents on 2 processes into 9 chunks and forks a reader for each:
    each reader sends its whole environment back, pickled, and one forked after some chunks were
    merged first forgets every document it inherited (:mod:`.readback`). Fewer chunks do both
    fewer times; taking every ``count``-th document (not runs of neighbours) spreads the heavy
    pages over them. One chunk a process saved more CPU but a reader of half the site peaked at
    668 MB in a cold build at 10,000 (the build's peak had been the main process's 543 MB);
    with two, the readers stay below the main process (534 MB). Figures: docs/performance.md.
    The documents are the same; the merge is by document, whatever the order (Sphinx merges
    chunks as they finish).
    """
    if not arguments:
        return []
    per_process = READ_CHUNKS_PER_PROCESS if len(arguments) >= SERIAL_BELOW else 1
    count = max(1, min(nproc * per_process, len(arguments)))
    last = _READ_LAST[0]
    if not last.intersection(arguments):
        return [list(arguments[start::count]) for start in range(count)]
    rest = [doc for doc in arguments if doc not in last]
    chunks = [rest[start::count] for start in range(min(count, len(rest)))] or [[]]
    chunks[-1] += [doc for doc in arguments if doc in last]
    return chunks


def _after_read(app: Sphinx, env: BuildEnvironment) -> list[str]:
    read = readback.read_here()  # serially, by this process (a parallel read's workers did theirs)
    if read:
        needs = SphinxNeedsData(env).get_needs_mutable().values()
        needmemory.share(need for need in needs if need["docname"] in read)
    readback.stop()
    envpickle.FREEZE_LOADED[0] = 0
    read_last(frozenset())
    vars(sphinx.builders)["make_chunks"] = original_chunks
    vars(sphinx.builders)["ParallelTasks"] = ParallelTasks
    saved = getattr(app, _SAVED, None)
    if saved is not None:
        app.parallel = saved
        delattr(app, _SAVED)
    getattr(env, "_write_doc_doctree_cache", {}).clear()  # see _drop_read
    # the merged environment lives to the end of the build too; what the merges left (each
    # worker's environment, unpickled, in reference cycles) goes before it is frozen
    if not _skips_collections():
        gc.collect()
    freeze()
    _quieten_warm()
    return []


#: ``SMETS_GC_WARM_SKIP=off``: a full read with a warm cache collects after the read and after
#: sphinx-needs' post-processing, before each freeze, as any other build
GC_WARM_SKIP = "SMETS_GC_WARM_SKIP"
#: whether the user cache held cards as this build started (:func:`register`: before any reader kept one)
_WARM_AT_START = [False]


def _skips_collections() -> bool:
    """Whether this read's two full collections before a freeze are left out: after the read of many
    documents (:data:`SERIAL_BELOW`) with a cache that was warm as the build started.

    Each walks every object not frozen: after the read, the whole merged environment (1.37 million
    objects at 10,000 requirements: 0.50 s of CPU), after the post-processing every need's new link
    lists (0.54 million: 0.21 s), each in this process while the writers wait to fork. In a warm
    full build at 10,000 they found 9,839 and 70 objects in reference cycles: now frozen with the
    rest and collected at ``build-finished`` (:func:`_unfreeze`), a few MB kept meanwhile. A cold
    build (whose peak memory issue 20 bounds) and the build of an edit collect as before."""
    return _warm_full() and not switched_off(GC_WARM_SKIP)


def _warm_full() -> bool:
    """Whether this build read many documents (:data:`SERIAL_BELOW`) with a cache warm as it started."""
    return _SETTLING[0] and _WARM_AT_START[0]


#: ``SMETS_GC_WARM=off``: a full build with a warm cache keeps the collector's usual thresholds
GC_WARM = "SMETS_GC_WARM"
#: whether :func:`_quieten_warm` set the thresholds (explicit collections kept, but for those
#: :func:`_skips_collections` leaves out)
_WARM_QUIET = [False]


def _quieten_warm() -> None:
    """After the read of many documents (:data:`SERIAL_BELOW`) with a warm cache (cards kept:
    :func:`_cards_cached`), the collector takes :data:`EDIT_THRESHOLDS` until ``build-finished``,
    in this process and every process it forks (the page writers, the needs.json and environment
    copies).

    Everything that lives to the end of the build is frozen by then, so its automatic collections
    walked only what the build made since, mostly freed by reference counting anyway: in a warm
    full build at 10,000 requirements, 4 full collections during sphinx-needs' post-processing
    (0.32 s of CPU), 5 more during the finish (0.22 s) and some 900 young ones. Unlike the build of
    an edit (:func:`quieten`), the collection at ``build-finished`` stays, and so do those after the
    read and the post-processing unless :func:`_skips_collections` leaves them out. A cold build keeps
    the usual thresholds (its peak memory is the one issue 20 bounds)."""
    if _SAVED_THRESHOLDS or not _SETTLING[0] or switched_off(GC_WARM, GC_EDIT) or not _cards_cached():
        return
    _SAVED_THRESHOLDS.append(gc.get_threshold())
    gc.set_threshold(*EDIT_THRESHOLDS)
    _WARM_QUIET[0] = True


#: whether this read settles the collector after each document (a read of many documents only)
_SETTLING = [False]


def _settle(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``, first, in a read of at least :data:`SERIAL_BELOW` documents: what the last
    document read left in reference cycles (its doctree, once pickled) is collected and what it
    added to the environment is frozen, so each collection walks one document's objects, not every
    one read so far (the collector's CPU in a warm full build at 10,000 with ``-j 1``: 9.9 -> 4.8 s).
    Not in the read of a few documents of an incremental build: measured there, it saved about 1 s
    of CPU at 10,000 but the build's peak memory rose by 75 MB, which is not explained yet."""
    if _SETTLING[0] and not switched_off("SMETS_GC_SETTLE") and gc.isenabled():
        _young_later()
        _drop_read(app)  # the last document's doctree first: frozen, it would live to the end
        gc.collect()
        gc.freeze()


#: ``SMETS_READER_GC=off``: a forked reader of a full read keeps the collector's usual thresholds
READER_GC = "SMETS_READER_GC"
#: the collector's thresholds in a forked reader of a read of many documents (see :func:`_young_later`)
READER_THRESHOLDS = (20_000, 10, 10)
#: the process that started the read (its forked readers have other ids)
_READING_PROCESS = [0]


def _young_later() -> None:
    """In a forked reader of a read of at least :data:`SERIAL_BELOW` documents, the collector's
    young collections wait for :data:`READER_THRESHOLDS` new objects, not 700.

    :func:`_settle` collects everything the last document left before each next one, so the
    automatic collections between two (400 to 540 per reader at 2,000 requirements, each walking
    the objects made since the last) mostly found objects that the document's doctree still held,
    or that reference counting frees anyway. With 20,000 they are about 40 a reader; the older
    generations' thresholds are the usual ones, and every settle is as before. The collector's CPU
    in the four readers of a warm full build: 0.44-0.49 -> 0.33-0.34 s at 2,000 requirements,
    1.28-1.32 -> 0.92-0.96 s at 10,000 (each reader's peak memory the same). The process that
    reads (a serial read, an edit's share) keeps its thresholds; a reader ends with its chunk."""
    if os.getpid() == _READING_PROCESS[0] or gc.get_threshold() == READER_THRESHOLDS:
        return
    if not switched_off(READER_GC):
        gc.set_threshold(*READER_THRESHOLDS)


def freeze() -> None:
    """Move every object alive out of the collector's reach (:func:`gc.freeze`), and collect once more.

    The collector runs a full collection only when the objects that reached its oldest
    generation since the last full one are a quarter of those there then: a count of the
    millions of objects now frozen, which made garbage in reference cycles (every written
    page's doctree) wait for hundreds of megabytes before a collection. The second, empty and
    so quick, collection counts from what is not frozen.
    """
    gc.freeze()
    gc.collect()


#: ``SMETS_GC_EDIT=off``: the collector keeps its usual thresholds through an incremental build
GC_EDIT = "SMETS_GC_EDIT"
#: the collector's thresholds in the build of an edit (see :func:`quieten`)
EDIT_THRESHOLDS = (20_000, 10, 1_000)
#: the thresholds before :func:`quieten`, restored at ``build-finished`` (empty: not quietened)
_SAVED_THRESHOLDS: list[tuple[int, int, int]] = []


def quieten() -> bool:
    """In the build of an edit (fewer than :data:`SERIAL_BELOW` documents read), the collector runs
    more seldom until ``build-finished`` (:data:`EDIT_THRESHOLDS`).

    What lives to the end of the build is frozen at the points above, each after a collection, so
    the collector's automatic full collections (5 or so of 13 in an edit at 2,000 requirements)
    walked only what the build made since, mostly garbage freed by reference counting anyway;
    and its young collections ran 900 times. Young collections now wait for 20,000 new objects
    rather than 700, and a full one only comes at those points (what is left in reference cycles
    waits for the next: the read, the post-processing, the end of the build). A cold or warm full
    build keeps the usual thresholds (its memory peak is what it was).

    Also, the full collections before the corpus's analyses are frozen (before reading) and before
    sphinx-needs' link lists are (``write-started``) are left out: in an edit at 2,000 requirements
    they found 22 objects and none, for 0.02-0.03 s each; what they would find is frozen with the
    rest and goes at ``build-finished``. True: quietened (``SMETS_GC_EDIT=off``: False, and the
    thresholds and those collections as they were)."""
    if switched_off(GC_EDIT):
        return False
    if not _SAVED_THRESHOLDS:
        _SAVED_THRESHOLDS.append(gc.get_threshold())
        gc.set_threshold(*EDIT_THRESHOLDS)
    return True


#: ``SMETS_GC_EARLY=off``: the build of an edit quietens the collector only as it starts reading
GC_EARLY = "SMETS_GC_EARLY"


def _quieten_early(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """``env-get-outdated``, first: when a few sources changed (fewer than :data:`SERIAL_BELOW`),
    :func:`quieten` now, before the computed pages are compared (the corpus's analyses are made
    then, and the pages' texts; at 10,000 requirements the collector's usual thresholds cost 0.16 s
    of CPU there), not at ``env-before-read-docs``; a read that is then not of a few documents
    has the usual thresholds back before it starts (:func:`_before_read`). Off with
    ``SMETS_GC_EDIT=off`` too."""
    if 0 < len(added | changed | removed) < SERIAL_BELOW and not switched_off(GC_EARLY):
        quieten()
    return []


def _restore_thresholds() -> None:
    _WARM_QUIET[0] = False
    if _SAVED_THRESHOLDS:
        gc.set_threshold(*_SAVED_THRESHOLDS.pop())


def _after_post_processing(app: Sphinx, builder: Builder) -> None:
    """sphinx-needs' post-processing (at ``write-started``) made every need's link lists anew: they
    live to the end of the build too. (In the build of an edit, see :func:`quieten`.)"""
    if (not _SAVED_THRESHOLDS or _WARM_QUIET[0]) and not _skips_collections():
        gc.collect()
    freeze()
    trim()  # and what pickling the environment and the post-processing left free: each writer forks from here


def _before_finishing(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``, first: the written pages' free memory goes before the requirement-page
    writers fork and needs.json is written; again before the requirement pages' results are
    gathered (what needs.json and the graph data's text left free: 40 MB at 10,000 requirements)."""
    gc.collect()
    trim()


def _drop_read(app: Sphinx, *args: object) -> None:
    """A serial read keeps every doctree it read (saved to ``.doctrees`` too) until it is written:
    forget them as the next document is read, and when reading is over."""
    getattr(app.env, "_write_doc_doctree_cache", {}).clear()


class NotKept(dict[str, bytes]):
    """The environment's cache of pickled doctrees while pages are written: it keeps nothing.

    Sphinx's ``get_doctree`` reads a page's pickled bytes into this cache and unpickles them, and
    they stayed until the page was resolved (:func:`_drop_pickled`): the largest page at 10,000
    requirements is 21 MB pickled, alive beside its doctree through the resolve, at the main
    process's peak. Not kept, they go as soon as the doctree is made; a later ``get_doctree`` of
    the page reads its file again, as after :func:`_drop_pickled`."""

    def __setitem__(self, docname: str, pickled: bytes) -> None:
        pass


def _drop_pickled(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: forget the page's pickled doctree, which Sphinx keeps to the end."""
    getattr(app.env, "_pickled_doctree_cache", {}).pop(docname, None)


class BoundedTasks(ParallelTasks):
    """Sphinx's forked tasks, but a task is queued only when a process is free to run it.

    The caller (Sphinx's parallel write) prepares a task's argument, the resolved doctrees of a
    chunk of pages, before adding it: waiting here keeps at most one chunk prepared ahead of
    the running ones instead of every page of the site. A running task's argument is not kept
    either (Sphinx kept it for the task's result function, which ignores it): its forked process
    has its own copy, and the main process frees the chunk while it resolves the next one.
    """

    def add_task(
        self,
        task_func: Callable[[Any], Any] | Callable[[], Any],
        arg: Any = None,
        result_func: Callable[[Any, Any], Any] | None = None,
    ) -> None:
        trim()  # the pages of the chunks Sphinx dropped since: their pages of the C heap, before a fork
        super().add_task(task_func, arg, result_func)
        try:
            while self._precvs_waiting:  # no process free for it yet: let one finish first
                if not self._join_one():
                    promptjoin.pause(self)
            for running in self._precvs:
                release(self._args.get(running))
                self._args[running] = None
        except BaseException:
            self.terminate()  # as Sphinx's own join does: no writer left running
            raise


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        function: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc
        return None
    return function


_TRIM = _malloc_trim()

#: glibc's ``mallopt`` parameters: the size from which a block is a mapping of its own, and the
#: free top of the heap past which it is handed back
_M_MMAP_THRESHOLD, _M_TRIM_THRESHOLD = -3, -1
#: blocks from this size are each mapped on their own (see :func:`map_large_blocks`)
MMAP_THRESHOLD = 128 << 10
#: what a build with a warm cache sets instead (:func:`map_large_blocks`): blocks below 32 MB (the
#: largest threshold glibc takes on 64-bit) from the heap, whose free top goes back past 1 GB only
KEPT_HEAP = ((_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 1 << 30))
#: ``SMETS_KEEP_HEAP=off``: a build with a warm cache maps large blocks apart too
KEEP_HEAP = "SMETS_KEEP_HEAP"


def map_large_blocks(keep: bool = False) -> None:
    """Have glibc give every block of :data:`MMAP_THRESHOLD` bytes or more a mapping of its own,
    returned to the system as soon as it is freed; ``keep``: the opposite, :data:`KEPT_HEAP`.

    glibc starts there too, but raises the threshold to the size of each mapped block freed (up to
    32 MB): after the first large page's text is freed, every later one comes from the heap, whose
    freed pages stay resident among the live ones (only :func:`trim` gives some back). A build
    frees many large blocks (the doctrees and HTML of the computed pages, pickled environments);
    fixed, the main process's peak at 10,000 requirements fell by 13-17 MB in every phase and
    every process forked from it starts that much smaller.

    Every page mapped anew is faulted in again page by page, by the kernel (3 microseconds a page
    on the machine of issue 20's measures, 12 for a forked copy's copied page): with a warm cache
    (``keep``; the cold build's peak is the one issue 20 bounds), blocks come from a heap that
    keeps what it held, :func:`trim` still giving its free pages back before each fork. A
    setting the user made through glibc's own variables (``MALLOC_MMAP_THRESHOLD_``,
    ``GLIBC_TUNABLES``) is left as it is.
    """
    copyheap.stop()
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "mmap_threshold" in os.environ.get("GLIBC_TUNABLES", ""):
        return
    try:
        mallopt: Callable[[int, int], int] = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):  # not glibc
        return
    for parameter, value in KEPT_HEAP if keep else ((_M_MMAP_THRESHOLD, MMAP_THRESHOLD),):
        mallopt(parameter, value)
    if not keep:  # a cold build's copies keep theirs
        copyheap.keep_in_copies(mallopt, KEPT_HEAP)


def _cache_warm() -> bool:
    """Whether the user cache holds cards (a build with a warm cache; :data:`KEEP_HEAP`)."""
    return not switched_off(KEEP_HEAP) and _cards_cached()


def _cards_cached() -> bool:
    """Whether the user cache holds cards (:mod:`.rendercache`): a build with a warm cache."""
    folder = user_cache_folder() / rendercache.FOLDER
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except OSError:
        return False


def trim() -> None:
    """Give the free pages inside the C heap back to the system (glibc's ``malloc_trim``).

    A page's large strings (its text nodes, the raw HTML of the computed pages) come from the C
    heap, and freeing them leaves the heap's pages resident until something reuses them; the
    main process then forks each writer at that size. A no-op elsewhere than glibc.
    """
    if _TRIM is not None:
        _TRIM(0)


def release(chunk: Any) -> None:
    """Cut the reference cycles of a chunk's doctrees, ``[(docname, doctree), ...]``, once its
    forked writer has its own copy: reference counting then frees each page as soon as Sphinx
    drops the chunk, instead of the collector's next full run.

    Every node points up to its parent and its document, and the document to itself and its
    transformer, so a written doctree is garbage in cycles. The build's long-lived objects (the
    search index grows with every page) put full collections far apart: at 10,000 requirements
    about 80 MB of written pages waited at any time, in the main process and so in every
    writer forked from it. Only the upward references go (a node reached from elsewhere keeps
    its subtree); the main process never reads a chunk again once it is handed over.
    """
    if not isinstance(chunk, list):
        return
    for item in chunk:
        tree = item[1] if isinstance(item, tuple) and len(item) == 2 else None
        if isinstance(tree, nodes.Node):
            _cut(tree)


def _cut(tree: nodes.Node) -> None:
    """Drop the upward references of every node of ``tree``: those in its children, and those the
    document lists by id, name or kind (a node taken out of the tree, such as a section whose
    title became the document's, is still there)."""
    stack = [tree, *_listed(vars(tree))]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        state = vars(node)
        state.pop("parent", None)
        state.pop("_document", None)
        state.pop("transformer", None)
        children = state.get("children")
        if children:
            stack.extend(children)


#: for other modules: a tree's upward references dropped, so reference counting frees it
cut_cycles = _cut


def _listed(state: dict[str, Any]) -> list[nodes.Node]:
    """The nodes a document's attributes hold: directly, in a list, or as a dict's values (or lists)."""
    found: list[nodes.Node] = []
    for value in state.values():
        items = value.values() if isinstance(value, dict) else [value]
        for item in items:
            if isinstance(item, nodes.Node):
                found.append(item)
            elif isinstance(item, list):
                found.extend(x for x in item if isinstance(x, nodes.Node))
    return found


def sized_chunks(sizes: Callable[[str], int], budget: int) -> Callable[..., list[Any]]:
    """Sphinx's ``make_chunks`` for writing, with no chunk over ``budget`` bytes of pickled doctrees.

    Sphinx cuts the pages into chunks of equal count (40 at 10,000 requirements), and the main
    process holds a whole chunk's resolved doctrees while it prepares it: a chunk with the trace
    pages (21, 15, 11 and 6 MB pickled) was 150 MB more in the main process, and in every writer
    forked after it. The same documents in the same order, cut where a chunk would pass
    ``budget`` (``sizes``: a document's pickled size) or Sphinx's own count; a document larger
    than ``budget`` is a chunk of its own.
    """

    def make_chunks(arguments: Sequence[str], nproc: int, maxbatch: int = 10) -> list[Any]:
        most = len(original_chunks(arguments, nproc, maxbatch)[0]) if arguments else 1
        chunks: list[list[str]] = []
        used = 0
        for name in arguments:
            size = sizes(name)
            if not chunks or len(chunks[-1]) >= most or used + size > budget:
                chunks.append([])
                used = 0
            chunks[-1].append(name)
            used += size
        return chunks

    return make_chunks


def _doctree_size(doctrees: Path) -> Callable[[str], int]:
    def size(docname: str) -> int:
        try:
            return (doctrees / f"{docname}.doctree").stat().st_size
        except OSError:
            return 0

    return size


def _bounded_write(app: Sphinx, builder: Builder) -> None:
    builders = vars(sphinx.builders)
    builders["ParallelTasks"] = BoundedTasks  # what Builder._write_parallel forks with
    builders["make_chunks"] = sized_chunks(_doctree_size(Path(app.doctreedir)), CHUNK_BYTES)
    env = getattr(app, "env", None)
    if isinstance(getattr(env, "_pickled_doctree_cache", None), dict):
        env._pickled_doctree_cache = NotKept()  # type: ignore[union-attr]


def _unfreeze(app: Sphinx, exception: Exception | None) -> None:
    """Hand the frozen objects back to the collector (a process may build again, e.g. in tests)."""
    gc.unfreeze()
    envpickle.FREEZE_LOADED[0] = 0
    _restore_thresholds()
    read_last(frozenset())
    vars(sphinx.builders)["ParallelTasks"] = ParallelTasks
    vars(sphinx.builders)["make_chunks"] = original_chunks
    env = getattr(app, "env", None)
    if isinstance(getattr(env, "_pickled_doctree_cache", None), NotKept):
        env._pickled_doctree_cache = {}  # type: ignore[union-attr]
    readback.stop()


def register(app: Sphinx) -> None:
    warmfull.register(app)
    _WARM_AT_START[0] = _cards_cached()
    map_large_blocks(keep=_cache_warm())
    eventlog.install(app)
    readback.register(app)
    halfread.install(SERIAL_BELOW)  # an edit's parallel read: a share read by this process
    forkwrite.register(app, _cut)  # each page resolved by the writer that writes it
    app.connect("env-get-outdated", _quieten_early, priority=1)  # before the pages' comparison (500)
    app.connect("env-before-read-docs", _before_read)
    app.connect("source-read", _settle, priority=1)
    app.connect("env-updated", _after_read)
    app.connect("write-started", _bounded_write)
    app.connect("write-started", _after_post_processing, priority=900)  # after sphinx-needs' (500)
    app.connect("doctree-resolved", _drop_pickled)
    app.connect("source-read", _drop_read)
    app.connect("build-finished", _before_finishing, priority=100)
    app.connect("build-finished", _before_finishing, priority=700)  # what needs.json, the graph data left
    app.connect("build-finished", _unfreeze, priority=950)
