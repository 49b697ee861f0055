"""Site content of conformance: the status panel on every requirement page, the conformance
summary (by section and by device, with charts), the open questions, and source listings.

Pure functions of the corpus and the latest results (:mod:`.live`). The panel returns HTML;
the pages return reST whose tables and lists are raw HTML blocks (their headings stay reST, for
the page's table of contents); only the source listings are plain reST.
"""

from __future__ import annotations

import importlib
import inspect
from collections import Counter
from collections.abc import Sequence
from datetime import UTC
from html import escape as html_escape
from pathlib import Path

from ..corpus.load import Corpus
from ..corpus.schema import (
    SECTION_TITLES,
    ConformanceTest,
    ConsultationQuestion,
    Device,
    ReferenceModel,
    Requirement,
)
from ..markup.html import Linker, PageLinks, esc, need_link, raw_block, table
from ..markup.panels import html_panel, spliced_panel
from ..markup.rst import heading
from ..trace.coverage import bound_by_device
from . import live
from .results import Outcome, RequirementStatus, Results, Status, requirement_status
from .sourcefile import source_of

COLOURS = {Status.PASS: "#009E73", Status.FAIL: "#D55E00", Status.NOT_TESTED: "#999999"}
_CACHE: dict[tuple[int, tuple[int, int] | None], dict[str, RequirementStatus]] = {}


def statuses(corpus: Corpus) -> dict[str, RequirementStatus]:
    """Status of every requirement, computed once per corpus and results file."""
    key = (id(corpus), live.stamp())
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = requirement_status(corpus, live.current())
    return _CACHE[key]


def run_line(results: Results | None) -> str:
    """HTML: which run the statuses come from (or why there is none)."""
    if results is None:
        problem = live.error()
        return f"no results ({esc(problem)})" if problem else "no results yet: run <code>smets conform</code>"
    when = results.generated.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"run of {when} against {esc(results.target_name or results.target)}"


def _label(status: Status) -> str:
    return {
        Status.PASS: "<strong>pass</strong>",
        Status.FAIL: "<strong>FAIL</strong>",
        Status.NOT_TESTED: "<em>not tested</em>",
    }[status]


def _lines(text: str) -> str:
    """Escaped text, its line breaks kept."""
    return "<br>".join(esc(line) for line in text.splitlines())


def _para(html: str) -> str:
    return f"<p>{html}</p>"


def current_run_line() -> str:
    """:func:`run_line` of the latest results (what the status panel says its statuses come from)."""
    return run_line(live.current())


@html_panel("conformance-status", "Conformance status", order=45)
def status_panel(corpus: Corpus, req_id: str, linker: Linker) -> str:
    """Live status of the tests that verify ``req_id``, and the models' open questions on it."""
    parts = status_parts(corpus, req_id, linker)
    return parts[0] if len(parts) == 1 else current_run_line().join(parts)


def status_parts(corpus: Corpus, req_id: str, linker: Linker) -> list[str]:
    """:func:`status_panel`'s HTML cut where the run line goes (one part when it has none): the
    panel of a requirement whose tests' outcomes are the same in two runs has the same parts."""
    found = statuses(corpus).get(req_id)
    if found is None or not found.tests:
        parts = [_para(f"{_label(Status.NOT_TESTED)}: no conformance test verifies {esc(req_id)}.")]
    else:
        passed = sum(1 for t in found.tests if t.outcome is Outcome.PASSED)
        rows = [
            [need_link(corpus, linker, t.test_id, show_title=True), esc(t.outcome.value), _lines(t.message)]
            for t in found.tests
        ]
        parts = [
            f"<p>{_label(found.status)}: {passed} of {len(found.tests)} test(s) passed in the ",
            ".</p>" + table(["Test", "Result", "Message"], rows, "smets-list"),
        ]
    questions = [
        q for q in corpus.of_type(ConsultationQuestion) if req_id in q.about and q.id.startswith("CQ_MODEL_")
    ]
    if questions:
        links = ", ".join(need_link(corpus, linker, q.id, show_title=True) for q in questions)
        parts[-1] += _para(f"Readings the reference models chose (open questions): {links}.")
    return parts


spliced_panel("conformance-status", status_parts, current_run_line)


# ------------------------------------------------------------------------------ charts


def status_chart(title: str, groups: Sequence[tuple[str, Counter[Status]]]) -> str:
    """Stacked horizontal bars, one per group: pass / fail / not tested."""
    label_w, plot_w, bar_h, gap, top = 60, 420, 14, 6, 26
    height = top + len(groups) * (bar_h + gap) + 4
    width = label_w + plot_w + 140
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="smets-chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-size="11" font-family="sans-serif" '
        f'fill="currentColor"><title>{html_escape(title)}</title>'
    ]
    x = label_w
    for status, colour in COLOURS.items():
        out.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="14">{status.value}</text>'
        )
        x += 40 + 7 * len(status.value)
    for n, (label, counts) in enumerate(groups):
        y = top + n * (bar_h + gap)
        total = sum(counts.values()) or 1
        out.append(f'<text x="{label_w - 6}" y="{y + 11}" text-anchor="end">{html_escape(label)}</text>')
        x0 = float(label_w)
        for status, colour in COLOURS.items():
            w = plot_w * counts.get(status, 0) / total
            if w:
                out.append(
                    f'<rect x="{x0:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                    f"<title>{html_escape(label)} {status.value}: {counts.get(status, 0)}</title></rect>"
                )
            x0 += w
        summary = " / ".join(str(counts.get(s, 0)) for s in COLOURS)
        out.append(f'<text x="{label_w + plot_w + 6}" y="{y + 11}">{summary}</text>')
    out.append("</svg>")
    return "".join(out)


