"""Change impact benchmark (issue 5): ``smets impact BASE HEAD`` on a 10,000-requirement spec.

It generates a synthetic spec (``smets_spec.corpus.synthetic``), commits it to a fresh git repository,
commits a second revision that changes 20 requirements normatively (a number in each text), and
measures, in this run and on this machine, the wall time of the real command
(``python -m smets_spec.cli impact BASE HEAD``, interpreter start-up included):

* cold: an empty index cache (both sides read from git objects);
* base cached: the base side's index in the cache, the head side not (the normal case of a pull
  request pushed again: the base did not move);
* the same, in this process (the analysis alone, without interpreter start-up and imports);

and the peer measured in the same run: the naive way, which checks both revisions out into
folders (``git worktree add``) and loads each whole spec with ``load_spec``, diffs them with
``diff_corpora`` and walks the head graph (``build_graph`` + ``walk``); no HTML build.

It checks that both ways find the same 20 changed requirements, then prints the figures and the
ratios. Targets: cold ≤ 5 s, base cached ≤ 1 s.

    .venv/bin/python bench/impact_bench.py [--requirements 10000] [--changes 20]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git

from smets_spec.change.diff import diff_corpora
from smets_spec.change.impact import impact_links
from smets_spec.change.specindex import CACHE_ENV, CACHE_FOLDER, IndexCache
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.schema import Requirement
from smets_spec.corpus.synthetic import generate
from smets_spec.trace.graph import build_graph, walk

_NUMBER = re.compile(r"\b(\d+)\b")


def commit_all(repo: git.Repo, message: str) -> str:
    repo.git.add("-A")
    repo.git.commit("-q", "-m", message, "--no-verify")
    return repo.head.commit.hexsha


def change_requirements(root: Path, count: int) -> list[str]:
    """Edit ``count`` generated requirements spread over the files: a number in each text grows by 1."""
    corpus = load_spec(root / "spec", relative_to=root)
    candidates = [r for r in corpus.requirements if ".1" in r.id and _NUMBER.search(r.content)]
    step = max(1, len(candidates) // count)
    chosen = candidates[::step][:count]
    by_file: dict[str, list[Requirement]] = {}
    for req in chosen:
        by_file.setdefault(corpus.location(req.id).file, []).append(req)
    for file, reqs in by_file.items():
        path = root / file
        text = path.read_text(encoding="utf-8")
        for req in reqs:
            new = _NUMBER.sub(lambda m: str(int(m[1]) + 1), req.content, count=1)
            first_line = req.content.splitlines()[0]
            assert text.count(first_line) >= 1, req.id
            text = text.replace(first_line, new.splitlines()[0], 1)
        path.write_text(text, encoding="utf-8")
    return sorted(r.id for r in chosen)


def run_impact(root: Path, base: str, head: str) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "impact", base, head, "--timing"]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout + done.stderr


def head_not_cached(root: Path, repo: git.Repo, head: str) -> bool:
    """smets caches only sides read whole; the head side, derived from the base, is never stored."""
    tree = (repo.commit(head).tree / "spec").hexsha
    path = IndexCache(root / CACHE_FOLDER)._path(tree)
    return path is not None and not path.is_file()


def in_process(root: Path, base: str, head: str) -> float:
    """The same command run in this process (imports done): the analysis without start-up."""
    from smets_spec.cli import main

    start = time.perf_counter()
    with Path(os.devnull).open("w") as sink, contextlib.redirect_stdout(sink):
        main(["--root", str(root), "impact", base, head])
    return time.perf_counter() - start


def startup_time() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "smets_spec.cli", "--help"], capture_output=True, check=True)
    return time.perf_counter() - start


def naive(root: Path, repo: git.Repo, base: str, head: str, scratch: Path) -> tuple[float, list[str]]:
    """The peer: check out both revisions to folders, load both whole specs, diff and walk."""
    start = time.perf_counter()
    sides = []
    for name, rev in (("base", base), ("head", head)):
        folder = scratch / name
        repo.git.worktree("add", "--detach", "-f", str(folder), rev)
        sides.append(load_spec(folder / "spec", relative_to=folder))
    diff = diff_corpora(sides[0], sides[1])
    graph = build_graph(sides[1])
    for change in diff.changes:
        walk(graph, change.id, links=impact_links())
    seconds = time.perf_counter() - start
    for name in ("base", "head"):
        repo.git.worktree("remove", "--force", str(scratch / name))
    return seconds, sorted(c.id for c in diff.changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirements", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smets-impact-") as tmp:
        root = generate(Path(tmp) / "spec-repo", args.requirements)
        os.environ[CACHE_ENV] = str(root / CACHE_FOLDER)  # the index cache this run measures, cold and warm
        repo = git.Repo.init(root)
        repo.config_writer().set_value("user", "name", "bench").release()
        repo.config_writer().set_value("user", "email", "bench@example.invalid").release()
        base = commit_all(repo, "base")
        changed = change_requirements(root, args.changes)
        head = commit_all(repo, f"change {len(changed)} requirements")
        needs = len(load_spec(root / "spec", relative_to=root))
        print(f"spec: {args.requirements} requirements, {needs} needs; change: {len(changed)} requirements")

        colds: list[float] = []
        for _ in range(args.repeat):
            shutil.rmtree(root / CACHE_FOLDER, ignore_errors=True)
            seconds, out = run_impact(root, base, head)
            colds.append(seconds)
        found = sorted(set(re.findall(r": ([A-Z]{2}\.\d+) modified, normative", out)))
        assert found == changed, (found, changed)
        assert head_not_cached(root, repo, head)
        warms: list[float] = []
        for _ in range(args.repeat):
            seconds, out_warm = run_impact(root, base, head)
            warms.append(seconds)
        assert "(cached)" in out_warm, out_warm
        inproc = min(in_process(root, base, head) for _ in range(args.repeat))
        startup = min(startup_time() for _ in range(args.repeat))
        peer, peer_found = naive(root, repo, base, head, Path(tmp) / "checkouts")
        assert peer_found == changed, (peer_found, changed)
        cold, warm = statistics.median(colds), statistics.median(warms)

        print(f"median of {args.repeat} runs (min in brackets); load average {os.getloadavg()[0]:.1f}")
        for label, runs, target in (("cold (no cache)", colds, 5), ("base side cached", warms, 1)):
            middle = statistics.median(runs)
            verdict = "ok" if middle <= target else "OVER"
            name = "smets impact, " + label
            print(f"{name:<48} {middle:6.2f} s ({min(runs):.2f})   target ≤ {target} s   {verdict}")
        print(f"{'  of which in the process (no start-up), min':<48} {inproc:6.2f} s")
        print(f"{'  start-up importing every command (--help), min':<48} {startup:6.2f} s")
        print(f"{'peer: check out both + load_spec + diff + walk':<48} {peer:6.2f} s")
        print(
            f"ratios: peer / cold = {peer / cold:.1f}x, peer / base cached = {peer / warm:.1f}x, "
            f"cold / base cached = {cold / warm:.1f}x"
        )
        print("phases (cold):", [line for line in out.splitlines() if line.startswith("timing:")])
        print("phases (base cached):", [line for line in out_warm.splitlines() if line.startswith("timing:")])


if __name__ == "__main__":
    main()
