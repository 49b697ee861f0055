"""The ``smets`` command: one message handler, exit codes from counts.

Exit codes: 0 success, 1 the input has errors (or a policy failed), 2 the
command could not run (bad usage, missing files). The options every command
shares are spelled by :mod:`smets_spec.commands.common` (see docs/cli.md).
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from .commands.common import CANNOT_RUN, FINDINGS, add_format_option, add_input_option
from .corpus.cachedir import switched_off
from .corpus.load import load, report
from .corpus.project import Project, find_project

Handler = Callable[[argparse.Namespace, Project], int]

#: Modules that add subcommands: each has ``add_commands(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = (
    "smets_spec.commands.build",
    "smets_spec.commands.new",
    "smets_spec.commands.trace",
    "smets_spec.commands.schema",
    "smets_spec.commands.consult",
    "smets_spec.commands.conform",
    "smets_spec.commands.golden_unit",
    "smets_spec.commands.change",
    "smets_spec.commands.dups",
    "smets_spec.commands.compliance",
    "smets_spec.commands.protocols",
    "smets_spec.commands.serve",
    "smets_spec.commands.reqif",
)
#: Commands whose module is imported alone when one of them is run (a quicker start: importing
#: every module costs more than some commands take); any other command imports them all.
ALONE: dict[str, str] = dict.fromkeys(
    ("diff", "impact", "review", "suspects", "accept"), "smets_spec.commands.change"
) | {"compliance": "smets_spec.commands.compliance", "build": "smets_spec.commands.build"}
#: ``SMETS_LEAN_START=off``: ``smets build`` imports every command's module, as before (the
#: conformance, ReqIF and protocol commands' modules cost about 0.3 s of CPU it never uses)
LEAN_START = "SMETS_LEAN_START"
#: ``SMETS_HARD_EXIT=off``: the ``smets build`` process ends as Python ends any program, freeing
#: every object the build made one by one (0.6 s of a build at 2,000 requirements, 2.5 s at 10,000,
#: after the site was written and said so). Now, once the build is over, its output flushed and
#: the exit handlers run (multiprocessing's joins, logging's flush), the process ends at once.
HARD_EXIT = "SMETS_HARD_EXIT"
#: The commands :func:`run` ends at once (:data:`HARD_EXIT`): every file they write is written
#: whole and closed before they return
HARD_EXIT_COMMANDS = frozenset({"build"})


def cmd_validate(args: argparse.Namespace, project: Project) -> int:
    """Load and validate the spec (or a needs.json), print every diagnostic."""
    path = Path(args.source) if args.source else project.spec
    corpus = load(path, relative_to=project.root)
    reporter = report(corpus)
    if args.format == "json":
        json.dump(
            {"needs": len(corpus), "errors": reporter.errors, "diagnostics": [d.to_json() for d in reporter]},
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        reporter.print()
        sys.stdout.write(f"{len(corpus)} needs read, {reporter.errors} error(s)\n")
    return 1 if reporter.errors else 0


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (after ``--root DIR``), if any."""
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] == "--root" else rest[1:]
    return rest[0] if rest else None


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smets", description="The SMETS specification toolkit.")
    parser.add_argument("--root", help="repository root (default: found from the current folder)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = sub.add_parser("validate", help="validate the spec and print errors with file:line")
    add_input_option(validate)
    validate.add_argument("path", nargs="?", help=argparse.SUPPRESS)  # deprecated: use --from
    add_format_option(validate, ("text", "json"))
    validate.set_defaults(handler=cmd_validate)
    for name in modules:
        importlib.import_module(name).add_commands(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("smets-spec")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _positional_input(args: argparse.Namespace) -> None:
    """``smets validate PATH`` (the old spelling) still works, as ``--from PATH``."""
    old = getattr(args, "path", None)
    if old and getattr(args, "source", None) is None and args.command in ("validate", "dups"):
        sys.stderr.write(f"smets {args.command}: a positional PATH is deprecated; use --from {old}\n")
        args.source = old


def _quiet_on_closed_pipe() -> int:
    """The reader went away (``smets ... | head``): say nothing more, no traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's final flush of stdout must not fail again
    except (OSError, ValueError):
        pass
    return FINDINGS


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        return _quiet_on_closed_pipe()


def _modules(command: str | None) -> Sequence[str]:
    """The command modules the parser for ``command`` needs: its own alone where :data:`ALONE` says so."""
    if command == "build" and switched_off(LEAN_START):
        return COMMAND_MODULES
    return (ALONE[command],) if command in ALONE else COMMAND_MODULES


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(_modules(_command(sys.argv[1:] if argv is None else argv)))
    args = parser.parse_args(argv)
    _positional_input(args)
    try:
        try:
            project = find_project(Path(args.root) if args.root else None)
        except FileNotFoundError:
            if not getattr(args, "project_optional", False):  # e.g. `smets dups other/needs.json` anywhere
                raise
            project = Project(Path.cwd())
        handler: Handler = args.handler
        return handler(args, project)
    except (FileNotFoundError, ValueError) as exc:
        sys.stderr.write(f"smets {args.command}: error: {exc}\n")
        return CANNOT_RUN


def run() -> NoReturn:
    """The ``smets`` program: :func:`main` on the command line's arguments, then the process ends
    with its exit status (at once after a build: :data:`HARD_EXIT`). Tests call :func:`main`."""
    status = main()
    if _command(sys.argv[1:]) in HARD_EXIT_COMMANDS and not switched_off(HARD_EXIT):
        _end_at_once(status)
    sys.exit(status)


def _end_at_once(status: int) -> None:
    """The process ended with ``status`` without the interpreter's teardown, once nothing is left
    that the teardown would finish: the exit handlers run (multiprocessing's joins, logging's
    flush), stdout and stderr flushed (a closed pipe: as :func:`main` says). Returns (for the usual
    exit) while another thread still runs or a stream cannot be flushed."""
    if threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        status = status or _quiet_on_closed_pipe()
    except (OSError, ValueError):
        return
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(status)


if __name__ == "__main__":
    run()
