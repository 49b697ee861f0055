"""CPU of one `smets build`'s main process spent in module imports, before and after the forked spec
load hands its corpus over (issue 20: which imports are on the build's own path).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/import_cpu.py

Runs ``smets build`` in this process (``SMETS_HARD_EXIT=off``). Every outermost import (an import
made while no other is under way; what it imports in turn is inside it) is timed in CPU seconds of
this process, and everything is split at the moment :meth:`..commands.loadbeside.Pending.outcome`
returns: before it, the imports run beside the load copy (at 10,000 requirements this process
then waits for the copy); after it, they are on the build's own path. Prints one line:
``main_cpu``, ``import_cpu``, ``start_cpu`` (before the hand-over), ``after_load_cpu`` and
``after_load_imports``; with ``--list``, the imports after the hand-over, costliest first.
"""

from __future__ import annotations

import importlib._bootstrap as bootstrap
import os
import sys
import time
from typing import Any

SPENT = [0.0]
LATE: list[tuple[float, str]] = []
HANDED: list[tuple[float, float]] = []


def _timed_imports() -> None:
    original = bootstrap._find_and_load  # type: ignore[attr-defined]
    depth = [0]

    def find_and_load(name: str, import_: Any) -> Any:
        if depth[0]:
            return original(name, import_)
        depth[0] += 1
        start = time.process_time()
        try:
            return original(name, import_)
        finally:
            depth[0] -= 1
            took = time.process_time() - start
            SPENT[0] += took
            if HANDED:
                LATE.append((took, name))

    bootstrap._find_and_load = find_and_load  # type: ignore[attr-defined]


def main() -> int:
    os.environ["SMETS_HARD_EXIT"] = "off"
    _timed_imports()
    begin, pid = time.process_time(), os.getpid()
    from smets_spec import cli
    from smets_spec.commands import loadbeside

    outcome = loadbeside.Pending.outcome

    def handed_over(self: loadbeside.Pending, project: Any) -> Any:
        got = outcome(self, project)
        HANDED.append((time.process_time(), SPENT[0]))
        return got

    loadbeside.Pending.outcome = handed_over  # type: ignore[method-assign]
    status = cli.main(["build"])
    if os.getpid() != pid:
        return status
    end = time.process_time()
    line = f"status {status} main_cpu {end - begin:.3f} import_cpu {SPENT[0]:.3f}"
    if HANDED:
        at, imported = HANDED[0]
        line += (
            f" start_cpu {at - begin:.3f} after_load_cpu {end - at:.3f}"
            f" after_load_imports {SPENT[0] - imported:.3f}"
        )
    print(line, file=sys.stderr)
    if "--list" in sys.argv[1:]:
        for took, name in sorted(LATE, reverse=True)[:30]:
            print(f"  {took:.3f} {name}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
