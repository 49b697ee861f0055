"""Versions read from git: the recorded versions of the working tree, the text of each at its
revision, and what a device installed on a date must meet (``smets compliance``).

The version needs (:class:`smets_spec.corpus.schema.Version`) are read from the working
tree: that is where a change board records them. Each recorded version's text is read
at its ``:revision:`` through the index cache; the working draft is the working tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ..corpus.load import Corpus
from ..corpus.project import Project
from ..corpus.schema import Degree, Device, Requirement, Status, Version
from ..corpus.versions import in_force, ordered, window_text
from .changeset import cache_for, compare
from .diff import ChangeKind, NeedChange
from .history import Repository, RevisionError
from .specindex import IndexCache, Side, open_side


def versions_of(side: Side) -> list[Version]:
    """The versions recorded on one side, oldest first (the working draft last)."""
    records = [side.record(i) for i, node in side.index.nodes.items() if node.directive == Version.directive]
    return ordered(r for r in records if r is not None)


@dataclass
class VersionSides:
    """The recorded versions of a project, each with the side of its text (opened lazily)."""

    repo: Repository
    store: IndexCache
    worktree: Side
    versions: list[Version]
    _sides: dict[str, Side] = field(default_factory=dict)

    def side(self, version: Version) -> Side:
        """The text of ``version``: its revision, or the working tree for the draft."""
        if version.is_draft:
            return self.worktree
        if version.id not in self._sides:
            source = self.repo.source(version.revision or "")
            source.label = version.id
            self._sides[version.id] = open_side(source, self.store, base=self.worktree)
        return self._sides[version.id]

    def later(self, version: Version) -> list[Version]:
        return self.versions[self.versions.index(version) + 1 :]


def open_versions(project: Project, cache: IndexCache | None = None) -> VersionSides:
    repo = Repository(project)
    store = cache if cache is not None else cache_for(project)
    worktree = open_side(repo.worktree(), store)
    return VersionSides(repo, store, worktree, versions_of(worktree))


def bound(requirement: Requirement | None) -> set[str]:
    """The devices ``requirement`` binds: those its degree is not "not applicable" for
    (:meth:`~..corpus.schema.Requirement.degree_for`), none when it is withdrawn or absent."""
    if requirement is None or requirement.status is Status.WITHDRAWN:
        return set()
    return {*requirement.mandatory_for, *requirement.optional_for}


def binds(requirement: Requirement | None, device: str) -> bool:
    return device in bound(requirement)


@dataclass(frozen=True)
class Obligation:
    """A requirement a device must meet, with its text as of the version in force."""

    id: str
    title: str
    degree: Degree
    impact: str | None
    text: str
    file: str
    line: int | None


@dataclass(frozen=True)
class ChangeSince:
    """A change, in a later version or the working draft, to a requirement binding the device."""

    version: str
    change: NeedChange
    binds_before: bool
    binds_after: bool


@dataclass
class Compliance:
    device: str
    device_title: str
    installed: dt.date
    version: Version | None
    obligations: list[Obligation] = field(default_factory=list)
    since: list[ChangeSince] = field(default_factory=list)
    timeline: list[tuple[Version, int]] = field(default_factory=list)  # requirements binding it
    message: str = ""


def obligations(side: Side, device: str) -> list[Obligation]:
    out = []
    for need_id, node in side.index.nodes.items():
        if node.directive != Requirement.directive:
            continue
        record = side.record(need_id)
        if isinstance(record, Requirement) and binds(record, device):
            impact = record.impact.value if record.impact else None
            degree = record.degree_for(device)
            text = record.content
            out.append(Obligation(need_id, record.title, degree, impact, text, node.file, node.line))
    return sorted(out, key=lambda o: _natural(o.id))


def _natural(need_id: str) -> tuple[str, int]:
    head, _, tail = need_id.rpartition(".")
    return (head, int(tail)) if tail.isdigit() else (need_id, 0)


def changes_since(sides: VersionSides, version: Version, device: str) -> list[ChangeSince]:
    """Changes to requirements binding ``device``, version by version after ``version``."""
    out: list[ChangeSince] = []
    before = sides.side(version)
    for later in sides.later(version):
        after = sides.side(later)
        for change in compare(before, after)[0].changes:
            if change.directive != Requirement.directive or change.kind is ChangeKind.MOVED:
                continue
            old, new = before.record(change.id), after.record(change.id)
            was = binds(old if isinstance(old, Requirement) else None, device)
            now = binds(new if isinstance(new, Requirement) else None, device)
            if was or now:
                out.append(ChangeSince(later.id, change, was, now))
        before = after
    return out


def device_of(side: Side, name: str) -> Device | None:
    """A device by id (``DEV_GSME``) or kind (``GSME``, any case)."""
    wanted = name.upper()
    for candidate in (wanted, f"DEV_{wanted}"):
        record = side.record(candidate)
        if isinstance(record, Device):
            return record
    return None


def device_ids(side: Side) -> list[str]:
    return sorted(i for i, node in side.index.nodes.items() if node.directive == Device.directive)


def compliance(sides: VersionSides, device: Device, installed: dt.date) -> Compliance:
    """What ``device`` installed on ``installed`` must meet, and what changed since."""
    version = in_force(sides.versions, installed)
    result = Compliance(device.id, device.title, installed, version)
    result.timeline = timeline(sides, device.id)
    if version is None:
        windows = "; ".join(f"{v.id}: {window_text(v)}" for v in sides.versions) or "no version is recorded"
        result.message = f"no recorded version governs installations on {installed} ({windows})"
        return result
    result.obligations = obligations(sides.side(version), device.id)
    result.since = changes_since(sides, version, device.id)
    return result


def timeline(sides: VersionSides, device: str) -> list[tuple[Version, int]]:
    """Every version with the number of requirements binding ``device`` in its text (-1: unreadable)."""
    return list(zip(sides.versions, timelines(sides, [device])[device], strict=True))


def binding_counts(side: Side, devices: list[str]) -> dict[str, int]:
    """Per device, the requirements binding it in ``side``'s text: ``len(obligations(side, d))`` for
    every device in one pass (the versions page shows every device kind's count in every version)."""
    requirements = [
        record
        for need_id, node in side.index.nodes.items()
        if node.directive == Requirement.directive and isinstance(record := side.record(need_id), Requirement)
    ]
    return _binding(requirements, devices)


def _binding(requirements: list[Requirement], devices: list[str]) -> dict[str, int]:
    """Per device, how many of ``requirements`` :func:`binds` it: one pass over the requirements
    (the devices each binds), not one per device."""
    counts = dict.fromkeys(devices, 0)
    for r in requirements:
        for d in bound(r):
            if d in counts:
                counts[d] += 1
    return counts


def _per_device(
    versions: list[Version], devices: list[str], counts_of: Callable[[Version], dict[str, int]]
) -> dict[str, list[int]]:
    """Per device, ``counts_of(version)[device]`` for every version in order (-1: that version's text
    cannot be read); each version's counts taken once."""
    out: dict[str, list[int]] = {d: [] for d in devices}
    for version in versions:
        try:
            counts = counts_of(version)
        except RevisionError:
            counts = dict.fromkeys(devices, -1)
        for device in devices:
            out[device].append(counts[device])
    return out


def timelines(sides: VersionSides, devices: list[str]) -> dict[str, list[int]]:
    """Per device, :func:`timeline`'s counts (-1: that version's text cannot be read); each text read once."""
    return _per_device(sides.versions, devices, lambda version: binding_counts(sides.side(version), devices))


def corpus_timelines(
    project: Project, corpus: Corpus, devices: list[str], cache: IndexCache | None = None
) -> tuple[list[Version], dict[str, list[int]]]:
    """:func:`timelines` of every version the corpus records, ``corpus`` being the project's working
    tree as read for this build: the draft's counts come from it and each recorded version's from
    its revision, so the working tree is not read a second time (nor indexed to derive a revision's
    index from: a revision's whole index is kept in the cache by its tree)."""
    repo = Repository(project)
    store = cache if cache is not None else cache_for(project)
    versions = ordered(corpus.needs.values())

    def counts_of(version: Version) -> dict[str, int]:
        if version.is_draft:
            return _binding(corpus.requirements, devices)
        return _recorded(repo, store, version, devices)

    return versions, _per_device(versions, devices, counts_of)


def _recorded(repo: Repository, store: IndexCache, version: Version, devices: list[str]) -> dict[str, int]:
    source = repo.source(version.revision or "")
    source.label = version.id
    return binding_counts(open_side(source, store), devices)


__all__ = [
    "ChangeSince",
    "Compliance",
    "Obligation",
    "VersionSides",
    "binding_counts",
    "compliance",
    "corpus_timelines",
    "device_ids",
    "device_of",
    "open_versions",
    "timeline",
    "timelines",
    "versions_of",
]
