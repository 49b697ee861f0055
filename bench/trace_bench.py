"""Traceability benchmark (issue 3): the link graph, every matrix and coverage figure, and ``smets trace``
queries, on a generated 10,000-requirement spec (``smets_spec.corpus.synthetic``).

Measured in this run, on this machine:

* ours: ``build_graph`` and every analysis the site and ``smets check`` show (degree matrix for
  the whole spec and per section, requirement → data → protocol chains, protocol coverage,
  model/test coverage, coverage by section and by device, the gaps of the default policy),
  computed from scratch on the loaded corpus (its caches cleared first);
* ours: ``smets trace`` answers after loading: both walks (up and down, every depth) and the
  printed tree, for requirements, a data item and a device (the largest fan-out);
* peer A, the naive way of a script reading sphinx-needs' needs.json: plain dicts with the link
  lists and the ``<link>_back`` lists sphinx-needs writes, the same figures and walks computed
  with loops over them (the needs.json is made from the corpus in sphinx-needs' shape, since a
  sphinx-needs build of 10,000 requirements alone takes about a minute: see bench/build_bench.py);
* peer B, networkx's own breadth-first traversal (``nx.single_source_shortest_path_length`` on
  the undirected view, every link type) for the trace queries.

Both ways must agree on the figures (checked). Targets: graph + every figure ≤ 2 s; a trace
answer < 0.5 s after loading.

    .venv/bin/python bench/trace_bench.py [--requirements 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import networkx as nx

from smets_spec import gaps, trace
from smets_spec.commands.trace import _tree
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import DataItem, Device, Protocol, ProtocolObject, Requirement, Section
from smets_spec.corpus.synthetic import generate
from smets_spec.trace.graph import DOWNSTREAM, Flow, build_graph, forget, graph_of, walk


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def ours_everything(corpus: Corpus) -> dict[str, Any]:
    """The graph and every figure, from scratch."""
    forget(corpus)
    graph_of(corpus)
    matrix = trace.degree_matrix(corpus)
    per_section = [trace.degree_matrix(corpus, s) for s in Section]
    chains = trace.chains(corpus)
    cov = trace.protocol_coverage(corpus)
    ver = trace.verification(corpus)
    by_section = trace.coverage_by_section(corpus)
    by_device = trace.coverage_by_device(corpus)
    found = gaps.find_gaps(corpus, gaps.default_policy())
    return {
        "matrix_cells": sum(len(d) for _, d in matrix.rows),
        "section_rows": sum(len(m.rows) for m in per_section),
        "carried": sum(1 for c in chains if c.carried),
        "protocols": (cov.dlms, cov.zigbee, len(cov.both), len(cov.none)),
        "untested": len(ver.without_test),
        "unmodelled": len(ver.without_model),
        "by_section": [(g.key, g.total, g.tested, g.carried) for g in by_section],
        "by_device": [(g.key, g.total, g.tested, g.carried) for g in by_device],
        "gaps": len(found),
    }


def needs_json(corpus: Corpus) -> dict[str, dict[str, Any]]:
    """The corpus in sphinx-needs' needs.json shape: fields, link lists and ``<link>_back`` lists."""
    needs: dict[str, dict[str, Any]] = {}
    for need in corpus:
        data = need.model_dump(mode="json")
        data["type"] = need.directive
        needs[need.id] = data
    for need in corpus:
        for link, targets in need.outgoing().items():
            for target in targets:
                if target in needs:
                    needs[target].setdefault(f"{link}_back", []).append(need.id)
    return needs


