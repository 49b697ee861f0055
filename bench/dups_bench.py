"""Benchmark of `smets dups` on a generated corpus: time, memory, planted recall, and a peer.

    .venv/bin/python bench/dups_bench.py [--n 10000] [--seed 0] [--keep /tmp/dups-bench]

Generates a SMETS-like project with N requirements (tooling/smets_spec/synthetic.py), plants
paraphrased duplicates and contradicting copies (smets_spec.duplicates.evaluate.plant), and
measures the lexical scan (tokenising, TF-IDF, candidate pairs from the inverted index,
classification, the time-basis rule; then the terminology checks) in wall and CPU time, with the
peak memory. The peer, measured in the same run, is the naive method: the TF-IDF cosine of every
pair (the same vectors, all pairs) on a sample, and difflib's SequenceMatcher ratio of every pair
on a smaller sample, both extrapolated quadratically to N. A fixed pure-Python loop is timed too,
so figures taken on a loaded machine can be read against an idle one.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from difflib import SequenceMatcher
from pathlib import Path

from smets_spec.corpus.load import load_spec
from smets_spec.corpus.synthetic import generate
from smets_spec.duplicates.classify import Kind, Thresholds
from smets_spec.duplicates.evaluate import plant, score_planted
from smets_spec.duplicates.index import Collection, cosine
from smets_spec.duplicates.items import REQUIREMENTS, Item, from_corpus
from smets_spec.duplicates.scan import names_of, scan, scan_group
from smets_spec.duplicates.text import tokenize


def calibrate() -> float:
    """Seconds for 10 million additions in a Python loop (about 0.4 s on an idle 2020s core)."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


