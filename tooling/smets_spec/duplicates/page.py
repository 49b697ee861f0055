"""The site's view of the analysis: the findings page and the panel on each requirement page.

Pure functions of the corpus (and the suppression file beside it) that return
reStructuredText; ``smets_spec.sphinx.duplicates`` registers the page
directive, and importing this module registers the requirement-page panel.
The analysis runs once per corpus and suppression file and is cached.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus import Corpus
from ..diagnostics import Diagnostic
from ..render.panels import panel
from ..render.rst import escape, heading, need_ref
from .classify import Finding, Kind, marked
from .items import from_corpus
from .report import TITLES, mark
from .scan import Scan, scan
from .suppress import Outcome, Suppressions, apply, fingerprint, load_suppressions
from .terms import TermFinding
from .text import normalised

SUPPRESSIONS = Path("reviews") / "duplicates.toml"
PAGE = "/quality/duplicates"


#: Findings of one class shown in full (both texts, marked) on the page; the rest are listed in a table.
BLOCKS = 200
#: Rows of a class's table, at most (the rest are counted; `smets dups --class X` lists them all).
ROWS = 1000


@dataclass
class Analysis:
    scan: Scan
    outcome: Outcome
    problems: list[Diagnostic]
    path: Path | None
    by_need: dict[str, list[Finding]] = field(default_factory=dict)
    terms_by_need: dict[str, list[TermFinding]] = field(default_factory=dict)
    blocks: set[int] = field(default_factory=set)  # id() of the findings shown in full, with an anchor

    def index(self) -> Analysis:
        for finding in self.outcome.active:
            for need_id in finding.ids:
                self.by_need.setdefault(need_id, []).append(finding)
        for term in self.outcome.terms:
            for need_id in term.flagged:
                self.terms_by_need.setdefault(need_id, []).append(term)
        for kind in Kind:
            if kind is not Kind.PARALLEL:
                shown = [f for f in self.outcome.active if f.kind is kind][:BLOCKS]
                self.blocks.update(id(f) for f in shown)
        return self


_CACHE: dict[tuple[int, int], tuple[weakref.ref[Corpus], Analysis]] = {}


def suppression_file(corpus: Corpus) -> Path | None:
    return corpus.source / SUPPRESSIONS if corpus.source is not None else None


def analysis(corpus: Corpus) -> Analysis:
    """The scan of ``corpus`` with its reviewed findings applied (cached per corpus and review file)."""
    path = suppression_file(corpus)
    stamp = path.stat().st_mtime_ns if path is not None and path.is_file() else 0
    key = (id(corpus), stamp)
    cached = _CACHE.get(key)
    if cached is not None and cached[0]() is corpus:
        return cached[1]
    source = from_corpus(corpus)
    result = scan(source)
    suppressions, problems = (
        load_suppressions(path, source.all_ids, SUPPRESSIONS.as_posix())
        if path is not None
        else (Suppressions(), [])
    )
    texts = {item.id: item.text for item in source.items()}
    found = Analysis(
        result, apply(result.findings, result.terms, suppressions, texts), problems, path
    ).index()
    for old in [k for k, (ref, _) in _CACHE.items() if ref() is None or k[0] == id(corpus)]:
        del _CACHE[old]
    _CACHE[key] = (weakref.ref(corpus), found)
    return found


def anchor(finding: Finding) -> str:
    return (
        f"smets-dups-{finding.kind.value}-{finding.a.id}-{finding.b.id}".lower()
        .replace(".", "-")
        .replace("_", "-")
    )


_SPECIAL = str.maketrans({"*": r"\*", "`": r"\`", "|": r"\|", "_": r"\_", "\\": "\\\\"})


def _plain(text: str) -> str:
    """Inline reST text that keeps its edge spaces (they separate it from the marked words)."""
    return text.translate(_SPECIAL)


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` (one line) with the spans in bold; "\\ " lets the markup touch any neighbour."""
    return mark(text, spans, lambda w: f"\\ **{_plain(w)}**\\ ", _plain)


def _finding_block(finding: Finding, outcome: Outcome) -> str:
    text_a, text_b = _texts(finding)
    scores = ", ".join(f"{k} {v:.2f}" for k, v in finding.scores.items())
    lines = [
        f".. _{anchor(finding)}:",
        "",
        f"**{escape(finding.a.id)} and {escape(finding.b.id)}**: {finding.kind.value}, "
        f"score {finding.score:.2f} ({scores}). {escape(finding.reason)}",
        "",
    ]
    stale = outcome.stale.get(id(finding))
    if stale is not None:
        lines += [
            f"*Reviewed ({escape(stale[0].reason)}), but the text of {', '.join(stale[1])} changed since.*",
            "",
        ]
    lines += [".. list-table::", "   :widths: 15 85", "   :class: smets-dups-pair", ""]
    for item, text in ((finding.a, text_a), (finding.b, text_b)):
        lines += [f"   * - {need_ref(item.id)}", f"     - {text}"]
    return "\n".join(lines) + "\n"


def _section(finding: Finding) -> str:
    a, b = finding.a.section or finding.a.group, finding.b.section or finding.b.group
    return a if a == b else f"{a} and {b}"


