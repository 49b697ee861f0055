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

The inherited documents' needs (and their need nodes) go first, in one pass that keeps every
other need in order (:func:`forget_needs`), before the purge: sphinx-needs' purge then finds none
of them, and the reader neither indexes, nor deletes one by one, nor frees (so writes to the
pages it shares with the main process) the half of the site's needs a late reader inherits. Its
pickled needs are the same as the purge left (``SMETS_READBACK_FILTER=off``: the purge alone).

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
from sphinx_needs.need_item import NeedItem

from ..corpus.cachedir import switched_off
from . import envpickle, needmemory

#: our environment attributes set before reading that no ``env-merge-info`` handler reads
UNMERGED = ("smets_need_keys", "smets_card_fingerprints", "smets_page_costs")
#: documents read so far, by process id
_READ_BY: dict[int, set[str]] = {}
_ORIGINAL = BuildEnvironment.__getstate__
_MAIN: list[int] = []
#: ``SMETS_READBACK_FILTER=off``: a reader's inherited needs are forgotten by sphinx-needs' purge alone
FILTER = "SMETS_READBACK_FILTER"
#: the dicts :func:`forget_needs` left: not freed, need by need, in pages shared with the main process
_LEFT: list[tuple[Any, Any]] = []


def _note_read(app: Sphinx, docname: str, source: list[str]) -> None:
    _READ_BY.setdefault(os.getpid(), set()).add(docname)


def own_state(env: BuildEnvironment) -> dict[str, Any]:
    """``env``'s pickled state; in a forked reader, with the documents it did not read forgotten."""
    pid = os.getpid()
    own = _READ_BY.get(pid)
    if own is None or pid in _MAIN:
        return _ORIGINAL(env)
    gone = [doc for doc in env.all_docs if doc not in own]
    if gone and not switched_off(FILTER):
        forget_needs(env, set(gone))
    for docname in gone:
        env.events.emit("env-purge-doc", env, docname)
        env.clear_doc(docname)
    if switched_off("SMETS_READBACK_VALUES") or not envpickle.share_values():
        needmemory.share(SphinxNeedsData(env).get_needs_mutable().values())
    state = _ORIGINAL(env)
    for name in UNMERGED:
        state.pop(name, None)
    return state


def forget_needs(env: BuildEnvironment, gone: set[str]) -> int:
    """Forget the needs of the documents ``gone`` and their need nodes, as sphinx-needs' purge of
    each of those documents does (``remove_doc``: every need ``is_in_document`` of it, and its
    node), in one pass that leaves ``env``'s dicts as they are: the needs kept go into new dicts, in
    the same order. Returns how many needs were forgotten. Anything else (a need that is not a
    ``NeedItem``, needs already post-processed) is left to the purge."""
    needs = vars(env).get("_needs_all_needs")
    if type(needs) is not dict or vars(env).get("_needs_is_post_processed", False):
        return 0
    if any(type(need) is not NeedItem for need in needs.values()):
        return 0
    kept = {key: need for key, need in needs.items() if need._source.dict_repr.get("docname") not in gone}
    if len(kept) == len(needs):
        return 0
    nodes = vars(env).get("_needs_all_nodes")
    _LEFT.append((needs, nodes))  # alive to the end of the reader, which exits once it has pickled
    if type(nodes) is dict:
        env._needs_all_nodes = {key: node for key, node in nodes.items() if key in kept or key not in needs}  # type: ignore[attr-defined]
    env._needs_all_needs = kept  # type: ignore[attr-defined]
    return len(needs) - len(kept)


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
    _LEFT.clear()
    _READ_BY.clear()
    _MAIN.clear()


def register(app: Sphinx) -> None:
    app.connect("source-read", _note_read)
