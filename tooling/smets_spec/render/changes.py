"""Site content of change control: the changelog page, the suspect-links page, and the
requirement-page panel with the requirement's change history and suspect links.

Word diffs use the roles ``smets-del`` and ``smets-ins`` that the changelog page
declares (``.. role:: smets-del``); the panel shows no word diff.
"""

from __future__ import annotations

from ..changelog import Status, Step, VersionHistory, history_of
from ..corpus import Corpus
from ..diff import ChangeKind, NeedChange
from ..editorial import Op, Segment
from ..schema import Requirement
from ..suspects import Suspect
from .panels import panel
from .requirement import req_ref
from .rst import bullet, escape, heading, list_table, need_ref

_MAX_WORDS = 80  # longer word diffs are shortened around the changes


def _ref(corpus: Corpus, need_id: str) -> str:
    need = corpus.needs.get(need_id)
    if need is None:
        return f"``{need_id}``"
    return req_ref(corpus, need_id) if isinstance(need, Requirement) else need_ref(need_id)


def rst_words(segments: tuple[Segment, ...]) -> str:
    """A word diff with the page's ``smets-del`` / ``smets-ins`` roles."""
    out = []
    for seg in segments:
        text = escape(seg.text)
        if seg.op is Op.EQUAL:
            parts = text.split()
            out.append(
                " ".join(parts)
                if len(parts) <= _MAX_WORDS // 4
                else " ".join(parts[:6]) + " … " + " ".join(parts[-6:])
            )
        elif text:
            role = "smets-del" if seg.op is Op.DELETE else "smets-ins"
            out.append(f":{role}:`{text}`")
    return " ".join(out)


def _detail(change: NeedChange, diffs: bool) -> str:
    parts = []
    if change.kind is ChangeKind.RETYPED:
        parts.append(f"type {change.old_directive} → {change.directive}")
    for f in change.fields:
        if f.words and diffs:
            parts.append(f"{f.name}: {rst_words(f.words)}")
        else:
            parts.append(
                f"{f.name}: {escape(f.old) or '—'} → {escape(f.new) or '—'}"
                + (" (metadata)" if f.metadata else "")
            )
    if change.kind is ChangeKind.MOVED:
        parts.append(f"moved from ``{change.base_location}`` to ``{change.head_location}``")
    return "; ".join(parts)


def _rows(corpus: Corpus, changes: list[NeedChange], diffs: bool) -> list[list[str]]:
    return [
        [
            _ref(corpus, c.id),
            c.directive,
            c.kind.value,
            c.nature.value if c.kind is not ChangeKind.MOVED else "",
            _detail(c, diffs),
        ]
        for c in changes
    ]


def _step(corpus: Corpus, step: Step) -> str:
    title = step.name if step.previous is None else f"{step.name} (since {step.previous})"
    out = [heading(title, "-")]
    if step.diff is None:
        out.append(f"Initial version: {step.size} requirements.\n")
        return "\n".join(out)
    counts = step.diff.counts()
    out.append(
        f"{step.size} requirements. Changes: {counts['added']} added, {counts['removed']} removed, "
        f"{counts['modified']} modified, {counts['retyped']} retyped, {counts['moved']} moved; "
        f"{counts['normative']} normative, {counts['editorial']} editorial.\n"
    )
    out.append(
        list_table(
            ["Need", "Type", "Change", "Nature", "What changed"],
            _rows(corpus, step.diff.changes, True),
            [14, 8, 9, 9, 60],
        )
        or "No change.\n"
    )
    return "\n".join(out)


def changelog_page(corpus: Corpus, args: list[str]) -> str:
    """The version history: each version tag against the one before, newest first."""
    history = history_of(corpus)
    if history.status is not Status.OK:
        return f".. note::\n\n   {escape(history.message)}\n"
    return "\n".join(_step(corpus, step) for step in history.steps)


def _suspect_rows(corpus: Corpus, suspects: list[Suspect]) -> list[list[str]]:
    return [
        [
            _ref(corpus, s.link.requirement),
            _ref(corpus, s.link.other),
            s.link.link,
            f"``{s.location}``",
            escape(s.reason),
        ]
        for s in suspects
    ]


def suspects_page(corpus: Corpus, args: list[str]) -> str:
    """Unreviewed suspect links since the last version tag."""
    history = history_of(corpus)
    if history.status is not Status.OK:
        return f".. note::\n\n   {escape(history.message)}\n"
    if not history.suspects:
        return f"No unreviewed suspect link since {history.last_tag}.\n"
    intro = (
        f"{len(history.suspects)} link(s) to requirements whose normative content changed since "
        f"{history.last_tag} have not been reviewed. Check each against the new text, then run "
        "``smets accept ID`` and commit ``spec/reviews/accepted.toml``.\n\n"
    )
    return intro + list_table(
        ["Requirement", "Linked need", "Link", "Written at", "Why"],
        _suspect_rows(corpus, history.suspects),
        [14, 22, 10, 20, 34],
    )


def _history_lines(history: VersionHistory, req_id: str) -> list[str]:
    lines = []
    for step, change in history.changes_of(req_id):
        why = "; ".join(change.reasons) if change.normative else "wording only"
        lines.append(f"{escape(step.name)}: {change.kind.value}, {change.nature.value} ({escape(why)})")
    return lines


@panel("change-history", "Change history and suspect links", order=80)
def history_panel(corpus: Corpus, req_id: str) -> str:
    history = history_of(corpus)
    if history.status is not Status.OK:
        return ""
    lines = _history_lines(history, req_id)
    suspects = [s for s in history.suspects if s.link.requirement == req_id]
    text = bullet(lines) if lines else f"Unchanged since {history.steps[-1].name}.\n"
    if suspects:
        text += "\n**Suspect links** (not reviewed since the change):\n\n"
        text += bullet([f"{_ref(corpus, s.link.other)} {s.link.link} (``{s.location}``)" for s in suspects])
    return text
