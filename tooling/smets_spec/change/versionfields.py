"""Requirements' version fields checked against git history: ``:introduced:``,
``:changed_in:`` and ``:withdrawn_in:`` must agree with what the recorded versions' texts say
(first version containing the requirement, versions with a normative change to it, the
version that removed or withdrew it). Run by ``smets check``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..corpus.diagnostics import Diagnostic, Rule, Severity
from ..corpus.load import Corpus
from ..corpus.schema import Requirement
from ..corpus.versions import UNRELEASED
from .changelog import Status, VersionHistory, history_of
from .diff import ChangeKind


@dataclass
class Derived:
    """What git history says of one requirement's versions."""

    introduced: str | None = None
    changed_in: list[str] = field(default_factory=list)
    withdrawn_in: str | None = None


def _version_id(step_name: str) -> str:
    return step_name.removesuffix(" (unreleased)")


def derive(history: VersionHistory, corpus: Corpus) -> dict[str, Derived]:
    """Per requirement id, its versions as git history shows them (oldest step first)."""
    out: dict[str, Derived] = {}
    steps = list(reversed(history.steps))
    first = _version_id(steps[0].name) if steps else None
    added_later: set[str] = set()
    for step in steps[1:]:
        version = _version_id(step.name)
        for change in step.diff.changes if step.diff else ():
            if not change.is_requirement:
                continue
            entry = out.setdefault(change.id, Derived())
            if change.kind is ChangeKind.ADDED:
                entry.introduced = version
                added_later.add(change.id)
            elif change.kind is ChangeKind.REMOVED:
                entry.withdrawn_in = version
            elif change.normative and change.kind in {ChangeKind.MODIFIED, ChangeKind.RETYPED}:
                entry.changed_in.append(version)
                status = change.field("status")
                if status is not None and status.new == "withdrawn":
                    entry.withdrawn_in = version
    for req in corpus.requirements:
        entry = out.setdefault(req.id, Derived())
        if req.id not in added_later:
            entry.introduced = first
    return out


def _error(corpus: Corpus, req: Requirement, name: str, message: str, fix: str) -> Diagnostic:
    return Diagnostic(corpus.location(req.id, name), Severity.ERROR, message, Rule.CONSISTENCY, fix)


def check_version_fields(corpus: Corpus) -> Iterator[Diagnostic]:
    """Authored version fields that git history contradicts (nothing when there is no history)."""
    history = history_of(corpus)
    if history.status is not Status.OK or not history.steps:
        return
    derived = derive(history, corpus)
    draft = _version_id(history.steps[0].name) if history.steps[0].diff is not None else None
    for req in corpus.requirements:
        d = derived.get(req.id, Derived())
        wanted = d.introduced or UNRELEASED
        said = req.introduced
        if said is not None and said != wanted and not (said == UNRELEASED and wanted == draft):
            yield _error(
                corpus,
                req,
                "introduced",
                f"'{req.id}' says ':introduced: {said}', but git history first has it in {wanted}",
                f"write ':introduced: {wanted}'",
            )
        for version in req.changed_in:
            if version not in d.changed_in:
                shown = ", ".join(d.changed_in) or "none"
                yield _error(
                    corpus,
                    req,
                    "changed_in",
                    f"'{req.id}' says ':changed_in: {version}', but git history shows no normative change "
                    f"in {version} (normative changes: {shown})",
                    "list only versions whose text changed the requirement normatively",
                )
        for version in req.withdrawn_in:
            if d.withdrawn_in not in (version, None) or (d.withdrawn_in is None and req.status is None):
                yield _error(
                    corpus,
                    req,
                    "withdrawn_in",
                    f"'{req.id}' says ':withdrawn_in: {version}', but git history withdrew it in "
                    f"{d.withdrawn_in or 'no version'}",
                    "set ':status: withdrawn' in that version, or correct ':withdrawn_in:'",
                )
