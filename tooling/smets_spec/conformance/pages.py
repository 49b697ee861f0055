"""Site content of conformance: the status panel on every requirement page, the conformance
summary (by section and by device, with charts), the open questions, and source listings.

Pure functions of the corpus and the latest results (:mod:`.live`), returning reST.
"""

from __future__ import annotations

import importlib
import inspect
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape as html_escape
from pathlib import Path

from ..corpus import Corpus
from ..render.html import raw_block
from ..render.panels import panel
from ..render.requirement import req_ref
from ..render.rst import escape, heading, list_table, need_ref
from ..schema import SECTION_TITLES, ConformanceTest, ConsultationQuestion, Degree, Device, ReferenceModel
from . import live
from .results import Outcome, RequirementStatus, Results, Status, age_text, requirement_status

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
    if results is None:
        problem = live.error()
        return f"no results ({escape(problem)})" if problem else "no results yet: run ``smets conform``"
    when = results.generated.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"run of {when} against {escape(results.target_name or results.target)}"


def _label(status: Status) -> str:
    return {Status.PASS: "**pass**", Status.FAIL: "**FAIL**", Status.NOT_TESTED: "*not tested*"}[status]


@panel("conformance-status", "Conformance status", order=45)
def status_panel(corpus: Corpus, req_id: str) -> str:
    """Live status of the tests that verify ``req_id``, and the models' open questions on it."""
    found = statuses(corpus).get(req_id)
    results = live.current()
    if found is None or not found.tests:
        text = f"{_label(Status.NOT_TESTED)}: no conformance test verifies {req_id}.\n"
    else:
        passed = sum(1 for t in found.tests if t.outcome is Outcome.PASSED)
        text = (
            f"{_label(found.status)}: {passed} of {len(found.tests)} test(s) passed in the "
            f"{run_line(results)}.\n\n"
        )
        rows = [[need_ref(t.test_id), t.outcome.value, escape(t.message)] for t in found.tests]
        text += list_table(["Test", "Result", "Message"], rows, [40, 12, 48])
    questions = [
        q for q in corpus.of_type(ConsultationQuestion) if req_id in q.about and q.id.startswith("CQ_MODEL_")
    ]
    if questions:
        text += "\nReadings the reference models chose (open questions): "
        text += ", ".join(need_ref(q.id) for q in questions) + ".\n"
    return text


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
    for section in SECTION_TITLES:
        reqs = [r for r in corpus.requirements if r.section is section]
        if reqs:
            groups.append((section.value, Counter(found[r.id].status for r in reqs)))
    return groups


def by_device(corpus: Corpus) -> list[tuple[str, Counter[Status]]]:
    """Status counts of each device's mandatory requirements."""
    found = statuses(corpus)
    return [
        (
            device.id.removeprefix("DEV_"),
            Counter(
                found[r.id].status for r in corpus.requirements if r.degree_for(device.id) is Degree.MANDATORY
            ),
        )
        for device in corpus.of_type(Device)
    ]


# ------------------------------------------------------------------------------ pages


