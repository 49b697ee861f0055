"""Specification versions (baselines) as data: their order, the version in force on an
installation date, and the checks of their dates and of requirements' version fields.

Git is not read here (this is floor 0): the text of a version at its revision, and
what git history says changed in it, live in :mod:`smets_spec.change.versions`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from typing import Protocol as Interface

from .diagnostics import Diagnostic, Location, Rule, Severity
from .schema import Need, Requirement, Version

#: ``:introduced:`` may say this of a requirement no version contains yet.
UNRELEASED = "unreleased"


class Located(Interface):
    @property
    def needs(self) -> dict[str, Need]: ...

    def location(self, need_id: str, field_name: str | None = None) -> Location: ...


def date_of(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _start(version: Version) -> dt.date:
    return date_of(version.installed_from) or date_of(version.designated) or dt.date.min


def ordered(needs: Iterable[Need]) -> list[Version]:
    """The versions, oldest first: recorded ones by the start of their window, the draft last."""
    versions = [n for n in needs if isinstance(n, Version)]
    return sorted(versions, key=lambda v: (v.is_draft, _start(v), v.id))


def window(version: Version) -> tuple[dt.date | None, dt.date | None]:
    return date_of(version.installed_from), date_of(version.installed_until)


def window_text(version: Version) -> str:
    if version.is_draft:
        return "working draft: governs no installation until it is recorded as a version"
    start, end = version.installed_from, version.installed_until
    if start and end:
        return f"installed {start} to {end}"
    if start:
        return f"installed from {start} (open-ended)"
    if end:
        return f"installed up to {end}"
    return "every installation (open at both ends)"


def in_force(versions: Iterable[Version], installed: dt.date) -> Version | None:
    """The recorded version whose installation window contains ``installed``."""
    for version in versions:
        if version.is_draft:
            continue
        start, end = window(version)
        if (start is None or start <= installed) and (end is None or installed <= end):
            return version
    return None


def _error(where: Location, message: str, fix: str) -> Diagnostic:
    return Diagnostic(where, Severity.ERROR, message, Rule.CONSISTENCY, fix)


def check_versions(corpus: Located) -> Iterator[Diagnostic]:
    """Windows run forwards and do not overlap; one working draft at most, and it comes last."""
    versions = ordered(corpus.needs.values())
    drafts = [v for v in versions if v.is_draft]
    for extra in drafts[1:]:
        yield _error(
            corpus.location(extra.id, "revision"),
            f"version '{extra.id}' has no ':revision:', and '{drafts[0].id}' is already the working draft",
            "give every recorded version the git revision of its text (a commit id or tag)",
        )
    recorded = [v for v in versions if not v.is_draft]
    for version in recorded:
        start, end = window(version)
        if start and end and end < start:
            yield _error(
                corpus.location(version.id, "installed_until"),
                f"version '{version.id}' ends its installation window ({end}) before it starts ({start})",
                "swap ':installed_from:' and ':installed_until:', or correct the dates",
            )
    for before, after in itertools.pairwise(recorded):
        end, start = window(before)[1], window(after)[0]
        if end is None or start is None or start <= end:
            yield _error(
                corpus.location(after.id, "installed_from"),
                f"the installation windows of '{before.id}' ({window_text(before)}) and '{after.id}' "
                f"({window_text(after)}) overlap",
                f"give '{before.id}' an ':installed_until:' before the ':installed_from:' of '{after.id}'",
            )


def check_requirement_versions(corpus: Located) -> Iterator[Diagnostic]:
    """``:introduced:`` names a version (or 'unreleased') once the spec has versions."""
    known = {n.id for n in corpus.needs.values() if isinstance(n, Version)}
    if not known:
        return
    for need in corpus.needs.values():
        if not isinstance(need, Requirement) or need.introduced in (None, UNRELEASED):
            continue
        if need.introduced not in known:
            yield _error(
                corpus.location(need.id, "introduced"),
                f"':introduced: {need.introduced}' on '{need.id}' names no version",
                f"use one of {', '.join(sorted(known))}, or '{UNRELEASED}'",
            )
