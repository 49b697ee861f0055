"""Impact of a change: for every changed need, everything downstream, with the path there.

Downstream follows :data:`smets_spec.trace.graph.DOWNSTREAM` (what a need binds and uses,
and what verifies, implements or refines it), except links that do not carry a
dependency: ``not_applicable_for`` (a device the requirement explicitly does not
bind) and the consultation links (comments and questions about it). A removed
need is walked in the base side's graph, every other one in the head side's.

Each change is classified editorial or normative (:mod:`smets_spec.change.editorial`)
and by the impact class of the requirement (hardware, firmware, configuration,
back-office); a normative requirement change gets its cost side
(:mod:`smets_spec.change.cost`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..consultation.costevidence import EvidenceSummary, summarise
from ..consultation.model import response_of
from ..consultation.textcodec import TextFormatError
from ..corpus.diagnostics import Location
from ..corpus.schema import ConsultationComment, Degree, Device, ImpactClass, Requirement
from ..trace.graph import format_path, link_types, walk
from .changeset import ChangeSet
from .cost import CostAssessment, assess
from .costmodel import COST_FILE, CostModel, parse
from .diff import ChangeKind, NeedChange
from .specindex import Side

#: Links a change does not propagate over (see the module docstring).
NOT_PROPAGATED = frozenset(
    {"not_applicable_for", "comments_on", "about", "answers", "part_of", "responds_to"}
)

#: Groups of downstream needs, in the order a reviewer reads them.
GROUPS: tuple[tuple[str, str], ...] = (
    ("device", "Devices"),
    ("dataitem", "Data items"),
    ("protobj", "Protocol objects"),
    ("refmodel", "Reference models"),
    ("conftest", "Conformance tests"),
    ("req", "Dependent requirements"),
)

_DEGREE_OF_LINK = {"mandatory_for": "mandatory", "optional_for": "optional", "held_by": "holds the data"}


def impact_links() -> tuple[str, ...]:
    return tuple(name for name in link_types() if name not in NOT_PROPAGATED)


@dataclass(frozen=True)
class Affected:
    """A need downstream of a change, with the path that reaches it."""

    id: str
    directive: str
    title: str
    depth: int
    path: str
    location: Location
    degree: str | None = None  # devices: mandatory / optional / holds the data


@dataclass(frozen=True)
class Binding:
    """How a changed requirement binds a device, before and after."""

    device: str
    title: str
    before: Degree | None
    after: Degree | None


@dataclass
class ChangeImpact:
    change: NeedChange
    impact: tuple[ImpactClass, ...] = ()
    bindings: tuple[Binding, ...] = ()
    affected: tuple[Affected, ...] = ()
    cost: CostAssessment | None = None

    def group(self, directive: str) -> list[Affected]:
        return [a for a in self.affected if a.directive == directive]

    def others(self) -> list[Affected]:
        known = {g for g, _ in GROUPS}
        return [a for a in self.affected if a.directive not in known]


@dataclass
class ImpactReport:
    base_label: str
    head_label: str
    items: list[ChangeImpact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cost_model: CostModel | None = None

    def normative(self) -> list[ChangeImpact]:
        return [i for i in self.items if i.change.normative]

    def by_impact_class(self) -> dict[str, int]:
        """Normative requirement changes per impact class (the most severe of the change's)."""
        counts: Counter[str] = Counter()
        for item in self.normative():
            if item.change.is_requirement:
                counts[item.impact[0].value if item.impact else "unstated"] += 1
        return {c.value: counts[c.value] for c in ImpactClass if counts[c.value]} | (
            {"unstated": counts["unstated"]} if counts["unstated"] else {}
        )

    def devices(self) -> dict[str, str]:
        """Every device a normative change binds, with the strongest degree."""
        out: dict[str, str] = {}
        for item in self.normative():
            for binding in item.bindings:
                degree = binding.after or binding.before
                if degree is None or degree is Degree.NOT_APPLICABLE:
                    continue
                if out.get(binding.device) != Degree.MANDATORY.value:
                    out[binding.device] = degree.value
        return out


def _affected(side: Side, start: str) -> tuple[Affected, ...]:
    graph = side.index.downstream_graph([start], impact_links())
    out = []
    for reached in walk(graph, start, downstream=True, links=impact_links()):
        node = side.index.nodes[reached.id]
        last = reached.path[-1].link if reached.path else ""
        degree = _DEGREE_OF_LINK.get(last) if node.directive == Device.directive else None
        out.append(
            Affected(
                reached.id,
                node.directive,
                node.title,
                reached.depth,
                format_path(reached.path),
                Location(node.file, node.line),
                degree,
            )
        )
    return tuple(out)


def _bindings(before: Requirement | None, after: Requirement | None, side: Side) -> tuple[Binding, ...]:
    devices: dict[str, None] = {}
    for req in (after, before):
        if req is not None:
            devices.update(dict.fromkeys((*req.mandatory_for, *req.optional_for)))
    out = []
    for device in devices:
        node = side.index.nodes.get(device)
        out.append(
            Binding(
                device,
                node.title if node else device,
                before.degree_for(device) if before else None,
                after.degree_for(device) if after else None,
            )
        )
    return tuple(out)


def _titles(side: Side, ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for device_id in ids:
        record = side.record(device_id)
        if isinstance(record, Device):
            found[device_id] = record.title
    return found


def cost_model_of(side: Side) -> CostModel | None:
    """The cost model of one side (``spec/costs.toml`` as that revision has it)."""
    data = side.source.read_optional(COST_FILE)
    if data is None:
        return None
    return parse(data.decode("utf-8", errors="replace"), f"{COST_FILE} ({side.label})")


def evidence_on(side: Side, requirement: str) -> EvidenceSummary | None:
    """Respondents' cost evidence on ``requirement`` stored on one side (its ccomments)."""
    items = []
    for source, _ in side.index.sources(requirement, "comments_on"):
        record = side.record(source)
        if not isinstance(record, ConsultationComment):
            continue
        try:
            cost = response_of(record).cost
        except TextFormatError:
            continue
        if cost is not None:
            items.append((source, record.respondent or "", cost))
    return summarise(requirement, items)


def analyse_change(change: NeedChange, changeset: ChangeSet, model: CostModel | None = None) -> ChangeImpact:
    base, head = changeset.base, changeset.head
    side = base if change.kind is ChangeKind.REMOVED else head
    item = ChangeImpact(change, affected=_affected(side, change.id))
    before, after = base.record(change.id), head.record(change.id)
    before_req = before if isinstance(before, Requirement) else None
    after_req = after if isinstance(after, Requirement) else None
    if before_req is None and after_req is None:
        return item
    impacts = {r.impact for r in (before_req, after_req) if r is not None and r.impact is not None}
    item.impact = tuple(c for c in ImpactClass if c in impacts)
    item.bindings = _bindings(before_req, after_req, side)
    if change.normative and after_req is not None and model is not None:
        bound = [*after_req.mandatory_for, *after_req.optional_for]
        item.cost = assess(after_req, _titles(head, bound), model)
        item.cost.evidence = evidence_on(head, change.id)
    return item


def analyse(changeset: ChangeSet) -> ImpactReport:
    """The impact of every change of a changeset (moves alone have none)."""
    report = ImpactReport(changeset.diff.base_label, changeset.diff.head_label, notes=changeset.notes)
    model = report.cost_model = cost_model_of(changeset.head)
    if model is None:
        report.notes.append(f"no {COST_FILE} on {changeset.head.label}: changes are not costed")
    elif model.errors:
        report.notes += [d.format() for d in model.errors]
        model = None  # a refused cost model costs nothing rather than something wrong
    for change in changeset.diff.changes:
        if change.kind is ChangeKind.MOVED:
            continue
        report.items.append(analyse_change(change, changeset, model))
    return report
