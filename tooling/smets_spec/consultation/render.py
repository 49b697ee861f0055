"""Site content of consultations: the requirement-page panel and the consultation page.

Pure functions of the corpus (no Sphinx here): the panel returns HTML, the page reST. The
chart is an inline SVG drawn in Python. Registered with the site by
:mod:`smets_spec.sphinx.directives` (``smets-consultation``) and
:mod:`smets_spec.markup.panels` (the ``consultation`` panel).
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape as html_escape

from ..corpus.load import Corpus
from ..corpus.schema import SECTION_TITLES, Consultation, Section
from ..markup.html import Linker, esc, need_link, table
from ..markup.panels import html_panel
from ..markup.rst import escape, heading, list_table
from .model import Kind, Stored, pick_consultation, question_text
from .summary import COUNT_COLUMNS, UNRATED, Summary, summarise
from .textcodec import encode_line, encode_text

_CACHE: list[tuple[Corpus, dict[str, list[tuple[str, Stored]]]]] = []
_COLOURS = {"Major": "#D55E00", "Minor": "#E69F00", "none": "#009E73", UNRATED: "#999999"}


def _by_requirement(corpus: Corpus) -> dict[str, list[tuple[str, Stored]]]:
    """Every stored comment by requirement id, computed once per corpus."""
    if _CACHE and _CACHE[0][0] is corpus:
        return _CACHE[0][1]
    table: dict[str, list[tuple[str, Stored]]] = {}
    for consultation in corpus.of_type(Consultation):
        for item in summarise(corpus, consultation).of_kind(Kind.REQUIREMENT):
            table.setdefault(item.response.target, []).append((consultation.id, item))
    _CACHE[:] = [(corpus, table)]
    return table


def _block(text: str | None, indent: str = "") -> list[str]:
    if text is None:
        return []
    return [indent + line for line in encode_text(text)]


def literal(text: str) -> str:
    """One line of a respondent's text as reST inline text that renders exactly as typed."""
    return "".join(encode_line(" ".join(text.split())))


def _comment_cell(item: Stored) -> str:
    """A comment with its proposed wording, as the body of a list-table cell."""
    pad = "       "
    lines = _block(item.response.text)
    if item.response.wording is not None:
        if lines:
            lines.append("")
        lines += ["*Proposed wording:*", "", *_block(item.response.wording)]
    if item.response.stale:
        lines += ["", "*Made on an earlier text of this requirement.*"]
    if not lines:
        return "(rating only)"
    return lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:])


def _rating(item: Stored) -> str:
    rating = item.response.rating
    if rating is None:
        return ""
    return f"**{rating.value}**" if rating.value == "Major" else rating.value


#: Characters a browser would not show as written (controls, line separators, U+FEFF, surrogates),
#: shown as ``[U+XXXX]`` as in the reST of the stored text (:mod:`.textcodec`); tabs stay tabs.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


def text_html(text: str) -> str:
    """A respondent's text, escaped, exactly as written: every line and space kept."""
    shown = "<br>".join(
        esc(_INVISIBLE.sub(lambda m: f"[U+{ord(m[0]):04X}]", line)) for line in text.split("\n")
    )
    return f'<span class="smets-text">{shown}</span>'  # white-space: pre-wrap in smets.css


def _comment_html(item: Stored) -> str:
    """A comment with its proposed wording and, when stale, a note saying so."""
    parts = []
    if item.response.text is not None:
        parts.append(f"<p>{text_html(item.response.text)}</p>")
    if item.response.wording is not None:
        parts.append(f"<p><em>Proposed wording:</em></p><p>{text_html(item.response.wording)}</p>")
    if item.response.stale:
        parts.append("<p><em>Made on an earlier text of this requirement.</em></p>")
    return "".join(parts) or "(rating only)"


def _rating_html(item: Stored) -> str:
    rating = item.response.rating
    if rating is None:
        return ""
    return f"<strong>{esc(rating.value)}</strong>" if rating.value == "Major" else esc(rating.value)


@html_panel("consultation", "Consultation comments", order=70)
def comments_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    """Every respondent's comment on one requirement, with its rating."""
    entries = _by_requirement(corpus).get(req_id, [])
    rows = [
        [
            f'<a href="{esc(linker.need(item.need_id))}" title="{esc(item.need_id)}">'
            f"{esc(item.respondent)}</a>",
            _rating_html(item),
            _comment_html(item),
            need_link(corpus, linker, consultation, show_title=True),
        ]
        for consultation, item in entries
    ]
    return table(["Respondent", "Issue", "Comment", "Consultation"], rows, "smets-list") if rows else ""


_CHAR_PX = 6.5  # average width of an 11 px sans-serif character


def _fit(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: max(chars - 1, 1)] + "…"


def _bars(label: str, counter: Counter[str], series: tuple[str, ...], x: float, y: int, scale: float) -> str:
    parts = []
    for name in series:
        count = counter.get(name, 0)
        if count:
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{scale * count:.1f}" height="14" '
                f'fill="{_COLOURS.get(name, "#0072B2")}"><title>{html_escape(label)}: {count} '
                f"{html_escape(name)}</title></rect>"
            )
        x += scale * count
    total = sum(counter.get(s, 0) for s in series)
    parts.append(f'<text x="{x + 4:.1f}" y="{y + 11}">{total}</text>')
    return "".join(parts)


