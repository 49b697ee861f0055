"""Traceability as pure functions of the corpus: matrices, chains, coverage and per-need traces.

Everything here is computed from the corpus and its link graph (:func:`graph.graph_of`,
built once per corpus and shared with the command line and the site). Results are
plain frozen dataclasses; the renderers in :mod:`smets_spec.render` and the
``smets trace`` / ``smets check`` commands present them.

Definitions used throughout:

* a requirement is *tested* when a conformance test ``:verifies:`` it, and
  *modelled* when a reference model ``:implements:`` it;
* a data item is *mapped* to a protocol when one of its ``:maps_to:`` objects
  is of that protocol (DLMS/COSEM or ZigBee SE; a GBCS use case names a message,
  not the object that carries the value, so it does not count as a mapping);
* a requirement's data is *carried* when every data item it uses is mapped to
  DLMS/COSEM or ZigBee SE.

Coverage figures and the lists of requirements without a model or test count the
requirements in force: a withdrawn requirement is shown, but never counted as a gap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..corpus.load import Corpus
from ..corpus.schema import (
    SECTION_TITLES,
    ConformanceTest,
    DataItem,
    Degree,
    Device,
    Need,
    Protocol,
    ProtocolObject,
    ReferenceModel,
    Requirement,
    Section,
    Status,
)
from .graph import edges_of, per_corpus

#: The protocols whose objects carry data values (a GBCS use case is a message).
CARRIERS = (Protocol.DLMS_COSEM, Protocol.ZIGBEE_SE)


@dataclass
class TraceIndex:
    """Who points at whom, by link type: derived once from the link graph."""

    incoming: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def sources(self, target: str, link: str) -> list[str]:
        """Needs whose ``link`` field names ``target``, in corpus order."""
        return [source for name, source in self.incoming.get(target, ()) if name == link]


@per_corpus
def index_of(corpus: Corpus) -> TraceIndex:
    """The incoming links of every need, in corpus order (the same links the graph holds)."""
    incoming: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for source, link, target in edges_of(corpus):
        incoming[target].append((link, source))
    return TraceIndex(dict(incoming))


@per_corpus
def requirements_of(corpus: Corpus) -> list[Requirement]:
    return corpus.requirements


@per_corpus
def devices_of(corpus: Corpus) -> list[Device]:
    return corpus.of_type(Device)


def _typed(corpus: Corpus, ids: Iterable[str], need_type: type[Need]) -> list[Need]:
    return [corpus.needs[i] for i in ids if isinstance(corpus.needs.get(i), need_type)]


# --------------------------------------------------------------------- matrix


@dataclass(frozen=True)
class DegreeMatrix:
    """Requirements (rows) by devices (columns), each cell a degree."""

    devices: tuple[Device, ...]
    rows: tuple[tuple[Requirement, tuple[Degree, ...]], ...]

    def columns(self) -> list[tuple[Degree, ...]]:
        """Each device's column: the degrees of every row for it, in the devices' order."""
        return list(zip(*(degrees for _, degrees in self.rows), strict=True)) or [() for _ in self.devices]

    def count(self, device_id: str, degree: Degree) -> int:
        return self.columns()[[d.id for d in self.devices].index(device_id)].count(degree)


@per_corpus
def _degrees(corpus: Corpus) -> dict[str, tuple[Degree, ...]]:
    ids = [d.id for d in devices_of(corpus)]
    out: dict[str, tuple[Degree, ...]] = {}
    for req in requirements_of(corpus):
        mandatory, optional = set(req.mandatory_for), set(req.optional_for)
        out[req.id] = tuple(
            Degree.MANDATORY
            if d in mandatory
            else Degree.OPTIONAL
            if d in optional
            else Degree.NOT_APPLICABLE
            for d in ids
        )
    return out


@dataclass(frozen=True)
class Bound:
    """The requirements one device is bound by, each list in the corpus's order."""

    mandatory: tuple[Requirement, ...]
    optional: tuple[Requirement, ...]
    either: tuple[Requirement, ...]


