"""A cold build's parallel read forked while the conformance suite and the duplicate scan still run.

``smets build`` starts the conformance suite and the duplicate scan in forked copies beside
Sphinx's start-up. The build waited for both at ``env-get-outdated`` (:mod:`.conformance`), then
worked out the corpus's analyses (``jobs.warm``) and only then forked its readers: in a cold build
at 2,000 requirements the main process waited for the scan 2.0-2.9 s after the start and the
readers forked at 3.2 s, one core mostly idle meanwhile.

Only two directives read that work: ``smets-conformance`` (the suite's results:
:mod:`..conformance.pages` is the only reader of :mod:`..conformance.live`) and
``smets-duplicates`` (the findings), with their requirement-page panels. Now, when a full parallel
read of a new environment follows (:func:`defer`), the wait is left to the read: the documents
whose source names those directives (or includes another file: it might) are read in the last
chunk (:func:`.jobs.read_last`), the corpus's analyses are worked out without those two panels,
and the readers fork at once. Just before the reader of that chunk forks, when the first reader is
done (:data:`.forkahead.BEFORE_START`: by then the readers have read for a second or more), this process
does what ``env-get-outdated`` did (it waits for the scan and the suite, a failed step stops the
build as before, and the environment's conformance stamp is set as then) and works out those two
panels, so that reader inherits them. The same documents read from the same state, the same
analyses: only when the wait happens changes.

Nowhere else: a serial read, an edit, a warm build (the environment has its stamp) wait at
``env-get-outdated`` as before; so does a read whose documents cannot all be looked at, or that
Sphinx's own chunks or tasks would read (``SMETS_READ_CHUNKS=off``, ``SMETS_FORK_AHEAD=off``).
Should this process read a document itself while the work is still waited for (a serial read), or
the read end with it still waited for, it is waited for then. ``SMETS_EARLY_READ=off``: the wait at
``env-get-outdated``, as before.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.parallel import parallel_available

from ..corpus.cachedir import switched_off
from . import forkahead, jobs

SWITCH = "SMETS_EARLY_READ"
#: the directives whose text reads the work beside the build, and their requirement-page panels
DIRECTIVES = {"smets-conformance": "conformance-status", "smets-duplicates": "duplicates"}
#: what marks a source as one to read last: those directives, or an included file (which may hold them)
_MARKS = re.compile(rb"smets-(?:conformance|duplicates)|\.\.\s+include::|\{include\}")


@dataclass
class _Pending:
    """The wait left to the read: ``finish`` does what ``env-get-outdated`` did; ``late``: the
    documents read after it (set when the read is known to be a parallel one)."""

    app: Sphinx
    finish: Callable[[], None]
    owner: int = field(default_factory=os.getpid)
    late: frozenset[str] | None = None


_PENDING: list[_Pending] = []


def defer(app: Sphinx, env: BuildEnvironment, docnames: Iterable[str], finish: Callable[[], None]) -> bool:
    """``env-get-outdated`` of a new environment (no stamp yet): whether ``finish`` (the wait for the
    work beside the build) is left to the read of ``docnames``, as it is when a parallel read of
    many documents follows (see the module's doc). False: the caller does it now."""
    _PENDING.clear()
    if switched_off(SWITCH) or not _parallel_read(app, len(set(docnames))):
        return False
    _PENDING.append(_Pending(app, finish))
    return True


def _parallel_read(app: Sphinx, count: int) -> bool:
    """Whether a read of ``count`` documents is a parallel one, cut by :func:`.jobs.read_chunks` and
    forked by :class:`.forkahead.ForkAheadTasks` (as ``Builder.read`` and ``jobs`` decide)."""
    if count < jobs.SERIAL_BELOW or app.parallel <= 1 or not parallel_available:
        return False
    if switched_off(jobs.READ_CHUNKS) or not forkahead.ahead():
        return False
    return all(getattr(ext, "parallel_read_safe", None) for ext in app.extensions.values())


def _late_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> frozenset[str] | None:
    """The documents whose source names a directive of :data:`DIRECTIVES` or includes a file (None:
    every one may, through ``rst_prolog`` or ``rst_epilog``)."""
    for text in (app.config.rst_prolog, app.config.rst_epilog):
        if text and _MARKS.search(str(text).encode()):
            return None
    late = set()
    for docname in docnames:
        try:
            source = env.doc2path(docname).read_bytes()
        except OSError:
            source = b"include::"
        if _MARKS.search(source):
            late.add(docname)
    return frozenset(late)


def _before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``, before ``jobs`` works out the analyses: the read's last documents,
    or the wait now when the read is not one that can leave it (or too many documents wait)."""
    if not _PENDING or _PENDING[0].owner != os.getpid():
        return
    late = _late_docs(app, env, docnames) if _parallel_read(app, len(docnames)) else None
    chunk = len(docnames) // (app.parallel * jobs.READ_CHUNKS_PER_PROCESS)
    if late is None or len(late) > chunk:
        finish_now()
        return
    _PENDING[0].late = late
    jobs.read_last(late)


def later_panels(app: Sphinx, docnames: list[str]) -> frozenset[str]:
    """``jobs.WARM_LATER``: the panels worked out when the wait is done (:func:`finish_now`), not before."""
    if not _PENDING or _PENDING[0].late is None:
        return frozenset()
    return frozenset(DIRECTIVES.values())


def _work_before(arg: Any) -> Callable[[], None] | None:
    """``forkahead.BEFORE_START``: the wait, before a chunk with a document of the read's last forks."""
    if not _PENDING or _PENDING[0].late is None or not isinstance(arg, list):
        return None
    late = _PENDING[0].late
    return finish_now if any(doc in late for doc in arg) else None


def finish_now(*_: object) -> None:
    """Do the wait left to the read, in the process that left it; then, if the analyses were worked
    out without them, the panels of :data:`DIRECTIVES` (and frozen with the rest, as ``jobs`` does:
    after a collection, so what the merges so far left goes first)."""
    if not _PENDING or _PENDING[0].owner != os.getpid():
        return
    pending = _PENDING.pop()
    pending.finish()
    if pending.late is not None:
        jobs.warm(pending.app, only=frozenset(DIRECTIVES.values()))
        gc.collect()
        jobs.freeze()


def _source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: this process reads a document itself while the wait is left (a serial read)."""
    if _PENDING and _PENDING[0].owner == os.getpid():
        finish_now()


def _forget(app: Sphinx, exception: Exception | None) -> None:
    _PENDING.clear()


def register(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _before_read, priority=490)  # before jobs works out the analyses
    app.connect("source-read", _source_read, priority=0)
    app.connect("env-updated", finish_now, priority=1)  # the read is over: before anything after it
    app.connect("build-finished", _forget)
    if _work_before not in forkahead.BEFORE_START:
        forkahead.BEFORE_START.append(_work_before)
    if later_panels not in jobs.WARM_LATER:
        jobs.WARM_LATER.append(later_panels)
