"""Consultation workbook benchmark (issue 7): export and import of a 10,000-requirement spec.

Targets: export of a 10,000-requirement spec in at most 3 s; import of a
10,000-row response in at most 5 s. Measured in this run, on this machine,
against a peer doing the same reading or writing with openpyxl's default
(non-streaming) mode, which is what a straightforward openpyxl script does:

* export, ours: ``export_workbook`` (write-only, streamed) of every requirement;
* export, peer: the same cells (values, wrap style, unlocked response columns)
  written cell by cell into an ordinary openpyxl ``Workbook``;
* import, ours: ``read_workbook`` (every check: file, integrity, protected text
  of every row, stale rows, ratings, sizes) + writing the respondent's reST file;
* import, peer: ``load_workbook`` in default mode and reading every cell's value
  (no checks, nothing written).

The spec comes from ``smets_spec.corpus.synthetic``; every requirement row of the
response has a rating and a comment, every tenth a proposed wording. Wall and
CPU seconds are printed (the machine may be shared: CPU time is the steadier).

    .venv/bin/python bench/consult_bench.py [--size 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Protection

from smets_spec.consultation import layout
from smets_spec.consultation.export import export_workbook
from smets_spec.consultation.fill import Filled, fill_workbook
from smets_spec.consultation.importer import read_workbook
from smets_spec.consultation.model import consulted_requirements, devices_text, pick_consultation
from smets_spec.consultation.store import consultation_folder, store
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import Device
from smets_spec.corpus.synthetic import generate


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall and CPU seconds over ``repeat`` runs, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def peer_export(corpus: Corpus, out: Path) -> None:
    """The Requirements sheet written the ordinary openpyxl way, cell by cell."""
    wb = Workbook()
    ws = wb.active
    ws.title = layout.REQUIREMENTS
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append(list(layout.REQUIREMENT_COLUMNS))
    devices = corpus.of_type(Device)
    for row, req in enumerate(consulted_requirements(corpus), start=2):
        values = [
            req.id,
            req.section.value if req.section else "",
            req.title,
            req.content,
            devices_text(req, devices),
            req.impact.value if req.impact else "",
        ]
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row, column, value)
            cell.alignment = wrap
        for column in (7, 8, 9):
            ws.cell(row, column).protection = Protection(locked=False)
    ws.protection.sheet = True
    wb.save(out)


def peer_import(path: Path) -> int:
    wb = load_workbook(path)
    cells = sum(
        1 for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )
    wb.close()
    return cells


def response(corpus: Corpus) -> Filled:
    filled = Filled("Benchmark Respondent Limited")
    for n, req in enumerate(consulted_requirements(corpus)):
        comment = f"Comment {n} on {req.id}: the text is unclear.\nSecond line with £ and = sign."
        filled.comments[req.id] = (
            ("Major", "Minor", "none")[n % 3],
            comment,
            "Shall be clearer." if n % 10 == 0 else None,
        )
    return filled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = generate(work / "repo", args.size)
        load_wall, load_cpu, corpus = timed(lambda: load_spec(root / "spec", relative_to=root), 1)
        consultation = pick_consultation(corpus, None)
        n = len(consulted_requirements(corpus))
        blank = work / "blank.xlsx"
        ours = timed(lambda: export_workbook(corpus, consultation, "bench", blank), args.repeat)
        peer = timed(lambda: peer_export(corpus, work / "peer.xlsx"), args.repeat)
        print(f"spec: {n} requirements; corpus loaded in {load_wall:.2f} s wall ({load_cpu:.2f} s CPU)")
        print(
            f"export   ours (write-only, all sheets + checks data) {ours[0]:6.2f} s wall {ours[1]:6.2f} s CPU"
            f"   {blank.stat().st_size / 1e6:.1f} MB"
        )
        print(
            f"export   peer (openpyxl default, Requirements only)  {peer[0]:6.2f} s wall {peer[1]:6.2f} s CPU"
        )
        print(
            f"export   ratio peer/ours: {peer[0] / ours[0]:.1f}x wall, {peer[1] / ours[1]:.1f}x CPU"
            f"   target <= 3 s: {'met' if ours[0] <= 3 else 'MISSED'}"
        )
        answered = work / "answered.xlsx"
        fill_workbook(blank, answered, response(corpus))  # setup, not timed
        folder = consultation_folder(corpus, root, consultation.id)

        def import_once() -> Any:
            report = read_workbook(answered, corpus, root=root)
            assert report.result is not None, [d.format() for d in report.diagnostics[:5]]
            target = folder / "benchmark-respondent-limited.rst"
            target.unlink(missing_ok=True)
            return store(report.result, folder, root), len(report.result.responses)

        mine = timed(import_once, args.repeat)
        other = timed(lambda: peer_import(answered), args.repeat)
        print(
            f"import   ours (all checks + reST file written)       {mine[0]:6.2f} s wall {mine[1]:6.2f} s CPU"
            f"   {mine[2][1]} responses, {answered.stat().st_size / 1e6:.1f} MB workbook"
        )
        print(
            f"import   peer (openpyxl default load, values only)   {other[0]:6.2f} s wall "
            f"{other[1]:6.2f} s CPU"
        )
        print(
            f"import   ratio peer/ours: {other[0] / mine[0]:.1f}x wall, {other[1] / mine[1]:.1f}x CPU"
            f"   target <= 5 s: {'met' if mine[0] <= 5 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
