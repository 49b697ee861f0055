"""The corpus load of one build with the corpus cache against the full load, in the same run (issue 20).

    .venv/bin/python bench/corpus_load.py [--n 2000] [--project DIR] [--repeat 5]

Every `smets build` loads the corpus anew (``load_spec``: read every spec file with the fast
reader, validate every need, check across needs). With the corpus cache
(``smets_spec.corpus.loadcache``) a file loaded before is taken from its JSON entry (its records
validated again). Measured here in CPU seconds of this process (``time.process_time``; the
best of ``--repeat`` runs, on a machine shared with other work), each against the full load:

* ``full``: no cache (the peer: what every build did before);
* ``warm``: every file in the cache (a build with nothing changed);
* ``edit``: one requirement's title and text edited (the file it is in is read again);
* ``cold``: an empty cache (the first build: the full load plus writing every entry).

The project is generated (``smets_spec.corpus.synthetic``, ``--n`` requirements) in a temporary
folder, or ``--project`` (a copy is edited, never the folder given). Each cached load is checked
equal to the full load of the same files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.loadcache import LoadStats
from smets_spec.corpus.synthetic import generate


def _best(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def _check(full: Corpus, cached: Corpus) -> None:
    same = (
        list(full.needs.items()) == list(cached.needs.items())
        and list(full.locations.items()) == list(cached.locations.items())
        and full.diagnostics == cached.diagnostics
        and full.field_lines == cached.field_lines
        and full.rejected == cached.rejected
    )
    if not same:
        raise SystemExit("corpus_load: the cached load differs from the full load")


def _edit(spec: Path, tag: int) -> None:
    for path in sorted(spec.rglob("*.rst")):
        text = path.read_text(encoding="utf-8")
        at = text.find(".. req:: ")
        if at >= 0:
            end = text.index("\n", at)
            path.write_text(f"{text[:end]} edited {tag}{text[end:]}", encoding="utf-8")
            return
    raise SystemExit("corpus_load: no requirement to edit")


def measure(root: Path, repeat: int) -> None:
    spec, cache = root / "spec", root / ".corpus-cache"

    def full() -> Corpus:
        return load_spec(spec, relative_to=root)

    def cached(stats: LoadStats | None = None) -> Corpus:
        return load_spec(spec, relative_to=root, cache=cache, stats=stats)

    def cold() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        cached()

    figures = {"full": _best(repeat, full), "cold": _best(repeat, cold)}
    stats = LoadStats()
    _check(full(), cached(stats))
    figures["warm"] = _best(repeat, cached)
    tags = iter(range(1_000_000))

    def edit() -> None:
        _edit(spec, next(tags))
        cached()

    edit_stats = LoadStats()
    _edit(spec, -1)
    _check(full(), cached(edit_stats))
    figures["edit"] = _best(repeat, edit)  # includes writing the edited file (small)
    corpus = full()
    print(f"{len(corpus)} needs in {stats.hits} files; one edit read {edit_stats.misses} file(s) again")
    print(f"{'load':<6} {'CPU s':>7} {'vs full':>8}")
    for name in ("full", "cold", "warm", "edit"):
        print(f"{name:<6} {figures[name]:7.3f} {figures[name] / figures['full']:8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="requirements of the generated project")
    parser.add_argument("--project", type=Path, help="a project folder (copied) instead of a generated one")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each load (the best is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="corpus-load-") as tmp:
        root = Path(tmp) / "p"
        if args.project:
            shutil.copytree(args.project / "spec", root / "spec")
        else:
            generate(root, args.n)
        measure(root, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
