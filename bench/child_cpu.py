"""CPU of each forked process of one `smets build`, by what it ran (issue 20: which forked work a
step's "(+N forked)" is).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/child_cpu.py [--edit TAG] [-- BUILD ARGS]
    cd PROJECT && SMETS_CACHE_DIR=C python bench/child_cpu.py [--timeline] --edit-phases KIND TAG [-- ARGS]

Runs ``bench/build_phases.py`` with the same arguments (the same step table, the same
conformance suite key: ``sys.path[0]`` is bench/); besides, every process started through
:mod:`multiprocessing` (Sphinx's read and write workers, the requirement-page writers, the
needs.json and environment copies, the duplicate scan...) prints, as it ends, its name, its
target and its own user and system CPU seconds (``os.times`` in the process: forked work has
none of the parent's). ``build_phases``' ``(+N forked)`` of a step is the sum of the processes
reaped during it.

With ``--timeline`` (first argument), each process also prints when it started and ended (wall
seconds since this script started), and the main process prints the wall time and its own CPU
at each Sphinx event it emits (the first emission of each name, and every ``build-finished``
handler's start): what ran beside what, and what the main process waited on. With
``--edit-phases`` (after ``--timeline``, if given), ``bench/edit_phases.py`` runs instead, with the
arguments that follow (one edit of a kind, then the build).
"""

from __future__ import annotations

import os
import sys
import time
from multiprocessing.process import BaseProcess
from typing import Any

from build_phases import run_script

_RUN = BaseProcess.run
_T0 = time.time()
_TIMELINE = [False]


def _what(process: Any) -> str:
    target = getattr(process, "_target", None)
    what = str(getattr(target, "__qualname__", target))
    args = getattr(process, "_args", ())
    if what == "_behind" and args:  # smets_spec.forking: a copy started behind the build
        what = f"behind:{getattr(args[0], '__qualname__', args[0])}"
    return what


def _run(process: BaseProcess) -> None:
    before, start = os.times(), time.time() - _T0
    try:
        _RUN(process)
    finally:
        after = os.times()
        user, system = after.user - before.user, after.system - before.system
        when = f" wall {start:.2f}-{time.time() - _T0:.2f}" if _TIMELINE[0] else ""
        cpu = f"user {user:.2f} sys {system:.2f}"
        print(f"  child {process.name} {_what(process)}: {cpu}{when}", file=sys.stderr)


def _timeline() -> None:
    """Print the main process's wall time and CPU at the first emission of each Sphinx event."""
    import sphinx.events

    emit = sphinx.events.EventManager.emit
    seen: set[str] = set()
    main = os.getpid()

    def timed(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        if os.getpid() == main and name not in seen:
            seen.add(name)
            cpu = sum(os.times()[:2])
            print(f"  main {name}: wall {time.time() - _T0:.2f} cpu {cpu:.2f}", file=sys.stderr)
        return emit(self, name, *args, **kwargs)

    sphinx.events.EventManager.emit = timed  # type: ignore[method-assign]
    _waits(main)


#: the main process's waits on forked work: each call's wall start and end, and its wall length
WAITS = (
    ("smets_spec.duplicates.page", "_received"),
    ("smets_spec.duplicates.store", "settle"),
    ("smets_spec.duplicates.page", "_rescan"),
    ("smets_spec.duplicates.page", "_kept"),
)


def _waits(main: int) -> None:
    import importlib

    for module_name, name in WAITS:
        module = importlib.import_module(module_name)
        original = getattr(module, name)

        def waited(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            start, cpu = time.time(), sum(os.times()[:2])
            try:
                return _original(*args, **kwargs)
            finally:
                took, used = time.time() - start, sum(os.times()[:2]) - cpu
                if took >= 0.005:
                    who = "main" if os.getpid() == main else os.getpid()
                    when = f"wall {start - _T0:.2f}-{time.time() - _T0:.2f} cpu {cpu:.2f}+{used:.2f}"
                    print(f"  {who} wait {_name}: {when}", file=sys.stderr)

        setattr(module, name, waited)


def main() -> int:
    BaseProcess.run = _run  # type: ignore[method-assign]
    args = sys.argv[1:]
    if args[:1] == ["--timeline"]:
        args, _TIMELINE[0] = args[1:], True
        _timeline()
    if args[:1] == ["--edit-phases"]:
        return run_script(args[1:], "edit_phases.py")
    return run_script(args)


if __name__ == "__main__":
    sys.exit(main())
