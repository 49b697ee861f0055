"""Where one `smets build` holds its memory: RSS at each Sphinx event and of every forked process (issue 20).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/build_memory.py [--snapshot EV[:N]] [-- ARGS]

The build runs in this process. At the start and end of each of Sphinx's events (and of a few
of ours and sphinx-needs' steps) the main process's peak resident size since the last such
point is read from ``/proc`` and reset (so each step gets its own peak); a thread samples
the main process and every descendant (Sphinx's forked readers and writers, the requirement-page
writer, the conformance suite) every 50 ms and keeps, per step, the largest main-process RSS and
the largest RSS and summed PSS of the children. The step of a sample is the innermost event or
step running when it was taken (ARGS: those of ``smets build``). ``--snapshot EV[:N]`` runs the
build under ``tracemalloc`` (slower, and more memory) up to the ``N``-th emission of the event
or step ``EV`` (default the first) and prints the largest allocation sites alive then; given
again, a later snapshot prints the growth since the one before, e.g. ``--snapshot write-started
--snapshot html-collect-pages``; ``--trace-from EV`` starts tracing only after ``EV`` (a
step's growth at full speed before it). Linux only (``/proc``).

It also names where the peaks are: the pages whose resolving (and indexing) held the main process's
largest peaks, and every forked task of Sphinx (a chunk of pages written) with the resident size it
started with (what it shares with the main process) and its own peak, read by the task itself as it
ends (``VmHWM``: no spike missed between samples).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import os
import resource
import sys
import tempfile
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from procmem import pss_kb, tree
from steps import instrument

MB = 1024 * 1024
#: the innermost step running (a stack: events nest)
STACK: list[str] = ["start-up"]
#: step -> [main RSS when it last ended, largest main RSS during it, largest child RSS, largest summed PSS]
STEPS: dict[str, list[float]] = {}
#: (event, n) of each snapshot still to take, in order; the counts of their events so far
SNAPSHOTS: list[tuple[str, int]] = []
COUNTS: dict[str, int] = {}
TAKEN: list[tuple[str, tracemalloc.Snapshot]] = []
TOP = [30]
#: the main process's id and its peak RSS over the whole build (MB)
MAIN_PID = [os.getpid()]
PEAK = [0.0]
#: the event or step after which tracing starts (none: from the start)
TRACE_FROM: list[str] = []
#: the main process's peak while each page was resolved and indexed (MB), by page
DOC_PEAKS: dict[str, float] = {}
#: the page being resolved or indexed (empty: none)
DOC: list[str] = []
#: each forked task's lines: its pages, RSS when it started, its peak (written by the task, read at the end)
TASKS_FILE: list[str] = []

_FUNCTIONS = (
    ("smets_spec.sphinx.jobs", "warm", ()),
    ("sphinx_needs.needs", "process_schemas", ()),
    ("sphinx_needs.needs", "ensure_post_process_needs_data", ()),
    ("sphinx_needs.needs", "build_needs_json", ()),
    ("smets_spec.sphinx.reqpages", "write_pages", ()),
    ("smets_spec.sphinx.search", "feed_requirement_pages", ()),
    ("smets_spec.sphinx.jobs", "_before_finishing", ()),
    ("smets_spec.sphinx.reqpages", "_start_pages", ()),
    ("smets_spec.sphinx.reqpages", "_finish_pages", ()),
    ("smets_spec.sphinx.search", "_record", ()),
    ("smets_spec.sphinx.searchcache", "save", ()),
    ("smets_spec.sphinx.site", "write_graph_data", ()),
    ("smets_spec.sphinx.searchcache", "_compute", ()),
)
_METHODS = (
    ("sphinx.builders", "Builder", ("read", "write")),
    (
        "sphinx.builders.html",
        "StandaloneHTMLBuilder",
        ("finish", "dump_search_index", "dump_inventory", "index_page", "write_doc"),
    ),
    ("sphinx.environment", "BuildEnvironment", ("get_and_resolve_doctree",)),
    ("smets_spec.sphinx.jobs", "BoundedTasks", ("add_task",)),
    ("sphinx.application", "Sphinx", ("__init__",)),
)


def _status_kb(pid: int | str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _row(step: str) -> list[float]:
    return STEPS.setdefault(step, [0.0, 0.0, 0.0, 0.0])


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.done = threading.Event()
        self.me = os.getpid()

    def run(self) -> None:
        while not self.done.wait(0.05):
            step = STACK[-1]
            main = _status_kb(self.me, "VmRSS") / 1024
            kids = tree(self.me)[1:]
            child = max((_status_kb(k, "VmRSS") for k in kids), default=0) / 1024
            total = (pss_kb(self.me) + sum(pss_kb(k) for k in kids)) / 1024 if kids else main
            row = _row(step)
            row[1], row[2], row[3] = max(row[1], main), max(row[2], child), max(row[3], total)


def _snap_after(label: str) -> None:
    if TRACE_FROM and label == TRACE_FROM[0]:
        TRACE_FROM.clear()
        tracemalloc.start()
        return
    if not SNAPSHOTS or label != SNAPSHOTS[0][0] or not tracemalloc.is_tracing():
        return
    COUNTS[label] = COUNTS.get(label, 0) + 1
    if COUNTS[label] != SNAPSHOTS[0][1]:
        return
    event, n = SNAPSHOTS.pop(0)
    taken = tracemalloc.take_snapshot()
    print(f"\ntraced peak before {event}:{n}: {tracemalloc.get_traced_memory()[1] / MB:.0f} MB")
    tracemalloc.reset_peak()
    _report(f"{event}:{n}", taken, TAKEN[-1] if TAKEN else None)
    TAKEN[:] = [(f"{event}:{n}", taken)]
    if not SNAPSHOTS:
        TAKEN.clear()
        tracemalloc.stop()  # the rest of the build at full speed


def _traced(label: Callable[..., str], original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        name = label(*args)
        _boundary()
        STACK.append(name)
        per_doc = name in _PER_DOC and len(args) > 1 and isinstance(args[1], str)
        if per_doc:
            DOC.append(args[1])
        try:
            return original(*args, **kwargs)
        finally:
            _boundary()
            if per_doc:
                DOC.pop()
            STACK.pop()
            row = _row(name)
            row[0] = _status_kb("self", "VmRSS") / 1024
            row[1] = max(row[1], row[0])
            _snap_after(name)

    return run


def _boundary() -> None:
    """The main process's peak since the last boundary, to every step running; the peak reset.

    Linux resets a process's peak resident size (VmHWM) when "5" is written to its
    ``clear_refs``, so each step gets its own peak, short spikes included (the sampler misses
    those). Only in the main process: a forked worker's peak must stay whole, as its parent
    reads it.
    """
    if os.getpid() != MAIN_PID[0]:
        return
    peak = _status_kb("self", "VmHWM") / 1024
    PEAK[0] = max(PEAK[0], peak)
    if DOC:
        DOC_PEAKS[DOC[-1]] = max(DOC_PEAKS.get(DOC[-1], 0.0), peak)
    for step in STACK:
        row = _row(step)
        row[1] = max(row[1], peak)
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


class _Pickle:
    """The pickle module as ``sphinx.builders`` sees it, with ``dump`` (the environment's) traced."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.dump = _traced(lambda *a: "pickle.dump (environment)", module.dump)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


#: steps whose peak is kept by page too (their second argument is the page's name)
_PER_DOC = {"BuildEnvironment.get_and_resolve_doctree", "StandaloneHTMLBuilder.index_page"}


def _task_peaks(original: Callable[..., Any]) -> Callable[..., Any]:
    """Sphinx's forked task (``ParallelTasks._process``), reporting its pages, its resident size when
    it started and its own peak when it ends."""

    @functools.wraps(original)
    def process(self: Any, pipe: Any, func: Any, arg: Any) -> None:
        start = _status_kb("self", "VmRSS") / 1024
        try:
            original(self, pipe, func, arg)
        finally:
            peak = _status_kb("self", "VmHWM") / 1024
            pages = [item[0] for item in arg if isinstance(item, tuple)] if isinstance(arg, list) else []
            shown = ",".join(pages[:3]) + (f",+{len(pages) - 3}" if len(pages) > 3 else "")
            with contextlib.suppress(OSError), Path(TASKS_FILE[0]).open("a", encoding="utf-8") as out:
                out.write(f"{peak:.0f}\t{start:.0f}\t{shown or '-'}\n")

    return process


def install() -> None:
    instrument(_FUNCTIONS, _METHODS, _traced)
    builders = importlib.import_module("sphinx.builders")
    builders.pickle = _Pickle(builders.pickle)  # Builder.build pickles the environment with it
    events = importlib.import_module("sphinx.events").EventManager
    events.emit = _traced(lambda self, event, *a: event, events.emit)
    tasks = importlib.import_module("sphinx.util.parallel").ParallelTasks
    tasks._process = _task_peaks(tasks._process)


def _where(stat: tracemalloc.Statistic | tracemalloc.StatisticDiff) -> str:
    frame = stat.traceback[0]
    return f"{frame.filename.split('site-packages/')[-1].split('tooling/')[-1]}:{frame.lineno}"


def _report(name: str, taken: tracemalloc.Snapshot, before: tuple[str, tracemalloc.Snapshot] | None) -> None:
    """The largest allocation sites alive at ``name`` (and their growth since ``before``)."""
    stats = taken.statistics("lineno")
    print(f"\ntracemalloc after {name}: {sum(s.size for s in stats) / MB:.0f} MB traced, by line")
    for stat in stats[: TOP[0]]:
        print(f"  {stat.size / MB:8.1f} MB {stat.count:9d} blocks  {_where(stat)}")
    if before is not None:
        diffs = taken.compare_to(before[1], "lineno")
        grown = sum(d.size_diff for d in diffs)
        print(f"\ngrowth from {before[0]} to {name}: {grown / MB:+.0f} MB traced, by line")
        for diff in diffs[: TOP[0]]:
            print(f"  {diff.size_diff / MB:+8.1f} MB {diff.count_diff:+9d} blocks  {_where(diff)}")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--snapshot",
        metavar="EVENT[:N]",
        action="append",
        default=[],
        help="tracemalloc snapshot after the N-th emission of an event (again: a later one, with the growth)",
    )
    parser.add_argument(
        "--trace-from", metavar="EV", help="start tracing after the first EV (default: at once)"
    )
    parser.add_argument("--top", type=int, default=30, help="allocation sites to print (default 30)")
    parser.add_argument("build", nargs="*", help="arguments of `smets build` (after --)")
    args = parser.parse_args()
    for spec in args.snapshot:
        event, _, n = spec.partition(":")
        SNAPSHOTS.append((event, int(n or 1)))
    TOP[0] = args.top
    if args.trace_from:
        TRACE_FROM.append(args.trace_from)
    elif SNAPSHOTS:
        tracemalloc.start()
    TASKS_FILE.append(str(Path(tempfile.mkdtemp(prefix="build-memory-")) / "tasks.tsv"))
    sampler = Sampler()
    sampler.start()
    import sphinx.cmd.build  # noqa: F401

    import smets_spec.sphinx.site  # noqa: F401
    from smets_spec import cli

    _row("imports")[0] = _status_kb("self", "VmRSS") / 1024
    install()
    start = os.times()
    status = cli.main(["build", *args.build])
    end = os.times()
    _boundary()
    sampler.done.set()
    sampler.join()
    cpu = end.user - start.user + end.system - start.system
    kids = end.children_user - start.children_user + end.children_system - start.children_system
    print(
        f"status {status}; CPU {cpu:.1f} s here, {kids:.1f} s in children; max RSS: this process "
        f"{PEAK[0]:.0f} MB, largest child "
        f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB"
    )
    print(
        f"{'step (in order of start)':44} {'RSS at end':>10} {'main max':>9} {'child max':>9} {'PSS all':>8}"
    )
    for step, (first, main_max, child, total) in STEPS.items():
        print(f"{step[:44]:44} {first:10.0f} {main_max:9.0f} {child:9.0f} {total:8.0f}")
    top = sorted(DOC_PEAKS.items(), key=lambda item: -item[1])[:8]
    print(
        "main process's peak while a page was resolved or indexed (MB): "
        + ", ".join(f"{d} {p:.0f}" for d, p in top)
    )
    with contextlib.suppress(OSError):
        lines = [line.split("\t") for line in Path(TASKS_FILE[0]).read_text(encoding="utf-8").splitlines()]
        lines.sort(key=lambda fields: -float(fields[0]))
        print(
            "forked tasks by peak (MB; resident when started): "
            + "; ".join(f"{peak} ({start}) {pages}" for peak, start, pages in lines[:8])
        )
    if SNAPSHOTS:
        print(f"snapshots not taken (their event was not emitted so often): {SNAPSHOTS}")
    return status


if __name__ == "__main__":
    sys.exit(main())