def count_chart(
    title: str,
    rows: list[tuple[str, Counter[str]]],
    series: tuple[str, ...] = ("Major", "Minor"),
    plot_width: int = 360,
    max_label: int = 40,
) -> str:
    """Stacked horizontal bars of counts per row (e.g. Major and Minor by section).

    Long labels are shortened (the full label is the bar's tooltip); text uses
    ``currentColor`` so the chart follows the site's light and dark themes.
    """
    top, step = 28, 20
    chars = min(max((len(label) for label, _ in rows), default=4), max_label)
    label_width = int(12 + _CHAR_PX * chars)
    most = max((sum(c.get(s, 0) for s in series) for _, c in rows), default=0) or 1
    height = top + len(rows) * step + 4
    width = label_width + plot_width + 50
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="smets-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-size="11" '
        f'font-family="sans-serif" fill="currentColor"><title>{html_escape(title)}</title>'
    ]
    x = label_width
    for name in series:
        out.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{_COLOURS.get(name, "#0072B2")}"/>'
            f'<text x="{x + 16}" y="14">{html_escape(name)}</text>'
        )
        x += 30 + 7 * len(name)
    for index, (label, counter) in enumerate(rows):
        y = top + index * step
        out.append(
            f'<text x="{label_width - 6}" y="{y + 11}" text-anchor="end">{html_escape(_fit(label, chars))}'
            f"<title>{html_escape(label)}</title></text>"
        )
        out.append(_bars(label, counter, series, float(label_width), y, plot_width / most))
    out.append("</svg>")
    return "".join(out)


def _raw_html(svg: str) -> str:
    return ".. raw:: html\n\n   " + svg + "\n"


def _section_rows(summary: Summary) -> list[tuple[str, Counter[str]]]:
    order = [s.value for s in Section] + ["general"]
    keys = sorted(summary.by_section, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [(k, summary.by_section[k]) for k in keys]


def _count_table(
    first: str, rows: list[tuple[str, Counter[str]]], labels: dict[str, str] | None = None
) -> str:
    body = [
        [
            escape((labels or {}).get(name, name)),
            *(str(c.get(k, 0)) for k in COUNT_COLUMNS),
            str(sum(c.values())),
        ]
        for name, c in rows
    ]
    return list_table([first, *COUNT_COLUMNS, "Total"], body)


def _answers(summary: Summary) -> str:
    by_question: dict[str, list[Stored]] = {}
    for item in summary.of_kind(Kind.ANSWER):
        by_question.setdefault(item.response.target, []).append(item)
    out = [heading("Questions and answers", "-")]
    for question in summary.questions:
        out.append(heading(f"Question {question.number}", "~"))
        out.append("\n".join(_block(question_text(question))) + "\n")
        for item in sorted(by_question.get(question.id, []), key=lambda s: s.respondent.casefold()):
            stale = " (answered an earlier wording of the question)" if item.response.stale else ""
            out.append(f"**{literal(item.respondent)}** (:need:`answer <{item.need_id}>`){stale}:\n")
            out.append("\n".join(_block(item.response.text or "")) + "\n")
        if not by_question.get(question.id):
            out.append("No answers yet.\n")
    return "\n".join(out)


def _general(summary: Summary) -> str:
    items = summary.of_kind(Kind.GENERAL)
    if not items:
        return ""
    rows = [
        [
            literal(item.response.topic) if item.response.topic else "(no topic)",
            f":need:`{escape(item.respondent)} <{item.need_id}>`",
            _rating(item),
            _comment_cell(item),
        ]
        for item in items
    ]
    return (
        heading("General comments", "-")
        + "\n"
        + list_table(["Topic", "Respondent", "Issue", "Comment"], rows, [20, 18, 10, 52])
    )


def consultation_page(corpus: Corpus, args: list[str]) -> str:
    """``.. smets-consultation:: CON_ID``: summary, chart, questions and answers, general comments."""
    try:
        consultation = pick_consultation(corpus, args[0] if args else None)
    except ValueError as exc:
        return f".. error:: smets-consultation: {escape(str(exc))}\n"
    summary = summarise(corpus, consultation)
    people = sorted({s.respondent: s for s in summary.stored}.items(), key=lambda p: p[0].casefold())
    links = ", ".join(
        f":doc:`{escape(name)} </{s.location.file.removesuffix('.rst')}>`" for name, s in people
    )
    out = [
        heading("Summary", "-"),
        f"Closing date: {consultation.closing_date or 'not set'}. {len(summary.questions)} questions; "
        f"{len(people)} respondent(s){': ' + links if links else ''}.\n",
    ]
    out += [f".. warning:: {escape(problem.format())}\n" for problem in summary.diagnostics]
    if summary.by_section:
        sections = _section_rows(summary)
        respondents = sorted(summary.by_respondent.items(), key=lambda p: p[0].casefold())
        titles = {s.value: f"{s.value} {SECTION_TITLES[s]}" for s in Section}
        out += [
            heading("Major and Minor issues", "-"),
            _raw_html(
                count_chart("Major and Minor issues by section", [(titles.get(k, k), c) for k, c in sections])
            ),
            _count_table("Section", sections, titles),
            _raw_html(count_chart("Major and Minor issues by respondent", respondents)),
            _count_table("Respondent", respondents),
        ]
    out.append(_answers(summary))
    out.append(_general(summary))
    return "\n".join(part for part in out if part)
