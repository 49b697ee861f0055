"""Site pages of the cost model and the versions: the cost assumptions page (every figure with
its source link or assumption, the populations per device kind and version window, and the
respondents' cost evidence beside them), the versions overview and each device's timeline."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..change.cost import money, number
from ..change.costmodel import CostModel, Figure, load
from ..change.history import RevisionError
from ..change.versions import corpus_timelines, device_ids
from ..consultation.costevidence import CostEvidence, EvidenceSummary, Stat, summarise
from ..consultation.model import response_of
from ..consultation.textcodec import TextFormatError
from ..corpus.load import Corpus
from ..corpus.project import Project
from ..corpus.schema import ConsultationComment, Device, Requirement, Version
from ..corpus.versions import window_text
from ..markup.html import Linker, esc, need_link, raw_block, table
from ..markup.panels import html_panel
from ..trace.graph import per_corpus


def _root(corpus: Corpus) -> Path | None:
    if corpus.source is None or not (corpus.source.parent / "conf.py").is_file():
        return None
    return corpus.source.parent


def _value(figure: Figure) -> str:
    def show(v: float) -> str:
        return money(v) if figure.unit == "GBP" else number(v, figure.unit)

    r = figure.range
    return (
        esc(show(r.central))
        if r.low == r.high
        else esc(f"{show(r.low)} / {show(r.central)} / {show(r.high)}")
    )


def _basis(figure: Figure, model: CostModel) -> str:
    if figure.source:
        source = model.sources[figure.source]
        title = esc(source.title)
        cite = f'<a href="{esc(source.url)}">{title}</a>' if source.url else title
        return f"source: {cite}" + (f"; {esc(figure.note)}" if figure.note else "")
    return f"<strong>assumption</strong>: {esc(figure.assumption or '')}"


def _figures(model: CostModel) -> str:
    rows = [
        [f"<code>{esc(f.name)}</code>", _value(f), esc(f.unit), _basis(f, model)]
        for f in model.figures.values()
    ]
    return table(
        ["Figure", "Value (low / central / high)", "Unit", "Source or assumption"], rows, "smets-list"
    )


def _range(model: CostModel, formula: str | None) -> str:
    if not formula:
        return "—"
    r = model.evaluate(formula)
    return (
        esc(" / ".join(f"{v:,.2f}".rstrip("0").rstrip(".") for v in r.values))
        + f"<br><code>{esc(formula)}</code>"
    )


def _populations(corpus: Corpus, model: CostModel, linker: Linker) -> str:
    rows = []
    for p in model.populations:
        source = model.sources.get(p.window_source or "")
        window = esc(p.label) + (f" ({esc(source.title)})" if source else "")
        f = p.formulas
        rows.append(
            [
                need_link(corpus, linker, p.device) if p.device in corpus.needs else esc(p.device),
                window,
                _range(model, f.get("installed_base")) + (f"<br>{esc(p.note)}" if p.note else ""),
                _range(model, f.get("unit_cost")),
                _range(model, f.get("visit_cost")),
                _range(model, f.get("ota_cost")),
                _range(model, f.get("ota_share")),
            ]
        )
    header = [
        "Device",
        "Version window",
        "Installed units",
        "Unit £",
        "Visit £",
        "Update £",
        "Can take firmware",
    ]
    return table(header, rows, "smets-list")


def evidence_by_requirement(corpus: Corpus) -> dict[str, EvidenceSummary]:
    """Respondents' cost evidence in the corpus, per requirement."""
    found: dict[str, list[tuple[str, str, CostEvidence]]] = defaultdict(list)
    for need in corpus.of_type(ConsultationComment):
        if not need.comments_on:
            continue
        try:
            cost = response_of(need).cost
        except TextFormatError:
            continue  # reported by the consultation page
        if cost is not None:
            found[need.comments_on[0]].append((need.id, need.respondent or "", cost))
    return {req: s for req, items in found.items() if (s := summarise(req, items)) is not None}


@per_corpus
def _evidence_of(corpus: Corpus) -> dict[str, EvidenceSummary]:
    return evidence_by_requirement(corpus)


@html_panel("cost-evidence", "Respondents' cost evidence", order=85)
def evidence_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    """The requirement page's panel: what respondents said meeting it costs them."""
    summary = _evidence_of(corpus).get(req_id)
    if summary is None:
        return ""
    links = ", ".join(need_link(corpus, linker, i) for i in summary.sources if i in corpus.needs)
    return f"<p>{esc(summary.text())}.</p><p>From: {links}</p>"


def _stat(stat: Stat | None) -> str:
    return esc(f"{stat.minimum:g} / {stat.median:g} / {stat.maximum:g}") if stat else "—"


