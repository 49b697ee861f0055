"""CPU of the site's duplicate analysis after one edit: kept state (incremental) against a full scan.

    SMETS_CACHE_DIR=/tmp/me/cache python bench/dups_edit.py SPEC [--rounds 3]

Each measurement is a fresh process (as a build is): it loads the corpus (not timed), edits one
requirement in memory (its title, and a new word before its text: the benchmark's edit; a new
tag each round), then times in CPU seconds (``time.process_time``, so a shared machine's load
matters less) either ``scan()`` (the full scan, the peer) or ``duplicates.page.analysis`` (state
read from the user cache, ``scan_kept``, state written back, reviewed findings applied). The kept
state is first made for the unedited corpus; rounds alternate full / kept and the ratio of the
medians is printed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path


def _one(spec: Path, mode: str, tag: str) -> float:
    from smets_spec.corpus.load import load
    from smets_spec.duplicates import page
    from smets_spec.duplicates.items import Source, from_corpus
    from smets_spec.duplicates.scan import scan

    corpus = load(spec)

    def edited(c: object, **kwargs: object) -> Source:
        source = from_corpus(c, **kwargs)  # type: ignore[arg-type]
        if tag:
            items = source.groups["requirements"]
            k = len(items) // 3
            items[k] = replace(
                items[k], title=f"Edited requirement {tag}", text=f"EDITED{tag} {items[k].text}"
            )
        return source

    start = time.process_time()
    if mode == "full":
        scan(edited(corpus))
    else:
        page.from_corpus = edited  # type: ignore[assignment]
        page.analysis(corpus)
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("MODE", "TAG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(_one(args.spec, *args.one))
        return 0

    def run(mode: str, tag: str) -> float:
        out = subprocess.run(
            [sys.executable, __file__, str(args.spec), "--one", mode, tag],
            check=True,
            capture_output=True,
            text=True,
        )
        return float(out.stdout.split()[-1])

    run("kept", "")  # the state of the unedited corpus
    times: dict[str, list[float]] = {"full": [], "kept": []}
    for n in range(args.rounds):
        for mode in ("full", "kept"):
            times[mode].append(run(mode, f"B{n}{mode[0]}"))
            print(f"round {n}: {mode} {times[mode][-1]:.2f} s CPU", file=sys.stderr)
    full, kept = statistics.median(times["full"]), statistics.median(times["kept"])
    print(
        f"duplicate analysis after one edit: full scan {full:.2f} s, "
        f"kept state {kept:.2f} s CPU: {kept / full:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
