"""Site content of change control: the changelog page, the suspect-links page, and the
requirement-page panel with the requirement's change history and suspect links.

The pages are reST headings (and notes) around raw HTML tables; the panel is an HTML fragment.
Word diffs mark words with the classes ``smets-del`` and ``smets-ins``, those of the roles the
changelog page declares for its prose (``.. role:: smets-del``); the panel shows no word diff.
"""

from __future__ import annotations

from ..change.changelog import Status, Step, VersionHistory, history_of
from ..change.diff import ChangeKind, NeedChange
from ..change.editorial import Op, Segment
from ..change.suspects import Suspect
from ..corpus.load import Corpus
from ..markup.html import Linker, esc, need_link, raw_block, table
from ..markup.panels import html_panel
from ..markup.rst import escape, heading

_MAX_WORDS = 80  # longer word diffs are shortened around the changes


def _link(corpus: Corpus, linker: Linker, need_id: str) -> str:
    """A link to a need showing its id and title, or its id as code when it is not in the corpus."""
    if need_id not in corpus.needs:
        return f"<code>{esc(need_id)}</code>"
    return need_link(corpus, linker, need_id, show_title=True)


def html_words(segments: tuple[Segment, ...]) -> str:
    """A word diff: removed words in ``smets-del``, added ones in ``smets-ins`` spans."""
    out = []
    for seg in segments:
        words = seg.text.split()
        if seg.op is Op.EQUAL:
            shown = words if len(words) <= _MAX_WORDS // 4 else [*words[:6], "…", *words[-6:]]
            out.append(esc(" ".join(shown)))
        elif words:
            css = "smets-del" if seg.op is Op.DELETE else "smets-ins"
            out.append(f'<span class="{css}">{esc(" ".join(words))}</span>')
    return " ".join(out)


def _flat(value: str) -> str:
    return esc(" ".join(value.split())) or "—"


def _detail(change: NeedChange) -> str:
    parts = []
    if change.kind is ChangeKind.RETYPED:
        parts.append(f"type {esc(change.old_directive)} → {esc(change.directive)}")
    for f in change.fields:
        if f.words:
            parts.append(f"{esc(f.name)}: {html_words(f.words)}")
        else:
            metadata = " (metadata)" if f.metadata else ""
            parts.append(f"{esc(f.name)}: {_flat(f.old)} → {_flat(f.new)}{metadata}")
    if change.kind is ChangeKind.MOVED:
        parts.append(
            f"moved from <code>{esc(change.base_location)}</code> to <code>{esc(change.head_location)}</code>"
        )
    return "; ".join(parts)


def _rows(corpus: Corpus, linker: Linker, changes: list[NeedChange]) -> list[list[str]]:
    return [
        [
            _link(corpus, linker, c.id),
            esc(c.directive),
            esc(c.kind.value),
            esc(c.nature.value) if c.kind is not ChangeKind.MOVED else "",
            _detail(c),
        ]
        for c in changes
    ]


def _step(corpus: Corpus, linker: Linker, step: Step) -> str:
    title = step.name if step.previous is None else f"{step.name} (since {step.previous})"
    out = heading(title, "-")
    if step.diff is None:
        return out + raw_block(f"<p>Initial version: {step.size} requirements.</p>")
    counts = step.diff.counts()
    summary = (
        f"<p>{step.size} requirements. Changes: {counts['added']} added, {counts['removed']} removed, "
        f"{counts['modified']} modified, {counts['retyped']} retyped, {counts['moved']} moved; "
        f"{counts['normative']} normative, {counts['editorial']} editorial.</p>"
    )
    rows = _rows(corpus, linker, step.diff.changes)
    header = ["Need", "Type", "Change", "Nature", "What changed"]
    return out + raw_block(summary + (table(header, rows, "smets-list") if rows else "<p>No change.</p>"))


def changelog_page(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """The version history: each version tag against the one before, newest first."""
    history = history_of(corpus)
    if history.status is not Status.OK:
        return f".. note::\n\n   {escape(history.message)}\n"
    return "\n".join(_step(corpus, linker, step) for step in history.steps)


def _suspect_rows(corpus: Corpus, linker: Linker, suspects: list[Suspect]) -> list[list[str]]:
    return [
        [
            _link(corpus, linker, s.link.requirement),
            _link(corpus, linker, s.link.other),
            esc(s.link.link),
            f"<code>{esc(s.location)}</code>",
            esc(s.reason),
        ]
        for s in suspects
    ]


def suspects_page(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """Unreviewed suspect links since the last version tag."""
    history = history_of(corpus)
    if history.status is not Status.OK:
        return f".. note::\n\n   {escape(history.message)}\n"
    if not history.suspects:
        return raw_block(f"<p>No unreviewed suspect link since {esc(history.last_tag)}.</p>")
    intro = (
        f"<p>{len(history.suspects)} link(s) to requirements whose normative content changed since "
        f"{esc(history.last_tag)} have not been reviewed. Check each against the new text, then run "
        "<code>smets accept ID</code> and commit <code>spec/reviews/accepted.toml</code>.</p>"
    )
    rows = _suspect_rows(corpus, linker, history.suspects)
    return raw_block(
        intro + table(["Requirement", "Linked need", "Link", "Written at", "Why"], rows, "smets-list")
    )


def _history_items(history: VersionHistory, req_id: str) -> list[str]:
    items = []
    for step, change in history.changes_of(req_id):
        why = "; ".join(change.reasons) if change.normative else "wording only"
        items.append(f"{esc(step.name)}: {change.kind.value}, {change.nature.value} ({esc(why)})")
    return items


def _ul(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


@html_panel("change-history", "Change history and suspect links", order=80)
def history_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    history = history_of(corpus)
    if history.status is not Status.OK:
        return ""
    items = _history_items(history, req_id)
    suspects = history.suspects_to(req_id)
    html = _ul(items) if items else f"<p>Unchanged since {esc(history.steps[-1].name)}.</p>"
    if suspects:
        html += "<p><strong>Suspect links</strong> (not reviewed since the change):</p>"
        html += _ul(
            [
                f"{_link(corpus, linker, s.link.other)} {esc(s.link.link)} (<code>{esc(s.location)}</code>)"
                for s in suspects
            ]
        )
    return html
