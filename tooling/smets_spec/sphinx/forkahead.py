"""A parallel read's next reader forked before the last one's result is merged, not after.

Sphinx reads in parallel by queueing a forked reader for each chunk of documents
(:func:`.jobs.read_chunks`: four with two processes); when a reader has written its environment
back, ``ParallelTasks._join_one`` (``sphinx/util/parallel.py``) unpickles and merges it (the
merge, ``env-merge-info``: 0.3-0.4 s of the main process's CPU a chunk at 10,000 requirements)
and only then forks the next queued reader. Through each merge one core was idle while the
other ran the one reader left. The timeline of a warm full build at 10,000 shows it between
each reader's end and the next one's start.

:class:`ForkAheadTasks` takes the same results in the same order through the same functions,
but starts the queued readers as soon as a running one has written its result, then takes the
result and merges it, so the merge runs beside two readers. A reader so forked inherits the
environment as it was before the finished chunk was merged: it forgets fewer documents before
it writes its own back (:mod:`.readback`: a reader sends back only the documents it read, and
the merge takes only those), and it starts smaller. Which environment a reader inherits already
depended on timing (the first readers run side by side, each without the other's documents);
the merge is by document, whatever the order.

It repeats Sphinx's ``ParallelTasks._join_one``, two-clause BSD licence, Copyright (c)
2007-2025 by the Sphinx team (see its AUTHORS), whose terms apply to what it repeats; it is used
only while Sphinx's task class is the one it was written for (:func:`.promptjoin.same_tasks`).
``SMETS_FORK_AHEAD=off``: Sphinx's own order (merge, then fork).

A task may have work to be done in this process before its reader forks (:data:`BEFORE_START`: a
cold build's wait for the work beside it, :mod:`.earlyread`): its work is done just before its
fork, and it is the first queued task started once a process is free (its chunk, the last one
queued, is not one of those forked at once, and the wait has had those readers' time to end; its
pages are the heavier, and it has the longest to run). A failure of that work ends the running
readers and is raised from :meth:`ForkAheadTasks.add_task` or ``join``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sphinx.errors import SphinxParallelError
from sphinx.util.parallel import ParallelTasks, logger

from ..corpus.cachedir import switched_off
from .promptjoin import same_tasks

SWITCH = "SMETS_FORK_AHEAD"
#: ``(arg) -> work``: what to do in this process before the task of ``arg`` forks (None: nothing)
BEFORE_START: list[Callable[[Any], Callable[[], None] | None]] = []


def _work_before(arg: Any) -> Callable[[], None] | None:
    return next((work for find in BEFORE_START if (work := find(arg)) is not None), None)


class ForkAheadTasks(ParallelTasks):
    """Sphinx's forked tasks, each queued task started as soon as a running one has written its
    result, before that result is taken (see the module's doc)."""

    #: a failure of a task's work before its fork (:data:`BEFORE_START`), which Sphinx's
    #: ``add_task`` would only log: raised again from :meth:`add_task`
    _failed: BaseException | None = None

    def add_task(
        self,
        task_func: Callable[[Any], Any] | Callable[[], Any],
        arg: Any = None,
        result_func: Callable[[Any, Any], Any] | None = None,
    ) -> None:
        super().add_task(task_func, arg, result_func)
        if self._failed is not None:
            raise self._failed

    def _next_waiting(self) -> int:
        """The queued task to start next: the newest (Sphinx's order), of those with work before
        their fork (:data:`BEFORE_START`) if any."""
        waiting = list(self._precvs_waiting)
        held = (tid for tid in reversed(waiting) if _work_before(self._args.get(tid)) is not None)
        return next(held, waiting[-1])

    def _start_waiting(self) -> None:
        while self._precvs_waiting and self._pworking < self.nproc:
            newtid = self._next_waiting()
            work = _work_before(self._args.get(newtid))
            if work is not None:
                try:
                    work()
                except BaseException as exc:
                    self._failed = exc
                    self.terminate()
                    raise
            newprecv = self._precvs_waiting.pop(newtid)
            self._precvs[newtid] = newprecv
            self._procs[newtid].start()
            self._pworking += 1

    def _join_one(self) -> bool:
        done = next((tid for tid, pipe in self._precvs.items() if pipe.poll()), None)
        if done is None:
            self._start_waiting()
            return False
        pipe = self._precvs.pop(done)  # its result is written: its place goes to the next task now
        self._pworking -= 1
        try:
            self._start_waiting()
            exc, logs, result = pipe.recv()
        except BaseException:
            self._procs[done].terminate()  # (Sphinx's terminate() only ends the tasks still listed)
            raise
        if exc:
            raise SphinxParallelError(*result)
        for log in logs:
            logger.handle(log)
        self._result_funcs.pop(done)(self._args.pop(done), result)
        self._procs[done].join()
        return True


def ahead() -> bool:
    """Whether a parallel read forks its readers with :class:`ForkAheadTasks`."""
    return not switched_off(SWITCH) and same_tasks()


def tasks_class() -> type[ParallelTasks]:
    """The task class a parallel read forks its readers with."""
    return ForkAheadTasks if ahead() else ParallelTasks
