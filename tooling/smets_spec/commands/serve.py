"""``smets serve``: build the site, serve it on a local address, rebuild and reload on every change.

Exit status: 0 when stopped with Ctrl-C; 2 when it cannot run (the port is taken, the output
folder cannot be written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..corpus.project import Project


def cmd_serve(args: argparse.Namespace, project: Project) -> int:
    from ..preview.watch import serve

    out = Path(args.out_dir).resolve() if args.out_dir else project.html_dir
    try:
        return serve(project, out, args.host, args.port, args.jobs)
    except OSError as exc:
        sys.stderr.write(f"smets serve: {exc}\n")
        return 2


def add_commands(sub: Any) -> None:
    serve = sub.add_parser(
        "serve", help="live preview: build, serve locally, rebuild and reload on every change"
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port to listen on (default 8000; 0: any free port)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)"
    )
    serve.add_argument(
        "--out-dir", dest="out_dir", metavar="DIR", help="folder for the served site (default: _build/html)"
    )
    serve.add_argument("-j", "--jobs", default="auto", help="Sphinx parallel jobs (default: one per core)")
    serve.set_defaults(handler=cmd_serve)
