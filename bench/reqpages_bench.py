"""CPU time of the requirement pages (``req/<ID>.html``) in one `smets build`, for A/B pairs (issue 20).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/reqpages_bench.py [--profile FILE] \
        [--edit TAG] -- --out-dir /tmp/me/outN -j 1

Runs :mod:`build_phases` (same arguments, same report) with the requirement pages' steps timed
too: ``_start_pages`` (plan, draw, and with ``-j 1`` every page drawn and written in this
process), ``plan``, ``draw``, ``_finish``. ``--profile FILE`` also writes a cProfile of
``_start_pages`` alone (pstats), so the pages' share is read without the rest of the build.
Compare A/B pairs run back to back on a shared machine (CPU seconds, not wall time); run a side
against an older checkout with ``PYTHONPATH=OLD/tooling``.
"""

from __future__ import annotations

import cProfile
import functools
import sys
from collections.abc import Callable
from typing import Any

import build_phases

_PAGES = ("smets_spec.sphinx.reqpages", ("_start_pages", "_finish_pages", "plan", "draw", "_finish"))


def _profiled(path: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        profile = cProfile.Profile()
        try:
            return profile.runcall(original, *args, **kwargs)
        finally:
            profile.dump_stats(path)

    return run


def main() -> int:
    argv = sys.argv[1:]
    profile = None
    if argv[:1] == ["--profile"]:
        profile, argv = argv[1], argv[2:]
    module, names = _PAGES
    build_phases._FUNCTIONS += tuple((module, name, ()) for name in names)
    if profile:
        import importlib

        pages = importlib.import_module(module)
        pages._start_pages = _profiled(profile, pages._start_pages)
    sys.argv = [sys.argv[0], *argv]
    return build_phases.main()


if __name__ == "__main__":
    sys.exit(main())