@per_corpus
def bound_by_device(corpus: Corpus) -> dict[str, Bound]:
    """Per device (:func:`devices_of`), the requirements whose degree for it (:func:`_degrees`) is
    mandatory, optional, either: one pass over the requirements for every device, not one per
    device."""
    ids = [d.id for d in devices_of(corpus)]
    degrees = _degrees(corpus)
    lists: list[tuple[list[Requirement], list[Requirement], list[Requirement]]] = [([], [], []) for _ in ids]
    for req in requirements_of(corpus):
        for bound, degree in zip(lists, degrees[req.id], strict=True):
            if degree is not Degree.NOT_APPLICABLE:
                bound[0 if degree is Degree.MANDATORY else 1].append(req)
                bound[2].append(req)
    return {device_id: Bound(*map(tuple, bound)) for device_id, bound in zip(ids, lists, strict=True)}


@per_corpus
def _by_degree(corpus: Corpus) -> dict[str, dict[Degree, list[Requirement]]]:
    """Per device (:func:`devices_of`), the requirements in the order of the SMETS by their degree
    for it (every :class:`Degree`, in its order): one pass for every device."""
    ids = [d.id for d in devices_of(corpus)]
    degrees = _degrees(corpus)
    out: dict[str, dict[Degree, list[Requirement]]] = {d: {degree: [] for degree in Degree} for d in ids}
    columns = [out[d] for d in ids]
    for req in ordered_requirements(corpus):
        for groups, degree in zip(columns, degrees[req.id], strict=True):
            groups[degree].append(req)
    return out


def by_degree(corpus: Corpus, device_id: str) -> dict[Degree, list[Requirement]]:
    """The requirements in the order of the SMETS by their degree for ``device_id``
    (:meth:`~..corpus.schema.Requirement.degree_for`), every :class:`Degree` in its order."""
    found = _by_degree(corpus).get(device_id)
    if found is not None:
        return {degree: list(reqs) for degree, reqs in found.items()}
    groups: dict[Degree, list[Requirement]] = {degree: [] for degree in Degree}
    for r in ordered_requirements(corpus):  # a device the corpus does not define
        groups[r.degree_for(device_id)].append(r)
    return groups


def degree_matrix(corpus: Corpus, section: Section | None = None) -> DegreeMatrix:
    degrees = _degrees(corpus)
    rows = tuple(
        (req, degrees[req.id])
        for req in ordered_requirements(corpus)
        if section is None or req.section == section
    )
    return DegreeMatrix(tuple(devices_of(corpus)), rows)


# --------------------------------------------------------------------- chains


@dataclass(frozen=True)
class ItemChain:
    """A data item and the protocol objects that carry it (and the GBCS messages carrying those)."""

    item: DataItem
    objects: tuple[ProtocolObject, ...]
    use_cases: tuple[ProtocolObject, ...]
    carried: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "carried", bool(self.protocols() & set(CARRIERS)))

    def protocols(self) -> set[Protocol]:
        return {o.protocol for o in self.objects if o.protocol is not None}


@dataclass(frozen=True)
class Chain:
    """requirement → data items → protocol objects."""

    requirement: Requirement
    items: tuple[ItemChain, ...]
    carried: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "carried", bool(self.items) and all(i.carried for i in self.items))


def item_chain(corpus: Corpus, item: DataItem) -> ItemChain:
    objects = [o for o in _typed(corpus, item.maps_to, ProtocolObject) if isinstance(o, ProtocolObject)]
    use_cases: dict[str, ProtocolObject] = {}
    for obj in objects:
        for carrier in _typed(corpus, obj.carried_by, ProtocolObject):
            if isinstance(carrier, ProtocolObject):
                use_cases.setdefault(carrier.id, carrier)
    direct = tuple(o for o in objects if o.protocol is not Protocol.GBCS)
    gbcs = tuple(o for o in objects if o.protocol is Protocol.GBCS)
    return ItemChain(item, direct, gbcs + tuple(u for u in use_cases.values() if u not in gbcs))


