"""``smets protocols``: the data catalogue assessed against DLMS/COSEM and ZigBee SE.

  smets protocols [--format text|json|markdown] [--out FILE]   assessment and catalogue checks
  smets protocols accept DAT_... PO_...                        write an accepted candidate
  smets protocols baseline                                     freeze the assessment for comparison

The catalogues come from gurux-dlms and zigpy, each run in its own helper process (install the
'dlms' and 'zigbee' extras); without them the checks are skipped with a note.
Exit codes: 0 ok, 1 catalogue errors (or a refused accept), 2 cannot run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..corpus.diagnostics import Severity
from ..corpus.files import write_atomic
from ..corpus.load import Corpus, load, report
from ..corpus.project import Project
from ..protocols.accept import AcceptError, accept
from ..protocols.assess import KIND_TEXT, Kind, Result, assess
from ..protocols.baseline import changes, read_baseline, write_baseline


def _load(args: argparse.Namespace, project: Project) -> tuple[Corpus, Path]:
    spec = Path(args.source) if args.source else project.spec
    return load(spec, relative_to=project.root), spec


def _emit(text: str, out: str | None) -> None:
    try:
        if out:
            write_atomic(Path(out), text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:  # quiet on a closed pipe
        sys.stderr.close()


def _diagnostics(result: Result) -> int:
    for d in result.diagnostics:
        sys.stderr.write(d.format() + "\n")
    return sum(1 for d in result.diagnostics if d.severity is Severity.ERROR)


def text_report(result: Result, markdown: bool = False) -> str:
    out = []
    versions = ", ".join(f"{k} {v or 'not installed'}" for k, v in result.catalogues.items())
    out.append(
        ("## " if markdown else "") + f"Protocol assessment of {len(result.items)} data items ({versions})"
    )
    out.append("")
    mark = "- " if markdown else "  "
    out += [f"{mark}{KIND_TEXT[kind]}: {result.counts()[kind.value]}" for kind in Kind]
    out.append("")
    for a in result.items:
        out.append(f"{'- ' if markdown else ''}{a.item_id}  {a.kind.value}  {a.title}")
        for c in a.candidates:
            out.append(f"    candidate {c.po_id}: {c.identity} - {c.says}")
            out.append(f"      rule: {c.rule}")
        if a.why and a.kind in (Kind.NEEDS_EXTENSION, Kind.LOCAL_ONLY, Kind.NOT_ASSESSED):
            out.append(f"    why: {a.why}")
    bad = [f for f in result.findings if f.status in ("error", "unchecked")]
    out.append("")
    out.append(f"Protocol objects: {len(result.findings)}, failing or unchecked: {len(bad)}")
    out += [f"  {f.po_id}  {f.status}: {f.says}" for f in bad]
    return "\n".join(out) + "\n"


def _spec_errors(corpus: Corpus) -> bool:
    """The spec's own errors come first: assessing a spec that does not load would mislead."""
    reporter = report(corpus)
    if reporter.errors:
        reporter.print()
        sys.stderr.write("smets protocols: the spec has errors; fix them first (smets validate)\n")
    return reporter.errors > 0


def cmd_report(args: argparse.Namespace, project: Project) -> int:
    corpus, spec = _load(args, project)
    if _spec_errors(corpus):
        return 1
    result = assess(corpus)
    errors = _diagnostics(result)
    if args.format == "json":
        data = result.to_json()
        before = read_baseline(spec)
        data["since_baseline"] = None if before is None else [c.__dict__ for c in changes(result, before)]
        _emit(json.dumps(data, indent=2) + "\n", args.out)
    else:
        _emit(text_report(result, markdown=args.format == "markdown"), args.out)
    return 1 if errors else 0


def cmd_accept(args: argparse.Namespace, project: Project) -> int:
    corpus, spec = _load(args, project)
    if _spec_errors(corpus):
        return 1
    try:
        written = accept(corpus, assess(corpus), spec, args.item, args.object)
    except AcceptError as exc:
        sys.stderr.write(f"smets protocols: {exc}\n")
        return 1
    for w in written:
        sys.stdout.write(f"wrote {w.what} to {w.path}\n")
    sys.stdout.write("review the change and commit it\n")
    return 0


def cmd_baseline(args: argparse.Namespace, project: Project) -> int:
    corpus, spec = _load(args, project)
    path = write_baseline(spec, assess(corpus))
    sys.stdout.write(f"wrote {path}\n")
    return 0


def add_commands(sub: Any) -> None:
    parser = sub.add_parser(
        "protocols",
        help="assess the data catalogue against DLMS/COSEM and ZigBee SE; check protocol objects",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--source", help="spec folder (default: spec/)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    parser.add_argument("--out", metavar="FILE", help="write the report to FILE")
    parser.set_defaults(handler=cmd_report)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    acc = actions.add_parser(
        "accept", help="write a candidate as the item's mapping (for a reviewer to commit)"
    )
    acc.add_argument("item", metavar="DAT_ID")
    acc.add_argument("object", metavar="PO_ID")
    acc.set_defaults(handler=cmd_accept)
    base = actions.add_parser("baseline", help="freeze the current assessment as the baseline")
    base.set_defaults(handler=cmd_baseline)
