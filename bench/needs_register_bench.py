"""CPU time of sphinx-needs' ``generate_need`` against ``needs_plan.generate_need`` on the calls of a
real build (issue 20: the cost of registering each need).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache \
        python bench/needs_register_bench.py [--rounds 3] -- BUILD ARGS

The build runs in this process (give ``-j 1`` so every need is read here) and records the
arguments of every ``generate_need`` call; both functions are then replayed on all of them,
alternately, ``--rounds`` times, and the best CPU time (``time.process_time``) of each is
printed per need, with the ratio plan / sphinx-needs (the peer measured in the same run).
Every replayed need is compared field by field once (the suite does it thoroughly:
``tests/test_needs_plan.py``).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from typing import Any


def _record(build: list[str]) -> list[dict[str, Any]]:
    from sphinx_needs.api import need as need_module

    from smets_spec import cli
    from smets_spec.sphinx import needs_plan

    calls: list[dict[str, Any]] = []
    original = need_module.generate_need

    def recording(*args: Any, **params: Any) -> Any:
        calls.append(dict(params))
        return original(*args, **params)

    install = needs_plan.install
    needs_plan.install = lambda: False  # type: ignore[assignment]  # sphinx-needs' own, recorded
    need_module.generate_need = recording
    try:
        status = cli.main(["build", *build])
    finally:
        need_module.generate_need = original
        needs_plan.install = install  # type: ignore[method-assign]
    if status != 0:
        raise SystemExit(f"needs_register_bench: the build failed (status {status})")
    return calls


def _replay(function: Callable[..., Any], calls: list[dict[str, Any]]) -> float:
    from smets_spec.sphinx import needs_typeplan

    needs_typeplan._PLANS.clear()  # each round starts as a build does: no plan, nothing remembered
    gc.collect()
    start = time.process_time()
    for params in calls:
        function(**params)
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("build", nargs="*", help="arguments of smets build (after --)")
    args = parser.parse_args()
    calls = _record(args.build)
    from sphinx_needs.api import need as need_module

    from smets_spec.sphinx import needs_plan

    if not needs_plan.install():
        raise SystemExit("needs_register_bench: needs_plan does not install on this sphinx-needs")
    _, original = needs_plan.ORIGINAL
    fast = need_module.generate_need
    for params in calls:
        assert dict(fast(**params).items()) == dict(original(**params).items()), params.get("id")
    best = {"sphinx-needs": float("inf"), "plan": float("inf")}
    for _ in range(args.rounds):
        best["sphinx-needs"] = min(best["sphinx-needs"], _replay(original, calls))
        best["plan"] = min(best["plan"], _replay(fast, calls))
    count = len(calls)
    for name, seconds in best.items():
        print(f"{name:>12}: {seconds:.3f} s CPU for {count} needs, {seconds / count * 1e6:.1f} µs a need")
    print(f"ratio plan / sphinx-needs: {best['plan'] / best['sphinx-needs']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
