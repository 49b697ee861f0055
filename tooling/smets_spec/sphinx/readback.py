"""What a parallel read's worker sends back: the documents it read, not the environment it inherited.

Sphinx reads in parallel by forking a worker for each chunk of documents as a process comes
free; each worker pickles its *whole* environment back to the main process, which unpickles it
and merges the chunk's documents from it (``env-merge-info``). A worker forked after chunks
were merged inherits their documents, with sphinx-needs' needs and need nodes, and an
incremental build's workers inherit every unchanged document: the main process unpickled most of
the site's needs again for every late chunk, only to drop them (at 10,000 requirements, a copy of
hundreds of megabytes at once, and the holes it left in the heap for the rest of the build).

Here a worker forgets every document it did not read, by Sphinx's own ``env-purge-doc`` (as for
a deleted document) before its environment is pickled, and leaves out the attributes of ours
that are set before reading and that no merge reads (:data:`UNMERGED`). The merge takes the
same data as before: what it took from a worker was only ever the worker's own documents
(Sphinx's merge and every ``env-merge-info`` handler take ``docnames``' data; sphinx-needs keeps
the needs it already holds). A worker's own need that repeats an inherited need's id was
reported while it was read, as before.

Its needs' repeated short values are stored once in the pickle: by the compact reduction itself
(:func:`.envpickle.share_values`), which already stores each dict's keys once; only where that
reduction is not installed, or with ``SMETS_READBACK_VALUES=off``, by :func:`.needmemory.share`
rebuilding every need's dicts first (about a sixth of a reader's CPU for its way back).
"""

from __future__ import annotations

import os
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx_needs.data import SphinxNeedsData

from ..corpus.cachedir import switched_off
from . import envpickle, needmemory

#: our environment attributes set before reading that no ``env-merge-info`` handler reads
UNMERGED = ("smets_need_keys", "smets_card_fingerprints")
#: documents read so far, by process id
_READ_BY: dict[int, set[str]] = {}
_ORIGINAL = BuildEnvironment.__getstate__
_MAIN: list[int] = []


def _note_read(app: Sphinx, docname: str, source: list[str]) -> None:
    _READ_BY.setdefault(os.getpid(), set()).add(docname)


def own_state(env: BuildEnvironment) -> dict[str, Any]:
    """``env``'s pickled state; in a forked reader, with the documents it did not read forgotten."""
    pid = os.getpid()
    own = _READ_BY.get(pid)
    if own is None or pid in _MAIN:
        return _ORIGINAL(env)
    for docname in [doc for doc in env.all_docs if doc not in own]:
        env.events.emit("env-purge-doc", env, docname)
        env.clear_doc(docname)
    if switched_off("SMETS_READBACK_VALUES") or not envpickle.share_values():
        needmemory.share(SphinxNeedsData(env).get_needs_mutable().values())
    state = _ORIGINAL(env)
    for name in UNMERGED:
        state.pop(name, None)
    return state


def start(parallel: bool) -> None:
    """Before a read; ``parallel``: before it forks its workers."""
    _MAIN[:] = [os.getpid()]
    _READ_BY.clear()
    if parallel:
        BuildEnvironment.__getstate__ = own_state  # type: ignore[method-assign,assignment]


def read_here() -> set[str]:
    """The documents this process has read since :func:`start`."""
    return _READ_BY.get(os.getpid(), set())


def stop(*args: object) -> None:
    """After the read (and at the end of a build that failed while reading)."""
    BuildEnvironment.__getstate__ = _ORIGINAL  # type: ignore[method-assign]
    envpickle.stop_sharing()
    _READ_BY.clear()
    _MAIN.clear()


def register(app: Sphinx) -> None:
    app.connect("source-read", _note_read)
