"""Findings as terminal text, Markdown and JSON, with the differing words marked.

In the terminal the words one text has and the other lacks are coloured (red
in the first text, green in the second) when the output is a terminal, and
written ``[-word-]`` / ``{+word+}`` otherwise; in Markdown they are bold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from .classify import FAILING, Finding, Kind, marked
from .scan import Scan
from .suppress import Outcome, Suppression, fingerprint
from .terms import TermFinding

SEVERITY = {
    Kind.DUPLICATE: "error",
    Kind.CONFLICT: "error",
    Kind.OVERLAP: "warning",
    Kind.SAME_TITLE: "warning",
    Kind.PARALLEL: "note",
}
TITLES = {
    Kind.DUPLICATE: "Duplicates",
    Kind.CONFLICT: "Possible conflicts",
    Kind.OVERLAP: "Overlaps",
    Kind.PARALLEL: "Parallel variants (information)",
    Kind.SAME_TITLE: "Same title, different bodies",
}
Wrap = Callable[[str], str]


def mark(text: str, spans: Sequence[tuple[int, int]], wrap: Wrap, escape: Callable[[str], str] = str) -> str:
    """``text`` with each span passed through ``wrap`` and the rest through ``escape``."""
    out: list[str] = []
    last = 0
    for start, end in sorted(spans):
        out.append(escape(text[last:start]))
        out.append(wrap(text[start:end]))
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def marked_pair(finding: Finding, color: bool) -> tuple[str, str]:
    spans_a, spans_b = marked(finding)
    if color:
        return (
            mark(finding.a.text, spans_a, lambda w: f"\033[1;31m{w}\033[0m"),
            mark(finding.b.text, spans_b, lambda w: f"\033[1;32m{w}\033[0m"),
        )
    return mark(finding.a.text, spans_a, lambda w: f"[-{w}-]"), mark(
        finding.b.text, spans_b, lambda w: f"{{+{w}+}}"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _scores(finding: Finding) -> str:
    return "  ".join(f"{name} {value:.2f}" for name, value in finding.scores.items())


def finding_text(finding: Finding, color: bool, stale: tuple[Suppression, list[str]] | None = None) -> str:
    a, b = marked_pair(finding, color)
    lines = [
        f"{finding.a.location}: {SEVERITY[finding.kind]}: {finding.a.id} and {finding.b.id}: "
        f"{finding.kind.value} (score {finding.score:.2f}) [smets.dups.{finding.kind.value}]",
        f"{finding.b.location}: note: {finding.b.id} is here",
        f"    reason: {finding.reason}",
        f"    {finding.a.id}: {_one_line(a)}",
        f"    {finding.b.id}: {_one_line(b)}",
        f"    scores: {_scores(finding)}   "
        f"fingerprints: {fingerprint(finding.a.text)} {fingerprint(finding.b.text)}",
    ]
    if stale is not None:
        entry, changed = stale
        lines.append(
            f"    {entry.location}: reviewed ({entry.reason}), "
            f"but the text of {', '.join(changed)} changed since"
        )
    if finding.kind in FAILING or finding.kind is Kind.OVERLAP:
        lines.append(
            "    fix: merge or reword them; if it is intended: "
            f"smets dups --accept {finding.a.id},{finding.b.id} "
            "--reason '...' --reviewer NAME"
        )
    return "\n".join(lines)


def term_text(term: TermFinding, limit: int = 8) -> str:
    forms = "; ".join(
        f"{form}: {', '.join(ids[:limit])}{f' and {len(ids) - limit} more' if len(ids) > limit else ''}"
        for form, ids in term.forms.items()
    )
    head = f"{term.location}: warning: {term.message} [smets.dups.{term.check}]"
    return f"{head}\n    used: {forms}\n    fix: {term.fix}"


def summary(scan: Scan, outcome: Outcome) -> str:
    counts = Counter(f.kind for f in outcome.active)
    groups = ", ".join(f"{n} {group}" for group, n in scan.compared.items())
    parts = ", ".join(f"{counts.get(kind, 0)} {kind.value}" for kind in Kind)
    text = f"compared {groups}: {parts}"
    if outcome.suppressed:
        text += f" ({len(outcome.suppressed)} reviewed and suppressed)"
    return text + f"; {len(outcome.terms)} terminology finding(s)" + known_open(outcome)


def known_open(outcome: Outcome) -> str:
    """Lines for the reviewed findings recorded as known and open (real, not resolved yet)."""
    lines = [
        f"\n{s.location}: note: {f.a.id} and {f.b.id}: {f.kind.value} known and open: {s.reason}"
        + (f" (see {s.see})" if s.see else "")
        for f, s in outcome.suppressed
        if s.status == "open"
    ]
    return "".join(lines)


def text_report(scan: Scan, outcome: Outcome, color: bool, terms: bool = True) -> str:
    out = [finding_text(f, color, outcome.stale.get(id(f))) for f in outcome.active]
    if terms:
        out += [term_text(t) for t in outcome.terms]
    out += [
        f"{s.location}: note: suppression matches no finding (the finding is gone, or its ids or class "
        "changed)"
        for s in outcome.unused
    ]
    out.append(summary(scan, outcome))
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").replace("\n", " ")


def markdown_report(scan: Scan, outcome: Outcome) -> str:
    lines = [f"# Duplicate analysis of {scan.source.origin}", "", summary(scan, outcome), ""]
    for kind in Kind:
        found = [f for f in outcome.active if f.kind is kind]
        if not found:
            continue
        lines += [
            f"## {TITLES[kind]} ({len(found)})",
            "",
            "| pair | score | texts (differing words in bold) | reason |",
            "|---|---|---|---|",
        ]
        for f in found:
            spans_a, spans_b = marked(f)
            a = mark(f.a.text, spans_a, lambda w: f"**{_md_escape(w)}**", _md_escape)
            b = mark(f.b.text, spans_b, lambda w: f"**{_md_escape(w)}**", _md_escape)
            lines.append(
                f"| {f.a.id} / {f.b.id} | {f.score:.2f} | {f.a.id}: {a}<br>{f.b.id}: {b} | "
                f"{_md_escape(f.reason)} |"
            )
        lines.append("")
    if outcome.terms:
        lines += [
            f"## Terminology ({len(outcome.terms)})",
            "",
            "| check | finding | used in |",
            "|---|---|---|",
        ]
        for t in outcome.terms:
            used = "; ".join(f"{_md_escape(form)}: {', '.join(ids[:8])}" for form, ids in t.forms.items())
            lines.append(f"| {t.check} | {_md_escape(t.message)} | {used} |")
        lines.append("")
    return "\n".join(lines)


def finding_json(finding: Finding, stale: tuple[Suppression, list[str]] | None = None) -> dict[str, Any]:
    spans_a, spans_b = marked(finding)
    data: dict[str, Any] = {
        "class": finding.kind.value,
        "score": finding.score,
        "scores": finding.scores,
        "reason": finding.reason,
        "signals": list(finding.signals),
        "group": finding.a.group,
    }
    for side, item, spans in (("a", finding.a, spans_a), ("b", finding.b, spans_b)):
        data[side] = {
            "id": item.id,
            "text": item.text,
            "location": str(item.location),
            "section": item.section,
            "fingerprint": fingerprint(item.text),
            "differing": [item.text[s:e] for s, e in spans],
            "spans": [list(span) for span in spans],
        }
    if stale is not None:
        data["reviewed"] = {
            "location": str(stale[0].location),
            "reason": stale[0].reason,
            "changed": stale[1],
        }
    return data


def json_report(scan: Scan, outcome: Outcome) -> dict[str, Any]:
    counts = Counter(f.kind.value for f in outcome.active)
    return {
        "source": scan.source.origin,
        "compared": scan.compared,
        "counts": {kind.value: counts.get(kind.value, 0) for kind in Kind},
        "failing": sum(1 for f in outcome.active if f.kind in FAILING),
        "findings": [finding_json(f, outcome.stale.get(id(f))) for f in outcome.active],
        "suppressed": [
            {
                "a": f.a.id,
                "b": f.b.id,
                "class": f.kind.value,
                "reason": s.reason,
                "reviewer": s.reviewer,
                "status": s.status,
                "see": s.see,
                "location": str(s.location),
            }
            for f, s in outcome.suppressed
        ],
        "unused_suppressions": [str(s.location) for s in outcome.unused],
        "terminology": [
            {
                "check": t.check,
                "term": t.term,
                "message": t.message,
                "forms": t.forms,
                "location": str(t.location),
                "fix": t.fix,
            }
            for t in outcome.terms
        ],
    }
