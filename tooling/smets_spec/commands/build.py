"""``smets build``: validate, then build the HTML site (and needs.json) with Sphinx."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..corpus import load_spec, report
from ..project import Project


def cmd_build(args: argparse.Namespace, project: Project) -> int:
    corpus = load_spec(project.spec, relative_to=project.root)
    reporter = report(corpus)
    if reporter.errors:
        reporter.print()
        sys.stderr.write("smets build: the spec has errors; nothing was built\n")
        return 1
    from ..sphinx.build import run_sphinx

    out = Path(args.out).resolve() if args.out else project.html_dir
    status = run_sphinx(project.root, project.spec, out, jobs=args.jobs, quiet=not args.verbose,
                        fresh=args.fresh)
    if status == 0:
        sys.stdout.write(f"site: {project.rel(out)}/index.html\nneeds.json: {project.rel(out)}/needs.json\n")
    return status


def add_commands(sub: Any) -> None:
    build = sub.add_parser("build", help="validate the spec and build the HTML site and needs.json")
    build.add_argument("--out", help="output folder (default: _build/html)")
    build.add_argument("-j", "--jobs", default="1", help="Sphinx parallel jobs (default 1; 'auto' for all cores)")
    build.add_argument("--fresh", action="store_true", help="ignore the saved environment (full rebuild)")
    build.add_argument("-v", "--verbose", action="store_true", help="show Sphinx progress")
    build.set_defaults(handler=cmd_build)