def timed(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def naive_cosine(items: list[Item], sample: int, rng: random.Random) -> float:
    """Seconds for all-pairs TF-IDF cosine on ``sample`` items, extrapolated to ``len(items)``."""
    chosen = rng.sample(items, min(sample, len(items)))
    coll = Collection.build(chosen)
    docs = coll.docs
    start = time.perf_counter()
    hits = 0
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            if cosine(docs[i], docs[j]) >= 0.35:
                hits += 1
    spent = time.perf_counter() - start
    return spent * (len(items) / len(chosen)) ** 2


def naive_difflib(items: list[Item], sample: int, rng: random.Random) -> float:
    """Seconds for all-pairs SequenceMatcher ratio on ``sample`` items, extrapolated to ``len(items)``."""
    chosen = [[t.key for t in tokenize(item.text)] for item in rng.sample(items, min(sample, len(items)))]
    start = time.perf_counter()
    for i in range(len(chosen)):
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(chosen[i])
        for j in range(i + 1, len(chosen)):
            matcher.set_seq1(chosen[j])
            matcher.ratio()
    spent = time.perf_counter() - start
    return spent * (len(items) / len(chosen)) ** 2


#: The implementation before issue 16 (reader text, learned contrasts, cross-type and title
#: findings, library sentence boundaries): measured side by side, from its commit.
BASELINE = "ca85b5f"
_BASELINE_RUN = """
import gc, sys, time
from pathlib import Path
from smets_spec.corpus.load import load_spec
from smets_spec.duplicates.classify import Thresholds
from smets_spec.duplicates.evaluate import plant
from smets_spec.duplicates.items import REQUIREMENTS, from_corpus
from smets_spec.duplicates.scan import names_of, scan, scan_group
from smets_spec.duplicates.text import tokenize
dest, duplicates, conflicts, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
source = from_corpus(load_spec(dest / "spec", relative_to=dest))
requirements = source.groups[REQUIREMENTS]
generated = [item for item in requirements if int(item.id.replace("_", ".").split(".")[1]) >= 100]
source.groups[REQUIREMENTS] = requirements + plant(generated, duplicates, conflicts, seed=seed).items
names = names_of(source)
best = []
for _ in range(3):
    tokenize.cache_clear(); gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    scan_group(source.groups[REQUIREMENTS], names, Thresholds())
    best.append((time.perf_counter() - wall, time.process_time() - cpu))
tokenize.cache_clear(); gc.collect()
wall, cpu = time.perf_counter(), time.process_time()
scan(source)
req = min(best, key=lambda r: r[1])
print(req[0], req[1], time.perf_counter() - wall, time.process_time() - cpu)
"""


def harness(dest: Path, args: argparse.Namespace, tooling: Path) -> tuple[float, ...] | None:
    """(requirements scan wall, CPU, whole scan wall, CPU) seconds of the code in ``tooling`` on the
    corpus at ``dest``, in a fresh process (the same harness for every version compared)."""
    env = {**os.environ, "PYTHONPATH": str(tooling)}
    argv = [str(dest), str(args.duplicates), str(args.conflicts), str(args.seed)]
    run = subprocess.run(
        [sys.executable, "-c", _BASELINE_RUN, *argv], capture_output=True, text=True, env=env, check=False
    )
    if run.returncode:
        sys.stderr.write(run.stderr[-2000:])
        return None
    return tuple(float(x) for x in run.stdout.split())


def baseline(dest: Path, args: argparse.Namespace, commit: str = BASELINE) -> tuple[float, ...] | None:
    """The :func:`harness` figures of the code at ``commit`` on the same corpus, or None when that
    commit cannot be checked out (not a git clone)."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", commit, "tooling/smets_spec"],
            capture_output=True,
            check=False,
        )
        if archive.returncode:
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        return harness(dest, args, Path(tmp) / "tooling")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000, help="requirements in the generated corpus")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--duplicates", type=int, default=200, help="planted paraphrases")
    parser.add_argument("--conflicts", type=int, default=100, help="planted contradicting copies")
    parser.add_argument("--keep", help="generate into (or reuse) this folder instead of a temporary one")
    parser.add_argument(
        "--also",
        metavar="COMMIT",
        help="also time the code of this commit on the same corpus (e.g. main before a change); information",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"machine: 10M-addition loop takes {calibrate():.2f} s (about 0.4 s on an idle core)")

    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(args.keep) if args.keep else Path(tmp) / "project"
        if not (dest / "spec").is_dir():
            _, gen_wall, _ = timed(generate, dest, args.n, args.seed)
            print(f"generated {args.n} requirements in {gen_wall:.1f} s ({dest})")
        corpus, load_wall, _ = timed(load_spec, dest / "spec", relative_to=dest)
        source = from_corpus(corpus)
        requirements = source.groups[REQUIREMENTS]
        generated = [item for item in requirements if int(item.id.replace("_", ".").split(".")[1]) >= 100]
        planted = plant(generated, args.duplicates, args.conflicts, seed=args.seed)
        source.groups[REQUIREMENTS] = requirements + planted.items
        print(
            f"loaded the spec in {load_wall:.2f} s; planted {len(planted.items)} copies "
            f"({sum(k is Kind.DUPLICATE for k in planted.truth.values())} paraphrases, "
            f"{sum(k is Kind.CONFLICT for k in planted.truth.values())} contradictions)"
        )

        names = names_of(source)
        runs = []
        for _ in range(3):  # the best of three runs, as for the baseline
            tokenize.cache_clear()
            runs.append(timed(scan_group, source.groups[REQUIREMENTS], names, Thresholds()))
        (found, candidates), req_wall, req_cpu = min(runs, key=lambda r: r[2])
        n_req = len(source.groups[REQUIREMENTS])
        print(
            f"\nours, requirements only: {n_req} texts, {candidates} candidate pairs verified, "
            f"{len(found)} findings: {req_wall:.2f} s wall, {req_cpu:.2f} s CPU"
        )
        tokenize.cache_clear()
        result, all_wall, all_cpu = timed(scan, source)
        groups = ", ".join(f"{n} {g}" for g, n in result.compared.items())
        print(f"ours, whole scan with terminology ({groups}): {all_wall:.2f} s wall, {all_cpu:.2f} s CPU")
        tokenize.cache_clear()
        tracemalloc.start()
        scan(source)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"memory of the whole scan (a run under tracemalloc): peak {peak / 2**20:.0f} MiB traced; "
            f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )

        req_findings = [f for f in result.findings if f.a.group == REQUIREMENTS]
        counts = {k.value: sum(f.kind is k for f in req_findings) for k in Kind}
        dup, _ = score_planted(req_findings, planted, Kind.DUPLICATE, source.groups[REQUIREMENTS])
        dup_planted, _ = score_planted(
            req_findings, planted, Kind.DUPLICATE, source.groups[REQUIREMENTS], True
        )
        con, _ = score_planted(req_findings, planted, Kind.CONFLICT, source.groups[REQUIREMENTS], True)
        print(f"findings among requirements: {counts}")
        print(
            f"planted duplicates: recall {dup.recall:.3f} ({dup.found}/{dup.expected}), precision "
            f"{dup.precision:.3f} over all {dup.predicted} duplicate findings "
            f"({dup_planted.precision:.3f} over those involving a planted copy)"
        )
        print(
            f"planted conflicts: recall {con.recall:.3f} ({con.found}/{con.expected}), precision "
            f"{con.precision:.3f} over the conflict findings involving a planted copy"
        )

        cos_peer = naive_cosine(source.groups[REQUIREMENTS], 1500, rng)
        diff_peer = naive_difflib(source.groups[REQUIREMENTS], 300, rng)
        print(
            f"\npeer, all-pairs TF-IDF cosine (1,500-item sample, extrapolated to {n_req}): {cos_peer:.1f} s "
            f"-> ours (requirements only) is {cos_peer / req_wall:.0f}x faster"
        )
        print(
            f"peer, all-pairs difflib ratio (300-item sample, extrapolated to {n_req}): {diff_peer:.0f} s "
            f"-> ours is {diff_peer / req_wall:.0f}x faster"
        )
        old = baseline(dest, args)
        if old is None:
            print(f"\nbaseline ({BASELINE}): could not be run (needs a git clone with that commit)")
            ratio = 1.0
        else:
            ratio = req_cpu / old[1]
            print(
                f"\nbaseline, the code of {BASELINE} on the same corpus: requirements {old[0]:.2f} s wall "
                f"{old[1]:.2f} s CPU, whole scan {old[2]:.2f} s wall {old[3]:.2f} s CPU\n"
                f"-> ours takes {ratio:.2f}x the CPU ({req_wall / old[0]:.2f}x the wall) for the "
                f"requirements and {all_cpu / old[3]:.2f}x the CPU for the whole scan with terminology "
                "(ours adds the cross-type, title and spelling checks)"
            )
        also = baseline(dest, args, args.also) if args.also else None
        if args.also:
            # ours in the same fresh-process harness: this process holds the corpus, the peers'
            # vectors and more, which makes its own timing a little slower than a fresh process's
            same = harness(dest, args, Path(__file__).resolve().parent.parent / "tooling")
            print(
                f"\n{args.also}: could not be run"
                if also is None or same is None
                else f"\n{args.also} on the same corpus, both in a fresh process: requirements "
                f"{also[1]:.2f} s CPU, ours {same[1]:.2f} s CPU -> ours takes {same[1] / also[1]:.2f}x its "
                f"CPU ({same[0] / also[0]:.2f}x the wall)"
            )
        # CPU time: on a shared machine the wall time mostly measures the other processes
        target = "met" if req_cpu <= 3.0 and peak < 2**30 and ratio <= 1.5 else "NOT met"
        print(
            f"\ntarget (10,000 requirements in <= 3 s and <= 1.5x {BASELINE}, CPU time; < 1 GiB): {target} "
            "for the requirements scan "
            f"({req_wall:.2f} s wall, {req_cpu:.2f} s CPU, {peak / 2**20:.0f} MiB traced for the whole scan)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
