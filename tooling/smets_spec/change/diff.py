"""The difference between two corpora, need by need (identity is the need id).

A need present on both sides is the same need wherever its file is: a moved or
renamed file gives ``moved`` entries (or ``modified`` ones that also moved), never
a delete plus an add. A need whose id now names another type (for example a
``term`` rewritten as a ``dataitem`` with the same id) is ``retyped``.

Every change is classified (see :mod:`smets_spec.change.editorial` for the rule):
*editorial* (wording only) or *normative*, with the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from ..corpus.diagnostics import Location
from ..corpus.load import Corpus
from ..corpus.schema import ImpactClass, Need, Requirement
from .editorial import Segment, text_reasons, word_diff

#: Fields that describe where a statement comes from, not what the spec requires (and
#: every field named ``*_source`` or ``*_basis``).
METADATA_FIELDS = frozenset({"tags", "introduced", "changed_in", "withdrawn_in", "source"})


def is_metadata(name: str) -> bool:
    return name in METADATA_FIELDS or name.endswith(("_source", "_basis"))


#: Free-text fields compared with the editorial rule; every other field must stay equal.
TEXT_FIELDS = frozenset({"title", "content", "range", "proposed_wording"})


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    MOVED = "moved"
    RETYPED = "retyped"


class Nature(StrEnum):
    EDITORIAL = "editorial"
    NORMATIVE = "normative"


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: str
    new: str
    metadata: bool = False
    words: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class NeedChange:
    """One need that differs between the two sides."""

    id: str
    kind: ChangeKind
    directive: str  # the type on the head side (base side when removed)
    title: str
    nature: Nature
    base_location: Location | None = None
    head_location: Location | None = None
    old_directive: str | None = None  # when retyped
    fields: tuple[FieldChange, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def is_requirement(self) -> bool:
        return self.directive == Requirement.directive

    @property
    def normative(self) -> bool:
        return self.nature is Nature.NORMATIVE

    def field(self, name: str) -> FieldChange | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class CorpusDiff:
    base_label: str
    head_label: str
    changes: list[NeedChange] = field(default_factory=list)

    def of_kind(self, kind: ChangeKind) -> list[NeedChange]:
        return [c for c in self.changes if c.kind is kind]

    @property
    def empty(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, int]:
        out = {kind.value: len(self.of_kind(kind)) for kind in ChangeKind}
        out["normative"] = sum(1 for c in self.changes if c.normative)
        out["editorial"] = sum(
            1 for c in self.changes if c.nature is Nature.EDITORIAL and c.kind is not ChangeKind.MOVED
        )
        return out


def show(value: Any) -> str:
    """A field value as the spec author writes it."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple | list):
        return ", ".join(show(v) for v in value)
    return str(value)


def _field_names(old: Need, new: Need) -> list[str]:
    names = ["title", "content"]
    for model in (type(old), type(new)):
        names.extend(n for n in model.own_fields() if n not in names)
    return names


def compare_fields(old: Need, new: Need) -> tuple[tuple[FieldChange, ...], tuple[str, ...]]:
    """Field-level changes of a need, and the reasons (if any) that make them normative."""
    changes: list[FieldChange] = []
    reasons: list[str] = []
    for name in _field_names(old, new):
        before, after = show(getattr(old, name, None)), show(getattr(new, name, None))
        if before == after:
            continue
        metadata = is_metadata(name)
        words = word_diff(before, after) if name in TEXT_FIELDS else ()
        changes.append(FieldChange(name, before, after, metadata, words))
        if metadata:
            continue
        if name in TEXT_FIELDS:
            reasons.extend(f"{name}: {why}" for why in text_reasons(before, after))
        else:
            reasons.append(f"{name}: '{before}' → '{after}'")
    return tuple(changes), tuple(reasons)


def _location(corpus: Corpus, need_id: str) -> Location:
    return corpus.locations[need_id]


def diff_need(need_id: str, base: Corpus, head: Corpus) -> NeedChange | None:
    old, new = base.needs.get(need_id), head.needs.get(need_id)
    if old is None and new is not None:
        return NeedChange(
            need_id,
            ChangeKind.ADDED,
            new.directive,
            new.title,
            Nature.NORMATIVE,
            head_location=_location(head, need_id),
            reasons=("new",),
        )
    if new is None and old is not None:
        return NeedChange(
            need_id,
            ChangeKind.REMOVED,
            old.directive,
            old.title,
            Nature.NORMATIVE,
            base_location=_location(base, need_id),
            reasons=("removed",),
        )
    assert old is not None and new is not None
    where_old, where_new = _location(base, need_id), _location(head, need_id)
    fields, reasons = compare_fields(old, new)
    if old.directive != new.directive:
        return NeedChange(
            need_id,
            ChangeKind.RETYPED,
            new.directive,
            new.title,
            Nature.NORMATIVE,
            where_old,
            where_new,
            old.directive,
            fields,
            (f"type: {old.directive} → {new.directive}", *reasons),
        )
    if fields:
        nature = Nature.NORMATIVE if reasons else Nature.EDITORIAL
        return NeedChange(
            need_id,
            ChangeKind.MODIFIED,
            new.directive,
            new.title,
            nature,
            where_old,
            where_new,
            fields=fields,
            reasons=reasons,
        )
    if where_old.file != where_new.file:
        return NeedChange(
            need_id, ChangeKind.MOVED, new.directive, new.title, Nature.EDITORIAL, where_old, where_new
        )
    return None


def diff_corpora(
    base: Corpus,
    head: Corpus,
    base_label: str = "base",
    head_label: str = "head",
    candidates: set[str] | None = None,
) -> CorpusDiff:
    """Compare two corpora. ``candidates`` limits the comparison to these ids (the
    needs of changed files, when the caller knows every other need is the same)."""
    ids = candidates if candidates is not None else set(base.needs) | set(head.needs)
    order: dict[str, int] = {}
    for need_id in [*head.needs, *base.needs]:
        order.setdefault(need_id, len(order))
    out = CorpusDiff(base_label, head_label)
    for need_id in sorted(ids, key=lambda i: (order.get(i, len(order)), i)):
        change = diff_need(need_id, base, head)
        if change is not None:
            out.changes.append(change)
    return out


def impact_classes(change: NeedChange, base: Corpus, head: Corpus) -> tuple[ImpactClass, ...]:
    """The impact class(es) of a changed requirement, on either side (most severe first)."""
    found: set[ImpactClass] = set()
    for corpus in (base, head):
        need = corpus.needs.get(change.id)
        if isinstance(need, Requirement) and need.impact is not None:
            found.add(need.impact)
    return tuple(c for c in ImpactClass if c in found)
