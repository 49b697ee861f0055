"""Real CPU of named functions, read transforms and the garbage collector in every process of one
`smets build`, without a profiler (issue 20: where a forked reader's or writer's CPU goes).

    cd PROJECT && SMETS_CACHE_DIR=C python bench/func_cpu.py [--fn MODULE:QUALNAME ...] [-- BUILD ARGS]

cProfile charges every Python call, so it inflates code made of many small calls (docutils,
sphinx-needs, markdown-it) four to ten times more than code that runs in C (pickle, regular
expressions, the collector), and its shares mislead. Here each function in :data:`FUNCTIONS` (and
each ``--fn``) is wrapped with ``time.process_time`` (a recursive call is counted once), every
docutils/Sphinx transform is timed by its class name (``T:Name``), and the collector's own CPU is
summed through ``gc.callbacks`` (``gc``, with the number of collections). Each process started
through :mod:`multiprocessing` (Sphinx's read and write workers, the copies beside the build)
prints, as it ends, its name, target, CPU and every figure of 0.01 s or more, largest first; the
main process prints its own after the build. Runs ``bench/build_phases.py`` with the same
arguments (the same step table, the same conformance suite key).
"""

from __future__ import annotations

import gc
import importlib
import sys
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

from build_phases import run_script

#: module, qualified name: the pieces of a warm full build's reader and writer
FUNCTIONS = (
    ("sphinx.builders", "Builder.read_doc"),
    ("sphinx.builders", "Builder.write_doctree"),
    ("sphinx.parsers", "RSTParser.parse"),
    ("smets_spec.sphinx.cachedneeds", "replace_cached"),
    ("smets_spec.sphinx.cachedneeds", "CachedNeed.run"),
    ("smets_spec.sphinx.rendercache", "RenderCache.load"),
    ("smets_spec.sphinx.fingerprints", "RenderedDirective.run"),
    ("smets_spec.sphinx.guide", "GuideDirective.run"),
    ("smets_spec.sphinx.guide", "parse_markdown"),
    ("sphinx_needs.api.need", "add_need"),
    ("sphinx.environment", "BuildEnvironment.get_and_resolve_doctree"),
    ("sphinx.builders.html", "StandaloneHTMLBuilder.write_doc"),
    ("sphinx.builders.html", "StandaloneHTMLBuilder.handle_page"),
    ("sphinx.highlighting", "PygmentsBridge.highlight_block"),
)
FIGURES: dict[str, float] = {}
_ACTIVE: set[str] = set()
_GC = {"start": 0.0, "count": 0.0}


def _timed(key: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        if key in _ACTIVE:
            return original(*args, **kwargs)
        _ACTIVE.add(key)
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            _ACTIVE.discard(key)
            FIGURES[key] = FIGURES.get(key, 0.0) + time.process_time() - start

    return run


def wrap(module: str, qualname: str) -> None:
    owner: Any = importlib.import_module(module)
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    setattr(owner, name, _timed(qualname, getattr(owner, name)))


def _time_transforms() -> None:
    from docutils.transforms import Transform

    original = Transform.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        apply = self.apply
        key = f"T:{type(self).__name__}"

        def timed(**options: Any) -> Any:
            start = time.process_time()
            try:
                return apply(**options)
            finally:
                FIGURES[key] = FIGURES.get(key, 0.0) + time.process_time() - start

        self.apply = timed

    Transform.__init__ = init


def _collector(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _GC["start"] = time.process_time()
        return
    FIGURES["gc"] = FIGURES.get("gc", 0.0) + time.process_time() - _GC["start"]
    _GC["count"] += 1


def report(who: str, cpu: float) -> None:
    shown = " ".join(
        f"{key}={seconds:.2f}"
        for key, seconds in sorted(FIGURES.items(), key=lambda item: -item[1])
        if seconds >= 0.01
    )
    print(f"  {who}: cpu {cpu:.2f} ({int(_GC['count'])} collections) {shown}", file=sys.stderr)


_RUN = BaseProcess.run


def _run(process: BaseProcess) -> None:
    FIGURES.clear()
    _GC["count"] = 0
    start = time.process_time()
    try:
        _RUN(process)
    finally:
        target = getattr(process, "_target", None)
        report(f"{process.name} {getattr(target, '__qualname__', target)}", time.process_time() - start)


def main() -> int:
    args = sys.argv[1:]
    while args[:1] == ["--fn"] and len(args) > 1:
        module, _, qualname = args[1].partition(":")
        wrap(module, qualname)
        args = args[2:]
    for module, qualname in FUNCTIONS:
        wrap(module, qualname)
    _time_transforms()
    gc.callbacks.append(_collector)
    BaseProcess.run = _run  # type: ignore[method-assign,assignment]
    start = time.process_time()
    status = run_script(args)
    report("main", time.process_time() - start)
    return status


if __name__ == "__main__":
    sys.exit(main())
