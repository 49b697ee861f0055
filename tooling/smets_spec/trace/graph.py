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

import functools
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from ..corpus.load import Corpus

if TYPE_CHECKING:
    import networkx as nx

_MEMO: dict[int, tuple[weakref.ref[Corpus], dict[str, Any]]] = {}
T = TypeVar("T")


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


def edges_of(corpus: Corpus) -> list[tuple[str, str, str]]:
    """``(source, link, target)`` for every link written in the corpus to a need that exists, in order."""
    fields = {t: tuple(t.links()) for t in {type(n) for n in corpus}}
    needs = corpus.needs
    return [
        (need.id, name, target)
        for need in corpus
        for name in fields[type(need)]
        for target in getattr(need, name)
        if target in needs
    ]


def build_graph(corpus: Corpus) -> nx.MultiDiGraph:
    """One node per need, one edge per link (multi: two link types may join the same pair)."""
    import networkx as nx  # lazily: 0.2 s to import, and a build's pages mostly use edges_of

    graph = nx.MultiDiGraph()
    graph.add_nodes_from((need.id, {"type": need.directive}) for need in corpus)
    edges = edges_of(corpus)
    graph.add_edges_from((source, target, link, {"link": link}) for source, link, target in edges)
    graph.graph["smets_edges"] = edges
    return graph


Hop = tuple[str, str, bool]  # (link, other need, walked forward along the link)


def _adjacency(graph: nx.MultiDiGraph) -> dict[bool, dict[str, list[Hop]]]:
    """Per direction (downstream or not), each node's one-hop moves; kept on the graph once computed.

    Graphs are built once per corpus and not changed afterwards; a graph with nodes added since is
    indexed again. The edge list kept by :func:`build_graph` is read when present (much faster than
    networkx's edge views).
    """
    cached: dict[bool, dict[str, list[Hop]]] | None = graph.graph.get("smets_adjacency")
    if cached is not None and graph.graph.get("smets_adjacency_size") == len(graph):
        return cached
    edges = graph.graph.get("smets_edges")
    if edges is None:
        edges = [(s, k, t) for s, t, k in graph.edges(keys=True)]
    flows = {name: flow is Flow.FORWARD for name, flow in DOWNSTREAM.items()}
    outs: dict[bool, dict[str, list[Hop]]] = {True: {}, False: {}}
    ins: dict[bool, dict[str, list[Hop]]] = {True: {}, False: {}}
    for source, link, target in edges:
        forward_is_down = flows.get(link, True)
        outs[forward_is_down].setdefault(source, []).append((link, target, True))
        ins[not forward_is_down].setdefault(target, []).append((link, source, False))
    adjacency: dict[bool, dict[str, list[Hop]]] = {
        way: {n: outs[way].get(n, []) + ins[way].get(n, []) for n in outs[way].keys() | ins[way].keys()}
        for way in (True, False)
    }
    graph.graph["smets_adjacency"] = adjacency
    graph.graph["smets_adjacency_size"] = len(graph)  # a graph is not changed once walked
    return adjacency


def per_corpus(func: Callable[[Corpus], T]) -> Callable[[Corpus], T]:
    """Cache ``func(corpus)`` while the corpus lives: the graph and analyses are computed once per corpus
    and shared by every page, panel and command (10,000 pages must not recompute them 10,000 times)."""

    @functools.wraps(func)
    def cached(corpus: Corpus) -> T:
        key = id(corpus)
        entry = _MEMO.get(key)
        if entry is None or entry[0]() is not corpus:
            entry = (weakref.ref(corpus), {})
            _MEMO[key] = entry
            weakref.finalize(corpus, _MEMO.pop, key, None)
        results = entry[1]
        if func.__qualname__ not in results:
            results[func.__qualname__] = func(corpus)
        return results[func.__qualname__]  # type: ignore[no-any-return]

    return cached