def chain(corpus: Corpus, req: Requirement) -> Chain:
    items = [i for i in _typed(corpus, req.uses, DataItem) if isinstance(i, DataItem)]
    return Chain(req, tuple(item_chain(corpus, i) for i in items))


@per_corpus
def item_chains(corpus: Corpus) -> dict[str, ItemChain]:
    return {i.id: item_chain(corpus, i) for i in corpus.of_type(DataItem)}


@per_corpus
def chains_by_id(corpus: Corpus) -> dict[str, Chain]:
    items = item_chains(corpus)
    return {
        req.id: Chain(req, tuple(items[i] for i in req.uses if i in items)) for req in requirements_of(corpus)
    }


def chains(corpus: Corpus) -> list[Chain]:
    """Every requirement's chain, in the order of the SMETS."""
    by_id = chains_by_id(corpus)
    return [by_id[r.id] for r in ordered_requirements(corpus)]


# --------------------------------------------------------------- protocol coverage


@dataclass(frozen=True)
class ProtocolCoverage:
    """How the data catalogue is carried by DLMS/COSEM and ZigBee SE."""

    items: tuple[DataItem, ...]
    dlms_only: tuple[DataItem, ...]
    zigbee_only: tuple[DataItem, ...]
    both: tuple[DataItem, ...]
    none: tuple[DataItem, ...]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def dlms(self) -> int:
        return len(self.dlms_only) + len(self.both)

    @property
    def zigbee(self) -> int:
        return len(self.zigbee_only) + len(self.both)

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0


@per_corpus
def protocol_coverage(corpus: Corpus) -> ProtocolCoverage:
    groups: dict[str, list[DataItem]] = {"dlms": [], "zigbee": [], "both": [], "none": []}
    items = corpus.of_type(DataItem)
    items_chained = item_chains(corpus)
    for item in items:
        protocols = items_chained[item.id].protocols()
        dlms, zigbee = Protocol.DLMS_COSEM in protocols, Protocol.ZIGBEE_SE in protocols
        key = "both" if dlms and zigbee else "dlms" if dlms else "zigbee" if zigbee else "none"
        groups[key].append(item)
    return ProtocolCoverage(
        tuple(items),
        tuple(groups["dlms"]),
        tuple(groups["zigbee"]),
        tuple(groups["both"]),
        tuple(groups["none"]),
    )


# ---------------------------------------------------------- model and test coverage


@dataclass(frozen=True)
class Verification:
    """Per requirement: the reference models implementing it and the tests verifying it."""

    models: dict[str, tuple[str, ...]]
    tests: dict[str, tuple[str, ...]]
    requirements: tuple[Requirement, ...]

    @property
    def without_model(self) -> list[Requirement]:
        """Requirements in force (not withdrawn) that no reference model implements."""
        return [r for r in self.requirements if not self.models[r.id] and r.status is not Status.WITHDRAWN]

    @property
    def without_test(self) -> list[Requirement]:
        """Requirements in force (not withdrawn) that no conformance test verifies."""
        return [r for r in self.requirements if not self.tests[r.id] and r.status is not Status.WITHDRAWN]


@per_corpus
def verification(corpus: Corpus) -> Verification:
    index = index_of(corpus)
    reqs = tuple(ordered_requirements(corpus))
    return Verification(
        {r.id: tuple(index.sources(r.id, "implements")) for r in reqs},
        {r.id: tuple(index.sources(r.id, "verifies")) for r in reqs},
        reqs,
    )


@dataclass(frozen=True)
class GroupCoverage:
    """Coverage figures of a group of requirements (a section, or those binding a device)."""

    key: str
    title: str
    total: int
    tested: int
    modelled: int
    with_data: int
    carried: int

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0


