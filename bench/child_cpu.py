"""CPU of each forked process of one `smets build`, by what it ran (issue 20: which forked work a
step's "(+N forked)" is).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/child_cpu.py [--edit TAG] [-- BUILD ARGS]

Runs ``bench/build_phases.py`` with the same arguments (the same step table, the same
conformance suite key: ``sys.path[0]`` is bench/); besides, every process started through
:mod:`multiprocessing` (Sphinx's read and write workers, the requirement-page writers, the
needs.json and environment copies, the duplicate scan...) prints, as it ends, its name, its
target and its own user and system CPU seconds (``os.times`` in the process: forked work has
none of the parent's). ``build_phases``' ``(+N forked)`` of a step is the sum of the processes
reaped during it.
"""

from __future__ import annotations

import os
import runpy
import sys
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

_RUN = BaseProcess.run


def _what(process: Any) -> str:
    target = getattr(process, "_target", None)
    what = str(getattr(target, "__qualname__", target))
    args = getattr(process, "_args", ())
    if what == "_behind" and args:  # smets_spec.forking: a copy started behind the build
        what = f"behind:{getattr(args[0], '__qualname__', args[0])}"
    return what


def _run(process: BaseProcess) -> None:
    before = os.times()
    try:
        _RUN(process)
    finally:
        after = os.times()
        user, system = after.user - before.user, after.system - before.system
        print(f"  child {process.name} {_what(process)}: user {user:.2f} sys {system:.2f}", file=sys.stderr)


def main() -> int:
    BaseProcess.run = _run  # type: ignore[method-assign]
    here = Path(__file__).resolve().parent
    sys.argv = [str(here / "build_phases.py"), *sys.argv[1:]]
    sys.path[0] = str(here)
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as done:
        return int(done.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
