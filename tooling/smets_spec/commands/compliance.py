"""``smets compliance --device GSME --installed 2019-06-01``: what a device installed on a date
must meet (the version extant at installation, with its text as of that version), and what
changed since for that device."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..change.history import RevisionError
from ..change.review import _plain
from ..change.specindex import no_gc
from ..change.versions import Compliance, compliance, device_ids, device_of, open_versions
from ..corpus.files import write_atomic
from ..corpus.project import Project
from ..corpus.versions import window_text
from ..render.compliance_text import compliance_markdown, compliance_text
from .common import add_format_option, add_out_option


def _refuse(message: str, fix: str) -> int:
    sys.stderr.write(f"smets compliance: error: {message} [smets.input]\n    fix: {fix}\n")
    return 2


def to_json(result: Compliance) -> dict[str, Any]:
    version = result.version
    return {
        "device": result.device,
        "device_title": result.device_title,
        "installed": result.installed.isoformat(),
        "version": None
        if version is None
        else {
            "id": version.id,
            "title": version.title,
            "revision": version.revision,
            "window": window_text(version),
        },
        "message": result.message or None,
        "requirements": _plain(result.obligations),
        "changed_since": [
            {
                "version": c.version,
                "id": c.change.id,
                "kind": c.change.kind.value,
                "nature": c.change.nature.value,
                "reasons": list(c.change.reasons),
                "fields": [{"name": f.name, "old": f.old, "new": f.new} for f in c.change.fields],
                "binds_before": c.binds_before,
                "binds_after": c.binds_after,
            }
            for c in result.since
        ],
        "timeline": [
            {"version": v.id, "title": v.title, "window": window_text(v), "requirements": n}
            for v, n in result.timeline
        ],
    }


def cmd_compliance(args: argparse.Namespace, project: Project) -> int:
    try:
        installed = dt.date.fromisoformat(args.installed)
    except ValueError:
        return _refuse(
            f"--installed '{args.installed}' is not a date", "write it as YYYY-MM-DD, e.g. 2019-06-01"
        )
    with no_gc():
        sides = open_versions(project)
        device = device_of(sides.worktree, args.device)
        if device is None:
            known = ", ".join(d.removeprefix("DEV_") for d in device_ids(sides.worktree)) or "none"
            return _refuse(
                f"--device '{args.device}' names no device of the specification", f"use one of {known}"
            )
        try:
            result = compliance(sides, device, installed)
        except RevisionError as exc:
            return _refuse(str(exc), exc.fix)
    if args.format == "json":
        text = json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "markdown":
        text = compliance_markdown(result)
    else:
        text = compliance_text(result, full=args.full)
    if args.out:
        write_atomic(Path(args.out), text)
    else:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:  # a closed pipe (`| head`): quiet, and no error at exit either
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    if result.version is None:
        sys.stderr.write(f"smets compliance: {result.message}\n")
        return 1
    return 0


def add_commands(sub: Any) -> None:
    parser = sub.add_parser(
        "compliance", help="what a device installed on a date must meet, and what changed since"
    )
    parser.add_argument("--device", required=True, help="device kind or id, e.g. GSME or DEV_GSME")
    parser.add_argument("--installed", required=True, help="installation date, YYYY-MM-DD")
    add_format_option(parser, ("text", "json", "markdown"))
    parser.add_argument("--full", action="store_true", help="text: print every requirement's text in full")
    add_out_option(parser, "the answer")
    parser.set_defaults(handler=cmd_compliance)
