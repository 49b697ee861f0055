"""Sphinx's saved environment: pickling and unpickling it, plain against compact (issue 20).

    python bench/envpickle_bench.py OUT/.doctrees/environment.pickle [--repeat 3]

Loads a built site's environment once, then, in this process, pickles it to a file and unpickles
it again the way an incremental build does (``pickle.dump(env, file, HIGHEST_PROTOCOL)`` /
``pickle.load``): first as sphinx-needs pickles its needs with the collector running (Sphinx as
it is), then with :mod:`smets_spec.sphinx.envpickle` installed (needs pickled compactly, the
collector paused while loading). CPU seconds of this process (``time.process_time``), best of
``--repeat``; the pickler's transient memory as ``tracemalloc``'s peak while dumping (the memo
pickle keeps of every object, and the reductions it keeps alive); the file sizes; the size of
each large environment attribute. Checks that both unpickle to equal needs.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from smets_spec.forking import no_gc
from smets_spec.sphinx import envpickle


def _cpu(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.process_time()
        result = run()
        best = min(best, time.process_time() - start)
    return best, result


def _dump(env: Any, path: Path) -> None:
    with path.open("wb") as file:
        pickle.dump(env, file, pickle.HIGHEST_PROTOCOL)


def _load(path: Path, paused: bool) -> Any:
    with path.open("rb") as file:
        if not paused:
            return pickle.load(file)
        with no_gc():
            return pickle.load(file)


def _transient(env: Any, path: Path) -> int:
    gc.collect()
    tracemalloc.start()
    _dump(env, path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _measure(env: Any, path: Path, paused: bool, repeat: int) -> dict[str, Any]:
    dump, _ = _cpu(lambda: _dump(env, path), repeat)
    size = path.stat().st_size
    load, loaded = _cpu(lambda: _load(path, paused), repeat)
    return {"dump": dump, "load": load, "size": size, "peak": _transient(env, path), "env": loaded}


def _parts(env: Any, top: int = 6) -> list[tuple[int, str]]:
    sizes = []
    for name, value in vars(env).items():
        if name in ("settings", "_app", "domains", "events"):
            continue
        try:
            sizes.append((len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)), name))
        except (
            TypeError,
            AttributeError,
            pickle.PicklingError,
        ):  # an attribute Sphinx does not pickle either
            continue
    return sorted(sizes, reverse=True)[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pickle", type=Path, help="OUT/.doctrees/environment.pickle of a built site")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with no_gc():
        env = pickle.loads(args.pickle.read_bytes())
    gc.collect()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="envpickle-bench-") as folder:
        path = Path(folder) / "environment.pickle"
        envpickle.uninstall()
        results["plain"] = _measure(env, path, False, args.repeat)
        plain_parts = _parts(env)
        if not envpickle.install():
            print("envpickle: this sphinx-needs is not one the compact reduction knows", file=sys.stderr)
            return 2
        results["compact"] = _measure(env, path, True, args.repeat)
        compact_parts = _parts(env)
    plain, compact = results["plain"], results["compact"]
    same = plain["env"]._needs_all_needs == compact["env"]._needs_all_needs == env._needs_all_needs
    print(f"needs: {len(env._needs_all_needs)}; unpickled needs equal: {same}")
    print(f"{'':10} {'plain':>10} {'compact':>10} {'ratio':>7}")
    for key, unit, scale in (("dump", "s", 1), ("load", "s", 1), ("size", "MB", 1e6), ("peak", "MB", 1e6)):
        a, b = plain[key] / scale, compact[key] / scale
        print(f"{key + ' ' + unit:10} {a:10.3f} {b:10.3f} {b / a:7.2f}")
    total_a, total_b = plain["dump"] + plain["load"], compact["dump"] + compact["load"]
    print(f"{'dump+load':10} {total_a:10.3f} {total_b:10.3f} {total_b / total_a:7.2f}")
    print("largest attributes, plain -> compact (MB):")
    compact_sizes = {name: size for size, name in compact_parts}
    for size, name in plain_parts:
        print(f"  {name:28} {size / 1e6:8.2f} -> {compact_sizes.get(name, 0) / 1e6:8.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
    os._exit(0)
