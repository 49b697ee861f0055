"""The builds of ``smets serve``, each in a forked copy of the watcher, and the warm standby.

Every build runs in a forked copy of the watcher, which has already imported Sphinx,
sphinx-needs and the extension (about 1.3 s saved on every rebuild): it validates the spec
(errors end it, the last good pages stay on show), then runs the same steps as ``smets build``
(the conformance results, the output-folder lock, an incremental Sphinx build), and writes its
problems, with file and line, for the watcher.

**The warm standby.** After a good build the watcher forks the next build's copy at once. It
goes as far as a build can before the sources it reads change: conf.py read, the extensions
set up, Sphinx's saved environment unpickled, the builder and its theme ready (about 1.3 s of
CPU at 2,000 requirements), and waits in Sphinx's ``build`` for the watcher's word. On a save it
validates the spec as it is now, takes the output-folder lock, reads the corpus again (what the
extension read at ``builder-inited`` was the corpus before the save, and is thrown away) and
builds; Sphinx finds the changed sources by their times, as every incremental build does. It is
not used, and the usual fork builds instead, when it cannot be sure to build what a fresh
process would: a change outside ``spec/`` and ``docs/`` (conf.py, templates, policy.toml: the
watcher discards it), Sphinx's saved environment written again since it was read (another
build into the folder), or a warning while it was made ready (it read the sources mid-save).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from .. import forking
from ..corpus.load import Corpus, load_spec, report
from ..corpus.loadcache import cache_folder
from ..corpus.project import Project
from .state import Problem, file_stamp, problem_of, state_dir

_WARNING = re.compile(
    r"^(?P<file>[^:\n]+?)(?::(?P<line>\d+))?:(?: [A-Z]+:)? (?P<kind>WARNING|ERROR|CRITICAL): (?P<msg>.*)$"
)
#: a standby's exit status when it did not build (the watcher builds the usual way)
NOT_USED = 75
#: the directories whose changes a standby follows (Sphinx finds them by their times)
FOLLOWED = ("spec", "docs")


def _problems_of_sphinx(text: str, project: Project) -> list[Problem]:
    problems: list[Problem] = []
    for line in text.splitlines():
        match = _WARNING.match(line.strip())
        if match is None:
            if line.strip() and problems:
                problems[-1].message += "\n" + line.strip()
            continue
        where = Path(match["file"])
        shown = project.rel(where) if where.is_absolute() else match["file"]
        problems.append(Problem(shown, int(match["line"]) if match["line"] else None, match["msg"]))
    return problems


def _outcome(out: Path) -> Path:
    return state_dir(out) / "serve-outcome.json"


def _validate(project: Project, outcome: Path) -> Corpus:
    """Validate the spec as it is now; on errors, print them, write them to ``outcome`` and end."""
    corpus = load_spec(project.spec, relative_to=project.root, cache=cache_folder())
    reporter = report(corpus)
    if not reporter.errors:
        return corpus
    reporter.print()
    problems = [
        Problem(
            d.location.file,
            d.location.line,
            f"{d.message} [{d.rule.value}]" + (f" (fix: {d.fix})" if d.fix else ""),
        )
        for d in reporter
        if d.severity.value == "error"
    ]
    outcome.write_text(json.dumps([p.__dict__ for p in problems]), encoding="utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)  # a forked copy: no clean-up of the watcher's to run


def _sphinx_step(project: Project, corpus: Corpus, out: Path, jobs: str, locked: bool) -> None:
    """``smets build``'s steps after validation (the folder lock unless ``locked``); ends the process."""
    from ..commands.build import build_site
    from ..corpus.locking import folder_lock

    outcome = _outcome(out)
    warnings = outcome.with_suffix(".log")
    settings = argparse.Namespace(jobs=jobs, verbose=False, fresh=False)
    lock = contextlib.nullcontext() if locked else folder_lock(out, _notify)
    try:
        with lock:
            built = build_site(settings, project, corpus, out, warnings)
    except OSError as exc:
        built = None
        sys.stderr.write(f"smets serve: cannot write the output folder {project.rel(out)}: {exc}\n")
    status = 1 if built is None else built
    text = warnings.read_text(encoding="utf-8", errors="replace") if warnings.is_file() else ""
    problems = _problems_of_sphinx(text, project)
    if status != 0 and not problems:
        problems = [Problem("conf.py", None, f"the build failed (status {status}); see the terminal")]
    outcome.write_text(json.dumps([p.__dict__ for p in problems]), encoding="utf-8")
    if os.environ.get("SMETS_SERVE_TIMING"):
        sys.stdout.write(
            f"smets serve: the build took {_cpu() - _STARTED[0]:.2f} s of CPU (user+sys, with its workers)\n"
        )
    sys.exit(status)


#: CPU time (user+sys, this process and its reaped children) when this copy's build began
_STARTED = [0.0]


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _notify(text: str) -> None:
    sys.stderr.write(f"smets serve: {text}\n")


def _child(project: Project, out: Path, jobs: str) -> None:
    """One build (in the forked copy): validate, then Sphinx; the problems go to the outcome file."""
    _STARTED[0] = _cpu()
    _sphinx_step(project, _validate(project, _outcome(out)), out, jobs, locked=False)


def _finish(out: Path, child: BaseProcess) -> tuple[int, list[Problem]]:
    child.join()
    status = child.exitcode if child.exitcode is not None else 2
    try:
        raw = json.loads(_outcome(out).read_text(encoding="utf-8"))
        problems = [problem_of(p) for p in raw]
    except (OSError, ValueError, KeyError, TypeError):
        problems = [] if status == 0 else [Problem("spec", None, f"the build ended with status {status}")]
    return status, problems


