"""needs.json in one build written both ways, timed: sphinx-needs' own steps against the splicing writer.

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/needs_json_ab.py [--order AB|BA] \\
        [--reference DIR] [--edit TAG] [-- BUILD ARGS]

Runs ``bench/build_phases.py`` (``--edit TAG`` edits one requirement first; see there). At
build-finished both writers run on the same environment, in the given order: A, the path before
:mod:`smets_spec.sphinx.needs_splice` (sphinx-needs' ``NeedsBuilder.finish`` with the C-encoder
``write_json``), into ``--reference`` (default: a temporary folder); B, the splicing writer, into
the site. Prints the CPU seconds of each (``time.process_time``: A and B run back to back in one
process, so the machine's load weighs on both alike), what B did, and whether the two files are
the same bytes. B keeps values only from a needs.json it wrote itself with its index: the first
build after another writer wrote the site's needs.json serialises every need.
"""

from __future__ import annotations

import argparse
import runpy
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--order", choices=("AB", "BA"), default="AB", help="which writer runs first")
    parser.add_argument("--reference", type=Path, help="folder for A's needs.json")
    args, rest = parser.parse_known_args()
    reference = args.reference or Path(tempfile.mkdtemp(prefix="needs-json-ab-"))
    reference.mkdir(parents=True, exist_ok=True)

    from sphinx_needs.builder import NeedsBuilder

    from smets_spec.sphinx import needs_json, needs_splice

    needs_json.install()
    splicing, own = NeedsBuilder.finish, needs_splice.ORIGINAL_FINISH[0]
    seconds: dict[str, float] = {}
    sites: dict[str, Path] = {}

    def a(builder: Any) -> None:
        site, builder.outdir = builder.outdir, reference
        try:
            own(builder)
        finally:
            builder.outdir = site

    def both(builder: Any) -> None:
        sites["B"], sites["A"] = Path(builder.outdir), reference
        for step in args.order:
            start = time.process_time()
            (a if step == "A" else splicing)(builder)
            seconds[step] = time.process_time() - start

    NeedsBuilder.finish = both  # type: ignore[method-assign]
    sys.argv = [str(BENCH / "build_phases.py"), *rest]
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as stop:
        status = stop.code
    else:
        status = 0
    if seconds:
        same = (sites["A"] / "needs.json").read_bytes() == (sites["B"] / "needs.json").read_bytes()
        print(
            f"needs.json: A (sphinx-needs) {seconds['A']:.3f} s CPU, B (splicing) {seconds['B']:.3f} s CPU, "
            f"ratio B/A {seconds['B'] / seconds['A']:.2f}; B: {needs_splice.LAST[-1]}; "
            f"{'the same bytes' if same else 'DIFFERENT FILES'}",
            file=sys.stderr,
        )
    sys.exit(status)


if __name__ == "__main__":
    main()
