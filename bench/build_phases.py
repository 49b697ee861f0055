"""CPU time of each step of one `smets build`, for finding what an incremental build spends (issue 20).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/build_phases.py [--edit TAG] [-- BUILD ARGS]

``--edit TAG`` first edits one requirement's title and text (the first generated requirement of
``smets_spec.corpus.synthetic``; the tag makes each edit new). The build runs in this process;
each of Sphinx's events, the builder's steps and a few of ours and sphinx-needs' are timed in
CPU seconds of this process (``time.process_time``: it measures the build rather than the
machine's load, on a machine shared with other builds); forked workers' CPU is given as
``children``, and after each step as ``(+N forked)``: the CPU of the workers reaped during it
(Sphinx's read and write workers, the requirement-page writers). Steps nest (``builder.build``
holds ``builder.read``...), so they do not add up.
"""

from __future__ import annotations

import argparse
import functools
import os
import runpy
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from steps import instrument

TIMES: dict[str, float] = {}
#: CPU of the forked children that ended during each step
CHILDREN: dict[str, float] = {}


def _children() -> float:
    times = os.times()
    return times.children_user + times.children_system


#: module, function: replaced in the module that calls it
_FUNCTIONS = (
    ("smets_spec.corpus.load", "load_spec", ("smets_spec.sphinx.state", "smets_spec.commands.build")),
    ("sphinx_needs.needs", "process_schemas", ()),
    ("sphinx_needs.needs", "ensure_post_process_needs_data", ()),
    ("sphinx_needs.needs", "process_warnings", ()),
    ("sphinx_needs.needs", "build_needs_json", ()),
    ("smets_spec.sphinx.search", "feed_requirement_pages", ()),
    ("smets_spec.sphinx.reqpages", "write_pages", ()),
)
_METHODS = (
    ("sphinx.builders.html", "StandaloneHTMLBuilder", ("load_indexer", "dump_search_index")),
    ("sphinx.builders.html", "StandaloneHTMLBuilder", ("write_documents",)),
    ("sphinx.builders", "Builder", ("read", "write", "build")),
    ("sphinx.application", "Sphinx", ("__init__",)),
    ("sphinx.events", "EventManager", ("emit",)),
)


def _timed(label: Callable[..., str], original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        start, forked = time.process_time(), _children()
        try:
            return original(*args, **kwargs)
        finally:
            name = label(*args)
            TIMES[name] = TIMES.get(name, 0.0) + time.process_time() - start
            CHILDREN[name] = CHILDREN.get(name, 0.0) + _children() - forked

    return run


def install() -> None:
    instrument(_FUNCTIONS, _METHODS, _timed)


def edit(project: Path, tag: str) -> Path:
    """Append ``tag`` to the first generated requirement's title and put it before its text."""
    from smets_spec.corpus.synthetic import edit_requirement  # not before the timed imports

    try:
        return edit_requirement(project, tag, r"Synthetic requirement[^\n]*")
    except LookupError:
        raise SystemExit(
            "build_phases: no generated requirement to edit (see smets_spec.corpus.synthetic)"
        ) from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edit", metavar="TAG", help="edit one requirement's title and text first")
    parser.add_argument("build", nargs="*", help="arguments of `smets build` (after --)")
    args = parser.parse_args()
    start = time.process_time()
    import sphinx.cmd.build  # noqa: F401

    import smets_spec.sphinx.site  # noqa: F401
    from smets_spec import cli  # noqa: F401

    imports = time.process_time() - start
    install()
    if args.edit:
        edit(Path.cwd(), args.edit)
    return timed_build(args.build, imports)


def timed_build(build: list[str], imports: float, extra: Callable[[], list[str]] = list) -> int:
    """``smets build BUILD`` in this process; print its wall and CPU, ``extra()``'s lines and the
    CPU of each step (of :func:`install`'s wrappers), largest first. The build's exit status."""
    from smets_spec import cli

    before, wall = os.times(), time.perf_counter()
    status = cli.main(["build", *build])
    after = os.times()
    main_cpu = after.user - before.user + after.system - before.system
    children = after.children_user - before.children_user + after.children_system - before.children_system
    print(
        f"status {status}; imports {imports:.2f} s CPU; build: wall {time.perf_counter() - wall:.2f} s, "
        f"CPU {main_cpu:.2f} s in this process, {children:.2f} s in forked children",
        file=sys.stderr,
    )
    for line in extra():
        print(f"  {line}", file=sys.stderr)
    for name, seconds in sorted(TIMES.items(), key=lambda item: -item[1]):
        if seconds >= 0.05:
            forked = f" (+{CHILDREN[name]:.2f} forked)" if CHILDREN.get(name, 0.0) >= 0.05 else ""
            print(f"  {name}: {seconds:.2f}{forked}", file=sys.stderr)
    return status


def run_script(args: list[str], script: str = "build_phases.py") -> int:
    """This script (or ``script`` of this folder) run with ``args`` from another bench script (which
    instruments the build first), with this folder as ``sys.path[0]``, as when it is run itself:
    the same conformance suite key."""
    here = Path(__file__).resolve().parent
    sys.argv = [str(here / script), *args]
    sys.path[0] = str(here)
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as done:
        return int(done.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