def _terms_table(terms: list[TermFinding]) -> str:
    rows = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 15 45 40",
        "",
        "   * - Check",
        "     - Finding",
        "     - Used in",
    ]
    for term in terms:
        used = "; ".join(
            f"{escape(form)}: {', '.join(need_ref(i) for i in ids[:10])}"
            + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            for form, ids in term.forms.items()
        )
        rows += [f"   * - {term.check}", f"     - {escape(term.message)}", f"     - {used}"]
    return "\n".join(rows) + "\n"


def _texts(finding: Finding) -> tuple[str, str]:
    text_a, text_b = normalised(finding.a.text), normalised(finding.b.text)
    spans_a, spans_b = marked(finding, text_a, text_b)
    return _marked(text_a, spans_a), _marked(text_b, spans_b)


def _table(findings: list[Finding]) -> str:
    """One row per finding: the pair and score, both texts with the differing words in bold, the reason."""
    rows = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 18 57 25",
        "   :class: smets-dups-table",
        "",
        "   * - Pair",
        "     - Texts",
        "     - Reason",
    ]
    for f in findings:
        text_a, text_b = _texts(f)
        rows += [
            f"   * - {need_ref(f.a.id)} and {need_ref(f.b.id)}, {f.score:.2f}",
            f"     - {escape(f.a.id)}: {text_a}",
            "",
            f"       {escape(f.b.id)}: {text_b}",
            f"     - {escape(f.reason)}",
        ]
    return "\n".join(rows) + "\n"


def _class_section(findings: list[Finding], found: Analysis) -> str:
    """Findings of one class by section: in full with an anchor (up to BLOCKS), else in tables."""
    out: list[str] = []
    listed = findings[: max(ROWS, len(found.blocks))]
    by_section: dict[str, list[Finding]] = defaultdict(list)
    for finding in listed:
        by_section[_section(finding)].append(finding)
    for section in sorted(by_section):
        out.append(heading(section, "~"))
        full = [f for f in by_section[section] if id(f) in found.blocks]
        out += [_finding_block(f, found.outcome) for f in full]
        rest = [f for f in by_section[section] if id(f) not in found.blocks]
        if rest:
            out.append(_table(rest))
    if len(findings) > len(listed):
        kind = findings[0].kind.value
        out.append(f"And {len(findings) - len(listed)} more: ``smets dups --class {kind}`` lists them all.\n")
    return "\n".join(out)


def duplicates_page(corpus: Corpus, args: list[str]) -> str:
    """``.. smets-duplicates::``: every finding by class and section, terminology, reviewed findings."""
    found = analysis(corpus)
    outcome = found.outcome
    out: list[str] = []
    if found.problems:
        out += [
            ".. error::",
            "",
            "   The review file cannot be read; `smets dups` shows the same errors:",
            "",
        ]
        out += [f"   * ``{escape(p.format().splitlines()[0])}``" for p in found.problems] + [""]
    counts = {kind: sum(1 for f in outcome.active if f.kind is kind) for kind in Kind}
    compared = ", ".join(f"{n} {group}" for group, n in found.scan.compared.items())
    out.append(
        f"Compared {compared}. Open findings: "
        + ", ".join(f"{counts[k]} {k.value}" for k in Kind)
        + f"; {len(outcome.terms)} terminology; {len(outcome.suppressed)} reviewed and suppressed "
        f"(``spec/{SUPPRESSIONS.as_posix()}``). Differing words are in bold.\n"
    )
    for kind in Kind:
        findings = [f for f in outcome.active if f.kind is kind]
        if findings:
            out.append(heading(f"{TITLES[kind]} ({len(findings)})", "-"))
            out.append(_class_section(findings, found))
    if outcome.terms:
        out += [heading(f"Terminology ({len(outcome.terms)})", "-"), _terms_table(outcome.terms)]
    if outcome.suppressed:
        out.append(heading(f"Reviewed and suppressed ({len(outcome.suppressed)})", "-"))
        out += [
            f"* {need_ref(f.a.id)} and {need_ref(f.b.id)}, {f.kind.value}: {escape(s.reason)} "
            f"(reviewed by {escape(s.reviewer)}; "
            f"fingerprints {fingerprint(f.a.text)} {fingerprint(f.b.text)})"
            for f, s in outcome.suppressed
        ]
        out.append("")
    return "\n".join(out) + "\n"


@panel("duplicates", "Duplicates, overlaps and conflicts", order=60)
def duplicates_panel(corpus: Corpus, req_id: str) -> str:
    """The findings that involve one requirement, linked to the findings page."""
    found = analysis(corpus)
    lines = []
    for finding in found.by_need.get(req_id, []):
        other = finding.b.id if finding.a.id == req_id else finding.a.id
        link = (
            f":ref:`details <{anchor(finding)}>`"
            if id(finding) in found.blocks
            else f":doc:`details <{PAGE}>`"
        )
        lines.append(
            f"* {finding.kind.value} with {need_ref(other)} (score {finding.score:.2f}): "
            f"{escape(finding.reason)} ({link})"
        )
    lines += [
        f"* terminology: {escape(term.message)} (:doc:`all findings <{PAGE}>`)"
        for term in found.terms_by_need.get(req_id, [])
    ]
    return "\n".join(lines) + "\n" if lines else ""