def _count_rows(groups: Sequence[tuple[str, Counter[Status]]]) -> list[list[str]]:
    return [[label, *(str(c.get(s, 0)) for s in COLOURS), str(sum(c.values()))] for label, c in groups]


def by_section(corpus: Corpus) -> list[tuple[str, Counter[Status]]]:
    found = statuses(corpus)
    groups: list[tuple[str, Counter[Status]]] = []
    in_section: dict[object, list[Requirement]] = {}
    for r in corpus.requirements:  # (one pass, not one per section)
        in_section.setdefault(r.section, []).append(r)
    for section in SECTION_TITLES:
        reqs = in_section.get(section)
        if reqs:
            groups.append((section.value, Counter(found[r.id].status for r in reqs)))
    return groups


def by_device(corpus: Corpus) -> list[tuple[str, Counter[Status]]]:
    """Status counts of each device's mandatory requirements."""
    found = statuses(corpus)
    bound = bound_by_device(corpus)
    return [
        (device.id.removeprefix("DEV_"), Counter(found[r.id].status for r in bound[device.id].mandatory))
        for device in corpus.of_type(Device)
    ]


# ------------------------------------------------------------------------------ pages


def _field_list(fields: list[tuple[str, str]]) -> str:
    """Name and HTML value pairs as a field list (the markup docutils writes for one)."""
    items = []
    for n, (name, value) in enumerate(fields):
        parity = "odd" if n % 2 == 0 else "even"
        items.append(
            f'<dt class="field-{parity}">{esc(name)}<span class="colon">:</span></dt>'
            f'<dd class="field-{parity}"><p>{value}</p></dd>'
        )
    return f'<dl class="field-list simple">{"".join(items)}</dl>'


def _run_section(results: Results | None) -> str:
    out = heading("Latest run")
    if results is None:
        return out + raw_block(
            _para(f"There are {run_line(None)}. Every requirement shows <em>not tested</em>.")
        )
    counts = results.summary()
    fields = [
        ("Target", f"{esc(results.target_name)} (<code>{esc(results.target)}</code>)"),
        ("Run at", f"{results.generated.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"),
        ("Duration", f"{results.duration_s:.1f} s"),
        ("Test cases", esc(", ".join(f"{n} {o}" for o, n in counts.items() if n) or "none")),
    ]
    if results.path is not None:
        fields.append(("Results file", f"<code>{esc(results.path.name)}</code>"))
    return out + raw_block(_field_list(fields))


def _step_section(corpus: Corpus, results: Results | None, linker: Linker) -> str:
    """Tests the spec lists that the run did not report, and the other way round."""
    if results is None:
        return ""
    ran = set(results.by_test())
    listed = {t.id for t in corpus.of_type(ConformanceTest)}
    items = [
        f"<li>{need_link(corpus, linker, t, show_title=True)}: in the spec, not in the results (not run)</li>"
        for t in sorted(listed - ran)
    ]
    items += [
        f"<li><code>{esc(t)}</code>: in the results, not in the spec "
        "(run <code>smets conform --write-spec</code>)</li>"
        for t in sorted(ran - listed)
    ]
    return heading("Out of step") + raw_block(f"<ul>{''.join(items)}</ul>") if items else ""


def _req_links(corpus: Corpus, linker: Linker, req_ids: Sequence[str]) -> str:
    return ", ".join(
        need_link(corpus, linker, r, show_title=True) if r in corpus.needs else esc(r) for r in req_ids
    )


def _table_or_none(header: list[str], rows: list[list[str]]) -> str:
    return raw_block(table(header, rows, "smets-list") if rows else _para("None."))


def _failures(corpus: Corpus, results: Results | None, linker: Linker) -> str:
    failing = results.failures() if results else []
    rows = [
        [
            f"<code>{esc(c.nodeid.split('::', 1)[-1])}</code>",
            _req_links(corpus, linker, c.verifies),
            _lines(c.message),
        ]
        for c in failing
    ]
    return heading(f"Failing tests ({len(failing)})") + _table_or_none(
        ["Test", "Requirements", "Message"], rows
    )


