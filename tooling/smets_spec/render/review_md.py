"""The review as Markdown that reads well as a pull-request comment (GitHub flavour).

Tables for the summary and the costs, word diffs in quotes (~~removed~~ **added**),
long lists folded in ``<details>``. The text starts with a hidden marker so a CI
job can find and update its earlier comment.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..change.costmodel import CostModel
from ..change.diff import ChangeKind, FieldChange, NeedChange
from ..change.editorial import Op, Segment
from ..change.impact import GROUPS, ChangeImpact
from ..change.review import ReviewReport, summary
from . import cost_md

MARKER = "<!-- smets-review -->"
#: GitHub refuses comments over 65,536 characters.
LIMIT = 60_000
_CONTEXT = 6  # words kept around each change in a word diff


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return ""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    for char in "\\`*_~[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def _shorten(parts: list[str], first: bool, last: bool, context: int) -> str:
    """An unchanged run of words, cut to ``context`` words next to each change."""
    if first and last:
        return " ".join(parts)
    if first:
        return ("… " if len(parts) > context else "") + " ".join(parts[-context:])
    if last:
        return " ".join(parts[:context]) + (" …" if len(parts) > context else "")
    if len(parts) > 2 * context:
        return " ".join(parts[:context]) + " … " + " ".join(parts[-context:])
    return " ".join(parts)


def words(segments: Sequence[Segment], context: int = _CONTEXT) -> str:
    """A word diff as Markdown (~~removed~~ **added**), unchanged runs shortened."""
    out: list[str] = []
    for n, seg in enumerate(segments):
        text = _md_escape(seg.text)
        if seg.op is Op.DELETE:
            out.append(f"~~{text}~~")
        elif seg.op is Op.INSERT:
            out.append(f"**{text}**")
        else:
            out.append(_shorten(text.split(), n == 0, n == len(segments) - 1, context))
    return " ".join(out)


def _where(change: NeedChange) -> str:
    if change.kind is ChangeKind.MOVED or (
        change.base_location
        and change.head_location
        and change.base_location.file != change.head_location.file
    ):
        return f"`{change.base_location}` → `{change.head_location}`"
    where = change.head_location or change.base_location
    return f"`{where}`"


def _fields(fields: Sequence[FieldChange]) -> str:
    rows = [
        [f"`{f.name}`" + (" (metadata)" if f.metadata else ""), f.old or "—", f.new or "—"]
        for f in fields
        if f.name not in {"title", "content"}
    ]
    return table(["Field", "Before", "After"], rows)


def _heading(item: ChangeImpact) -> str:
    change = item.change
    classes = ", ".join(c.value for c in item.impact) or "no impact class"
    nature = "**normative**" if change.normative else "editorial"
    kind = change.kind.value + (
        f" ({change.old_directive} → {change.directive})" if change.old_directive else ""
    )
    return f"#### {change.id} {cell(change.title)}\n\n{kind} · {nature} · {classes} · {_where(change)}\n"


def _text_changes(change: NeedChange) -> list[str]:
    out = []
    for name in ("title", "content"):
        f = change.field(name)
        if f is not None and f.words:
            out.append(f"> {words(f.words)}\n" if name == "content" else f"Title: {words(f.words)}\n")
    return out


def _count(n: int, plural: str) -> str:
    return f"{n} {plural.removesuffix('s') if n == 1 else plural}"


def _downstream(item: ChangeImpact) -> str:
    if not item.affected:
        return "Nothing downstream.\n"
    counts = [_count(len(item.group(g)), title.lower()) for g, title in GROUPS if item.group(g)]
    if item.others():
        counts.append(f"{len(item.others())} other")
    rows = [
        [f"`{a.id}`", a.directive + (f" ({a.degree})" if a.degree else ""), f"`{a.path}`"]
        for a in item.affected
    ]
    return (
        f"<details><summary>Downstream: {', '.join(counts)}</summary>\n\n"
        + table(["Need", "Type", "Path"], rows)
        + "\n</details>\n"
    )


def change_section(item: ChangeImpact, details: bool = True) -> str:
    change = item.change
    parts = [_heading(item)]
    if change.kind is ChangeKind.ADDED:
        parts.append("New.\n")
    elif change.kind is ChangeKind.REMOVED:
        parts.append("Removed: installed equipment needs nothing; links to it must go.\n")
    if change.normative and change.reasons and change.kind in {ChangeKind.MODIFIED, ChangeKind.RETYPED}:
        parts.append("Why normative: " + "; ".join(_md_escape(r) for r in change.reasons) + "\n")
    parts += _text_changes(change)
    parts.append(_fields(change.fields))
    moved = [b for b in item.bindings if b.before != b.after]
    if moved:
        parts.append(
            "Device degree: "
            + ", ".join(
                f"{b.device} {b.before.value if b.before else '—'} → {b.after.value if b.after else '—'}"
                for b in moved
            )
            + "\n"
        )
    if details:
        parts.append(_downstream(item))
    return "\n".join(p for p in parts if p)


def cost_section(item: ChangeImpact, model: CostModel | None) -> str:
    return cost_md.cost_section(item.cost, model)


def summary_table(report: ReviewReport) -> str:
    s = summary(report)
    retrofit = ", ".join(s["retrofit_asked"]) or "none"
    classes = ", ".join(f"{k} {v}" for k, v in s["by_impact_class"].items()) or "none"
    devices = ", ".join(f"{k} ({v})" for k, v in s["devices"].items()) or "none"
    dups = "not checked" if s["duplicates"] is None else str(s["duplicates"])
    rows = [
        [
            "Needs changed",
            f"{s['added']} added, {s['removed']} removed, {s['modified']} modified, "
            f"{s['retyped']} retyped, {s['moved']} moved",
        ],
        ["Normative / editorial", f"{s['normative']} / {s['editorial']}"],
        ["Normative requirement changes by impact class", classes],
        ["Devices bound by normative changes", devices],
        ["Retrofit asked", retrofit],
        [
            "New suspect links",
            f"{s['suspect_links']}"
            + (f" ({s['reviewed_links']} reviewed in this change)" if s["reviewed_links"] else ""),
        ],
        ["Duplicates / conflicts introduced", dups],
        ["Validation errors (head)", f"{s['errors']} ({s['new_errors']} new)"],
    ]
    return table(["", ""], rows)


def suspects_section(report: ReviewReport) -> str:
    if not report.suspects:
        text = "None.\n"
    else:
        rows = [
            [
                f"`{s.link}`",
                f"`{s.location}`",
                s.reason,
                f"reviewed against `{s.review.fingerprint}`" if s.review else "never reviewed",
            ]
            for s in report.suspects
        ]
        reqs = " ".join(sorted({s.link.requirement for s in report.suspects}))
        text = (
            table(["Link", "Written at", "Why", "Review"], rows)
            + f"\nAfter checking each test, model and data item against the new text: "
            f"`smets accept {reqs}`, then commit `spec/reviews/accepted.toml`.\n"
        )
    if report.reviewed:
        text += "\nReviewed in this change: " + ", ".join(f"`{link}`" for link in report.reviewed) + "\n"
    return text


def errors_section(report: ReviewReport) -> str:
    if not report.errors:
        return "None.\n"
    lines = ["```"]
    for n, d in enumerate(report.errors):
        tag = "" if n in report.new_errors else " (already on base)"
        lines.append(f"{d.location}: error: {d.message} [{d.rule.value}]{tag}")
        if d.fix:
            lines.append(f"    fix: {d.fix}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def duplicates_section(report: ReviewReport) -> str:
    if report.duplicates is None:
        return f"Not checked: {report.duplicates_note}.\n"
    rows = [[f.kind, f"`{f.a}`", f"`{f.b}`", f.reason] for f in report.duplicates]
    return table(["Kind", "Need", "Other", "Why"], rows) or "None.\n"


def render(report: ReviewReport, limit: int = LIMIT) -> str:
    """The review as a pull-request comment (shortened to fit ``limit`` characters)."""
    text = _render(report, details=True)
    if len(text) > limit:
        text = _render(report, details=False)
    if len(text) > limit:
        cut = text[: limit - 200].rsplit("\n", 1)[0]
        text = cut + "\n\n… (shortened to fit a comment: run `smets review --format json` for everything)\n"
    return text


def _render(report: ReviewReport, details: bool) -> str:
    title = f"## SMETS change review: `{report.base_label}` → `{report.head_label}`\n"
    if report.empty:
        return f"{MARKER}\n{title}\nNo change to the specification between these revisions.\n"
    reqs = [i for i in report.impact.items if i.change.is_requirement]
    others = [i for i in report.impact.items if not i.change.is_requirement]
    moved = report.diff.of_kind(ChangeKind.MOVED)
    parts = [MARKER, title, *[f"> {n}\n" for n in report.notes], summary_table(report)]
    parts.append("### Changed requirements\n")
    parts += [change_section(i, details) for i in reqs] or ["None.\n"]
    if others:
        parts.append("### Other changed needs\n")
        parts += [change_section(i, details) for i in others]
    if moved:
        parts.append("Moved without change: " + ", ".join(f"`{c.id}` ({_where(c)})" for c in moved) + "\n")
    model = report.impact.cost_model
    costs = [cost_section(i, model) for i in reqs if i.cost is not None]
    parts.append("### Cost of change\n")
    parts.append(
        "Equipment stays compliant with the SMETS version extant when it was installed: a change "
        "applies to new installations unless the requirement asks for retrofit (`:retrofit: true`).\n"
    )
    parts += costs or ["No normative requirement change binds a device.\n"]
    parts += ["### New suspect links\n", suspects_section(report)]
    parts += ["### Duplicates and conflicts introduced\n", duplicates_section(report)]
    parts += ["### Validation errors (head)\n", errors_section(report)]
    parts += ["### Files changed under spec/\n", files_section(report)]
    return "\n".join(parts)


def files_section(report: ReviewReport) -> str:
    """Every file under spec/ that differs: a page without needs, an image, anything."""
    if not report.files:
        return "None.\n"
    with_needs = {c.head_location.file for c in report.diff.changes if c.head_location is not None}
    with_needs |= {c.base_location.file for c in report.diff.changes if c.base_location is not None}
    rows = [
        [_md_escape(path), status, "needs changed (above)" if path in with_needs else "no need changed"]
        for path, status in report.files
    ]
    return table(["File", "Change", "Needs"], rows)