@per_corpus
def graph_of(corpus: Corpus) -> nx.MultiDiGraph:
    """The graph of ``corpus``, built on first use and shared while the corpus lives."""
    return build_graph(corpus)


def _neighbours(graph: nx.MultiDiGraph, node: str, downstream: bool) -> Iterable[Step]:
    """Steps one hop downstream (or upstream) of ``node``."""
    return [Step(node, link, other, fwd) for link, other, fwd in _adjacency(graph)[downstream].get(node, ())]


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
    steps = _adjacency(graph)[downstream]
    while frontier and (depth is None or level < depth):
        level += 1
        next_frontier: list[str] = []
        for node in frontier:
            for link, other, forward in steps.get(node, ()):
                if other in seen or (allowed is not None and link not in allowed):
                    continue
                seen[other] = Reached(other, level, (*seen[node].path, Step(node, link, other, forward)))
                next_frontier.append(other)
        frontier = next_frontier
    return [r for r in seen.values() if r.id != start]


def format_path(path: tuple[Step, ...]) -> str:
    """``PC_01 -uses-> DAT_X -maps_to-> PO_Y`` (``<-verifies-`` for a link walked backwards)."""
    if not path:
        return ""
    parts = [path[0].source]
    for step in path:
        parts.append(f"-{step.link}->" if step.forward else f"<-{step.link}-")
        parts.append(step.target)
    return " ".join(parts)


class Direction(Enum):
    """Which way a query walks: downstream, upstream or both."""

    DOWN = "down"
    UP = "up"
    BOTH = "both"


def link_types() -> tuple[str, ...]:
    """Every link type the schema declares, in declaration order."""
    from ..corpus.schema import NEED_TYPES

    names: dict[str, None] = {}
    for need_type in NEED_TYPES:
        for name in need_type.links():
            names.setdefault(name, None)
    return tuple(names)


def check_link_types(names: Iterable[str]) -> tuple[str, ...]:
    """The link types given, or ``ValueError`` naming the unknown ones and the known ones."""
    wanted = tuple(names)
    known = link_types()
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ValueError(f"unknown link type(s) {', '.join(unknown)}; use one of {', '.join(known)}")
    return wanted


@dataclass(frozen=True)
class Neighbourhood:
    """The needs around ``start`` within a depth: each with its signed level (upstream < 0)."""

    start: str
    levels: dict[str, int]
    edges: tuple[tuple[str, str, str], ...]  # (source, link, target), as written


def neighbourhood(
    graph: nx.MultiDiGraph,
    start: str,
    depth: int = 1,
    direction: Direction = Direction.BOTH,
    links: Iterable[str] | None = None,
) -> Neighbourhood:
    """Everything reachable from ``start`` within ``depth`` hops, and the links walked to reach it."""
    allowed = set(links) if links is not None else None
    levels: dict[str, int] = {start: 0}
    for downstream, sign in ((True, 1), (False, -1)):
        if direction is (Direction.UP if downstream else Direction.DOWN):
            continue
        for reached in walk(graph, start, downstream=downstream, depth=depth, links=allowed):
            levels.setdefault(reached.id, sign * reached.depth)
    edges = tuple(
        (source, link, target)
        for source, target, link in graph.subgraph(levels).edges(keys=True)
        if allowed is None or link in allowed
    )
    return Neighbourhood(start, levels, edges)


def incoming(graph: nx.MultiDiGraph, node: str) -> list[tuple[str, str]]:
    """``(link, source)`` for every link written on another need that points at ``node``."""
    return [(link, source) for source, _, link in graph.in_edges(node, keys=True)]


def outgoing(graph: nx.MultiDiGraph, node: str) -> list[tuple[str, str]]:
    """``(link, target)`` for every link written on ``node``."""
    return [(link, target) for _, target, link in graph.out_edges(node, keys=True)]


def forget(corpus: Corpus) -> None:
    """Drop the cached graph and analyses of ``corpus``: the next call computes them again."""
    _MEMO.pop(id(corpus), None)