def _verified(corpus: Corpus, linker: Linker) -> str:
    rows = []
    models: dict[str, list[str]] = {}  # requirement -> the models implementing it, in source order
    for model in corpus.of_type(ReferenceModel):
        for req_id in dict.fromkeys(model.implements):
            models.setdefault(req_id, []).append(model.id)
    links = PageLinks(corpus, linker)  # (a model on the row of every requirement it implements)
    for req_id, found in statuses(corpus).items():
        if found.tests:
            passed = sum(1 for t in found.tests if t.outcome is Outcome.PASSED)
            rows.append(
                [
                    _req_links(corpus, linker, [req_id]),
                    _label(found.status),
                    f"{passed}/{len(found.tests)}",
                    ", ".join([links(m, True) for m in models.get(req_id, ())]),
                ]
            )
    return heading(f"Verified requirements ({len(rows)})") + _table_or_none(
        ["Requirement", "Status", "Tests passed", "Models"], rows
    )


def _questions_section(corpus: Corpus) -> str:
    """reST: one sentence, whose ``:doc:`` link shows the title of the questions' page."""
    questions = [q for q in corpus.of_type(ConsultationQuestion) if q.id.startswith("CQ_MODEL_")]
    if not questions:
        return ""
    page = corpus.location(questions[0].id).file.rsplit(".", 1)[0]
    return heading("Open questions") + (
        f"{len(questions)} readings chosen by the reference models, where the text is too vague to test, "
        f"are open questions for consultation: see :doc:`/{page}`.\n"
    )


def _counts_section(
    title: str, chart_title: str, groups: list[tuple[str, Counter[Status]]], empty: str | None = None
) -> str:
    """A heading, then the chart and table of counts of ``groups``, or ``empty`` when there are none."""
    if not groups and empty is not None:
        return heading(title) + raw_block(_para(empty))
    header = ["Group", "Pass", "Fail", "Not tested", "Requirements"]
    rows = [[esc(cell) for cell in row] for row in _count_rows(groups)]
    counts = table(header, rows, "smets-list") if rows else ""
    return heading(title) + raw_block(status_chart(chart_title, groups) + counts)


def summary_page(corpus: Corpus, linker: Linker) -> str:
    from .wirepage import protocol_section  # lazily: it imports the reference models (0.2 s)

    results = live.current()
    out = [
        _run_section(results),
        _counts_section("By section", "Requirement status by section", by_section(corpus)),
        _counts_section(
            "By device (mandatory requirements)",
            "Mandatory requirement status by device",
            by_device(corpus),
            "No devices are defined.",
        ),
        _failures(corpus, results, linker),
        protocol_section(corpus, results, linker),
        _verified(corpus, linker),
        _step_section(corpus, results, linker),
        _questions_section(corpus),
    ]
    return "\n".join(part for part in out if part)


def questions_table(corpus: Corpus, linker: Linker) -> str:
    rows = [
        [need_link(corpus, linker, q.id, show_title=True), _req_links(corpus, linker, q.about)]
        for q in corpus.of_type(ConsultationQuestion)
        if q.id.startswith("CQ_MODEL_")
    ]
    return raw_block(
        table(["Question", "About"], rows, "smets-list") if rows else _para("No open questions.")
    )


def conformance_page(corpus: Corpus, args: list[str], linker: Linker) -> str:
    """``.. smets-conformance::`` the summary; ``.. smets-conformance:: questions`` the open questions."""
    if args and args[0].strip() == "questions":
        return questions_table(corpus, linker)
    return summary_page(corpus, linker)


def source_listing(corpus: Corpus, args: list[str]) -> str:
    """``.. smets-source:: module:qualname``: the source of a model or test, with its file and line."""
    ref = args[0].strip() if args else ""
    module_name, _, qualname = ref.partition(":")
    if module_name.split(".")[0] != "smets_spec":  # a source must not make the build import anything else
        raise ValueError(
            f"the source of {ref} is not shown: only modules of smets_spec are listed (a page must "
            "not make the build import anything else) [smets.conformance]"
        )
    found = source_of(module_name, qualname)
    if found is not None:  # read from the module's file: no import (see .sourcefile)
        return _listing(*found)
    try:
        obj: object = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        lines, start = inspect.getsourcelines(obj)  # type: ignore[arg-type]
        file = Path(inspect.getsourcefile(obj) or "?")  # type: ignore[arg-type]
    except (ImportError, AttributeError, OSError, TypeError, ValueError) as exc:
        # a page that cannot show what it promises fails the build, at this directive's line
        raise ValueError(
            f"the source of {ref} cannot be shown: {exc}; check the module:qualname, and that the "
            "package is installed with its dependencies [smets.conformance]"
        ) from exc
    return _listing(lines, start, file)


def _listing(lines: list[str], start: int, file: Path) -> str:
    shown = (
        "/".join(file.parts[file.parts.index("smets_spec") :]) if "smets_spec" in file.parts else file.name
    )
    body = "\n".join(f"   {line.rstrip()}" if line.strip() else "" for line in lines)
    return (
        f"Source: ``{shown}``, line {start}.\n\n.. code-block:: python\n   :lineno-start: {start}\n\n{body}\n"
    )
