"""Charts as inline SVG text, drawn in Python (no plotting library, no script).

Text uses ``currentColor`` so the charts follow the site's light and dark themes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: Colour-blind-safe series colours (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")


@dataclass(frozen=True)
class Bar:
    """One bar: ``count`` out of ``total``."""

    count: int
    total: int

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0


@dataclass(frozen=True)
class Group:
    """A labelled group of bars, one per series; ``href`` makes the label a link."""

    label: str
    bars: tuple[Bar, ...]
    tooltip: str = ""
    href: str = ""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _legend(series: Sequence[str], x0: int) -> str:
    parts, x = [], x0
    for n, name in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="14">{_e(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(parts)


def bar_chart(
    title: str, series: Sequence[str], groups: Sequence[Group], label_width: int = 90, plot_width: int = 420
) -> str:
    """Grouped horizontal bars of shares (0–100 %), each labelled ``count/total``."""
    bar_h, gap, group_gap, top = 12, 2, 12, 42
    group_h = len(series) * (bar_h + gap) + group_gap
    height = top + len(groups) * group_h + 6
    width = label_width + plot_width + 90
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="smets-chart" role="img" '
        f'viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-size="11" font-family="sans-serif" fill="currentColor">',
        f"<title>{_e(title)}</title>",
        _legend(series, label_width),
    ]
    for tick in (0, 50, 100):
        x = label_width + plot_width * tick // 100
        out.append(
            f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 4}" stroke="currentColor" '
            f'stroke-opacity="0.2"/><text x="{x}" y="{top - 8}" text-anchor="middle" '
            f'fill-opacity="0.6">{tick}%</text>'
        )
    for g_index, group in enumerate(groups):
        y0 = top + g_index * group_h
        label = f'<text x="{label_width - 6}" y="{y0 + 10}" text-anchor="end">{_e(group.label)}'
        label += f"<title>{_e(group.tooltip or group.label)}</title></text>"
        out.append(f'<a href="{_e(group.href)}">{label}</a>' if group.href else label)
        for s_index, bar in enumerate(group.bars):
            y = y0 + s_index * (bar_h + gap)
            w = round(plot_width * bar.share, 1)
            colour = PALETTE[s_index % len(PALETTE)]
            note = f"{series[s_index]}: {bar.count} of {bar.total}"
            out.append(
                f'<rect x="{label_width}" y="{y}" width="{plot_width}" height="{bar_h}" fill="currentColor" '
                f'fill-opacity="0.06"/><rect class="smets-bar" x="{label_width}" y="{y}" width="{w}" '
                f'height="{bar_h}" fill="{colour}"><title>{_e(note)}</title></rect>'
                f'<text x="{label_width + plot_width + 6}" y="{y + 10}">{bar.count}/{bar.total}'
                f"{f' ({bar.share:.0%})' if bar.total else ''}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def stacked_bar(title: str, parts: Sequence[tuple[str, int]], width: int = 560) -> str:
    """One 100 % bar split into named parts (e.g. DLMS only / ZigBee only / both / none), with a legend."""
    total = sum(count for _, count in parts) or 1
    height = 64
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="smets-chart" role="img" '
        f'viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-size="11" font-family="sans-serif" fill="currentColor">',
        f"<title>{_e(title)}</title>",
    ]
    x = 0.0
    for n, (name, count) in enumerate(parts):
        w = width * count / total
        colour = PALETTE[n % len(PALETTE)] if name != "none" else "#999999"
        out.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="24" fill="{colour}">'
            f"<title>{_e(name)}: {count} ({count / total:.0%})</title></rect>"
        )
        x += w
    lx = 0
    for n, (name, count) in enumerate(parts):
        colour = PALETTE[n % len(PALETTE)] if name != "none" else "#999999"
        label = f"{name}: {count} ({count / total:.0%})"
        out.append(
            f'<rect x="{lx}" y="36" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="46">{_e(label)}</text>'
        )
        lx += 28 + 6 * len(label)
    out.append("</svg>")
    return "".join(out)
