"""Change control commands: ``smets diff``, ``impact``, ``review``, ``suspects`` and ``accept``.

``BASE`` and ``HEAD`` are any git revisions (branch, tag, commit); ``HEAD`` may be
left out (or given as ``WORKTREE``, or ``--worktree``) for the working tree.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..change.changelog import recorded_versions
from ..change.changeset import ChangeSet, cache_for, open_changeset
from ..change.history import WORKTREE, Repository
from ..change.impact import ChangeImpact, analyse
from ..change.review import _plain, build_review, suspects_of, to_json
from ..change.specindex import IndexCache, no_gc, open_side
from ..change.suspects import REVIEWS_FILE, SUSPECT_LINKS, Link, Suspect, accept, fingerprint, links_of
from ..corpus.ids import canonical
from ..corpus.outpath import FORCE_HELP, refusal, write_out
from ..corpus.project import Project
from ..corpus.schema import Requirement
from ..render.change_text import diff_text, impact_text
from ..render.review_md import change_section, cost_section
from ..render.review_md import render as review_markdown
from .common import add_format_option, add_out_option

if TYPE_CHECKING:
    from ..trace.gaps import Level


def _revisions(args: argparse.Namespace) -> tuple[str, str]:
    if args.worktree and args.head:
        raise ValueError(f"give HEAD or --worktree, not both (HEAD was '{args.head}')")
    return args.base, args.head or WORKTREE


def _open(args: argparse.Namespace, project: Project) -> ChangeSet:
    base, head = _revisions(args)
    with no_gc():
        changeset = open_changeset(project, base, head, cache_for(project, not args.no_cache))
    if args.timing:
        t = changeset.timings
        sys.stderr.write(
            f"timing: resolve {t['resolve']:.3f}s, base {t['base']:.3f}s "
            f"({'cached' if changeset.base.cached else 'read'}), head {t['head']:.3f}s "
            f"({'cached' if changeset.head.cached else 'derived'}), diff {t['diff']:.3f}s\n"
        )
    return changeset


def _emit(text: str, args: argparse.Namespace, project: Project) -> None:
    """The report on stdout, or written atomically to ``--out`` (see corpus/outpath.py)."""
    if args.out:
        write_out(project, args.out, text, force=args.force)
    else:
        sys.stdout.write(text)


def _check_out(args: argparse.Namespace, project: Project) -> str | None:
    """The refusal of ``--out`` before any work, printed as ``smets <command>: ...``."""
    why = refusal(project, Path(args.out), args.force) if args.out else None
    if why is not None:
        sys.stderr.write(f"smets {args.command}: {why}\n")
    return why


def cmd_diff(args: argparse.Namespace, project: Project) -> int:
    if _check_out(args, project):
        return 2
    changeset = _open(args, project)
    diff = changeset.diff
    if args.format == "json":
        data = {
            "base": diff.base_label,
            "head": diff.head_label,
            "counts": diff.counts(),
            "changes": _plain(diff.changes),
            "notes": changeset.notes,
        }
        _emit(json.dumps(data, indent=2) + "\n", args, project)
    elif args.format == "markdown":
        parts = [f"## Changes `{diff.base_label}` → `{diff.head_label}`\n"]
        parts += [change_section(ChangeImpact(c), details=False) for c in diff.changes] or ["No change.\n"]
        _emit("\n".join(parts), args, project)
    else:
        _emit("".join(f"note: {n}\n" for n in changeset.notes) + diff_text(diff), args, project)
    return 0


def cmd_impact(args: argparse.Namespace, project: Project) -> int:
    if _check_out(args, project):
        return 2
    started = time.perf_counter()
    changeset = _open(args, project)
    with no_gc():
        report = analyse(changeset)
    if args.format == "json":
        data = to_json(build_review(changeset, validate=False, duplicates=False))
        _emit(
            json.dumps({k: data[k] for k in ("base", "head", "summary", "impact", "notes")}, indent=2) + "\n",
            args,
            project,
        )
    elif args.format == "markdown":
        parts = [f"## Impact `{report.base_label}` → `{report.head_label}`\n"]
        for item in report.items:
            parts += [change_section(item), cost_section(item, report.cost_model)]
        _emit("\n".join(p for p in parts if p), args, project)
    else:
        _emit(impact_text(report), args, project)
    if args.timing:
        sys.stderr.write(f"timing: total {time.perf_counter() - started:.3f}s\n")
    return 0


def cmd_review(args: argparse.Namespace, project: Project) -> int:
    if _check_out(args, project):
        return 2
    changeset = _open(args, project)
    report = build_review(changeset, validate=not args.no_validate, duplicates=not args.no_duplicates)
    if args.format == "json":
        _emit(json.dumps(to_json(report), indent=2) + "\n", args, project)
    else:
        _emit(review_markdown(report), args, project)
    return 0


def _policy_level(project: Project) -> Level:
    from ..trace.gaps import POLICY_FILE, Level, load_policy

    path = project.root / POLICY_FILE
    if not path.is_file():
        return Level.WARNING
    return load_policy(path, shown_as=project.rel(path)).level("suspect-link")


def _suspect_line(s: Suspect) -> str:
    seen = f"; last reviewed against {s.review.fingerprint}" if s.review else ""
    return (
        f"{s.location}: suspect: {s.link} ({s.link.requirement} changed: {s.reason}{seen}) "
        f"[smets.suspect-link]\n    fix: review {s.link.other} against {s.link.requirement}, "
        f"then `smets accept {s.link.requirement}`\n"
    )


def cmd_suspects(args: argparse.Namespace, project: Project) -> int:
    repo = Repository(project)
    base = args.base
    if base is None:
        tags = recorded_versions(repo, cache_for(project, not args.no_cache))[0] if repo.is_git else []
        if not tags:
            note = (
                "no version: suspect links are counted from the last recorded version or version tag; "
                "give BASE to compare with another revision"
            )
            if args.format == "json":
                data: dict[str, object] = {
                    "base": None,
                    "head": None,
                    "suspects": [],
                    "reviewed": [],
                    "note": note,
                }
                sys.stdout.write(json.dumps(data, indent=2) + "\n")
            else:
                sys.stdout.write(note + "\n")
            return 0
        name, sha = tags[-1]
        base = name if repo.repo is not None and name in {t.name for t in repo.repo.tags} else sha
    args.base, args.worktree = base, False
    changeset = _open(args, project)
    suspects, reviewed = suspects_of(changeset)
    from ..trace.gaps import Level

    level = Level.ERROR if args.fail else _policy_level(project)
    if args.format == "json":
        data = {
            "base": changeset.base.label,
            "head": changeset.head.label,
            "level": level.value,
            "suspects": [str(s.link) for s in suspects],
            "reviewed": [str(link) for link in reviewed],
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write("".join(_suspect_line(s) for s in suspects))
        sys.stdout.write(
            f"{len(suspects)} unreviewed suspect link(s) {changeset.base.label} → "
            f"{changeset.head.label} (policy level: {level.value})\n"
        )
    return 1 if suspects and level is Level.ERROR else 0


def _reviewer(repo: Repository) -> str:
    if repo.repo is not None:
        try:
            name = str(repo.repo.config_reader().get_value("user", "name", ""))
            if name:
                return name
        except (OSError, ValueError):
            pass
    return os.environ.get("USER", "")


def _links_for(target: str, index: Any) -> list[Link]:
    """The links ``ID`` names: a requirement's, a linked need's, or ``A:B`` (the links between two)."""
    if ":" in target:
        a, b = target.split(":", 1)
        return [
            link for req in (a, b) for link in links_of(index, req) if {link.source, link.target} == {a, b}
        ]
    node = index.nodes.get(target)
    if node is None:
        return []
    if node.directive == "req":
        return links_of(index, target)
    found = [Link(target, name, t) for name, t in index.links.get(target, ()) if name in SUSPECT_LINKS]
    found += [Link(s, name, target) for s, name in index.sources(target, "uses")]
    return sorted(link for link in found if link.requirement in index.nodes)


def cmd_accept(args: argparse.Namespace, project: Project) -> int:
    repo = Repository(project)
    side = open_side(repo.worktree(), IndexCache(None))
    links: list[Link] = []
    for target in map(canonical, args.ids):
        found = _links_for(target, side.index)
        if not found:
            sys.stderr.write(
                f"smets accept: error: '{target}' names no link between a requirement and a test, "
                "reference model or data item [smets.suspect-link]\n    fix: give a requirement id "
                "(PC_01), a test/model/data item id, or SOURCE:TARGET\n"
            )
            return 1
        links += [link for link in found if link not in links]
    prints: dict[str, str] = {}
    for link in links:
        record = side.record(link.requirement)
        if isinstance(record, Requirement):
            prints[link.requirement] = fingerprint(record)
    path = project.root / REVIEWS_FILE
    added = accept(
        path, [link for link in links if link.requirement in prints], prints, args.reviewer or _reviewer(repo)
    )
    for review in added:
        sys.stdout.write(f"accepted {review.link} (fingerprint {review.fingerprint})\n")
    sys.stdout.write(
        f"{project.rel(path)}: {len(added)} link(s) recorded as reviewed; commit it with the change\n"
    )
    return 0


def _revision_args(parser: argparse.ArgumentParser, head: bool = True) -> None:
    parser.add_argument(
        "base", metavar="BASE", help="base revision: branch, tag or commit (e.g. origin/main, v1.0)"
    )
    if head:
        parser.add_argument(
            "head",
            metavar="HEAD",
            nargs="?",
            help=f"head revision (default: the working tree, also '{WORKTREE}')",
        )
        parser.add_argument("--worktree", action="store_true", help="compare BASE with the working tree")
    parser.add_argument(
        "--no-cache", action="store_true", help="do not read or write the index cache (see docs/security.md)"
    )
    parser.add_argument("--timing", action="store_true", help="print the time of each phase on stderr")


def add_commands(sub: Any) -> None:
    diff = sub.add_parser("diff", help="needs added, removed and modified between two revisions")
    _revision_args(diff)
    add_format_option(diff)
    add_out_option(diff, "the report")
    diff.add_argument("--force", action="store_true", help=FORCE_HELP)
    diff.set_defaults(handler=cmd_diff)

    impact = sub.add_parser("impact", help="everything downstream of each change, with the cost of change")
    _revision_args(impact)
    add_format_option(impact)
    add_out_option(impact, "the report")
    impact.add_argument("--force", action="store_true", help=FORCE_HELP)
    impact.set_defaults(handler=cmd_impact)

    review = sub.add_parser("review", help="the pull-request review report (Markdown comment or JSON)")
    _revision_args(review)
    add_format_option(review, ("markdown", "json"))
    add_out_option(review, "the report")
    review.add_argument("--force", action="store_true", help=FORCE_HELP)
    review.add_argument("--no-validate", action="store_true", help="skip the validation of the head side")
    review.add_argument("--no-duplicates", action="store_true", help="skip the duplicates analysis")
    review.set_defaults(handler=cmd_review)

    suspects = sub.add_parser("suspects", help="unreviewed suspect links (exit 1 when the policy says error)")
    suspects.add_argument(
        "base", metavar="BASE", nargs="?", help="base revision (default: the last version tag)"
    )
    suspects.add_argument("head", metavar="HEAD", nargs="?", help="head revision (default: the working tree)")
    suspects.add_argument("--fail", action="store_true", help="exit 1 on any suspect, whatever the policy")
    add_format_option(suspects, ("text", "json"))
    suspects.add_argument(
        "--no-cache", action="store_true", help="do not read or write the index cache (see docs/security.md)"
    )
    suspects.add_argument("--timing", action="store_true", help=argparse.SUPPRESS)
    suspects.set_defaults(handler=cmd_suspects, worktree=False)

    accept_cmd = sub.add_parser("accept", help=f"record links as reviewed in {REVIEWS_FILE}")
    accept_cmd.add_argument(
        "ids",
        metavar="ID",
        nargs="+",
        help="requirement (all its links), test/model/data item, or SOURCE:TARGET",
    )
    accept_cmd.add_argument("--reviewer", help="name recorded with the review (default: git user.name)")
    accept_cmd.set_defaults(handler=cmd_accept)
