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
they are handed back at ``build-finished``.

A handful of changed documents are read serially: Sphinx reads in parallel by forking
workers that each send the *whole* environment back, pickled, to be merged. With thousands
of needs in the environment that costs more than reading a few documents, so an incremental
build that re-reads fewer than :data:`SERIAL_BELOW` documents reads them in the main
process; writing is still parallel.
Measured at 2,000 requirements: see docs/performance.md.
"""

from __future__ import annotations

import gc

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ..markup.panels import ordered
from .linker import REQ_FOLDER, SphinxLinker
from .state import corpus_of

#: Fewer documents to read than this: read them serially.
SERIAL_BELOW = 64
_SAVED = "_smets_parallel"


def warm(app: Sphinx) -> None:
    """Compute the per-corpus analyses the panels and pages share (see the module's doc)."""
    corpus = corpus_of(app)
    first = next(iter(corpus.requirements), None)
    if first is None:
        return
    linker = SphinxLinker(app, corpus, f"{REQ_FOLDER}/index")
    for panel in ordered():
        panel.html(corpus, first.id, linker)


def _before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if docnames:
        warm(app)
    # the corpus, its analyses and Sphinx's state live to the end of the build: keep the garbage
    # collector from walking them again and again (and, in a forked worker, from copying them)
    gc.freeze()
    if app.parallel > 1 and len(docnames) < SERIAL_BELOW:
        setattr(app, _SAVED, app.parallel)
        app.parallel = 1
    if app.parallel <= 1:
        _purge_first(app, env, docnames)


def _purge_first(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Forget every document about to be read before the first is read, as a parallel read does.

    Sphinx's serial read forgets each document just before reading it, so a need moved from a
    later document to an earlier one would be read while the old one is still recorded, and
    sphinx-needs would report its id twice. (Purging again is harmless: Sphinx does it per document.)
    """
    for docname in docnames:
        app.events.emit("env-purge-doc", env, docname)
        env.clear_doc(docname)


def _after_read(app: Sphinx, env: BuildEnvironment) -> list[str]:
    saved = getattr(app, _SAVED, None)
    if saved is not None:
        app.parallel = saved
        delattr(app, _SAVED)
    return []


def _unfreeze(app: Sphinx, exception: Exception | None) -> None:
    """Hand the frozen objects back to the collector (a process may build again, e.g. in tests)."""
    gc.unfreeze()


def register(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _before_read)
    app.connect("env-updated", _after_read)
    app.connect("build-finished", _unfreeze, priority=950)
