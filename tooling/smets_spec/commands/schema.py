"""``smets schema``: print the field reference of every need type (from schema.py)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..corpus.project import Project
from ..render.schema_ref import schema_markdown, schema_text
from .common import add_format_option


def cmd_schema(args: argparse.Namespace, project: Project) -> int:
    sys.stdout.write((schema_markdown() if args.format == "markdown" else schema_text()) + "\n")
    return 0


def add_commands(sub: Any) -> None:
    schema = sub.add_parser("schema", help="print every need type with its fields, values and links")
    add_format_option(schema, ("text", "markdown"))
    schema.set_defaults(handler=cmd_schema)
