"""Checks that look across needs: links, device applicability, consistency.

Checks of a single need's fields happen in :mod:`smets_spec.corpus.load` against the
pydantic models; everything here needs the whole corpus.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol as Interface

from .cachedir import switched_off
from .diagnostics import Diagnostic, Location, Rule, Severity
from .ids import clause_for_id, id_for_clause
from .schema import BY_DIRECTIVE, DataItem, Evidence, Need, Protocol, ProtocolObject, Requirement
from .versions import check_requirement_versions, check_versions


class Corpus(Interface):
    """What the checks read of a corpus (:class:`smets_spec.corpus.load.Corpus` has it).

    Declared here so that validation sits below loading: ``load`` imports ``validate``,
    never the other way round.
    """

    @property
    def needs(self) -> dict[str, Need]: ...

    @property
    def field_lines(self) -> dict[str, dict[str, int]]: ...

    @property
    def rejected(self) -> dict[str, frozenset[str]]: ...

    def location(self, need_id: str, field_name: str | None = None) -> Location: ...

    def __iter__(self) -> Iterator[Need]: ...


def _error(where: Location, message: str, rule: Rule, fix: str | None = None) -> Diagnostic:
    return Diagnostic(where, Severity.ERROR, message, rule, fix)


def _kind(directive: str) -> str:
    return BY_DIRECTIVE[directive].title_.lower()


def check_links(corpus: Corpus, invalid: dict[str, str]) -> Iterator[Diagnostic]:
    """Every link points to an existing need of an allowed type."""
    needs = corpus.needs
    for need in corpus:
        for name, spec in need.links().items():
            for target in getattr(need, name):
                found = needs.get(target)
                target_type = found.directive if found is not None else invalid.get(target)
                if target_type in spec.targets:
                    continue
                where = corpus.location(need.id, name)
                if target_type is None:
                    ids = sorted(needs)
                    close = difflib.get_close_matches(target, ids, n=1, cutoff=0.6)
                    hint = (
                        f"did you mean '{close[0]}'?"
                        if close
                        else f"define a {'/'.join(spec.targets)} '{target}'"
                    )
                    yield _error(
                        where,
                        f"'{need.id}' links to missing need '{target}' in ':{name}:'",
                        Rule.LINK_MISSING,
                        hint,
                    )
                elif target_type not in spec.targets:
                    yield _error(
                        where,
                        f"'{need.id}' :{name}: '{target}' is a {_kind(target_type)}, "
                        f"but :{name}: takes {' or '.join(_kind(t) for t in spec.targets)}",
                        Rule.LINK_TYPE,
                        f"link a {'/'.join(spec.targets)} here, or move '{target}' to the right field",
                    )


def _at(where: Location, lines: Mapping[str, int] | None, name: str) -> Location:
    """The line of field ``name`` when the source gives it, else the need's line."""
    line = (lines or {}).get(name)
    return Location(where.file, line) if line is not None else where


def check_applicability(
    req: Requirement,
    where: Location,
    lines: Mapping[str, int] | None = None,
    rejected: frozenset[str] = frozenset(),
) -> Iterator[Diagnostic]:
    """A requirement states which devices it binds, each with one degree."""
    stated = {"mandatory_for", "optional_for"} & rejected  # reported already (e.g. a placeholder)
    if not req.mandatory_for and not req.optional_for and not stated:
        yield _error(
            where,
            f"requirement '{req.id}' states no device applicability",
            Rule.APPLICABILITY,
            "add ':mandatory_for:' and/or ':optional_for:' with the devices it binds (DEV_...)",
        )
    lists = {
        "mandatory_for": req.mandatory_for,
        "optional_for": req.optional_for,
        "not_applicable_for": req.not_applicable_for,
    }
    seen: dict[str, str] = {}
    for name, devices in lists.items():
        for device in devices:
            if device in seen:
                yield _error(
                    _at(where, lines, name),
                    f"requirement '{req.id}' gives device '{device}' two degrees "
                    f"(:{seen[device]}: and :{name}:)",
                    Rule.APPLICABILITY,
                    "keep the device in one of the two lists",
                )
            seen[device] = name


def check_clause(
    req: Requirement, where: Location, lines: Mapping[str, int] | None = None
) -> Iterator[Diagnostic]:
    """A requirement's clause number is the one its id stands for (``GS.08`` for ``GS_08``)."""
    if req.clause is None or id_for_clause(req.clause) == req.id:
        return
    expected = clause_for_id(req.id)
    yield _error(
        _at(where, lines, "clause"),
        f"requirement '{req.id}' has clause '{req.clause}', but its id stands for clause '{expected}'",
        Rule.CLAUSE,
        f"write ':clause: {expected}', or give the need the id {id_for_clause(req.clause)}",
    )


def check_data_item(
    item: DataItem, where: Location, lines: Mapping[str, int] | None = None
) -> Iterator[Diagnostic]:
    """The mapping evidence agrees with the mapping.

    Unmapped items map to nothing; mapped ones map to something and cite a source.
    """
    if item.maps_to and item.mapping_evidence is Evidence.UNMAPPED:
        yield _error(
            _at(where, lines, "mapping_evidence"),
            f"data item '{item.id}' is marked unmapped but maps to {', '.join(item.maps_to)}",
            Rule.CONSISTENCY,
            "set ':mapping_evidence:' to verified or secondary, or remove ':maps_to:'",
        )
    if not item.maps_to and item.mapping_evidence not in (None, Evidence.UNMAPPED):
        yield _error(
            _at(where, lines, "mapping_evidence"),
            f"data item '{item.id}' claims a {item.mapping_evidence} mapping but maps to nothing",
            Rule.CONSISTENCY,
            "add ':maps_to:' with the protocol objects, or set ':mapping_evidence: unmapped'",
        )
    if item.maps_to and not item.mapping_source:
        yield _error(
            _at(where, lines, "maps_to"),
            f"data item '{item.id}' maps to protocol objects without a ':mapping_source:'",
            Rule.CONSISTENCY,
            "cite where the mapping comes from in ':mapping_source:'",
        )


