"""``smets consult export | import | summary``: consultations answered in Excel workbooks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..corpus.diagnostics import Reporter
from ..corpus.load import Corpus, load_spec, report
from ..corpus.project import Project
from .common import add_out_option, progress


def _corpus(project: Project) -> Corpus | None:
    corpus = load_spec(project.spec, relative_to=project.root)
    if corpus.errors:
        report(corpus).print()
        sys.stderr.write("smets consult: the spec has errors; fix them first\n")
        return None
    return corpus


def _out_path(project: Project, out: str, force: bool) -> Path | None:
    """The checked ``--out`` path (None, with the reason on stderr, when it must not be written)."""
    from ..corpus.outpath import OutPathError, check_out

    try:
        return check_out(project.root, Path(out), force)
    except OutPathError as exc:
        sys.stderr.write(f"smets consult: {exc}\n")
        return None


def _cannot_write(what: str, exc: OSError) -> None:
    where = exc.filename or what
    sys.stderr.write(
        f"smets consult: {where}: cannot write ({exc.strerror or exc}); an earlier file there is left whole\n"
    )


def default_export_path(project: Project, consultation_id: str) -> Path:
    """Where ``consult export`` writes without ``--out``: the build folder, never a source."""
    return project.build_dir / "consultations" / f"{consultation_id}.xlsx"


def cmd_export(args: argparse.Namespace, project: Project) -> int:
    from ..consultation.export import export_workbook, spec_revision
    from ..consultation.model import pick_consultation

    corpus = _corpus(project)
    if corpus is None:
        return 1
    consultation = pick_consultation(corpus, args.consultation)
    shown = args.out or project.rel(default_export_path(project, consultation.id))
    out = _out_path(project, args.out or str(default_export_path(project, consultation.id)), args.force)
    if out is None:
        return 2
    try:
        result = export_workbook(corpus, consultation, spec_revision(project.root), out)
    except OSError as exc:
        _cannot_write(shown, exc)
        return 2
    sys.stdout.write(
        f"{shown}: {result.consultation} at revision {result.revision}: "
        f"{result.questions} questions, {result.requirements} requirements\n"
    )
    return 0


def _import_one(
    args: argparse.Namespace, project: Project, corpus: Corpus, name: str, reporter: Reporter
) -> bool:
    """Import one workbook; True when it was imported (or unchanged), False when refused."""
    from ..consultation.importer import read_workbook
    from ..consultation.store import Outcome, consultation_folder, store

    result = read_workbook(Path(name), corpus, where=name, root=project.root)
    reporter.extend(result.diagnostics)
    if result.result is None:
        sys.stdout.write(f"{name}: refused ({result.errors} error(s)); nothing imported from it\n")
        return False
    rs = result.result
    folder = consultation_folder(corpus, project.root, rs.consultation)
    stored = store(rs, folder, project.root, replace=args.replace, dry_run=args.dry_run)
    if stored.diagnostic is not None:
        reporter.add(stored.diagnostic)
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
        sys.stdout.write(f"    {stored.added} new, {stored.removed} withdrawn, {stored.changed} changed\n")
    if args.verbose:
        for line in result.skipped:
            sys.stdout.write(f"    skipped: {line}\n")
    return stored.outcome is not Outcome.REFUSED


def cmd_import(args: argparse.Namespace, project: Project) -> int:
    """Each workbook is imported or refused on its own; a missing one is reported and skipped.

    Exit 2 when a workbook is missing or a response file cannot be written, else 1 when any
    workbook was refused, else 0.
    """
    corpus = _corpus(project)
    if corpus is None:
        return 1
    reporter = Reporter()
    failed = missing = 0
    for name in progress(args.files, "reading workbooks"):
        if not Path(name).is_file():
            sys.stderr.write(f"smets consult import: error: {name}: no such workbook; check the path\n")
            missing += 1
            continue
        try:
            if not _import_one(args, project, corpus, name, reporter):
                failed += 1
        except OSError as exc:
            _cannot_write(name, exc)
            missing += 1
    reporter.print()
    if missing:
        return 2
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
        out = _out_path(project, args.out, args.force)
        if out is None:
            return 2
        try:
            write_summary(corpus, summary, out)
        except OSError as exc:
            _cannot_write(args.out, exc)
            return 2
        sys.stdout.write(f"{args.out}: written\n")
    reporter.print()
    return 1 if reporter.errors else 0


_FORCE = "let --out overwrite a file git tracks, or one under spec/ (or conf.py)"


def add_commands(sub: Any) -> None:
    consult = sub.add_parser(
        "consult", help="consultations: export the workbook, import responses, summarise"
    )
    verbs = consult.add_subparsers(dest="consult_command", required=True, metavar="ACTION")
    export = verbs.add_parser("export", help="write the workbook respondents fill in")
    export.add_argument("--consultation", help="consultation id (default: the only one in the spec)")
    add_out_option(export, "the workbook", "_build/consultations/CON_ID.xlsx")
    export.add_argument("--force", action="store_true", help=_FORCE)
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
    summary.add_argument("--force", action="store_true", help=_FORCE)
    summary.set_defaults(handler=cmd_summary)