def run_build(
    project: Project, out: Path, jobs: str, standby: Standby | None = None
) -> tuple[int, list[Problem], bool]:
    """One build: by ``standby`` when it can, else in a fresh fork; its status and problems, and
    whether the standby built."""
    if standby is not None:
        found = standby.build()
        if found is not None:
            return (*found, True)
    _outcome(out).unlink(missing_ok=True)
    child = forking.start(_child, (project, out, jobs), "smets-serve-build")
    if child is None:  # no fork on this platform: a whole `smets build` in a subprocess
        cmd = [
            sys.executable,
            "-m",
            "smets_spec.cli",
            "--root",
            str(project.root),
            "build",
            "--out",
            str(out),
        ]
        status = subprocess.run(cmd, check=False).returncode
        return (
            status,
            [] if status == 0 else [Problem("spec", None, "the build failed; see the terminal")],
            False,
        )
    return (*_finish(out, child), False)


def _standby(project: Project, out: Path, jobs: str, conn: Connection, theirs: Connection) -> None:
    """The standby (in the forked copy): a build made ready up to Sphinx's ``build``, which waits.

    ``theirs``, the watcher's end of the pipe, is closed here, so that the watcher's end (were
    it killed) makes ``recv`` fail and this copy end.
    """
    theirs.close()
    from unittest import mock

    from ..commands import build as commands_build
    from ..corpus.locking import folder_lock
    from ..sphinx.build import doctrees_for
    from ..sphinx.standby import corpus_of, hold_build, load_and_report, offer_corpus, warned

    environment = doctrees_for(out) / "environment.pickle"
    read_at = file_stamp(environment)
    kept: list[object] = []

    def before(app: Any) -> None:
        conn.send("unusable" if warned(app) else "ready")
        try:
            order = conn.recv()
        except (EOFError, KeyboardInterrupt):
            order = "quit"
        if order != "build" or warned(app) or file_stamp(environment) != read_at:
            os._exit(NOT_USED)
        _STARTED[0] = _cpu()
        corpus = _validate(project, _outcome(out))
        lock = folder_lock(out, _notify)
        lock.__enter__()  # held to the end of this process, as the usual build holds it
        kept.append(corpus_of(app))  # kept alive: analyses memoised by id(corpus) see a new one
        # the corpus as it is now: the one just validated, handed over as `smets build` hands its
        # own (taken while the files are unchanged: one reading, not two), its problems reported
        offer_corpus(project.spec, project.root, corpus)
        load_and_report(app)

    hold_build(before)  # in this forked copy only
    # no "building the site" spinner on the terminal while it waits (a build's own, otherwise)
    quiet = mock.patch.object(commands_build, "status_line", lambda message: contextlib.nullcontext())
    try:  # the corpus before the save: only whether it has conformance tests is asked of it
        before_corpus = load_spec(project.spec, relative_to=project.root, cache=cache_folder())
        with quiet:
            _sphinx_step(project, before_corpus, out, jobs, locked=True)
    except KeyboardInterrupt:
        os._exit(NOT_USED)


class Standby:
    """The watcher's side of a standby: start it, let it build, or discard it."""

    def __init__(self, process: BaseProcess, conn: Connection, out: Path) -> None:
        self.process, self.conn, self.out = process, conn, out

    @classmethod
    def start(cls, project: Project, out: Path, jobs: str) -> Standby | None:
        import multiprocessing

        ours, theirs = multiprocessing.get_context("fork").Pipe()
        process = forking.start(_standby, (project, out, jobs, theirs, ours), "smets-serve-standby")
        theirs.close()
        return None if process is None else cls(process, ours, out)

    def ready(self) -> bool:
        """Whether it has said it is ready (or ended): it takes no CPU now."""
        try:
            return self.conn.poll()
        except (OSError, EOFError):
            return True

    def build(self) -> tuple[int, list[Problem]] | None:
        """Its build, when it is ready and usable (waiting for it to be ready); else None."""
        try:
            ready = self.conn.recv()  # EOFError when it ended without being ready
            if ready != "ready":
                self.close()
                return None
            _outcome(self.out).unlink(missing_ok=True)
            self.conn.send("build")
        except (EOFError, OSError):
            self.close()
            return None
        status, problems = _finish(self.out, self.process)
        self.conn.close()
        return None if status == NOT_USED else (status, problems)

    def close(self) -> None:
        """Discarded: told to end (or ended), and waited for."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send("quit")
        self.process.join(10)
        if self.process.exitcode is None:
            self.process.terminate()
            self.process.join()
        self.conn.close()


@contextlib.contextmanager
def paused(standby: Standby | None) -> Iterator[None]:
    """A standby still being made ready stopped (SIGSTOP) for the block, then let go on: the
    first stage of a save must not share the CPU with it (at 10,000 requirements, unpickling the
    environment takes seconds)."""
    if standby is None or standby.ready() or standby.process.pid is None:
        yield
        return
    pid = standby.process.pid
    try:
        os.kill(pid, signal.SIGSTOP)
    except OSError:
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGCONT)


def followed(paths: list[Path], project: Project) -> bool:
    """Whether a standby can build after a change of ``paths`` (all in ``spec/`` or ``docs/``)."""
    roots = [(project.root / name).resolve() for name in FOLLOWED]
    return all(any(p.resolve().is_relative_to(r) for r in roots) for p in paths)
