"""Which computed pages an edit changed: the dependency index against rendering every page (issue 20).

Generates a spec of ``--size`` requirements (or uses ``--project``), builds it once with
``smets build``, then for each kind of edit (a requirement's title and text; a link added)
writes the edit, opens the built project in this process as the next incremental build would
(Sphinx environment, the edited corpus), computes the analyses every computed page shares
(duplicate scan, graph, ...: both ways need them, and the requirement pages need them anyway)
and times, each in a process of its own (so neither reuses what the other computed):

* the index: need keys compared, and only the directives the change can touch rendered and
  compared (``fingerprints.indexed_changed_pages``), keys computed included;
* the oracle: every computed directive rendered again and its digest compared
  (``fingerprints.changed_pages``, serial).

Both must find the same pages (checked). CPU time of this process; the edit is undone after.

    .venv/bin/python bench/page_index_bench.py --size 2000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sphinx.application import Sphinx

from smets_spec.corpus.needkeys import keys_of
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import fingerprints, state
from smets_spec.sphinx.jobs import warm


def _build(root: Path, cache: Path) -> None:
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache))
    argv = [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build"]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(
            f"page_index_bench: the build failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )


def _first_block(text: str) -> re.Match[str]:
    found = re.search(r"^\.\. req:: (.*)\n((?:   :.*\n)+)\n   (\S)", text, re.M)
    if found is None:
        raise SystemExit("page_index_bench: no generated requirement found")
    return found


def _edit(text: str, kind: str) -> str:
    found = _first_block(text)
    if kind == "title and text":
        start = found.start(3)
        text = text[:start] + "Edited for the benchmark. " + text[start:]
        return text[: found.start(1)] + found[1] + " (edited)" + text[found.end(1) :]
    uses = re.search(r"^   :uses: (.*)$", found[2], re.M)
    if uses is None:
        raise SystemExit("page_index_bench: the first generated requirement uses no data item")
    at = found.start(2) + uses.end()
    return text[:at] + ", DAT_SYN_00001" + text[at:]


def _measure(root: Path, way: str) -> None:
    """In a process of its own: the step one ``way`` (index or oracle); prints CPU s, rendered, pages."""
    out = root / "_build" / "html"
    doctrees = str(out / ".doctrees")
    app = Sphinx(str(root / "spec"), str(root), str(out), doctrees, "html", status=None, warning=None)
    corpus = state.corpus_of(app)
    warm(app)  # the shared analyses: not part of either way's cost
    every = sum(len(e) for e in fingerprints._store(app.env).values())
    t = time.process_time()
    if way == "index":
        change = fingerprints.need_change(app.env, keys_of(corpus))
        if change is None:
            raise SystemExit(
                "page_index_bench: the build kept no need keys (another version of the package?)"
            )
        found = fingerprints.indexed_changed_pages(app, app.env, change, set())
        cpu = time.process_time() - t
        every = sum(len(e) for _, e in fingerprints.selected_entries(app, app.env, change, set()))
    else:
        found = fingerprints.changed_pages(app, app.env, set())
        cpu = time.process_time() - t
    print(json.dumps([cpu, every, found]))


def _way(root: Path, way: str) -> tuple[float, int, list[str]]:
    argv = [sys.executable, __file__, "--project", str(root), "--way", way]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"page_index_bench: {way} failed:\n{result.stderr[-3000:]}")
    cpu, rendered, pages = json.loads(result.stdout.strip().splitlines()[-1])
    return float(cpu), int(rendered), list(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--project", type=Path, help="a generated project to use (built if it has no site)")
    parser.add_argument("--way", choices=("index", "oracle"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.way:
        _measure(args.project, args.way)
        return
    work = Path(tempfile.mkdtemp(prefix="smets-page-index-"))
    root = args.project or generate(work / "project", args.size)
    if not (root / "_build" / "html" / ".doctrees").is_dir():
        _build(root, work / "cache")
    source = sorted((root / "spec" / "sections").glob("*-syn-*.rst"))[0]
    before = source.read_text(encoding="utf-8")
    print(f"{args.size} requirements: CPU s of 'which computed pages changed' (shared analyses first)")
    for kind in ("title and text", "link added"):
        source.write_text(_edit(before, kind), encoding="utf-8")
        try:
            cpu, rendered, found = _way(root, "index")
            oracle_cpu, every, oracle = _way(root, "oracle")
        finally:
            source.write_text(before, encoding="utf-8")
        same = "same pages" if found == oracle else f"DIFFERENT: oracle {oracle}, index {found}"
        print(
            f"  {kind:15s} render all {oracle_cpu:6.3f} s ({every} directives)   index {cpu:6.3f} s "
            f"({rendered} rendered)   ratio {cpu / oracle_cpu:4.2f}   {len(found)} pages changed, {same}"
        )


if __name__ == "__main__":
    main()
