"""CPU time of registering the needs in one `smets build`, with and without the garbage
collector's pauses (issue 20: the cost of registering each need).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/needs_register_build.py -- BUILD ARGS

The build runs in this process (give ``-j 1`` so every need is read here). Timed in CPU seconds
(``time.process_time``): sphinx-needs' need directive (``NeedDirective.run``, which our
placeholder ``CachedNeed`` calls), ``add_need`` in it, ``generate_need`` in that (whichever is
installed, sphinx-needs' own or ``needs_plan``'s), and the parsing of need texts in it
(``nested_parse``: docutils' work on a text whose card is not cached, not registration); and the
collector's pauses that fall inside the directive (``gc.callbacks``): where a pause lands depends
on every allocation of the build, so "registration" is printed without them. Run it on two trees
back to back (``PYTHONPATH=OTHER/tooling``) for an A/B pair.
"""

from __future__ import annotations

import gc
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

TIMES: Counter[str] = Counter()
_DEPTH: Counter[str] = Counter()
_PAUSE = [0.0]


def _collector(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _PAUSE[0] = time.process_time()
    else:
        TIMES["gc in the whole build"] += time.process_time() - _PAUSE[0]
        for name, depth in list(_DEPTH.items()):
            if depth:
                TIMES[f"gc in {name}"] += time.process_time() - _PAUSE[0]


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        _DEPTH[name] += 1
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            _DEPTH[name] -= 1
            if not _DEPTH[name]:
                TIMES[name] += time.process_time() - start

    return run


def _instrument() -> None:
    from docutils.parsers.rst import states
    from sphinx_needs.api import need as need_module
    from sphinx_needs.directives import need as directive_module

    timed = _timed("directive", directive_module.NeedDirective.run)
    directive_module.NeedDirective.run = timed  # type: ignore[method-assign]
    added = _timed("add_need", need_module.add_need)
    directive_module.add_need = added  # type: ignore[attr-defined]
    original_run = directive_module.NeedDirective.run

    def first(self: Any) -> Any:  # generate_need is replaced at setup: time what is there then
        need_module.generate_need = _timed("generate_need", need_module.generate_need)
        directive_module.NeedDirective.run = original_run  # type: ignore[method-assign]
        return original_run(self)

    directive_module.NeedDirective.run = first  # type: ignore[method-assign]
    parse = states.RSTState.nested_parse

    def nested(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not _DEPTH["directive"]:
            return parse(self, *args, **kwargs)
        return _timed("text parsing in the directive", parse)(self, *args, **kwargs)

    states.RSTState.nested_parse = nested  # type: ignore[method-assign]
    gc.callbacks.append(_collector)


def main() -> int:
    build = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:]
    from smets_spec import cli

    _instrument()
    start = time.process_time()
    status = cli.main(["build", *build])
    total = time.process_time() - start
    parsing = "text parsing in the directive"
    print(f"status {status}; build CPU {total:.2f} s in this process", file=sys.stderr)
    for name in ("directive", "add_need", "generate_need", parsing):
        without = TIMES[name] - TIMES[f"gc in {name}"]
        print(f"  {name}: {TIMES[name]:.2f} ({without:.2f} without gc pauses)", file=sys.stderr)
    parsed = TIMES[parsing] - TIMES[f"gc in {parsing}"]
    registration = TIMES["directive"] - TIMES["gc in directive"] - parsed
    print(f"  registration (directive - gc pauses - text parsing): {registration:.2f}", file=sys.stderr)
    print(f"  gc pauses in the whole build: {TIMES['gc in the whole build']:.2f}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