def _evidence(corpus: Corpus, model: CostModel, linker: Linker) -> str:
    summaries = _evidence_of(corpus)
    if not summaries:
        return "<p>No respondent has given cost evidence yet (the cost columns of the workbook).</p>"
    rows = []
    for req_id, s in sorted(summaries.items()):
        req = corpus.needs.get(req_id)
        devices = [*req.mandatory_for, *req.optional_for] if isinstance(req, Requirement) else []
        beside = [
            f"{esc(d)}: {esc(p.window)} unit £ {_range(model, p.formulas.get('unit_cost'))}"
            for d in devices
            for p in model.populations_of(d)
        ]
        stat = s.gbp_per_unit
        rows.append(
            [
                need_link(corpus, linker, req_id) if req_id in corpus.needs else esc(req_id),
                str(len(s.respondents)),
                esc(", ".join(f"{k} {n}" for k, n in sorted(s.kinds.items())) or "—"),
                esc(f"£{stat.minimum:,.2f} / £{stat.median:,.2f} / £{stat.maximum:,.2f} ({stat.count})")
                if stat
                else "—",
                _stat(s.lead_time_months),
                "<br>".join(beside) or "no population in the cost model",
            ]
        )
    header = [
        "Requirement",
        "Respondents",
        "Kind",
        "£ per unit min / median / max (n)",
        "Lead time months",
        "Cost model",
    ]
    return table(header, rows, "smets-list")


def cost_model_page(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """The cost assumptions page (``.. smets-cost-model::``)."""
    root = _root(corpus)
    model = load(root) if root is not None else None
    if model is None:
        return ".. note::\n\n   This project has no spec/costs.toml: changes are not costed.\n"
    if model.errors:
        items = "".join(f"<li><code>{esc(d.format())}</code></li>" for d in model.errors)
        return raw_block(f"<p><strong>The cost model is refused:</strong></p><ul>{items}</ul>")
    meta = esc(str(model.meta.get("note", "")))
    parts = [
        f"<p>{meta}</p>",
        "<h2>Figures</h2>",
        _figures(model),
        "<h2>Installed units per device kind and version window</h2>",
        _populations(corpus, model, linker),
        "<h2>Respondents' cost evidence beside the assumptions</h2>",
        _evidence(corpus, model, linker),
    ]
    return raw_block("".join(parts))


@per_corpus
def _timelines(corpus: Corpus) -> tuple[list[Version], dict[str, list[int]]] | None:
    """Every version, and per device the requirements binding it in each version's text (once
    per corpus: every device page shows its row of this)."""
    root = _root(corpus)
    if root is None:
        return None
    devices = sorted(i for i, n in corpus.needs.items() if isinstance(n, Device))
    try:
        return corpus_timelines(Project(root), corpus, devices)
    except (RevisionError, OSError, ValueError):
        return None


def _counts(corpus: Corpus, devices: list[str]) -> tuple[list[str], list[list[str]]] | None:
    found = _timelines(corpus)
    if found is None:
        return None
    versions, counts = found
    header = ["Version", "Installation window", *devices]
    rows = []
    for n, version in enumerate(versions):
        row = [counts[d][n] if d in counts else -1 for d in devices]
        rows.append([esc(version.id), esc(window_text(version)), *("—" if c < 0 else str(c) for c in row)])
    return header, rows


def versions_overview(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """``.. smets-versions::``: every version with the requirements binding each device kind."""
    devices = sorted(i for i in corpus.needs if i.startswith("DEV_"))
    found = _counts(corpus, devices)
    if found is None:
        return ".. note::\n\n   The versions' texts cannot be read here (not a git repository).\n"
    header, rows = found
    intro = "<p>Requirements binding each device kind in the text of each version.</p>"
    return raw_block(intro + table(header, rows, "smets-list"))


def device_timeline(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """``.. smets-device-versions:: DEV_X``: the device's version timeline."""
    device = args[0] if args else ""
    found = _counts(corpus, [device])
    if found is None:
        return ".. note::\n\n   The versions' texts cannot be read here (not a git repository).\n"
    header, rows = found
    header[-1] = "Requirements binding it"
    intro = (
        f"<p>Version timeline of {esc(device)}: a unit stays compliant with the version extant when it "
        f"was installed (<code>smets compliance --device {esc(device.removeprefix('DEV_'))} --installed "
        "YYYY-MM-DD</code>).</p>"
    )
    return raw_block(intro + table(header, rows, "smets-list"))


__all__ = [
    "cost_model_page",
    "device_ids",
    "device_timeline",
    "evidence_by_requirement",
    "versions_overview",
]
