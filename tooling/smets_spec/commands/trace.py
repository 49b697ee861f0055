"""``smets trace ID`` (the chain up- and downstream of a need) and ``smets check`` (coverage and gaps)."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from ..change.changelog import gap_finders
from ..change.costmodel import load as load_cost_model
from ..change.versionfields import check_version_fields
from ..corpus.ids import canonical
from ..corpus.load import Corpus, load, report
from ..corpus.project import Project
from ..corpus.schema import NEED_TYPES, LinkSpec
from ..trace.coverage import (
    GroupCoverage,
    coverage_by_device,
    coverage_by_section,
    overall,
    protocol_coverage,
)
from ..trace.gaps import POLICY_FILE, Gap, Level, Policy, default_policy, find_gaps, load_policy
from ..trace.graph import Reached, check_link_types, format_path, graph_of, walk
from .common import add_format_option, add_input_option


def _link_specs() -> dict[str, LinkSpec]:
    specs: dict[str, LinkSpec] = {}
    for need_type in NEED_TYPES:
        specs.update(need_type.links())
    return specs


def _load(args: argparse.Namespace, project: Project) -> Corpus:
    path = Path(args.source) if args.source else project.spec
    return load(path, relative_to=project.root)


def _describe(corpus: Corpus, need_id: str) -> str:
    need = corpus.needs[need_id]
    return f"{need_id}  {need.title}"


def _tree(corpus: Corpus, start: str, reached: list[Reached]) -> list[str]:
    """The walk as a tree: each need under the need it was reached from."""
    specs = _link_specs()
    children: dict[str, list[Reached]] = {}
    for item in reached:
        children.setdefault(item.path[-1].source, []).append(item)
    lines: list[str] = []

    def emit(node: str, prefix: str) -> None:
        kids = children.get(node, [])
        for n, kid in enumerate(kids):
            last = n == len(kids) - 1
            step = kid.path[-1]
            spec = specs.get(step.link)
            label = (spec.outgoing if step.forward else spec.incoming) if spec else step.link
            arrow = "→" if step.forward else "←"
            lines.append(f"{prefix}{'└── ' if last else '├── '}{label} {arrow} {_describe(corpus, kid.id)}")
            emit(kid.id, prefix + ("    " if last else "│   "))

    emit(start, "")
    return lines or ["(nothing)"]


def _reached_json(corpus: Corpus, item: Reached) -> dict[str, Any]:
    need = corpus.needs[item.id]
    return {
        "id": item.id,
        "title": need.title,
        "type": need.directive,
        "depth": item.depth,
        "location": str(corpus.location(item.id)),
        "via": format_path(item.path),
        "path": [
            {"source": s.source, "link": s.link, "target": s.target, "forward": s.forward} for s in item.path
        ],
    }


def trace_result(
    corpus: Corpus,
    graph: nx.MultiDiGraph,
    need_id: str,
    directions: Sequence[str],
    depth: int | None,
    links: Sequence[str] | None,
) -> dict[str, list[Reached]]:
    """The walks ``smets trace`` prints: one per direction asked for."""
    return {
        d: walk(graph, need_id, downstream=d == "downstream", depth=depth, links=links) for d in directions
    }


def cmd_trace(args: argparse.Namespace, project: Project) -> int:
    corpus = _load(args, project)
    args.id = canonical(args.id)  # the clause number a user reads (GS.08) is the need GS_08
    if args.id not in corpus.needs:
        close = difflib.get_close_matches(args.id, list(corpus.needs), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `smets validate` lists the spec's needs"
        sys.stderr.write(f"smets trace: error: no need '{args.id}' in the spec{hint}\n")
        return 2
    if args.depth is not None and args.depth < 1:
        sys.stderr.write(
            f"smets trace: error: --depth {args.depth}: give 1 or more hops (or leave it out for all)\n"
        )
        return 2
    links = check_link_types(args.links.split(",")) if args.links else None
    directions = ["upstream"] if args.up else ["downstream"] if args.down else ["upstream", "downstream"]
    walks = trace_result(corpus, graph_of(corpus), args.id, directions, args.depth, links)
    need = corpus.needs[args.id]
    if args.format == "json":
        data: dict[str, Any] = {
            "id": need.id,
            "title": need.title,
            "type": need.directive,
            "location": str(corpus.location(need.id)),
        }
        data.update({d: [_reached_json(corpus, r) for r in found] for d, found in walks.items()})
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    out = [f"{need.id}  {need.title}", f"    {need.title_.lower()} at {corpus.location(need.id)}"]
    for direction, found in walks.items():
        out.append(f"{direction} ({len(found)}):")
        out.extend("  " + line for line in _tree(corpus, args.id, found))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


# ----------------------------------------------------------------------- check


def _policy(args: argparse.Namespace, project: Project) -> Policy:
    path = Path(args.policy) if args.policy else project.root / POLICY_FILE
    if not path.is_file():
        if args.policy:
            raise FileNotFoundError(f"{args.policy}: no such policy file")
        return default_policy()
    return load_policy(path, shown_as=project.rel(path))


def _share(count: int, total: int) -> str:
    return f"{count:>5} ({count / total:.0%})" if total else f"{count:>5}"


def figures(corpus: Corpus) -> dict[str, Any]:
    every = overall(corpus)
    cov = protocol_coverage(corpus)
    return {
        "requirements": every.total,
        "tested": every.tested,
        "modelled": every.modelled,
        "with_data": every.with_data,
        "data_carried": every.carried,
        "data_items": cov.total,
        "dlms_cosem": cov.dlms,
        "zigbee_se": cov.zigbee,
        "both": len(cov.both),
        "dlms_only": len(cov.dlms_only),
        "zigbee_only": len(cov.zigbee_only),
        "unmapped": len(cov.none),
        "unmapped_items": [i.id for i in cov.none],
    }


def _group_json(group: GroupCoverage) -> dict[str, Any]:
    return {
        "key": group.key,
        "title": group.title,
        "requirements": group.total,
        "tested": group.tested,
        "modelled": group.modelled,
        "with_data": group.with_data,
        "data_carried": group.carried,
    }


def _figures_text(fig: dict[str, Any]) -> list[str]:
    req, items = fig["requirements"], fig["data_items"]
    return [
        f"requirements          {req:>5}",
        f"  verified by a test  {_share(fig['tested'], req)}",
        f"  with a model        {_share(fig['modelled'], req)}",
        f"  using data items    {_share(fig['with_data'], req)}",
        f"    all data carried  {_share(fig['data_carried'], fig['with_data'])}",  # of those using data
        f"data items            {items:>5}",
        f"  DLMS/COSEM          {_share(fig['dlms_cosem'], items)}",
        f"  ZigBee SE           {_share(fig['zigbee_se'], items)}",
        f"  both                {_share(fig['both'], items)}",
        f"  neither (unmapped)  {_share(fig['unmapped'], items)}",
    ]


def _table(title: str, groups: list[GroupCoverage]) -> list[str]:
    lines = [f"{title:<12} {'reqs':>5} {'tested':>7} {'model':>7} {'data':>7} {'carried':>8}"]
    lines.extend(
        f"{g.key.removeprefix('DEV_'):<12} {g.total:>5} {g.tested:>7} {g.modelled:>7} "
        f"{g.with_data:>7} {g.carried:>8}"
        for g in groups
    )
    return lines


def cmd_check(args: argparse.Namespace, project: Project) -> int:
    policy = _policy(args, project)
    corpus = _load(args, project)
    reporter = report(corpus)
    model = load_cost_model(project.root)
    for diagnostic in model.errors if model is not None else []:
        reporter.add(diagnostic)  # the cost model of change (spec/costs.toml) is checked too
    for diagnostic in check_version_fields(corpus):
        reporter.add(diagnostic)  # requirements' version fields against git history
    gaps = find_gaps(corpus, policy, gap_finders())
    errors = sum(1 for g in gaps if g.level is Level.ERROR)
    warnings = len(gaps) - errors
    if args.format == "json":
        data = {
            "policy": policy.path,
            "figures": figures(corpus),
            "by_section": [_group_json(g) for g in coverage_by_section(corpus)],
            "by_device": [_group_json(g) for g in coverage_by_device(corpus)],
            "gaps": [g.to_json() for g in gaps],
            "errors": errors,
            "warnings": warnings,
            "spec_errors": reporter.errors,
        }
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        if reporter.errors:
            reporter.print()
        out = [*_figures_text(figures(corpus)), "", *_table("section", coverage_by_section(corpus))]
        out += ["", *_table("device", coverage_by_device(corpus)), ""]
        out += [g.format() for g in _sorted(gaps)]
        out.append(f"{errors} error(s), {warnings} warning(s) by the policy in {policy.path}")
        sys.stdout.write("\n".join(out) + "\n")
    return 1 if errors or reporter.errors else 0


def _sorted(gaps: list[Gap]) -> list[Gap]:
    return sorted(gaps, key=lambda g: (g.level is not Level.ERROR, g.location.file, g.location.line or 0))


def add_commands(sub: Any) -> None:
    trace = sub.add_parser("trace", help="print the chain of links up- and downstream of a need")
    trace.add_argument("id", help="need id, e.g. PC_01 or DAT_METER_BALANCE")
    way = trace.add_mutually_exclusive_group()
    way.add_argument("--up", action="store_true", help="only upstream: what it derives from")
    way.add_argument(
        "--down", action="store_true", help="only downstream: what depends on it (devices, data, tests, ...)"
    )
    trace.add_argument("--depth", type=int, default=None, help="hops to follow (default: all)")
    trace.add_argument("--links", help="only these link types, comma-separated (e.g. uses,maps_to)")
    add_format_option(trace, ("text", "json"))
    add_input_option(trace)
    trace.set_defaults(handler=cmd_trace)
    check = sub.add_parser(
        "check", help="print coverage figures and gaps; exit 1 on gaps the policy calls errors"
    )
    check.add_argument("--policy", help=f"policy file (default: {POLICY_FILE} at the repository root)")
    add_format_option(check, ("text", "json"))
    add_input_option(check)
    check.set_defaults(handler=cmd_check)
