"""CPU of each computed page's render at a project's size, as an edit's comparison meets it (issue 20).

    cd PROJECT && SMETS_CACHE_DIR=C python bench/page_renders.py [--runs 5] [--min 0.005] [--save OUT]

Needs a built project (its environment lists the computed directives of every page). Starts the
Sphinx application on the project without building, then, ``--runs`` times, forgets every per-corpus
analysis and the link caches (as a new build's corpus does), freezes what is alive and sets the
collector's thresholds as an edit's build does, and renders every computed directive of
every page in the environment's order with ``time.process_time``; prints each page's median (pages
of ``--min`` seconds or more), the directives' total and the median of the total. ``--save OUT``:
writes every rendered text (JSON, by directive, page and arguments) to compare two versions' output.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path


def _app(project: Path) -> object:
    from sphinx.application import Sphinx

    out = project / "_build" / "html"
    folders = [str(project / "spec"), str(project), str(out), str(out / ".doctrees")]
    return Sphinx(*folders, "html", status=None, warning=None)


def _fresh() -> None:
    """Forget what a new build would not have: per-corpus analyses, links drawn, URIs worked out."""
    from smets_spec.markup import html
    from smets_spec.trace import graph

    graph._MEMO.clear()
    html._anchor.cache_clear()
    gc.collect()
    gc.freeze()  # as an edit's build freezes what it loaded (sphinx/jobs.py), with its thresholds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--min", type=float, default=0.005)
    parser.add_argument("--save")
    parser.add_argument("--only", default="", help="directive names, comma-separated")
    args = parser.parse_args()
    app = _app(Path.cwd())
    from smets_spec.sphinx import jobs

    gc.set_threshold(*jobs.EDIT_THRESHOLDS)
    from smets_spec.sphinx import fingerprints

    store = fingerprints._store(app.env)  # type: ignore[attr-defined]
    only = set(filter(None, args.only.split(",")))
    todo = [
        (docname, name, entry_args)
        for docname in sorted(store)
        for name, entry_args, *_ in store[docname]
        if name in fingerprints.RENDERERS and (not only or name in only)
    ]
    times: dict[str, list[float]] = {}
    totals = []
    texts: dict[str, str] = {}
    for _ in range(args.runs):
        _fresh()
        run_start = time.process_time()
        for docname, name, entry_args in todo:
            start = time.process_time()
            text = fingerprints.RENDERERS[name](app, docname, entry_args)  # type: ignore[arg-type]
            spent = time.process_time() - start
            times.setdefault(f"{docname} {name} {' '.join(entry_args)}", []).append(spent)
            texts[f"{name}\0{docname}\0{chr(1).join(entry_args)}"] = text
        totals.append(time.process_time() - run_start)
    medians = sorted(((statistics.median(v), k) for k, v in times.items()), reverse=True)
    for spent, key in medians:
        if spent >= args.min:
            print(f"{spent:8.3f}  {key}")
    print(f"{sum(m for m, _ in medians):8.3f}  sum of medians ({len(todo)} directives)")
    each = " ".join(f"{t:.3f}" for t in totals)
    print(f"{statistics.median(totals):8.3f}  median total of {args.runs} runs: {each}")
    if args.save:
        Path(args.save).write_text(json.dumps(texts, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
