"""Loading the per-revision index cache: checked JSON (what smets reads) against a pickle (the peer).

The cache used to be a pickle, which runs code when loaded; it is now JSON whose every value is
type-checked (docs/security.md). This measures what that costs on a generated spec: the time to
read one cached index back, as JSON and as a pickle of the same index, and the ratio.
Target: JSON ≤ 0.25 s for 10,000 requirements (a small part of the 1 s of `smets impact` with the
base side cached); the ratio to the pickle is printed for the record (about 4x: the price of data
that cannot run code).

    .venv/bin/python bench/cache_bench.py [--requirements 10000]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import tempfile
import time
from pathlib import Path

import git
from impact_bench import commit_all, generate

from smets_spec.change.history import Repository
from smets_spec.change.specindex import build_index, index_from_json, index_to_json
from smets_spec.corpus.project import Project


def best(run: object, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requirements", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smets-cache-") as tmp:
        root = generate(Path(tmp) / "spec-repo", args.requirements)
        repo = git.Repo.init(root)
        repo.config_writer().set_value("user", "name", "bench").release()
        repo.config_writer().set_value("user", "email", "bench@example.invalid").release()
        commit_all(repo, "base")
        index = build_index(Repository(Project(root)).source("HEAD"))
    as_json = json.dumps({"index": index_to_json(index)}, ensure_ascii=False, separators=(",", ":")).encode()
    as_pickle = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    gc.disable()  # as IndexCache.get reads (specindex.no_gc)
    json_s = best(lambda: index_from_json(json.loads(as_json)["index"]))
    pickle_s = best(lambda: pickle.loads(as_pickle))
    gc.enable()
    ratio = json_s / pickle_s
    verdict = "ok" if json_s <= 0.25 else "OVER"
    print(f"index of {len(index.nodes)} needs; load average {os.getloadavg()[0]:.1f}")
    print(f"checked JSON: {len(as_json) / 1e6:.2f} MB, load {json_s * 1000:.0f} ms (min of 7)")
    print(f"peer pickle:  {len(as_pickle) / 1e6:.2f} MB, load {pickle_s * 1000:.0f} ms (min of 7)")
    print(f"target: JSON load ≤ 0.25 s   {verdict}")
    print(f"ratio JSON / pickle = {ratio:.1f}x")


if __name__ == "__main__":
    main()
