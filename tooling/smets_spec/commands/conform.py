"""``smets conform``: run the conformance suite against a device and write the results.

* ``smets conform [--target module:factory] [--out FILE] [--json] [-k EXPR]`` runs
  the suite (default target: the reference models), writes the results file
  (default ``_build/html/.smets/conformance.json``, which the site reads), prints each
  failure with the requirement ids it traces to, and checks that the spec's
  model, question and test needs agree with the code.
* ``smets conform --check``: only that agreement check (the suite is collected, not run).
* ``smets conform --write-spec``: regenerate those needs from the code.

Exit status: 0 all tests passed and the spec agrees with the code; 1 a test
failed, a test names an unknown requirement, or the spec disagrees; 2 the
command could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from ..conformance import DEFAULT_TARGET, live, sync
from ..conformance.frontend import FrontEndError
from ..conformance.results import Results, Status
from ..conformance.runner import SUITE_DIR, Run, SuiteCannotRunError, collect, run_suite
from ..conformance.wiretarget import probe
from ..corpus.diagnostics import Location, Reporter, Rule
from ..corpus.load import Corpus, load_spec
from ..corpus.outpath import FORCE_HELP, refusal
from ..corpus.project import Project
from ..reference.registry import load_registry
from .common import add_format_option, add_out_option, status

PYTEST_USAGE_ERROR = 4
WIRE_READS = " | read over the wire: "


def _sync_problems(project: Project, corpus: Corpus, run: Run) -> Reporter:
    models, questions = load_registry()
    tests = sync.suite_tests(run.results.cases if run.results else [])
    reporter = Reporter()
    reporter.extend(sync.check(corpus, project.root, models, questions, tests, SUITE_DIR))
    if not reporter.errors:
        for path in sync.stale_files(project.spec, models, questions, tests):
            reporter.warning(
                Location(project.rel(path)),
                "generated file differs from the code's titles or texts",
                Rule.CONFORMANCE,
                sync.FIX,
            )
    return reporter


def _print_failures(results: Results) -> None:
    for case in results.failures():
        message, _, wire = case.message.partition(WIRE_READS)
        sys.stdout.write(
            f"FAIL {', '.join(case.verifies)}: {case.test_id} ({case.nodeid.split('::', 1)[-1]})\n"
            f"    {message.splitlines()[0] if message else ''}\n"
        )
        if wire:
            sys.stdout.write(f"    read over the wire: {wire}\n")
    status = results.requirement_status()
    failed = sorted(r for r, s in status.items() if s is Status.FAIL)
    counts = ", ".join(f"{n} {o}" for o, n in results.summary().items() if n)
    sys.stdout.write(
        f"{counts} in {results.duration_s:.1f} s against {results.target_name or results.target}\n"
    )
    sys.stdout.write(
        f"requirements: {sum(1 for s in status.values() if s is Status.PASS)} pass, "
        f"{len(failed)} fail{': ' + ', '.join(failed) if failed else ''}\n"
    )


def _wire_target(args: argparse.Namespace, corpus: Corpus) -> str | None:
    """The ``dlms+...`` target with its config file folded in, checked by associating once.

    Returns None after printing a one-line error when the device cannot be reached.
    """
    target = str(args.target)
    if args.dlms_config:
        target += ("&" if "?" in target else "?") + "config=" + str(Path(args.dlms_config).resolve())
    try:
        probe(target, corpus)
    except (ValueError, FrontEndError) as exc:
        sys.stderr.write(f"smets conform: {exc}\n")
        return None
    return target


def cmd_conform(args: argparse.Namespace, project: Project) -> int:
    why = refusal(project, Path(args.out), args.force) if args.out else None
    if why is not None:
        sys.stderr.write(f"smets conform: {why}\n")
        return 2
    try:
        return _conform(args, project)
    except SuiteCannotRunError as exc:
        sys.stderr.write(f"smets conform: {exc}\n")
        return 2


def _conform(args: argparse.Namespace, project: Project) -> int:
    corpus = load_spec(project.spec, relative_to=project.root)
    if corpus.errors:
        Reporter(list(corpus.diagnostics)).print()
        sys.stderr.write("smets conform: the spec has errors; fix them first (smets validate)\n")
        return 1
    if args.dlms_config and not str(args.target).startswith("dlms+"):
        sys.stderr.write("smets conform: --dlms-config needs a --target dlms+tcp://HOST:PORT\n")
        return 2
    if str(args.target).startswith("dlms+") and not (args.check or args.write_spec):
        wired = _wire_target(args, corpus)
        if wired is None:
            return 2
        args.target = wired
    if args.write_spec:
        return _write_spec(project)
    if args.check:
        run = collect(project.spec)
    else:
        out = Path(args.out).resolve() if args.out else live.results_file_for(project.html_dir)
        redirect = (
            contextlib.redirect_stdout(sys.stderr) if args.format == "json" else contextlib.nullcontext()
        )
        spinner = (
            contextlib.nullcontext() if args.verbose else status(f"running the suite against {args.target}")
        )
        with redirect, spinner:
            run = run_suite(project.spec, out, args.target, quiet=not args.verbose, select=args.select)
    if run.exit_code == PYTEST_USAGE_ERROR or run.results is None:
        sys.stderr.write(f"smets conform: the suite could not run (pytest exit status {run.exit_code})\n")
        return 1 if run.exit_code == PYTEST_USAGE_ERROR else 2
    # with -k only part of the suite ran, so the spec's test needs cannot be compared with it
    problems = Reporter() if args.select else _sync_problems(project, corpus, run)
    problems.print()
    if args.check:
        sys.stdout.write(
            f"{len(run.results.cases)} test cases collected; spec and code "
            f"{'disagree' if problems.errors else 'agree'}\n"
        )
        return 1 if problems.errors else 0
    if args.format == "json":
        json.dump(run.results.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_failures(run.results)
        sys.stdout.write(f"results: {project.rel(run.results.path or Path())}\n")
    return 1 if run.results.failures() or problems.errors else 0


def _write_spec(project: Project) -> int:
    run = collect(project.spec)
    if run.results is None:
        sys.stderr.write(
            f"smets conform: the suite could not be collected (pytest exit status {run.exit_code})\n"
        )
        return 1
    models, questions = load_registry()
    changed = sync.write_spec(project.spec, models, questions, sync.suite_tests(run.results.cases))
    for path in changed:
        sys.stdout.write(f"wrote {project.rel(path)}\n")
    sys.stdout.write(f"{len(changed)} file(s) changed\n")
    return 0


def add_commands(sub: Any) -> None:
    conform = sub.add_parser(
        "conform", help="run the conformance suite against a device (default: the models)"
    )
    conform.add_argument(
        "--target",
        default=DEFAULT_TARGET,
        help=f"device under test as module:factory (default {DEFAULT_TARGET}), or a DLMS/COSEM "
        "device as dlms+tcp://HOST:PORT[?client=16&server=1&auth=none&rig=HOST:PORT]",
    )
    conform.add_argument(
        "--dlms-config",
        metavar="FILE",
        help="TOML file with the DLMS/COSEM connection settings ([dlms] table)",
    )
    add_out_option(conform, "the results", "_build/html/.smets/conformance.json, read by the site")
    conform.add_argument("--force", action="store_true", help=FORCE_HELP)
    add_format_option(conform, ("text", "json"))
    conform.add_argument("-k", dest="select", help="run only tests matching this pytest -k expression")
    conform.add_argument("-v", "--verbose", action="store_true", help="show pytest's full output")
    conform.add_argument(
        "--check",
        action="store_true",
        help="only check that the spec's model/test/question needs agree with the code",
    )
    conform.add_argument(
        "--write-spec",
        action="store_true",
        help="write spec/models/*.rst and spec/conformance/tests/*.rst from the code",
    )
    conform.set_defaults(handler=cmd_conform)
