"""The link graph of a corpus (networkx), built once and shared by every analysis.

Nodes are need ids (with a ``type`` attribute: the directive name). Every link
``A --field--> B`` written on need A is an edge A→B with ``link=field``.

"Downstream" of a need means everything that depends on it: what it binds
(devices), what it uses (data items, protocol objects), and what points at it
(tests that verify it, models that implement it, requirements that refine it).
"Upstream" is the reverse. :data:`DOWNSTREAM` says, per link type, in which
direction the dependency flows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import networkx as nx

from .corpus import Corpus


class Flow(Enum):
    """Whether the dependent side of a link is its target or its source."""

    FORWARD = "forward"  # A --link--> B: B is downstream of A (A binds/uses B)
    BACKWARD = "backward"  # A --link--> B: A is downstream of B (A verifies/implements/refines B)


#: Direction of dependency per link type. Unknown link types flow forward.
DOWNSTREAM: dict[str, Flow] = {
    "mandatory_for": Flow.FORWARD,
    "optional_for": Flow.FORWARD,
    "not_applicable_for": Flow.FORWARD,
    "uses": Flow.FORWARD,
    "maps_to": Flow.FORWARD,
    "held_by": Flow.FORWARD,
    "carried_by": Flow.FORWARD,
    "conflicts_with": Flow.FORWARD,
    "refines": Flow.BACKWARD,
    "depends_on": Flow.BACKWARD,
    "verifies": Flow.BACKWARD,
    "implements": Flow.BACKWARD,
    "exercises": Flow.BACKWARD,
    "comments_on": Flow.BACKWARD,
    "about": Flow.BACKWARD,
    "answers": Flow.BACKWARD,
    "part_of": Flow.BACKWARD,
    "responds_to": Flow.BACKWARD,
}


@dataclass(frozen=True)
class Step:
    """One hop of a path: from ``source`` to ``target`` over ``link``, walked ``forward`` or not."""

    source: str
    link: str
    target: str
    forward: bool


@dataclass(frozen=True)
class Reached:
    """A need reached by a walk, with its distance and the path that reaches it."""

    id: str
    depth: int
    path: tuple[Step, ...]


def build_graph(corpus: Corpus) -> nx.MultiDiGraph:
    """One node per need, one edge per link (multi: two link types may join the same pair)."""
    graph = nx.MultiDiGraph()
    for need in corpus:
        graph.add_node(need.id, type=need.directive)
    for need in corpus:
        for name, targets in need.outgoing().items():
            for target in targets:
                if target in corpus.needs:
                    graph.add_edge(need.id, target, key=name, link=name)
    return graph


def _neighbours(graph: nx.MultiDiGraph, node: str, downstream: bool) -> Iterable[Step]:
    """Steps one hop downstream (or upstream) of ``node``."""
    for _, target, link in graph.out_edges(node, keys=True):
        flow = DOWNSTREAM.get(link, Flow.FORWARD)
        if (flow is Flow.FORWARD) == downstream:
            yield Step(node, link, target, True)
    for source, _, link in graph.in_edges(node, keys=True):
        flow = DOWNSTREAM.get(link, Flow.FORWARD)
        if (flow is Flow.BACKWARD) == downstream:
            yield Step(node, link, source, False)


def walk(
    graph: nx.MultiDiGraph,
    start: str,
    downstream: bool = True,
    depth: int | None = None,
    links: Iterable[str] | None = None,
) -> list[Reached]:
    """Breadth-first walk from ``start``; each need once, with its shortest path."""
    allowed = set(links) if links is not None else None
    seen: dict[str, Reached] = {start: Reached(start, 0, ())}
    frontier = [start]
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        next_frontier: list[str] = []
        for node in frontier:
            for step in _neighbours(graph, node, downstream):
                if allowed is not None and step.link not in allowed:
                    continue
                if step.target in seen:
                    continue
                seen[step.target] = Reached(step.target, level, (*seen[node].path, step))
                next_frontier.append(step.target)
        frontier = next_frontier
    return [r for r in seen.values() if r.id != start]


def format_path(path: tuple[Step, ...]) -> str:
    """``PC.01 -uses-> DAT_X -maps_to-> PO_Y`` (``<-verifies-`` for a link walked backwards)."""
    if not path:
        return ""
    parts = [path[0].source]
    for step in path:
        parts.append(f"-{step.link}->" if step.forward else f"<-{step.link}-")
        parts.append(step.target)
    return " ".join(parts)
