"""``smets compliance`` as text and Markdown: the version in force, the requirements with
their text as of that version, what changed since for the device, and its version timeline."""

from __future__ import annotations

import textwrap
from collections import Counter

from ..change.versions import ChangeSince, Compliance
from ..corpus.versions import window_text
from .change_text import word_diff_text


def _heading(result: Compliance) -> str:
    version = result.version
    if version is None:
        return f"{result.device} ({result.device_title}) installed {result.installed}: {result.message}"
    revision = f"text at {version.revision[:10]}" if version.revision else "the working tree"
    return (
        f"{result.device} ({result.device_title}) installed {result.installed}: version {version.id} "
        f"({version.title}; {window_text(version)}; {revision})"
    )


def _degrees(result: Compliance) -> str:
    counts = Counter(o.degree.value for o in result.obligations)
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def _since_line(c: ChangeSince) -> str:
    change = c.change
    scope = ""
    if c.binds_before and not c.binds_after:
        scope = " (no longer binds this device)"
    elif c.binds_after and not c.binds_before:
        scope = " (now binds this device)"
    head = f"  {c.version}: {change.id} {change.kind.value}, {change.nature.value}{scope}: {change.title}"
    lines = [head]
    if change.normative:
        lines += [f"      why: {why}" for why in change.reasons]
        content = change.field("content")
        if content is not None and content.words:
            lines.append(f"      content: {word_diff_text(content.words)}")
    return "\n".join(lines)


def _since_counts(result: Compliance) -> str:
    normative = sum(1 for c in result.since if c.change.normative)
    return f"{normative} normative, {len(result.since) - normative} editorial"


def compliance_text(result: Compliance, full: bool = False) -> str:
    out = [_heading(result)]
    if result.version is not None:
        out.append(f"{len(result.obligations)} requirement(s) to meet ({_degrees(result)}):")
        for o in result.obligations:
            out.append(f"  {o.id} [{o.degree.value}, {o.impact or 'no impact class'}] {o.title}")
            text = " ".join(o.text.split())
            body = text if full else textwrap.shorten(text, 160, placeholder=" …")
            out += [f"      {line}" for line in textwrap.wrap(body, 96)]
        out.append(f"Changed since, for this device ({_since_counts(result)}):")
        normative = [c for c in result.since if c.change.normative]
        out += [_since_line(c) for c in normative] or ["  no normative change"]
    out.append("Version timeline (requirements binding this device in each version's text):")
    for version, count in result.timeline:
        shown = "text not readable" if count < 0 else f"{count} requirement(s)"
        out.append(f"  {version.id}: {version.title}; {window_text(version)}; {shown}")
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def compliance_markdown(result: Compliance) -> str:
    out = [f"## Compliance: {_heading(result)}\n"]
    if result.version is not None:
        out.append(f"{len(result.obligations)} requirement(s) to meet ({_degrees(result)}).\n")
        out.append("| Requirement | Degree | Impact | Text (as of this version) |\n|---|---|---|---|")
        out += [
            f"| {o.id} {_cell(o.title)} | {o.degree.value} | {o.impact or '—'} | {_cell(o.text)} |"
            for o in result.obligations
        ]
        out.append(f"\n### Changed since, for this device ({_since_counts(result)})\n")
        normative = [c for c in result.since if c.change.normative]
        out += [
            f"* **{c.version}** `{c.change.id}` {c.change.kind.value}: {_cell(c.change.title)}"
            + (f" — {_cell('; '.join(c.change.reasons))}" if c.change.reasons else "")
            for c in normative
        ] or ["No normative change."]
    out.append("\n### Version timeline\n")
    out.append(
        "| Version | Title | Installation window | Requirements binding the device |\n|---|---|---|---|"
    )
    out += [
        f"| {v.id} | {_cell(v.title)} | {window_text(v)} | {'not readable' if n < 0 else n} |"
        for v, n in result.timeline
    ]
    return "\n".join(out) + "\n"
