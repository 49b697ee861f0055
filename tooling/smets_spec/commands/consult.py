"""``smets consult export | import | summary``: consultations answered in Excel workbooks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..corpus.diagnostics import Reporter
from ..corpus.load import Corpus, load_spec, report
from ..corpus.project import Project
from .common import CANNOT_RUN, add_out_option, progress


def _corpus(project: Project) -> Corpus | None:
    corpus = load_spec(project.spec, relative_to=project.root)
    if corpus.errors:
        report(corpus).print()
        sys.stderr.write("smets consult: the spec has errors; fix them first\n")
        return None
    return corpus


def cmd_export(args: argparse.Namespace, project: Project) -> int:
    from ..consultation.export import export_workbook, spec_revision
    from ..consultation.model import pick_consultation

    corpus = _corpus(project)
    if corpus is None:
        return 1
    consultation = pick_consultation(corpus, args.consultation)
    out = Path(args.out) if args.out else project.build_dir / f"{consultation.id}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = export_workbook(corpus, consultation, spec_revision(project.root), out)
    sys.stdout.write(
        f"{out}: {result.consultation} at revision {result.revision}: "
        f"{result.questions} questions, {result.requirements} requirements\n"
    )
    return 0


def cmd_import(args: argparse.Namespace, project: Project) -> int:
    from ..consultation.importer import read_workbook
    from ..consultation.store import Outcome, consultation_folder, store

    corpus = _corpus(project)
    if corpus is None:
        return 1
    missing = [name for name in args.files if not Path(name).is_file()]
    if missing:
        for name in missing:
            sys.stderr.write(f"smets consult import: error: {name}: no such workbook; nothing was imported\n")
        return CANNOT_RUN
    reporter = Reporter()
    failed = 0
    for name in progress(args.files, "reading workbooks"):
        path = Path(name)
        result = read_workbook(path, corpus, where=name)
        reporter.extend(result.diagnostics)
        if result.result is None:
            failed += 1
            sys.stdout.write(f"{name}: refused ({result.errors} error(s)); nothing imported from it\n")
            continue
        rs = result.result
        folder = consultation_folder(corpus, project.root, rs.consultation)
        stored = store(rs, folder, project.root, replace=args.replace, dry_run=args.dry_run)
        if stored.diagnostic is not None:
            reporter.add(stored.diagnostic)
        if stored.outcome is Outcome.REFUSED:
            failed += 1
        counts = {
            kind: sum(1 for r in rs.responses if r.kind.value == kind)
            for kind in ("answer", "requirement", "general")
        }
        stale = sum(1 for r in rs.responses if r.stale)
        sys.stdout.write(
            f"{name}: {rs.respondent} -> {project.rel(stored.path)}: {stored.outcome.value}"
            f"{' (dry run)' if args.dry_run and stored.outcome is not Outcome.REFUSED else ''}; "
            f"{counts['answer']} answers, {counts['requirement']} requirement comments ({stale} stale), "
            f"{counts['general']} general comments; {len(result.skipped)} rows skipped\n"
        )
        if stored.outcome is Outcome.REPLACED:
            sys.stdout.write(
                f"    {stored.added} new, {stored.removed} withdrawn, {stored.changed} changed\n"
            )
        if args.verbose:
            for line in result.skipped:
                sys.stdout.write(f"    skipped: {line}\n")
    reporter.print()
    return 1 if failed or reporter.errors else 0


def cmd_summary(args: argparse.Namespace, project: Project) -> int:
    from ..consultation.model import pick_consultation
    from ..consultation.summary import COUNT_COLUMNS, summarise, write_summary

    corpus = _corpus(project)
    if corpus is None:
        return 1
    consultation = pick_consultation(corpus, args.consultation)
    summary = summarise(corpus, consultation)
    reporter = Reporter()
    reporter.extend(summary.diagnostics)
    sys.stdout.write(
        f"{consultation.id}: {len(summary.stored)} responses from "
        f"{len(summary.by_respondent) or len({s.respondent for s in summary.stored})} respondent(s)\n"
    )
    for name, counter in sorted(summary.by_respondent.items()):
        figures = ", ".join(f"{counter.get(c, 0)} {c}" for c in COUNT_COLUMNS)
        sys.stdout.write(f"  {name}: {figures}\n")
    if args.out:
        write_summary(corpus, summary, Path(args.out))
        sys.stdout.write(f"{args.out}: written\n")
    reporter.print()
    return 1 if reporter.errors else 0


def add_commands(sub: Any) -> None:
    consult = sub.add_parser(
        "consult", help="consultations: export the workbook, import responses, summarise"
    )
    verbs = consult.add_subparsers(dest="consult_command", required=True, metavar="ACTION")
    export = verbs.add_parser("export", help="write the workbook respondents fill in")
    export.add_argument("--consultation", help="consultation id (default: the only one in the spec)")
    add_out_option(export, "the workbook", "_build/CONSULTATION_ID.xlsx")
    export.set_defaults(handler=cmd_export)
    imp = verbs.add_parser("import", help="read returned workbooks into spec/consultations/")
    imp.add_argument("files", nargs="+", help="returned .xlsx workbooks (one respondent each)")
    imp.add_argument(
        "--replace", action="store_true", help="replace a respondent's earlier, different response"
    )
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imp.add_argument("-v", "--verbose", action="store_true", help="list every skipped row")
    imp.set_defaults(handler=cmd_import)
    summary = verbs.add_parser("summary", help="consolidated responses (counts; --out writes a workbook)")
    summary.add_argument("--consultation", help="consultation id (default: the only one in the spec)")
    add_out_option(summary, "the summary workbook (.xlsx)", "none: counts on standard output only")
    summary.set_defaults(handler=cmd_summary)
