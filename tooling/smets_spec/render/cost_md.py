"""The cost side of a change as Markdown (review comments, ``smets impact --format markdown``)
and as text (``smets impact``): pounds low / central / high per scenario and version window,
the arithmetic, every figure with its source or assumption, and the biggest driver."""

from __future__ import annotations

from collections.abc import Sequence

from ..change.cost import CostAssessment, Driver, Line, Scenario, money, number, spread
from ..change.costmodel import CostModel, Figure


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return ""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def figure_value(figure: Figure) -> str:
    unit = figure.unit
    r = figure.range

    def show(v: float) -> str:
        return money(v) if unit == "GBP" else number(v, unit)

    if r.low == r.high:
        return show(r.central)
    return f"{show(r.low)} / {show(r.central)} / {show(r.high)}"


def figure_basis(figure: Figure, model: CostModel) -> str:
    if figure.source:
        source = model.sources[figure.source]
        cite = f"[{source.title}]({source.url})" if source.url else source.title
        return f"source: {cite}" + (f" ({figure.note})" if figure.note else "")
    return f"**assumption**: {figure.assumption}"


def driver_text(driver: Driver | None, what: str = "total") -> str:
    if driver is None:
        return ""
    kind = "sourced figure" if driver.sourced else "assumption"
    return (
        f"The {kind} that moves the {what} most: `{driver.figure}` "
        f"({money(driver.low_total)} at its low, {money(driver.high_total)} at its high; others central)."
    )


def _line_rows(lines: Sequence[Line]) -> list[list[str]]:
    return [
        [line.scenario.value, line.device, line.window, spread(line.range), line.arithmetic] for line in lines
    ]


def cost_section(cost: CostAssessment | None, model: CostModel | None) -> str:
    if cost is None or model is None:
        return ""
    impact = cost.impact.value if cost.impact else "no impact class"
    parts = [f"#### {cost.requirement}: {impact} · {cost.applies_to}\n"]
    if cost.retrofit and cost.retrofit_basis:
        parts.append(f"Retrofit basis: {cost.retrofit_basis}\n")
    rows = []
    if cost.new is not None:
        rows.append(["New installations (design and certification)", spread(cost.new)])
    if cost.installed is not None:
        label = (
            "Installed units (retrofit asked)"
            if cost.retrofit
            else "Installed units: £0 (retrofit not asked)"
        )
        rows.append([label, spread(cost.installed) if cost.retrofit else "£0"])
        if not cost.retrofit:
            rows.append(["Retrofit scenario, if it were asked", spread(cost.installed)])
    if cost.total is not None:
        rows.append(["**Total**", f"**{spread(cost.total)}**"])
    elif rows:
        rows.append(["**Total**", "not known: a figure is missing (see *Not costed*); none is invented"])
    parts.append(_table(["Pounds (low / central / high)", "£"], rows) or "Nothing to cost.\n")
    lines = [line for d in cost.devices for line in d.lines]
    detail = _table(
        ["Scenario", "Device", "Version window", "£ low / central / high", "Arithmetic (central)"],
        _line_rows(lines),
    )
    unknown = [u for d in cost.devices for u in d.unknown]
    parts.append(driver_text(cost.driver) + "\n" if cost.driver else "")
    if not cost.retrofit and cost.installed_driver:
        parts.append(driver_text(cost.installed_driver, "retrofit scenario") + "\n")
    figures = [
        f"* `{n}` = {figure_value(model.figures[n])} — {figure_basis(model.figures[n], model)}"
        for n in cost.figures
    ]
    parts.append(
        "<details><summary>Arithmetic, figures and sources</summary>\n\n"
        + detail
        + ("\nNot costed: " + "; ".join(unknown) + "\n" if unknown else "")
        + "".join(f"\nNote: {n}\n" for n in cost.notes)
        + "\n"
        + "\n".join(figures)
        + "\n\n</details>\n"
    )
    if cost.evidence is not None:
        ids = ", ".join(f"`{i}`" for i in cost.evidence.sources)
        parts.append(f"Respondents' cost evidence on {cost.requirement}: {cost.evidence.text()} ({ids}).\n")
    return "\n".join(p for p in parts if p)


def cost_text(cost: CostAssessment) -> list[str]:
    """The cost side as indented text lines (``smets impact``)."""
    out = [f"    cost: {cost.applies_to}"]
    if cost.new is not None:
        out.append(f"      new installations: {spread(cost.new)} (low / central / high)")
    if cost.installed is not None:
        label = "installed units (retrofit)" if cost.retrofit else "retrofit scenario (not asked, counted £0)"
        out.append(f"      {label}: {spread(cost.installed)}")
    if cost.total is not None:
        out.append(f"      total: {spread(cost.total)}")
    for d in cost.devices:
        out.append(
            f"      {d.device} ({d.degree.value}): installed units would need {d.action.value} ({d.why})"
        )
        for line in d.lines:
            tag = "new" if line.scenario is Scenario.NEW else line.window
            out.append(f"        {tag}: {line.arithmetic}  [{spread(line.range)}]")
        out += [f"        not costed: {u}" for u in d.unknown]
    if cost.driver:
        out.append("      " + driver_text(cost.driver).replace("`", ""))
    if not cost.retrofit and cost.installed_driver:
        out.append("      " + driver_text(cost.installed_driver, "retrofit scenario").replace("`", ""))
    out += [f"      note: {n}" for n in cost.notes]
    if cost.evidence is not None:
        out.append(f"      respondents' cost evidence: {cost.evidence.text()}")
    return out
