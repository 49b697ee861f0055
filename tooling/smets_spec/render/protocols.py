"""The protocol assessment pages: overall and per protocol (``.. smets-assessment:: [protocol]``).

Everything comes from :func:`smets_spec.protocols.assess.assessment_of`, the same result that
``smets protocols --format json`` prints, so the page and the command give the same counts.
"""

from __future__ import annotations

from ..corpus.load import Corpus
from ..corpus.schema import ProtocolObject
from ..markup.html import Linker, esc, need_link, raw_block, table
from ..markup.rst import heading
from ..protocols.assess import KIND_TEXT, ItemAssessment, Kind, Result, assessment_of
from ..protocols.baseline import changes, read_baseline

_NAMES = {"dlms-cosem": "DLMS/COSEM", "zigbee-se": "ZigBee SE"}


def _kind_table(counts: dict[str, dict[str, int]], first: str) -> str:
    kinds = list(Kind)
    rows = [[esc(key), *(str(row[k.value]) for k in kinds)] for key, row in counts.items()]
    return raw_block(table([first, *(k.value for k in kinds)], rows, "smets-list"))


def _carries(corpus: Corpus, a: ItemAssessment, protocol: str) -> bool:
    item = corpus.needs[a.item_id]
    mapped = any(
        isinstance(o := corpus.needs.get(p), ProtocolObject) and o.protocol and o.protocol.value == protocol
        for p in getattr(item, "maps_to", ())
    )
    return mapped or any(c.protocol == protocol for c in a.candidates) or _NAMES[protocol] in a.why


def _items_table(corpus: Corpus, linker: Linker, items: list[ItemAssessment], protocol: str | None) -> str:
    rows = []
    for a in items:
        cands = [c for c in a.candidates if protocol is None or c.protocol == protocol]
        shown = "<br>".join(
            f"{esc(c.po_id)}: {esc(c.identity)} — {esc(c.says)}<br><small>rule: {esc(c.rule)}</small>"
            for c in cands
        )
        rows.append(
            [
                need_link(corpus, linker, a.item_id, show_title=True),
                esc(KIND_TEXT[a.kind]),
                shown or esc(a.why),
            ]
        )
    return raw_block(table(["Data item", "Assessment", "Candidates, evidence or reason"], rows, "smets-list"))


def _objects_table(corpus: Corpus, linker: Linker, result: Result, protocol: str | None) -> str:
    rows = [
        [need_link(corpus, linker, f.po_id), esc(f.status), esc(f.says)]
        for f in result.findings
        if (protocol is None and f.protocol in _NAMES) or f.protocol == protocol
    ]
    return raw_block(table(["Protocol object", "Check", "What the catalogue says"], rows, "smets-list"))


def _since(corpus: Corpus, result: Result) -> str:
    before = read_baseline(corpus.source)
    if before is None:
        return "No baseline yet: ``smets protocols baseline`` freezes the current assessment.\n"
    moved = changes(result, before)
    if not moved:
        return "No data item's assessment has changed since the baseline.\n"
    rows = [[esc(c.item_id), esc(c.before or "—"), esc(c.after or "—")] for c in moved]
    return raw_block(table(["Data item", "Baseline", "Now"], rows, "smets-list"))


def assessment_page(corpus: Corpus, args: list[str], linker: Linker) -> str:
    protocol = args[0] if args and args[0] in _NAMES else None
    result = assessment_of(corpus, checks=True)
    items = [a for a in result.items if protocol is None or _carries(corpus, a, protocol)]
    versions = ", ".join(f"{k} {v or 'not installed'}" for k, v in result.catalogues.items())
    out = [f"Catalogues: {versions}. Data items assessed: **{len(items)}** of {len(result.items)}.\n"]
    notes = [d for d in result.diagnostics if d.severity.value == "note" and "not installed" in d.message]
    out += [f"*Note:* {d.message}.\n" for d in notes]
    counts = {KIND_TEXT[k]: sum(1 for a in items if a.kind is k) for k in Kind}
    out.append(
        raw_block(table(["Assessment", "Items"], [[esc(k), str(v)] for k, v in counts.items()], "smets-list"))
    )
    sub = Result(items, result.findings, result.diagnostics, result.catalogues)
    out += [heading("Coverage by device", "~"), _kind_table(sub.by("devices"), "Device")]
    out += [heading("Coverage by requirement section", "~"), _kind_table(sub.by("sections"), "Section")]
    extensions = [a for a in items if a.kind is Kind.NEEDS_EXTENSION]
    out.append(heading(f"Items that need a GB extension ({len(extensions)})", "~"))
    out.append(_items_table(corpus, linker, extensions, None) if extensions else "None.\n")
    out += [heading("Every data item", "~"), _items_table(corpus, linker, items, protocol)]
    out += [
        heading("Protocol objects against the catalogues", "~"),
        _objects_table(corpus, linker, result, protocol),
    ]
    out += [heading("Change since the baseline", "~"), _since(corpus, result)]
    return "\n".join(out)