def _run_section(corpus: Corpus, results: Results | None) -> str:
    out = [heading("Latest run")]
    if results is None:
        return "\n".join([*out, f"There are {run_line(None)}. Every requirement shows *not tested*.\n"])
    counts = results.summary()
    age = results.age()
    fields = [
        ("Target", f"{escape(results.target_name)} (``{results.target}``)"),
        (
            "Run at",
            f"{results.generated.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC, "
            f"{age_text(age)} before this page was built ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        ),
        ("Duration", f"{results.duration_s:.1f} s"),
        ("Test cases", ", ".join(f"{n} {o}" for o, n in counts.items() if n) or "none"),
    ]
    if results.path is not None:
        fields.append(("Results file", f"``{results.path.name}``"))
    out.append("\n".join(f":{k}: {v}" for k, v in fields) + "\n")
    return "\n".join(out)


def _step_section(corpus: Corpus, results: Results | None) -> str:
    """Tests the spec lists that the run did not report, and the other way round."""
    if results is None:
        return ""
    ran = set(results.by_test())
    listed = {t.id for t in corpus.of_type(ConformanceTest)}
    lines = [f"* {need_ref(t)}: in the spec, not in the results (not run)" for t in sorted(listed - ran)]
    lines += [
        f"* ``{t}``: in the results, not in the spec (run ``smets conform --write-spec``)"
        for t in sorted(ran - listed)
    ]
    return heading("Out of step") + "\n".join(lines) + "\n" if lines else ""


def _failures(corpus: Corpus, results: Results | None) -> str:
    failing = results.failures() if results else []
    rows = [
        [
            f"``{escape(c.nodeid.split('::', 1)[-1])}``",
            ", ".join(req_ref(corpus, r) if r in corpus.needs else r for r in c.verifies),
            escape(c.message),
        ]
        for c in failing
    ]
    return heading(f"Failing tests ({len(failing)})") + (
        list_table(["Test", "Requirements", "Message"], rows, [30, 25, 45]) or "None.\n"
    )


def _verified(corpus: Corpus) -> str:
    rows = []
    for req_id, found in statuses(corpus).items():
        if found.tests:
            passed = sum(1 for t in found.tests if t.outcome is Outcome.PASSED)
            models = [m.id for m in corpus.of_type(ReferenceModel) if req_id in m.implements]
            rows.append(
                [
                    req_ref(corpus, req_id) if req_id in corpus.needs else req_id,
                    _label(found.status),
                    f"{passed}/{len(found.tests)}",
                    ", ".join(need_ref(m) for m in models),
                ]
            )
    return heading(f"Verified requirements ({len(rows)})") + (
        list_table(["Requirement", "Status", "Tests passed", "Models"], rows, [40, 12, 12, 36]) or "None.\n"
    )


def _questions_section(corpus: Corpus) -> str:
    questions = [q for q in corpus.of_type(ConsultationQuestion) if q.id.startswith("CQ_MODEL_")]
    if not questions:
        return ""
    page = corpus.location(questions[0].id).file.rsplit(".", 1)[0]
    return heading("Open questions") + (
        f"{len(questions)} readings chosen by the reference models, where the text is too vague to test, "
        f"are open questions for consultation: see :doc:`/{page}`.\n"
    )


def summary_page(corpus: Corpus) -> str:
    results = live.current()
    sections, devices = by_section(corpus), by_device(corpus)
    header = ["Group", "Pass", "Fail", "Not tested", "Requirements"]
    out = [
        _run_section(corpus, results),
        heading("By section"),
        raw_block(status_chart("Requirement status by section", sections)),
        list_table(header, _count_rows(sections)),
        heading("By device (mandatory requirements)"),
        raw_block(status_chart("Mandatory requirement status by device", devices)) if devices else "",
        list_table(header, _count_rows(devices)) or "No devices are defined.\n",
        _failures(corpus, results),
        _verified(corpus),
        _step_section(corpus, results),
        _questions_section(corpus),
    ]
    return "\n".join(part for part in out if part)


def questions_table(corpus: Corpus) -> str:
    rows = [
        [
            need_ref(q.id),
            ", ".join(req_ref(corpus, r) if r in corpus.needs else r for r in q.about),
        ]
        for q in corpus.of_type(ConsultationQuestion)
        if q.id.startswith("CQ_MODEL_")
    ]
    return list_table(["Question", "About"], rows, [45, 55]) or "No open questions.\n"


def conformance_page(corpus: Corpus, args: list[str]) -> str:
    """``.. smets-conformance::`` the summary; ``.. smets-conformance:: questions`` the open questions."""
    if args and args[0].strip() == "questions":
        return questions_table(corpus)
    return summary_page(corpus)


def source_listing(corpus: Corpus, args: list[str]) -> str:
    """``.. smets-source:: module:qualname``: the source of a model or test, with its file and line."""
    ref = args[0].strip() if args else ""
    module_name, _, qualname = ref.partition(":")
    try:
        obj: object = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        lines, start = inspect.getsourcelines(obj)  # type: ignore[arg-type]
        file = Path(inspect.getsourcefile(obj) or "?")  # type: ignore[arg-type]
    except (ImportError, AttributeError, OSError, TypeError, ValueError) as exc:
        return f"*Source of ``{escape(ref)}`` not available: {escape(str(exc))}.*\n"
    shown = (
        "/".join(file.parts[file.parts.index("smets_spec") :]) if "smets_spec" in file.parts else file.name
    )
    body = "\n".join(f"   {line.rstrip()}" if line.strip() else "" for line in lines)
    return (
        f"Source: ``{shown}``, line {start}.\n\n.. code-block:: python\n   :lineno-start: {start}\n\n{body}\n"
    )
