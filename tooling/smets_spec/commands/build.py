"""``smets build``: validate, then build the HTML site (and needs.json) with Sphinx.

Exit status: 0 when the spec is valid and Sphinx gave no warning; 1 when the
spec has errors, conf.py sets what the schema derives, or Sphinx warned (every
warning is an error); 2 when the build could not run (an output folder that cannot be
made or written, a full disk: one line saying so, never Sphinx's traceback).

A build holds a lock on its output folder (:mod:`smets_spec.corpus.locking`): a second
build into the same folder says so and waits.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import errno
import gc
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..corpus.cachedir import switched_off
from ..corpus.diagnostics import Diagnostic, Location, Reporter, Rule, Severity
from ..corpus.load import Corpus, load_spec, read_from, report
from ..corpus.loadcache import cache_folder
from ..corpus.locking import folder_lock
from ..corpus.outpath import tracked_under
from ..corpus.project import Project
from ..forking import no_gc
from . import loadbeside
from .common import add_out_dir_option
from .common import status as status_line


def check_conf(conf: Path, derived: Iterable[str], display: str = "conf.py") -> list[Diagnostic]:
    """conf.py must not set what the extension derives from the schema (it would be a second source)."""
    names = set(derived)
    try:
        tree = ast.parse(conf.read_bytes(), filename=display)
    except SyntaxError as exc:
        return [
            Diagnostic(
                Location(display, exc.lineno),
                Severity.ERROR,
                f"conf.py is not valid Python: {exc.msg}",
                Rule.CONFIG,
                "fix the syntax; conf.py holds plain assignments only",
            )
        ]
    assigned: list[tuple[str, int]] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        assigned.extend((t.id, node.lineno) for t in targets if isinstance(t, ast.Name) and t.id in names)
    return [
        Diagnostic(
            Location(display, line),
            Severity.ERROR,
            f"conf.py sets {name}, which the extension derives from smets_spec/corpus/schema.py",
            Rule.CONFIG,
            f"remove {name} from conf.py; change the need types in schema.py instead",
        )
        for name, line in assigned
    ]


def conf_theme(conf: Path) -> str | None:
    """The HTML theme conf.py names (``html_theme = "furo"``), if it names one as a plain string."""
    try:
        tree = ast.parse(conf.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "html_theme" for t in node.targets
        ):
            value = node.value
            return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
    return None


#: ``SMETS_QUIET_START=off``: the cyclic garbage collector runs through the start-up of ``smets
#: build`` (the spec's load and checks, Sphinx's and the extension's imports), as before. These make
#: objects that stay to the end of the build and hardly any garbage (about 230 objects at 2,000
#: requirements), yet each collection walked them again; now they are frozen (:func:`gc.freeze`)
#: once the start-up is over, as the loaded environment is (the collector's CPU before Sphinx
#: builds, one edit at 2,000: 0.11 -> 0.03 s)
QUIET_START = "SMETS_QUIET_START"


#: ``SMETS_FORK_FIRST=off``: ``smets build`` imports Sphinx's modules (through the extension's
#: package) before it forks the copy that loads and scans the spec (:mod:`.loadbeside`), as before.
#: The copy needs none of them, and the other core idled while they were imported: now the copy
#: is forked first (the CPU before the fork, at 2,000 requirements: 0.34 -> 0.22 s)
FORK_FIRST = "SMETS_FORK_FIRST"


def cmd_build(args: argparse.Namespace, project: Project) -> int:
    if switched_off(FORK_FIRST):
        _sphinx_warm_up()  # imported before the copy is forked
    quiet = not switched_off(QUIET_START)
    with no_gc() if quiet else contextlib.nullcontext():
        pending = loadbeside.start(lambda: _checked(args, project), lambda c: _own(project, c), project)
        warm_up = _sphinx_warm_up()  # the copy is forked: Sphinx is imported beside its load
        got = None
        if pending is not None:  # the spec loaded and checked on the other core meanwhile
            warm_up(conf_theme(project.root / "conf.py"))
            got = pending.outcome(project)
        if got is None:
            checked = _checked(args, project)
            if isinstance(checked, int):
                return checked
            own = _scan_early(project, checked[0])  # on the idle core, while this process starts Sphinx
        else:
            checked, own = got
            if isinstance(checked, int):
                return checked
        if pending is None:
            warm_up(conf_theme(project.root / "conf.py"))  # imported while the collector waits
        if quiet:  # what the start-up made stays to the end of the build (jobs hands it back then)
            gc.freeze()
    corpus, out = checked
    try:
        with folder_lock(out, lambda text: sys.stderr.write(f"smets build: {text}\n")):
            status = build_site(args, project, corpus, out, own=own)
    except OSError as exc:
        sys.stderr.write(f"smets build: cannot write the output folder {project.rel(out)}: {_reason(exc)}\n")
        return 2
    if status is None:  # a step inside the build failed, and said why
        return 1
    if status == 0:
        sys.stdout.write(f"site: {project.rel(out)}/index.html\nneeds.json: {project.rel(out)}/needs.json\n")
    else:
        sys.stderr.write(f"smets build: Sphinx failed (status {status}); every Sphinx warning is an error\n")
    return status


def _sphinx_warm_up() -> Callable[[str | None], None]:
    """:func:`..sphinx.build.warm_up`, its module imported (and with it Sphinx's application)."""
    from ..sphinx.build import warm_up

    return warm_up


def _checked(args: argparse.Namespace, project: Project) -> tuple[Corpus, Path] | int:
    """The corpus and the output folder once the spec, conf.py and the folder pass their checks;
    else the exit status, having said why."""
    corpus = load_spec(project.spec, relative_to=project.root, cache=cache_folder())
    reporter = report(corpus)
    if reporter.errors:
        reporter.print()
        sys.stderr.write("smets build: the spec has errors; nothing was built\n")
        return 1
    from ..corpus.needsconfig import needs_settings

    conf_problems = Reporter(
        check_conf(project.root / "conf.py", set(needs_settings()) - {"needs_build_json"})
    )
    if conf_problems.errors:
        conf_problems.print()
        sys.stderr.write("smets build: conf.py sets derived configuration; nothing was built\n")
        return 1
    out = Path(args.out_dir).resolve() if args.out_dir else project.html_dir
    spec = project.spec.resolve()
    if out == spec or spec in out.parents or out in spec.parents:
        sys.stderr.write(
            f"smets build: the output folder {project.rel(out)} holds or is inside the specification "
            "(spec/); build into another folder (default: _build/html)\n"
        )
        return 2
    tracked = tracked_under(project.root, out)
    if tracked:
        sys.stderr.write(
            f"smets build: {project.rel(out)} holds files tracked by git ({tracked}); a build reads its "
            "saved environment from there, so it must not come from the repository: "
            f"`git rm -r --cached {project.rel(out)}`\n"
        )
        return 2
    return corpus, out


def _scan_early(project: Project, corpus: Corpus) -> Corpus | None:
    """The corpus to offer the extension, re-rooted as it reads it, with the duplicate scan copy
    started for it now (:mod:`..duplicates.early`); None: ``SMETS_SCAN_EARLY=off`` or no spec
    folder (the extension starts the copy, as before)."""
    from ..duplicates.early import scan_early

    own = _own(project, corpus)
    if own is not None:
        scan_early(own, project.root, project.spec)
    return own


def _own(project: Project, corpus: Corpus) -> Corpus | None:
    """The corpus to offer the extension, re-rooted as it reads it; None: ``SMETS_SCAN_EARLY=off``
    or no spec folder (the extension reads and offers its own)."""
    from ..duplicates.early import SWITCH

    if corpus.source is None or switched_off(SWITCH):
        return None
    return read_from(corpus.source, project.root, corpus)


def _reason(exc: OSError) -> str:
    name = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{name}" if exc.errno != errno.ENOSPC else f"the disk is full{name}"


def build_site(
    args: argparse.Namespace,
    project: Project,
    corpus: Corpus,
    out: Path,
    warnings: Path | None = None,
    own: Corpus | None = None,
) -> int | None:
    """Sphinx's status, or None when a step inside the build (the conformance suite) failed.

    ``args`` gives ``jobs``, ``verbose`` and ``fresh``; ``warnings``: a file that gets Sphinx's
    warnings too (``smets serve`` shows them in the page); ``own``: ``corpus`` re-rooted already
    (:func:`_scan_early`), offered to the extension as it is.
    """
    from ..conformance import live
    from ..conformance.forbuild import build_finished, ensure_results  # the site shows the latest results
    from ..sphinx.build import run_sphinx
    from ..sphinx.state import offer_corpus, offer_read

    if corpus.source is not None and own is not None:
        offer_read(corpus.source, own)  # the duplicate scan copy runs for this very object
    elif corpus.source is not None:  # read once: the extension takes it while the files are unchanged
        offer_corpus(corpus.source, project.root, corpus)
    live.report_failures_to_caller()
    try:
        ensure_results(project, out, corpus, wait=False, from_root=True)  # runs beside Sphinx's start-up
        if args.fresh or not (out / ".doctrees" / "environment.pickle").is_file():
            from ..protocols.assess import start_helpers_early

            start_helpers_early(corpus)  # every page is read: the cards ask the catalogues
        try:
            with contextlib.nullcontext() if args.verbose else status_line("building the site (Sphinx)"):
                return run_sphinx(
                    project.root,
                    project.spec,
                    out,
                    jobs=args.jobs,
                    quiet=not args.verbose,
                    fresh=args.fresh,
                    warnings=warnings,
                )
        finally:
            live.settle()
    except (live.StepFailedError, live.BuildAbortedError) as exc:
        sys.stderr.write(f"smets build: conformance: {exc}\nsmets build: the site was not built\n")
        return None
    finally:
        live.report_failures_to_caller(False)
        build_finished(out)


def add_commands(sub: Any) -> None:
    build = sub.add_parser("build", help="validate the spec and build the HTML site and needs.json")
    add_out_dir_option(build, "the site and needs.json", "_build/html")
    build.add_argument(
        "-j", "--jobs", default="auto", help="Sphinx parallel jobs (default: one per core; 1 for serial)"
    )
    build.add_argument("--fresh", action="store_true", help="ignore the saved environment (full rebuild)")
    build.add_argument("-v", "--verbose", action="store_true", help="show Sphinx progress")
    build.set_defaults(handler=cmd_build)
