"""Where one `smets build` spends its garbage collector's time, and the environment's save and load.

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/build_collector.py [--edit TAG] [-- BUILD ARGS]

For issue 20. This is
``bench/build_phases.py`` (same arguments, same step timers) plus: CPU seconds of Sphinx's
environment load (``pickle.load``) and save (``envparts.dump``, the parts included), how many
of the needs' parts the save kept and pickled again, and each collection of the cyclic garbage
collector charged to the innermost step running when it ran, by generation (``gc.callbacks``).
"""

from __future__ import annotations

import functools
import gc
import os
import pickle
import sys
import time
from collections.abc import Callable
from typing import Any

import build_phases

# the environment saved by the build's own process, where its save is timed (not in a forked copy)
os.environ.setdefault("SMETS_ENV_BESIDE", "off")

#: the timed steps running now, innermost last
_RUNNING: list[str] = ["(outside the steps)"]
#: (step, generation) -> [CPU seconds, collections]
_COLLECTIONS: dict[tuple[str, int], list[float]] = {}
_STARTED = [0.0]
#: build_phases' own step timer, which this one wraps
_STEP_TIMER = build_phases._timed


def _timed(label: Callable[..., str], original: Callable[..., Any]) -> Callable[..., Any]:
    timed = _STEP_TIMER(label, original)

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        _RUNNING.append(label(*args))
        try:
            return timed(*args, **kwargs)
        finally:
            _RUNNING.pop()

    return run


def _collector(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _STARTED[0] = time.process_time()
        return
    seen = _COLLECTIONS.setdefault((_RUNNING[-1], info["generation"]), [0.0, 0])
    seen[0] += time.process_time() - _STARTED[0]
    seen[1] += 1


def _time(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)
    setattr(owner, name, _timed(lambda *args: label, original))


def main() -> int:
    build_phases._timed = _timed  # what build_phases.install() wraps each step with
    _time(pickle, "load", "environment load (pickle.load)")
    from smets_spec.sphinx import envparts

    _time(envparts, "dump", "environment save (envparts.dump)")
    gc.callbacks.append(_collector)
    try:
        status = build_phases.main()
    finally:
        gc.callbacks.remove(_collector)
    print(f"  needs' parts of the save: {envparts.LAST_DUMP}", file=sys.stderr)
    total = sum(seconds for seconds, _ in _COLLECTIONS.values())
    print(f"garbage collector: {total:.2f} s CPU", file=sys.stderr)
    for (step, generation), (seconds, count) in sorted(_COLLECTIONS.items(), key=lambda item: -item[1][0]):
        if seconds >= 0.02:
            print(f"  in {step}, generation {generation}: {seconds:.2f} ({int(count)})", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
