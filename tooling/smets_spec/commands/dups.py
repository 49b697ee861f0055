"""``smets dups``: duplicates, overlaps, parallel variants, possible conflicts and terminology.

PATH is this spec (default), another spec folder (or a repository holding
``spec/``), or any sphinx-needs ``needs.json``; a needs.json is read
generically (every need type is a group; no schema of this project assumed).

Exit codes: 0 when no unsuppressed duplicate or possible conflict remains
(overlaps, parallel variants and terminology are information; ``--strict``
makes overlaps and terminology fail too), 1 when some remain, 2 when the input
cannot be read (bad path, malformed needs.json, malformed suppression file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..corpus.files import write_atomic
from ..corpus.ids import canonical
from ..corpus.load import load_spec
from ..corpus.project import Project
from ..duplicates.classify import FAILING, Kind
from ..duplicates.items import Source, from_corpus, from_needs_json
from ..duplicates.report import json_report, markdown_report, text_report
from ..duplicates.scan import scan
from ..duplicates.suppress import Outcome, Suppressions, apply, entry_text, load_suppressions
from .common import add_format_option, add_input_option, add_out_option, status

SUPPRESSIONS = Path("reviews") / "duplicates.toml"
HEADER = (
    "# Reviewed findings of `smets dups`: each entry hides one finding while both texts keep the\n"
    "# fingerprints recorded here. See docs/duplicates.md. Add entries with `smets dups --accept A,B`.\n"
)


def _source(args: argparse.Namespace, project: Project) -> tuple[Source, Path | None]:
    """The source to scan and its default suppression file."""
    path = Path(args.source) if args.source else project.spec
    if path.is_file():
        if path.suffix != ".json":
            raise ValueError(f"{path}: not a spec folder or a needs.json file [smets.input]")
        return from_needs_json(path, types=args.type or ()), None
    if path.is_dir() and (path / "spec").is_dir() and (path / "conf.py").is_file():
        path = path / "spec"
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such spec folder or needs.json [smets.input]")
    root = (
        project.root if project.root.resolve() in (path.resolve(), *path.resolve().parents) else path.parent
    )
    corpus = load_spec(path, relative_to=root)
    return from_corpus(corpus, origin=project.rel(path)), path / SUPPRESSIONS


def _suppressions_path(args: argparse.Namespace, default: Path | None) -> Path | None:
    return Path(args.suppressions) if args.suppressions else default


def _accept(args: argparse.Namespace, outcome: Outcome, path: Path | None, project: Project) -> int:
    ids = [canonical(part) for part in args.accept.split(",")]
    if len(ids) != 2 or not args.reason or not args.reviewer:
        sys.stderr.write(
            "smets dups: error: --accept needs two ids (A,B), --reason and --reviewer [smets.input]\n"
        )
        return 2
    finding = next((f for f in outcome.active if set(f.ids) == set(ids)), None)
    if finding is None:
        sys.stderr.write(
            f"smets dups: error: no open finding for {ids[0]} and {ids[1]} [smets.input]\n"
            "    fix: run `smets dups` to list the open findings\n"
        )
        return 2
    if path is None:
        sys.stderr.write("smets dups: error: give --suppressions FILE to record a review of a needs.json\n")
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.is_file() else HEADER
    write_atomic(path, existing + entry_text(finding, args.reason, args.reviewer, args.status, args.see))
    sys.stdout.write(
        f"{project.rel(path)}: recorded the review of {finding.a.id} and {finding.b.id} "
        f"({finding.kind.value})\n"
    )
    return 0


def cmd_dups(args: argparse.Namespace, project: Project) -> int:
    source, default = _source(args, project)
    path = _suppressions_path(args, default)
    suppressions, problems = (
        load_suppressions(path, source.all_ids, project.rel(path)) if path else (Suppressions(), [])
    )
    if problems:
        for problem in problems:
            sys.stderr.write(problem.format() + "\n")
        return 2
    with status("comparing every pair of texts"):
        result = scan(source, terms=not args.no_terms)
    texts = {item.id: item.text for item in source.items()}
    outcome = apply(result.findings, result.terms, suppressions, texts)
    wanted = {Kind(k) for k in args.kind} if args.kind else set(Kind)
    outcome.active = [f for f in outcome.active if f.score >= args.min_score and f.kind in wanted]
    if args.accept:
        return _accept(args, outcome, path, project)
    if args.format == "json":
        output = json.dumps(json_report(result, outcome), indent=2) + "\n"
    elif args.format == "markdown":
        output = markdown_report(result, outcome)
    else:
        tty = args.out is None and sys.stdout.isatty()
        color = args.color == "always" or (args.color == "auto" and tty)
        output = text_report(result, outcome, color, terms=not args.no_terms)
    if args.out:
        write_atomic(Path(args.out), output)
    else:
        sys.stdout.write(output)  # a closed pipe is handled by the cli (quiet, exit 1)
    failing = [f for f in outcome.active if f.kind in FAILING or (args.strict and f.kind is Kind.OVERLAP)]
    return 1 if failing or (args.strict and outcome.terms) else 0


def add_commands(sub: Any) -> None:
    dups = sub.add_parser(
        "dups",
        help="find duplicates, overlaps, parallel variants, possible conflicts and terminology problems",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_option(dups, "spec folder, repository, or any sphinx-needs needs.json")
    dups.add_argument("path", nargs="?", help=argparse.SUPPRESS)  # deprecated: use --from
    add_format_option(dups)
    add_out_option(dups, "the report")
    dups.add_argument(
        "--min-score",
        type=float,
        default=0.0,
        metavar="X",
        help="leave out findings scoring below X (0..1; default 0: every classified pair)",
    )
    dups.add_argument(
        "--class",
        dest="kind",
        action="append",
        choices=[k.value for k in Kind],
        help="only this class (repeatable)",
    )
    dups.add_argument(
        "--suppressions",
        metavar="FILE",
        help="reviewed findings (default: <spec>/reviews/duplicates.toml; none for a needs.json)",
    )
    dups.add_argument(
        "--type", action="append", metavar="TYPE", help="needs.json only: compare this need type (repeatable)"
    )
    dups.add_argument("--no-terms", action="store_true", help="skip the terminology checks")
    dups.add_argument("--strict", action="store_true", help="overlaps and terminology findings fail too")
    dups.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour the differing words"
    )
    dups.add_argument("--accept", metavar="A,B", help="record the open finding of A and B as reviewed")
    dups.add_argument("--reason", help="why the finding is harmless (with --accept)")
    dups.add_argument("--reviewer", help="who reviewed it (with --accept)")
    dups.add_argument(
        "--status",
        choices=("accepted", "open"),
        default="accepted",
        help="with --accept: 'open' records a real finding as known and not yet resolved",
    )
    dups.add_argument(
        "--see", default="", help="with --accept: need id or URL where the finding is discussed"
    )
    dups.set_defaults(handler=cmd_dups, project_optional=True)
