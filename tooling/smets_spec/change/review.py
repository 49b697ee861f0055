"""The pull-request review: one report of a change, for a change board.

It gathers, for ``BASE → HEAD``: the diff, the impact of every change with its
cost side, the links the change makes suspect (and those reviewed in it), the
duplicates or conflicts it introduces, and the validation errors of the head side
(with those already present on the base side told apart). Renderers turn it into
Markdown (:mod:`smets_spec.render.review_md`) or JSON (:func:`to_json`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..corpus.diagnostics import Diagnostic, Location, Severity
from ..corpus.load import Corpus
from ..corpus.schema import Requirement
from .changeset import ChangeSet
from .cost import CostAssessment
from .costmodel import CostModel
from .diff import CorpusDiff
from .impact import ImpactReport, analyse
from .specindex import Side
from .suspects import REVIEWS_FILE, Link, Review, Suspect, find_suspects, fingerprint, read_reviews


@dataclass(frozen=True)
class Finding:
    """A duplicate or conflict the change introduces (from the duplicates analysis)."""

    kind: str
    a: str
    b: str
    reason: str
    location: Location


@dataclass
class ReviewReport:
    base_label: str
    head_label: str
    diff: CorpusDiff
    impact: ImpactReport
    suspects: list[Suspect] = field(default_factory=list)
    reviewed: list[Link] = field(default_factory=list)  # cleared by reviews recorded in this change
    duplicates: list[Finding] | None = None  # None: not checked (see duplicates_note)
    duplicates_note: str = "the duplicates analysis was not run"
    errors: list[Diagnostic] = field(default_factory=list)  # head side
    new_errors: set[int] = field(default_factory=set)  # indexes into errors: not on the base side
    base_errors: int = 0
    notes: list[str] = field(default_factory=list)
    #: every file under spec/ that differs, need or not: (path, "added" | "removed" | "modified")
    files: list[tuple[str, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.diff.empty and not self.errors and not self.files


def changed_files(changeset: ChangeSet) -> list[tuple[str, str]]:
    """Every file under ``spec/`` added, removed or edited (pages, images, anything), in path order."""
    base, head = changeset.base.source.all_files, changeset.head.source.all_files
    found = []
    for path in sorted(set(base) | set(head)):
        if base.get(path) == head.get(path):
            continue
        found.append((path, "added" if path not in base else "removed" if path not in head else "modified"))
    return found


def _reviews_of(side: Side) -> dict[Link, Review]:
    data = side.source.read_optional(REVIEWS_FILE) or b""
    return read_reviews(data.decode("utf-8", errors="replace"), f"{REVIEWS_FILE} ({side.label})")


def _reviews(changeset: ChangeSet) -> tuple[dict[Link, Review], dict[Link, Review]]:
    """The reviews recorded on each side (a malformed file is an error on the head side only)."""
    try:
        base = _reviews_of(changeset.base)
    except ValueError:
        base = {}  # the change under review may be the one that repairs it
    return base, _reviews_of(changeset.head)


def suspects_of(changeset: ChangeSet) -> tuple[list[Suspect], list[Link]]:
    """New suspect links of a change, and the links reviewed within it."""
    base_reviews, head_reviews = _reviews(changeset)
    records: dict[str, Requirement] = {}
    for change in changeset.diff.changes:
        record = changeset.head.record(change.id)
        if isinstance(record, Requirement):
            records[change.id] = record
    base, head = changeset.base.index, changeset.head.index
    suspects = find_suspects(changeset.diff.changes, base, head, records, head_reviews)
    without = find_suspects(changeset.diff.changes, base, head, records, base_reviews)
    cleared = sorted({s.link for s in without} - {s.link for s in suspects})
    part = changeset.head.part({s.link.source for s in suspects})  # for the line of each link field
    located = [
        dataclasses.replace(s, location=part.location(s.link.source, s.link.link))
        if s.link.source in part.needs
        else s
        for s in suspects
    ]
    return located, cleared


def _error_key(d: Diagnostic) -> tuple[str, str]:
    return d.rule.value, d.message


def _validation(report: ReviewReport, changeset: ChangeSet) -> tuple[Corpus, Corpus | None]:
    head = changeset.head.corpus()
    report.errors = sorted(
        (d for d in head.diagnostics if d.severity is Severity.ERROR),
        key=lambda d: (d.location.file, d.location.line or 0),
    )
    if not report.errors:
        return head, None
    base = changeset.base.corpus()
    old = {_error_key(d) for d in base.diagnostics if d.severity is Severity.ERROR}
    report.base_errors = sum(1 for d in base.diagnostics if d.severity is Severity.ERROR)
    report.new_errors = {n for n, d in enumerate(report.errors) if _error_key(d) not in old}
    return head, base


def duplicates_introduced(
    base: Corpus | None, head: Corpus, base_side: Any, changed: set[str]
) -> list[Finding] | None:
    """Duplicates and conflicts in ``head`` that involve a changed need and are not in ``base``.

    SEAM (issue 4): this uses the duplicates package's scan until it publishes its
    entry point; None when the package is not there.
    """
    try:
        from ..duplicates.items import from_corpus
        from ..duplicates.scan import scan
    except ImportError:
        return None

    def findings(corpus: Corpus) -> list[Finding]:
        return [
            Finding(f.kind.value, f.a.id, f.b.id, f.reason, f.b.location)
            for f in scan(from_corpus(corpus)).findings
            if f.kind.value in {"duplicate", "conflict"} and ({f.a.id, f.b.id} & changed)
        ]

    new = findings(head)
    if not new:
        return []
    old_corpus = base if base is not None else base_side.corpus()
    old = {(f.kind, frozenset((f.a, f.b))) for f in findings(old_corpus)}
    return [f for f in new if (f.kind, frozenset((f.a, f.b))) not in old]


def build_review(changeset: ChangeSet, validate: bool = True, duplicates: bool = True) -> ReviewReport:
    """Everything a change board reads about ``changeset``."""
    report = ReviewReport(
        changeset.diff.base_label,
        changeset.diff.head_label,
        changeset.diff,
        analyse(changeset),
        notes=list(changeset.notes),
    )
    report.suspects, report.reviewed = suspects_of(changeset)
    report.files = changed_files(changeset)
    if changeset.diff.empty and changeset.base.source.files == changeset.head.source.files:
        return report  # nothing changed: nothing to validate anew
    head, base = _validation(report, changeset) if validate else (None, None)
    if not duplicates:
        report.duplicates_note = "skipped (--no-duplicates)"
    elif head is not None:
        changed = {c.id for c in changeset.diff.changes}
        report.duplicates = duplicates_introduced(base, head, changeset.base, changed)
        if report.duplicates is None:
            report.duplicates_note = "the duplicates analysis is not installed"
    return report


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def to_json(report: ReviewReport) -> dict[str, Any]:
    """The review as plain data (``smets review --format json``)."""
    return {
        "base": report.base_label,
        "head": report.head_label,
        "summary": summary(report),
        "changes": [_plain(c) for c in report.diff.changes],
        "impact": [
            {
                "id": item.change.id,
                "nature": item.change.nature.value,
                "impact_classes": _plain(item.impact),
                "bindings": _plain(item.bindings),
                "affected": _plain(item.affected),
                "cost": cost_json(item.cost, report.impact.cost_model) if item.cost else None,
            }
            for item in report.impact.items
        ],
        "suspects": [
            {
                "link": str(s.link),
                "requirement": s.link.requirement,
                "other": s.link.other,
                "fingerprint": s.fingerprint,
                "reason": s.reason,
                "file": s.location.file,
                "line": s.location.line,
                "reviewed_against": s.review.fingerprint if s.review else None,
            }
            for s in report.suspects
        ],
        "reviewed": [str(link) for link in report.reviewed],
        "files": [{"path": path, "status": status} for path, status in report.files],
        "duplicates": _plain(report.duplicates) if report.duplicates is not None else None,
        "errors": [d.to_json() | {"new": n in report.new_errors} for n, d in enumerate(report.errors)],
        "notes": report.notes,
    }


def cost_json(cost: CostAssessment, model: CostModel | None) -> dict[str, Any]:
    """A cost assessment as plain data, with every figure it names and its source or assumption."""
    data: dict[str, Any] = _plain(cost)
    figures = model.figures if model is not None else {}
    data["figures"] = {
        name: _plain(figures[name].range)
        | {
            "unit": figures[name].unit,
            "source": _plain(model.sources[figures[name].source or ""])
            if model and figures[name].source
            else None,
            "assumption": figures[name].assumption,
            "note": figures[name].note,
        }
        for name in cost.figures
        if name in figures
    }
    return data


def summary(report: ReviewReport) -> dict[str, Any]:
    counts = report.diff.counts()
    return counts | {
        "requirements_changed": sum(1 for c in report.diff.changes if c.is_requirement),
        "by_impact_class": report.impact.by_impact_class(),
        "devices": report.impact.devices(),
        "retrofit_asked": sorted(i.change.id for i in report.impact.items if i.cost and i.cost.retrofit),
        "suspect_links": len(report.suspects),
        "reviewed_links": len(report.reviewed),
        "duplicates": len(report.duplicates) if report.duplicates is not None else None,
        "errors": len(report.errors),
        "new_errors": len(report.new_errors),
        "files_changed": len(report.files),
    }


__all__ = ["ReviewReport", "build_review", "fingerprint", "summary", "to_json"]