def _group(corpus: Corpus, key: str, title: str, reqs: list[Requirement], ver: Verification) -> GroupCoverage:
    """Coverage of the requirements in force (withdrawn ones do not count)."""
    reqs = [r for r in reqs if r.status is not Status.WITHDRAWN]
    by_id = chains_by_id(corpus)
    chained = [by_id[r.id] for r in reqs]
    return GroupCoverage(
        key,
        title,
        len(reqs),
        sum(1 for r in reqs if ver.tests[r.id]),
        sum(1 for r in reqs if ver.models[r.id]),
        sum(1 for c in chained if c.items),
        sum(1 for c in chained if c.carried),
    )


@per_corpus
def coverage_by_section(corpus: Corpus) -> list[GroupCoverage]:
    """One row per section that has requirements, in the order of the spec."""
    ver = verification(corpus)
    by_section: dict[Section, list[Requirement]] = defaultdict(list)
    for req in requirements_of(corpus):
        if req.section is not None:
            by_section[req.section].append(req)
    return [
        _group(corpus, s.value, SECTION_TITLES[s], by_section[s], ver) for s in Section if by_section.get(s)
    ]


@per_corpus
def coverage_by_device(corpus: Corpus) -> list[GroupCoverage]:
    """One row per device: the requirements binding it (mandatory or optional)."""
    ver = verification(corpus)
    bound = bound_by_device(corpus)
    return [_group(corpus, d.id, d.title, list(bound[d.id].either), ver) for d in devices_of(corpus)]


@per_corpus
def overall(corpus: Corpus) -> GroupCoverage:
    return _group(corpus, "all", "All requirements", requirements_of(corpus), verification(corpus))


# ------------------------------------------------------------ one requirement


@dataclass(frozen=True)
class RequirementTrace:
    """Everything one requirement is linked to, for its own page and for ``smets trace``."""

    requirement: Requirement
    devices: tuple[tuple[Device, Degree], ...]
    chain: Chain
    models: tuple[ReferenceModel, ...]
    tests: tuple[ConformanceTest, ...]
    incoming: tuple[tuple[str, Need], ...]
    outgoing: tuple[tuple[str, Need], ...]


def requirement_trace(corpus: Corpus, req_id: str) -> RequirementTrace:
    req = corpus.needs[req_id]
    if not isinstance(req, Requirement):
        raise ValueError(f"'{req_id}' is a {req.title_.lower()}, not a requirement")
    index = index_of(corpus)
    models = _typed(corpus, index.sources(req_id, "implements"), ReferenceModel)
    tests = _typed(corpus, index.sources(req_id, "verifies"), ConformanceTest)
    related = ("refines", "depends_on", "conflicts_with")
    return RequirementTrace(
        req,
        tuple((d, req.degree_for(d.id)) for d in devices_of(corpus)),
        chains_by_id(corpus)[req_id],
        tuple(m for m in models if isinstance(m, ReferenceModel)),
        tuple(t for t in tests if isinstance(t, ConformanceTest)),
        tuple((link, corpus.needs[s]) for link, s in index.incoming.get(req_id, ())),
        tuple((name, corpus.needs[t]) for name in related for t in getattr(req, name) if t in corpus.needs),
    )


def withdrawn(corpus: Corpus) -> set[str]:
    return {r.id for r in requirements_of(corpus) if r.status is Status.WITHDRAWN}


_SECTION_ORDER = {s.value: n for n, s in enumerate(Section)}


def spec_order(req: Requirement) -> tuple[int, int, str]:
    """Sort key: section in the order of the SMETS, then the number of the id (``SP_2`` before ``SP_14``)."""
    number = req.id.rsplit(".", 1)[-1]
    section = _SECTION_ORDER.get(str(req.section), len(_SECTION_ORDER))  # str(): a plain key hashes fast
    return (section, int(number) if number.isdigit() else 0, req.id)


@per_corpus
def ordered_requirements(corpus: Corpus) -> list[Requirement]:
    """The requirements in the order of the SMETS (sections in order, ids by number)."""
    return list(_ordered_requirements(corpus))


@per_corpus
def _ordered_requirements(corpus: Corpus) -> tuple[Requirement, ...]:
    """Sorted once per corpus (every section and device page lists requirements in this order)."""
    return tuple(sorted(requirements_of(corpus), key=spec_order))
