"""The version history of the specification: what changed between consecutive versions,
and since the last version in the working tree; and the links left suspect since then.

The versions are the recorded version needs of the working tree (``.. version::`` with a
``:revision:``, see :mod:`smets_spec.change.versions`); a project that records none falls
back to its version tags (``v1.0``, ``v1.1``, ...).

Each tag's side is read from git through the index cache, each derived from the
one before, so the history costs one full read the first time and almost nothing
afterwards. A copy that is not a git repository (an unpacked archive) or has no
version tag yet gets a history that says so instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from ..corpus.cachedir import switched_off
from ..corpus.files import file_stamp
from ..corpus.load import Corpus
from ..corpus.project import Project
from ..corpus.schema import Version
from ..corpus.versions import ordered
from ..trace.gaps import FINDERS, Finder
from ..trace.graph import per_corpus
from .changeset import ChangeSet, cache_for, compare
from .diff import ChangeKind, CorpusDiff, NeedChange
from .history import WORKTREE, Repository, RevisionError
from .specindex import IndexCache, Side, open_side
from .suspects import REVIEWS_FILE, Suspect
from .versions import versions_of

#: ``SMETS_HISTORY_VERSIONS=off``: the history reads the working tree's version needs from the
#: spec files again (a full index of the working tree) instead of taking them from the loaded corpus
VERSIONS_ENV = "SMETS_HISTORY_VERSIONS"
#: ``SMETS_HISTORY_INDEX=off``: each need's changes and suspect links found by scanning them all
INDEX_ENV = "SMETS_HISTORY_INDEX"


class Status(StrEnum):
    OK = "ok"
    NOT_GIT = "not-git"
    NO_TAGS = "no-tags"
    ERROR = "error"


@dataclass
class Step:
    """One version: its name, the version before it, and what changed."""

    name: str
    previous: str | None
    diff: CorpusDiff | None = None
    size: int = 0  # requirements in this version
    note: str | None = None


@dataclass
class VersionHistory:
    """The history; not changed once :func:`version_history` returns it (its index is built then)."""

    status: Status
    message: str = ""
    steps: list[Step] = field(default_factory=list)  # newest first
    suspects: list[Suspect] = field(default_factory=list)  # since the last tag, unreviewed
    last_tag: str | None = None
    #: per need id, its changes and the suspect links to it (built on first use)
    _by_need: _PerNeed | None = field(default=None, repr=False, compare=False)

    def changes_of(self, need_id: str) -> list[tuple[Step, NeedChange]]:
        """The need's changes, newest version first (moves left out)."""
        if switched_off(INDEX_ENV):
            return [
                (step, change)
                for step in self.steps
                for change in (step.diff.changes if step.diff else ())
                if change.id == need_id and change.kind is not ChangeKind.MOVED
            ]
        return list(self._index().changes.get(need_id, ()))

    def suspects_to(self, requirement: str) -> list[Suspect]:
        """The suspect links to ``requirement``, in the order of :attr:`suspects`."""
        if switched_off(INDEX_ENV):
            return [s for s in self.suspects if s.link.requirement == requirement]
        return list(self._index().suspects.get(requirement, ()))

    def _index(self) -> _PerNeed:
        """Each need's changes and suspects, found in one pass in the order of the scans above
        (a requirement page asks for one need: 10,000 pages must not scan every change each)."""
        if self._by_need is None:
            index = _PerNeed()
            for step in self.steps:
                for change in step.diff.changes if step.diff else ():
                    if change.kind is not ChangeKind.MOVED:
                        index.changes.setdefault(change.id, []).append((step, change))
            for suspect in self.suspects:
                index.suspects.setdefault(suspect.link.requirement, []).append(suspect)
            self._by_need = index
        return self._by_need


@dataclass
class _PerNeed:
    changes: dict[str, list[tuple[Step, NeedChange]]] = field(default_factory=dict)
    suspects: dict[str, list[Suspect]] = field(default_factory=dict)


def recorded_versions(
    repo: Repository, store: IndexCache, versions: list[Version] | None = None
) -> tuple[list[tuple[str, str]], str]:
    """(name, commit) of every recorded version, oldest first, and the working tree's name.

    The version needs of the working tree when it has any with a revision; else the tags.
    ``versions``: the working tree's version needs, oldest first, when the caller has them
    (:func:`loaded_versions`); else they are read from the working tree.
    """
    if versions is None:
        versions = versions_of(open_side(repo.worktree(), store))
    recorded = [(v.id, repo.resolve(v.revision)) for v in versions if v.revision]
    if not recorded:
        return repo.version_tags(), "Unreleased"
    drafts = [v.id for v in versions if v.is_draft]
    return recorded, f"{drafts[0]} (unreleased)" if drafts else "Unreleased"


def _requirements(side: Side) -> int:
    return sum(1 for node in side.index.nodes.values() if node.directive == "req")


