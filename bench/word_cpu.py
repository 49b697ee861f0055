"""CPU of the search words' collection in every process of one `smets build` (issue 20).

    cd PROJECT && SMETS_CACHE_DIR=C python bench/word_cpu.py [-- BUILD ARGS]

Runs ``bench/build_phases.py`` with the same arguments (same step table, same ``sys.path[0]``);
besides, :meth:`CompactIndex._word_collector` (the walk of each written page) is timed with
``time.process_time`` and each process started through :mod:`multiprocessing` prints, as it
ends, the pages it walked and their CPU seconds (``WORDS pid pages seconds``); the main process
prints its own at exit.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from multiprocessing.process import BaseProcess
from typing import Any

from build_phases import run_script

_RUN = BaseProcess.run
_SPENT = [0, 0.0]


def _report() -> None:
    if _SPENT[0]:
        print(f"WORDS {os.getpid()} {_SPENT[0]} {_SPENT[1]:.3f}", file=sys.stderr, flush=True)


def _run(process: BaseProcess) -> None:
    _SPENT[:] = [0, 0.0]
    try:
        _RUN(process)
    finally:
        _report()


def main() -> int:
    from smets_spec.sphinx.searchmemory import CompactIndex

    original = CompactIndex._word_collector

    def timed(self: Any, doctree: Any) -> Any:
        start = time.process_time()
        try:
            return original(self, doctree)
        finally:
            _SPENT[0] += 1
            _SPENT[1] += time.process_time() - start

    CompactIndex._word_collector = timed  # type: ignore[method-assign]
    BaseProcess.run = _run  # type: ignore[method-assign]
    atexit.register(_report)
    return run_script(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