def peer_everything(needs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The same figures, the way a script over needs.json computes them."""
    reqs = [n for n in needs.values() if n["type"] == "req"]
    devices = [n["id"] for n in needs.values() if n["type"] == "device"]
    cells = 0
    for req in reqs:
        for device in devices:
            _ = "M" if device in req["mandatory_for"] else "O" if device in req["optional_for"] else ""
            cells += 1
    section_rows = sum(1 for s in Section for r in reqs if r["section"] == s.value)
    carriers = {Protocol.DLMS_COSEM.value, Protocol.ZIGBEE_SE.value}

    def protocols(item_id: str) -> set[str]:
        return {needs[o]["protocol"] for o in needs[item_id]["maps_to"] if o in needs}

    def carried(req: dict[str, Any]) -> bool:
        return bool(req["uses"]) and all(protocols(i) & carriers for i in req["uses"] if i in needs)

    items = [n for n in needs.values() if n["type"] == "dataitem"]
    kinds = [protocols(i["id"]) for i in items]
    dlms = sum(1 for k in kinds if "dlms-cosem" in k)
    zigbee = sum(1 for k in kinds if "zigbee-se" in k)
    both = sum(1 for k in kinds if {"dlms-cosem", "zigbee-se"} <= k)
    none = sum(1 for k in kinds if not k & carriers)
    live = [r for r in reqs if r["status"] != "withdrawn"]
    untested = sum(1 for r in live if not r.get("verifies_back"))
    unmodelled = sum(1 for r in live if not r.get("implements_back"))

    def group(key: str, members: list[dict[str, Any]]) -> tuple[str, int, int, int]:
        members = [r for r in members if r["status"] != "withdrawn"]
        return (
            key,
            len(members),
            sum(1 for r in members if r.get("verifies_back")),
            sum(1 for r in members if carried(r)),
        )

    by_section = [group(s.value, [r for r in reqs if r["section"] == s.value]) for s in Section]
    by_device = [
        group(d, [r for r in reqs if d in r["mandatory_for"] or d in r["optional_for"]]) for d in devices
    ]
    return {
        "matrix_cells": cells,
        "section_rows": section_rows,
        "carried": sum(1 for r in reqs if carried(r)),
        "protocols": (dlms, zigbee, both, none),
        "untested": untested,
        "unmodelled": unmodelled,
        "by_section": [g for g in by_section if g[1]],
        "by_device": by_device,
    }


def peer_walk(needs: dict[str, dict[str, Any]], start: str, downstream: bool) -> dict[str, int]:
    """Breadth-first over the needs.json link and back-link lists, honouring each link's direction."""
    seen, frontier, level = {start: 0}, [start], 0
    while frontier:
        level += 1
        nxt = []
        for node in frontier:
            need = needs[node]
            for key, value in need.items():
                if not isinstance(value, list) or not value or not isinstance(value[0], str):
                    continue
                back = key.endswith("_back")
                link = key.removesuffix("_back")
                if link not in DOWNSTREAM:
                    continue
                forward = DOWNSTREAM[link] is Flow.FORWARD
                if (forward != back) != downstream:
                    continue
                for other in value:
                    if other in needs and other not in seen:
                        seen[other] = level
                        nxt.append(other)
        frontier = nxt
    del seen[start]
    return seen


def trace_answer(corpus: Corpus, need_id: str) -> str:
    graph = graph_of(corpus)
    out = io.StringIO()
    with redirect_stdout(out):
        for downstream in (False, True):
            print("\n".join(_tree(corpus, need_id, walk(graph, need_id, downstream=downstream))))
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirements", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smets-trace-bench-") as tmp:
        start = time.perf_counter()
        root = generate(Path(tmp) / "spec", args.requirements)
        generated = time.perf_counter() - start
        load_time, corpus = timed(lambda: load_spec(root / "spec", relative_to=root), 1)
    counts = {t.__name__: len(corpus.of_type(t)) for t in (Requirement, Device, DataItem, ProtocolObject)}
    print(
        f"corpus: {len(corpus)} needs {counts}; generated in {generated:.1f} s, loaded in {load_time:.1f} s"
    )

    forget(corpus)
    first_time, _ = timed(lambda: trace_answer(corpus, corpus.requirements[0].id), 1)
    print(f"first smets trace answer after loading (graph and its index built on the way): {first_time:.3f}s")
    graph_time, _ = timed(lambda: build_graph(corpus), args.repeat)
    ours_time, ours = timed(lambda: ours_everything(corpus), args.repeat)
    needs = needs_json(corpus)
    peer_time, peer = timed(lambda: peer_everything(needs), args.repeat)
    for key, value in peer.items():
        assert ours[key] == value, (key, ours[key], value)
    graph = graph_of(corpus)
    print(
        f"graph: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} links; build_graph alone "
        f"{graph_time:.3f} s"
    )
    print(
        f"graph + every matrix and coverage figure + gaps: ours {ours_time:.3f} s (target <= 2 s), "
        f"needs.json dicts {peer_time:.3f} s, ratio {ours_time / peer_time:.2f}"
    )

    reqs = corpus.requirements
    queries = [reqs[0].id, reqs[len(reqs) // 2].id, reqs[-1].id, corpus.of_type(DataItem)[0].id, "DEV_ESME"]
    undirected = graph.to_undirected(as_view=True)
    rows = []
    for need_id in queries:
        t_ours, answer = timed(lambda n=need_id: trace_answer(corpus, n), args.repeat)
        t_peer, _ = timed(
            lambda n=need_id: (peer_walk(needs, n, False), peer_walk(needs, n, True)), args.repeat
        )
        t_nx, _ = timed(lambda n=need_id: nx.single_source_shortest_path_length(undirected, n), args.repeat)
        ours_down = {r.id for r in walk(graph, need_id, downstream=True)}
        assert ours_down == set(peer_walk(needs, need_id, True)), need_id
        rows.append((need_id, answer.count("\n"), t_ours, t_peer, t_nx))
    print("smets trace ID (both directions, every depth, printed tree), after loading:")
    print(f"  {'id':<18}{'lines':>7}{'ours s':>10}{'needs.json s':>14}{'networkx s':>12}{'ours/json':>11}")
    for need_id, lines, t_ours, t_peer, t_nx in rows:
        print(f"  {need_id:<18}{lines:>7}{t_ours:>10.4f}{t_peer:>14.4f}{t_nx:>12.4f}{t_ours / t_peer:>11.2f}")
    worst = max(r[2] for r in rows)
    print(
        f"  slowest answer {worst:.3f} s (target < 0.5 s); median "
        f"{statistics.median(r[2] for r in rows):.4f} s"
    )
    ok = ours_time <= 2 and worst < 0.5 and first_time < 2
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
