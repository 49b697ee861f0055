"""``smets reqif export|import|mapping``: exchange the spec with DOORS, Polarion, StrictDoc ... by ReqIF."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..corpus.diagnostics import Reporter
from ..corpus.files import write_atomic
from ..corpus.load import load_spec
from ..corpus.project import Project
from ..interchange import ops
from ..interchange.export import write
from ..interchange.mapping import DEFAULT_TOML
from ..interchange.mapping import load as load_mapping


def _out(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # quiet on a closed pipe
        sys.stderr.close()


def _cannot_write(what: Path | str, error: OSError) -> int:
    sys.stderr.write(f"smets reqif: error: cannot write {what}: {error.strerror or error}\n")
    return 2


def cmd_export(args: argparse.Namespace, project: Project) -> int:
    corpus = load_spec(project.spec, relative_to=project.root)
    if corpus.errors:
        Reporter(corpus.diagnostics).print(sys.stderr)
        sys.stderr.write(f"smets reqif: {corpus.errors} error(s) in the spec; nothing exported (fix them)\n")
        return 1
    text = ops.export_text(corpus, title=args.title)
    if args.out is None:
        _out(text)
        return 0
    out = Path(args.out)
    if out.suffix.lower() not in {".reqif", ".reqifz"}:
        sys.stderr.write(f"smets reqif: error: --out {out} must end in .reqif or .reqifz\n")
        return 2
    if out.is_dir():
        sys.stderr.write(f"smets reqif: error: --out {out} is a folder; give a file name\n")
        return 2
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write(out, text)
    except OSError as error:
        return _cannot_write(out, error)
    links = sum(len(t) for n in corpus for t in n.outgoing().values())
    sys.stderr.write(f"smets reqif: {out}: {len(corpus)} needs, {links} relations\n")
    return 0


def _summary(
    args: argparse.Namespace, result: ops.ImportResult, reporter: Reporter, written: Path | None
) -> None:
    if args.format == "json":
        data = {
            "needs": result.needs,
            "files": [str(written / rel) for rel in result.files] if written else [],
            "errors": reporter.errors,
            "diagnostics": [d.to_json() for d in reporter],
        }
        _out(json.dumps(data, indent=2) + "\n")
        return
    reporter.print(sys.stderr)
    verb = f"written under {written}" if written else ("checked (dry run)" if args.dry_run else "not written")
    counts = f"{reporter.errors} error(s), {reporter.warnings} warning(s)"
    _out(f"{result.needs} needs in {len(result.files)} file(s) {verb}; {counts}\n")


def cmd_import(args: argparse.Namespace, project: Project) -> int:
    mapping, problems = load_mapping(Path(args.mapping) if args.mapping else None)
    reporter = Reporter(problems)
    if mapping is None:
        reporter.print(sys.stderr)
        return 2
    result = ops.import_files([(Path(f), f) for f in args.files], mapping)
    reporter.extend(result.diagnostics)
    out_dir = Path(args.out_dir) if args.out_dir else project.spec / "imported"
    written: Path | None = None
    if not result.errors and result.files and not args.dry_run:
        inside = out_dir.resolve().is_relative_to(project.root.resolve())
        shown = project.rel(out_dir) if inside else str(out_dir)
        try:
            refused = ops.write(result, out_dir, shown, args.replace)
        except OSError as error:
            return _cannot_write(out_dir, error)
        reporter.extend(refused)
        written = None if refused else out_dir
    _summary(args, result, reporter, written)
    return 1 if reporter.errors else 0


def cmd_mapping(args: argparse.Namespace, project: Project) -> int:
    if not args.out:
        _out(DEFAULT_TOML)
        return 0
    try:
        write_atomic(Path(args.out), DEFAULT_TOML)
    except OSError as error:
        return _cannot_write(args.out, error)
    return 0


def add_commands(sub: Any) -> None:
    reqif = sub.add_parser(
        "reqif", help="export or import the spec as ReqIF (DOORS, Polarion, StrictDoc, ...)"
    )
    actions = reqif.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write every need as ReqIF (typed attributes and relations)")
    export.add_argument("--out", metavar="FILE", help="FILE.reqif or FILE.reqifz (default: standard output)")
    export.add_argument("--title", default="SMETS", help="document title in the ReqIF header")
    export.set_defaults(handler=cmd_export)
    imp = actions.add_parser("import", help="turn ReqIF documents into spec sources")
    imp.add_argument("files", nargs="+", metavar="FILE", help=".reqif or .reqifz files")
    imp.add_argument("--mapping", metavar="FILE", help="TOML mapping of types, attributes, relations, values")
    imp.add_argument("--out-dir", metavar="DIR", help="folder for the sources (default: spec/imported)")
    imp.add_argument("--replace", action="store_true", help="replace files that exist already")
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imp.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    imp.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    imp.set_defaults(handler=cmd_import)
    mapping = actions.add_parser("mapping", help="print the default mapping, to copy and edit")
    mapping.add_argument("--out", metavar="FILE", help="write it to FILE instead")
    mapping.set_defaults(handler=cmd_mapping)