def version_history(
    project: Project,
    worktree: bool = True,
    cache: IndexCache | None = None,
    versions: list[Version] | None = None,
) -> VersionHistory:
    """Every version tag's changes (newest first), and the working tree's since the last tag.

    ``versions``: the working tree's version needs when the caller has them (see
    :func:`recorded_versions`).
    """
    repo = Repository(project)
    if not repo.is_git:
        return VersionHistory(
            Status.NOT_GIT,
            "This copy of the specification is not a git repository (for "
            "example an unpacked archive), so its version history cannot be read here.",
        )
    store = cache if cache is not None else cache_for(project)
    try:
        tags, draft = recorded_versions(repo, store, versions)
    except (RevisionError, OSError) as exc:
        return VersionHistory(Status.ERROR, f"The recorded versions could not be read: {exc}")
    history = VersionHistory(Status.OK if tags else Status.NO_TAGS)
    if not tags:
        history.message = (
            "No version yet (a version need with a :revision:, or a tag such as v1.0, marks a "
            "released version): every need is unreleased, and suspect links are counted from the "
            "first version."
        )
        return history
    try:
        previous: Side | None = None
        previous_name: str | None = None
        for name, sha in tags:
            side = open_side(repo.source(sha), store, base=previous)
            side.source.label = name
            step = Step(name, previous_name, size=_requirements(side))
            if previous is not None:
                step.diff = compare(previous, side)[0]
            history.steps.insert(0, step)
            previous, previous_name = side, name
        history.last_tag = previous_name
        if worktree and previous is not None:
            head = open_side(repo.worktree(), store, base=previous)
            diff = compare(previous, head)[0]
            history.steps.insert(0, Step(draft, previous_name, diff, _requirements(head)))
            from .review import suspects_of  # not on import: a history with no version yet needs none

            history.suspects = suspects_of(ChangeSet(repo, previous, head, diff))[0]
    except (RevisionError, OSError) as exc:
        history.status = Status.ERROR
        history.message = f"The version history could not be read: {exc}"
    return history


@per_corpus
def history_of(corpus: Corpus) -> VersionHistory:
    """The version history of the project a corpus was read from (once per corpus)."""
    if corpus.source is None or not (corpus.source.parent / "conf.py").is_file():
        return VersionHistory(Status.NOT_GIT, "This corpus was not read from a project folder.")
    project = Project(corpus.source.parent)
    return version_history(project, versions=loaded_versions(corpus, project))


def versions_stamp(corpus: Corpus) -> str:
    """What the version pages read besides the corpus: the commit each recorded version's revision
    names now (a tag moved or a revision fetched changes it). The working draft's text is the
    corpus; every other version's text is fixed by its commit."""
    if corpus.source is None or not (corpus.source.parent / "conf.py").is_file():
        return "no project"
    repo = Repository(Project(corpus.source.parent))
    if not repo.is_git:
        return "not git"
    found = []
    for version in sorted(corpus.of_type(Version), key=lambda v: v.id):
        if version.revision:
            try:
                found.append(f"{version.revision}={repo.resolve(version.revision)}")
            except Exception as exc:  # a failure to resolve is part of what the pages show
                found.append(f"{version.revision}!{type(exc).__name__}: {exc}")
    return "\n".join(found)


def history_stamp(corpus: Corpus) -> str:
    """What the change-control pages (the change log, the suspect links, the gaps' ``suspect-link``
    rule) read besides the corpus, as a stamp: :func:`versions_stamp` (or, with no version need
    recording a revision, the version tags and their commits: a new tag is a new version) and the
    recorded reviews (``spec/reviews/accepted.toml``, which ``smets accept`` writes). A build whose
    sources are unchanged renders those pages again when it differs."""
    if corpus.source is None or not (corpus.source.parent / "conf.py").is_file():
        return "no project"
    project = Project(corpus.source.parent)
    found = [f"reviews {file_stamp(project.root / REVIEWS_FILE)}", versions_stamp(corpus)]
    if any(v.revision for v in corpus.of_type(Version)):
        return "\n".join(found)
    repo = Repository(project)
    try:
        found += [f"tag {name}={sha}" for name, sha in repo.version_tags()]
    except Exception as exc:  # a failure to list them is part of what the pages show
        found.append(f"! {type(exc).__name__}: {exc}")
    return "\n".join(found)


def loaded_versions(corpus: Corpus, project: Project) -> list[Version] | None:
    """The working tree's version needs as ``corpus`` holds them, oldest first, when it is the load
    of the project's whole spec folder (:func:`~smets_spec.corpus.load.load_spec`); else None.

    They are the versions :func:`~.versions.versions_of` finds in an index of the same files (so
    the history need not read and parse every file again; not taken when a spec file is a
    symbolic link, which only the loader reads): both read the files in the same order
    with the same reader, keep the first need of an id (ids as written: a version's id is never a
    clause number the loader renames), and validate each need with the same function; the index
    keeps needs without a valid record, which ``versions_of`` then leaves out as the corpus does.
    ``tests/test_history_versions.py`` compares both on random edits. ``SMETS_HISTORY_VERSIONS=off``
    reads the files again.
    """
    if switched_off(VERSIONS_ENV) or corpus.file_digests is None or corpus.source is None:
        return None
    if corpus.source.resolve() != project.spec.resolve():
        return None
    if any((corpus.source / name).is_symlink() for name in corpus.file_digests):
        return None  # the loader reads a linked file, the working tree's index leaves it out
    return ordered(corpus.of_type(Version))


def suspect_link_gaps(corpus: Corpus) -> Iterator[tuple[str, str | None, str, str]]:
    """The ``suspect-link`` gaps: links to requirements changed since the last version tag."""
    from .changelog import (
        history_of,  # change control (smets_spec.change.suspects): since the last version tag
    )

    for suspect in history_of(corpus).suspects:
        link = suspect.link
        yield (
            link.source,
            link.link,
            f"{link} is suspect: {link.requirement} changed since the last version tag ({suspect.reason})",
            f"check {link.other} against the new text of {link.requirement}, "
            f"then `smets accept {link.requirement}`",
        )


def gap_finders() -> dict[str, Finder]:
    """Every gap finder: the link graph's own and change control's ``suspect-link``."""
    return {**FINDERS, "suspect-link": suspect_link_gaps}


__all__ = [
    "WORKTREE",
    "Status",
    "Step",
    "VersionHistory",
    "gap_finders",
    "history_of",
    "suspect_link_gaps",
    "version_history",
]
