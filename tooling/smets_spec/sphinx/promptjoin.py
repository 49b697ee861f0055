"""Sphinx's forked tasks taken as soon as one finishes (issue 20: the latency of every build).

Sphinx's ``ParallelTasks.join`` (``sphinx/util/parallel.py``) looks at its workers' pipes and,
when none holds a result, sleeps 0.02 s before it looks again: each finished worker waits
0.01 s on average (longer on a loaded machine, where a sleep overruns) before the main process
takes its result and starts the next queued task. A parallel read of the site and its write are
such tasks; an incremental build joins two, a build into an empty folder nine at 2,000
requirements, and each wait is the main process idle.

:func:`join` is the same loop, but instead of sleeping it waits on the running workers' pipes
(``multiprocessing.connection.wait``) for at most the same 0.02 s: it goes on as soon as a
worker has written its result (or ended), so a result is taken sooner, never later. The results
are taken by Sphinx's own ``_join_one``, as before; which of two workers finishing together is
taken first already depends on timing in Sphinx's loop.

It repeats Sphinx's ``ParallelTasks.join``, two-clause BSD licence, Copyright (c) 2007-2025 by
the Sphinx team (see its AUTHORS), whose terms apply to what it repeats. It stands in for
Sphinx's only while Sphinx's task class is the one it was written for (:data:`SPHINX_TASKS`,
the SHA-256 of the methods it relies on; ``tests/test_prompt_join.py`` says when they changed).
``SMETS_PROMPT_JOIN=off``: Sphinx's join.
"""

from __future__ import annotations

import functools
import time
from multiprocessing.connection import wait

from sphinx.util.parallel import ParallelTasks

from ..corpus.cachedir import switched_off
from .sourcedigest import source_digest

SWITCH = "SMETS_PROMPT_JOIN"
#: the SHA-256 of Sphinx's ``ParallelTasks.__init__``, ``join`` and ``_join_one``, as :func:`join` knows them
SPHINX_TASKS = "3f688a57aeddd26a503ce1382dcefb7351d7bfbf183f6bbbb76ca035d67af0eb"
#: what Sphinx's loop sleeps between looks: the longest :func:`join` waits before looking again
_POLL_S = 0.02
_SPHINX_JOIN = ParallelTasks.join


def join(self: ParallelTasks) -> None:
    """Sphinx's ``ParallelTasks.join``, waiting on the workers' pipes instead of sleeping."""
    try:
        while self._pworking:
            if not self._join_one():
                wait(list(self._precvs.values()), _POLL_S)
    finally:
        # shutdown other child processes on failure (as Sphinx's join does)
        self.terminate()


def pause(tasks: ParallelTasks) -> None:
    """Wait until one of ``tasks``' workers has written its result (or ended), at most 0.02 s, as
    :func:`join` does between its looks; Sphinx's sleep when Sphinx's join is in use."""
    if ParallelTasks.join is join:
        wait(list(tasks._precvs.values()), _POLL_S)
    else:
        time.sleep(_POLL_S)


def sphinx_digest() -> str:
    """The SHA-256 of the parts of Sphinx's task class :func:`join` relies on."""
    return source_digest(
        ParallelTasks.__init__, _SPHINX_JOIN, getattr(ParallelTasks, "_join_one", None), sep=""
    )


@functools.cache
def same_tasks() -> bool:
    """Whether this Sphinx's task class is the one :func:`join` was written for."""
    return sphinx_digest() == SPHINX_TASKS


def install() -> None:
    """Sphinx's forked tasks use :func:`join` (or Sphinx's own again, when switched off)."""
    use = same_tasks() and not switched_off(SWITCH)
    ParallelTasks.join = join if use else _SPHINX_JOIN  # type: ignore[method-assign]
