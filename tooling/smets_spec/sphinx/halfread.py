"""The parallel read of an edit's documents with a share read by the main process itself.

The build of an edit that changed tables reads 16 to 63 documents in parallel, one chunk a
process (:mod:`.jobs`): Sphinx's ``Builder._read_parallel`` forks a reader for every chunk and
the main process waits for them, idle, then unpickles and merges what each sent back. Here
(:func:`read_parallel`) the main process reads a share of the documents itself (:func:`shares`),
as Sphinx's serial read reads a document (its doctree saved, its data in the environment
straight away), while forked readers read the rest; then it merges theirs as before. The same
documents are read from the same state: Sphinx forgets every document about to be read before
any is read (as its parallel read does), and a reader never sees what another read, so neither
does the main process's share see the forked ones' (merged after it); each merge takes only its
own chunk's documents. What it saves: a reader's fork, its pickling of what it read (after
forgetting every other document) and the main process's unpickling and merging of it, and the
main process's idle wait.

Only for the read of an edit (fewer than ``jobs.SERIAL_BELOW`` documents, two processes or
more); any other read is Sphinx's. ``SMETS_HALF_READ=off``: every chunk forked, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sphinx.builders
from sphinx.builders import Builder
from sphinx.util.parallel import ParallelTasks

from ..corpus.cachedir import switched_off

SWITCH = "SMETS_HALF_READ"
#: Sphinx's own ``Builder._read_parallel`` (set by :func:`install`)
ORIGINAL: list[Any] = []
#: ``(builder, mine, theirs)``: work done before the forked readers start (the documents not yet
#: forgotten), which both this process's share and theirs would do (fingerprints' shared_first)
BEFORE_FORK: list[Callable[[Builder, list[str], list[str]], None]] = []
#: ``(builder, docnames)``: documents this process reads itself, after its share (a page whose
#: text waits for work beside the build: fingerprints' ``read_here``)
LAST: list[Callable[[Builder, list[str]], list[str]]] = []
#: reads of fewer documents than this are an edit's (``jobs.SERIAL_BELOW``, set by :func:`install`)
_FEWER_THAN = [0]


def reads_here(count: int, nproc: int) -> bool:
    """Whether a parallel read of ``count`` documents with ``nproc`` processes is :func:`read_parallel`'s
    (the documents :data:`LAST` names read by this process), not Sphinx's own."""
    return not switched_off(SWITCH) and nproc >= 2 and count < _FEWER_THAN[0]


def read_parallel(self: Builder, docnames: list[str], nproc: int) -> None:
    """``Builder._read_parallel``: a share of an edit's documents read here (:func:`shares`), the
    rest by forked readers."""
    if not reads_here(len(docnames), nproc):
        ORIGINAL[0](self, docnames, nproc)
        return
    mine, theirs = shares(docnames, nproc)
    last = {docname for pick in LAST for docname in pick(self, docnames)}
    if last:
        mine = [doc for doc in mine if doc not in last] + [doc for doc in docnames if doc in last]
        theirs = [doc for doc in theirs if doc not in last]
    for prepare in BEFORE_FORK:
        prepare(self, mine, theirs)
    chunks = vars(sphinx.builders)["make_chunks"](theirs, nproc - 1)
    for docname in docnames:  # all outdated documents forgotten at once, as Sphinx's parallel read does
        self.events.emit("env-purge-doc", self.env, docname)
        self.env.clear_doc(docname)

    def read_process(docs: list[str]) -> bytes:
        import pickle

        self.env._app = vars(self)["_app"]
        for docname in docs:
            self.read_doc(docname, _cache=False)
        return pickle.dumps(self.env, pickle.HIGHEST_PROTOCOL)

    def merge(docs: list[str], otherenv: bytes) -> None:
        import pickle

        self.env.merge_info_from(docs, pickle.loads(otherenv), vars(self)["_app"])

    tasks: ParallelTasks = vars(sphinx.builders)["ParallelTasks"](max(1, nproc - 1))
    try:
        for chunk in chunks:
            tasks.add_task(read_process, chunk, merge)
        for docname in mine:
            self.read_doc(docname, _cache=False)
    except BaseException:
        tasks.terminate()
        raise
    tasks.join()


def shares(docnames: list[str], nproc: int) -> tuple[list[str], list[str]]:
    """The documents the main process reads and those its ``nproc - 1`` forked readers read: two of
    every ``nproc + 1`` for the main process (two thirds with two processes), which has no fork,
    no purge and no pickling to do (about half a second of a reader's CPU at 10,000 requirements)."""
    step = nproc + 1
    return (
        [doc for at, doc in enumerate(docnames) if at % step < 2],
        [doc for at, doc in enumerate(docnames) if at % step >= 2],
    )


def install(fewer_than: int) -> None:
    """Replace ``Builder._read_parallel`` by :func:`read_parallel` (once), for reads of fewer than
    ``fewer_than`` documents."""
    _FEWER_THAN[0] = fewer_than
    if not ORIGINAL:
        ORIGINAL.append(Builder._read_parallel)
        Builder._read_parallel = read_parallel  # type: ignore[method-assign]