_PROTOCOL_FIELDS: dict[Protocol, tuple[str, ...]] = {
    Protocol.DLMS_COSEM: ("interface_class", "obis"),
    Protocol.ZIGBEE_SE: ("cluster",),
    Protocol.GBCS: ("use_case",),
}


def check_protocol_object(
    obj: ProtocolObject,
    where: Location,
    lines: Mapping[str, int] | None = None,
    rejected: frozenset[str] = frozenset(),
) -> Iterator[Diagnostic]:
    """A protocol object has the identifying fields of its protocol.

    A field written with an invalid value was reported already and counts as given.
    """
    if obj.protocol is None:
        return
    if obj.evidence is Evidence.UNMAPPED:
        yield _error(
            _at(where, lines, "evidence"),
            f"protocol object '{obj.id}' cannot have evidence 'unmapped'",
            Rule.CONSISTENCY,
            "use verified or secondary; a data item without a mapping has no protocol object",
        )
    for name in _PROTOCOL_FIELDS[obj.protocol]:
        if getattr(obj, name) in (None, "") and name not in rejected:
            yield _error(
                where,
                f"{obj.protocol.value} object '{obj.id}' lacks ':{name}:'",
                Rule.REQUIRED,
                f"add ':{name}:' from the cited source, or mark the data item unmapped",
            )


def check_need(
    need: Need,
    where: Location,
    lines: Mapping[str, int] | None = None,
    rejected: frozenset[str] = frozenset(),
) -> Iterator[Diagnostic]:
    """The checks its type adds to one need.

    ``lines`` gives the source line of each field; ``rejected`` names the fields
    whose invalid values were reported already (no second error for them).
    """
    if isinstance(need, Requirement):
        yield from check_applicability(need, where, lines, rejected)
        yield from check_clause(need, where, lines)
    elif isinstance(need, DataItem):
        yield from check_data_item(need, where, lines)
    elif isinstance(need, ProtocolObject):
        yield from check_protocol_object(need, where, lines, rejected)


#: Links that order requirements: a cycle in one of them has no first requirement.
ACYCLIC_LINKS = ("depends_on", "refines")


#: ``SMETS_OWN_CYCLES=off``: the cycle check finds the strongly connected components with networkx,
#: as before (importing it costs every build about 0.2 s of CPU; the groups are the same)
OWN_CYCLES = "SMETS_OWN_CYCLES"


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Each group of needs linked round in a cycle (the graph's strongly connected components),
    as the shortest cycle from its smallest id, in id order of the groups."""
    if switched_off(OWN_CYCLES):
        import networkx as nx  # lazily: most commands never validate links this way

        graph = nx.DiGraph()
        graph.add_edges_from((source, target) for source, targets in edges.items() for target in targets)
        found: Iterable[set[str]] = nx.strongly_connected_components(graph)
    else:
        found = strong_components(edges)
    groups = [sorted(group) for group in found if len(group) > 1 or any(n in edges.get(n, ()) for n in group)]
    return [_walk(group, edges) for group in sorted(groups)]


def strong_components(edges: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """The strongly connected components of the graph whose links ``edges`` lists (source ->
    targets): Tarjan's algorithm, without recursion. Every node of a link is in exactly one."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def enter(node: str) -> tuple[str, Iterator[str]]:
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        return node, iter(edges.get(node, ()))

    for root in [*edges, *(t for targets in edges.values() for t in targets)]:
        if root in order:
            continue
        work = [enter(root)]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in order:
                    work.append(enter(target))
                    break
                if target in on_stack:
                    low[node] = min(low[node], order[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == order[node]:
                    group = {node}
                    while (member := stack.pop()) != node:
                        group.add(member)
                    on_stack.difference_update(group)
                    groups.append(group)
    return groups


def _walk(members: list[str], edges: dict[str, list[str]]) -> list[str]:
    """The shortest path through the cycle from its smallest member back to it."""
    inside = set(members)
    start = members[0]
    came: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for step in sorted(edges.get(node, [])):
            if step == start:
                path = [node]
                while path[-1] != start:
                    path.append(came[path[-1]])
                return [*reversed(path), start]
            if step in inside and step not in came:
                came[step] = node
                queue.append(step)
    return [start, start]  # unreachable: the members form a cycle


def check_cycles(corpus: Corpus) -> Iterator[Diagnostic]:
    """No requirement depends on (or refines) itself through a chain of links."""
    for name in ACYCLIC_LINKS:
        edges = {
            n.id: [t for t in getattr(n, name, []) if t in corpus.needs] for n in corpus if hasattr(n, name)
        }
        for cycle in _cycles(edges):
            yield _error(
                corpus.location(cycle[0], name),
                f"':{name}:' links form a cycle: {' -> '.join(cycle)}",
                Rule.LINK_CYCLE,
                f"remove the ':{name}:' link that closes the cycle; no requirement can come before itself",
            )


def check_corpus(corpus: Corpus, invalid: dict[str, str]) -> list[Diagnostic]:
    found = list(check_links(corpus, invalid))
    found += [*check_versions(corpus), *check_requirement_versions(corpus)]
    found.extend(check_cycles(corpus))
    for need in corpus:
        where = corpus.location(need.id)
        found.extend(
            check_need(
                need, where, corpus.field_lines.get(need.id), corpus.rejected.get(need.id, frozenset())
            )
        )
    return found
