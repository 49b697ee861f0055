"""Terminal text of ``smets diff`` and ``smets impact``: one need per paragraph, gcc-style places."""

from __future__ import annotations

from ..change.diff import ChangeKind, CorpusDiff, NeedChange
from ..change.editorial import Op, Segment
from ..change.impact import GROUPS, ChangeImpact, ImpactReport
from .cost_md import cost_text


def word_diff_text(segments: tuple[Segment, ...]) -> str:
    """``[-removed-]{+added+}``, as ``git diff --word-diff`` writes it."""
    out = []
    for seg in segments:
        if seg.op is Op.DELETE:
            out.append(f"[-{seg.text}-]")
        elif seg.op is Op.INSERT:
            out.append(f"{{+{seg.text}+}}")
        else:
            out.append(seg.text)
    return " ".join(out)


def _place(change: NeedChange) -> str:
    return str(change.head_location or change.base_location)


def change_text(change: NeedChange) -> str:
    label = change.kind.value
    if change.kind is ChangeKind.RETYPED:
        label += f" ({change.old_directive} → {change.directive})"
    if change.kind is ChangeKind.MOVED:
        return f"{_place(change)}: {change.id} moved from {change.base_location}"
    lines = [f"{_place(change)}: {change.id} {label}, {change.nature.value}: {change.title}"]
    if change.normative and change.kind in {ChangeKind.MODIFIED, ChangeKind.RETYPED}:
        lines += [f"    why: {why}" for why in change.reasons]
    for f in change.fields:
        if f.words:
            lines.append(f"    {f.name}: {word_diff_text(f.words)}")
        else:
            tag = " (metadata)" if f.metadata else ""
            lines.append(f"    {f.name}{tag}: {f.old or '—'} → {f.new or '—'}")
    if (
        change.base_location
        and change.head_location
        and change.base_location.file != change.head_location.file
    ):
        lines.append(f"    moved from {change.base_location}")
    return "\n".join(lines)


def counts_line(diff: CorpusDiff) -> str:
    c = diff.counts()
    return (
        f"{diff.base_label} → {diff.head_label}: {c['added']} added, {c['removed']} removed, "
        f"{c['modified']} modified, {c['retyped']} retyped, {c['moved']} moved; "
        f"{c['normative']} normative, {c['editorial']} editorial"
    )


def diff_text(diff: CorpusDiff) -> str:
    if diff.empty:
        return f"{diff.base_label} → {diff.head_label}: no change\n"
    return "\n".join([*(change_text(c) for c in diff.changes), counts_line(diff)]) + "\n"


def impact_item_text(item: ChangeImpact) -> str:
    change = item.change
    classes = ", ".join(c.value for c in item.impact) or "no impact class"
    lines = [
        f"{_place(change)}: {change.id} {change.kind.value}, {change.nature.value}, {classes}: {change.title}"
    ]
    if change.normative and change.kind in {ChangeKind.MODIFIED, ChangeKind.RETYPED}:
        lines += [f"    why: {why}" for why in change.reasons]
    for group, title in GROUPS:
        for a in item.group(group):
            degree = f" ({a.degree})" if a.degree else ""
            lines.append(f"    {title.lower()}: {a.id}{degree}  via {a.path}")
    lines += [f"    other: {a.id} ({a.directive})  via {a.path}" for a in item.others()]
    if not item.affected:
        lines.append("    nothing downstream")
    if item.cost is not None:
        lines += cost_text(item.cost)
    return "\n".join(lines)


def impact_text(report: ImpactReport) -> str:
    if not report.items:
        return f"{report.base_label} → {report.head_label}: no change\n"
    out = [f"note: {n}" for n in report.notes]
    out += [impact_item_text(item) for item in report.items]
    classes = ", ".join(f"{k} {v}" for k, v in report.by_impact_class().items()) or "none"
    devices = ", ".join(f"{k} ({v})" for k, v in report.devices().items()) or "none"
    out.append(
        f"{len(report.items)} change(s), {len(report.normative())} normative; "
        f"by impact class: {classes}; devices bound: {devices}"
    )
    return "\n".join(out) + "\n"
