"""``smets schema``: print the field reference of every need type (from schema.py)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..corpus.project import Project
from ..render.schema_ref import schema_markdown, schema_text


def cmd_schema(args: argparse.Namespace, project: Project) -> int:
    sys.stdout.write((schema_markdown() if args.markdown else schema_text()) + "\n")
    return 0


def add_commands(sub: Any) -> None:
    schema = sub.add_parser("schema", help="print every need type with its fields, values and links")
    schema.add_argument("--markdown", action="store_true", help="print Markdown tables instead of text")
    schema.set_defaults(handler=cmd_schema)
