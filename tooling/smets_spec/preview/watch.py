"""The watcher of ``smets serve``: build, start the server, rebuild on every change.

Each build runs in a forked copy of this process, which has already imported Sphinx,
sphinx-needs and the extension (about 1.3 s saved on every rebuild); the build is incremental
(Sphinx's saved environment in ``<out>/.doctrees``). The watcher holds the build lock while a
build runs, so the server never reads a page being written, and writes the outcome (generation,
errors with file and line) to the state file the open pages poll.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from .. import forking
from ..corpus.load import load_spec, report
from ..corpus.project import Project
from . import quick
from .known import Change, Known, change_of, changed_files
from .state import Problem, State, locked, problem_of, read_state, state_dir, write_state

#: what a rebuild watches, relative to the repository root
WATCHED = ("spec", "conf.py", "templates", "policy.toml", "docs")
_WARNING = re.compile(
    r"^(?P<file>[^:\n]+?)(?::(?P<line>\d+))?:(?: [A-Z]+:)? (?P<kind>WARNING|ERROR|CRITICAL): (?P<msg>.*)$"
)


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


def _said(message: str, rule: str, fix: str | None) -> str:
    return f"{message} [{rule}]" + (f" (fix: {fix})" if fix else "")


def _child(project: Project, out: Path, jobs: str, outcome: Path) -> None:
    """One build (in the forked copy): validate, then Sphinx; the problems go to ``outcome``."""
    from ..commands.build import build_site
    from ..corpus.locking import folder_lock

    corpus = load_spec(project.spec, relative_to=project.root)
    reporter = report(corpus)
    if reporter.errors:
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
        sys.exit(1)
    warnings = outcome.with_suffix(".log")
    settings = argparse.Namespace(jobs=jobs, verbose=False, fresh=False)
    try:
        with folder_lock(out, lambda text: sys.stderr.write(f"smets serve: {text}\n")):
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
    sys.exit(status)


def _run_build(project: Project, out: Path, jobs: str) -> tuple[int, list[Problem]]:
    outcome = state_dir(out) / "serve-outcome.json"
    outcome.unlink(missing_ok=True)
    child = forking.start(_child, (project, out, jobs, outcome), "smets-serve-build")
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
        return status, [] if status == 0 else [Problem("spec", None, "the build failed; see the terminal")]
    child.join()
    status = child.exitcode if child.exitcode is not None else 2
    try:
        raw = json.loads(outcome.read_text(encoding="utf-8"))
        problems = [problem_of(p) for p in raw]
    except (OSError, ValueError, KeyError, TypeError):
        problems = [] if status == 0 else [Problem("spec", None, f"the build ended with status {status}")]
    return status, problems


def _first_stage(out: Path, before: State, change: Change | None) -> State:
    """The pages the save changed drawn at once (quick.py), and the state that shows them."""
    if change is None or not before.ok:
        return before
    try:
        done = quick.write_previews(out, change)
    except (OSError, ValueError, UnicodeError, KeyError):
        done = []  # the build shows it
    if not done:
        return before
    state = replace(before, generation=before.generation + 1, building=True)
    write_state(out, state)  # the open pages reload and get the preview
    sys.stdout.write(f"smets serve: preview of {', '.join(done)} while the site builds\n")
    sys.stdout.flush()
    return state


def rebuild(project: Project, out: Path, jobs: str, change: Change | None = None) -> State:
    """Build once under the lock; publish the outcome to the server and the terminal.

    ``change`` (what the save changed among the needs, when only requirements changed) lets the
    first stage show the pages it changed before the build is over.
    """
    started = time.monotonic()
    with locked(out, exclusive=True):
        before = read_state(out)
        write_state(out, replace(before, building=True))
        before = _first_stage(out, before, change)
        try:
            status, problems = _run_build(project, out, jobs)
        finally:
            quick.clear_previews(out)
        state = State(before.generation + 1, False, status == 0, time.monotonic() - started, problems)
        write_state(out, state)
    if state.ok:
        sys.stdout.write(f"smets serve: built in {state.seconds:.1f} s\n")
    else:
        sys.stdout.write(
            f"smets serve: the build failed in {state.seconds:.1f} s with {len(problems)} problem(s); "
            "the open pages show them:\n"
        )
        for problem in problems:
            sys.stdout.write(f"  {problem.text()}\n")
    sys.stdout.flush()
    return state


def on_save(project: Project, out: Path, jobs: str, known: Known, paths: list[Path]) -> Known:
    """One save: its first stage (when it changed only requirements), the build; the needs as
    read now (the files the save changed read again, or every file if one changed since)."""
    displays, only_sources = changed_files(paths, known)
    after = known.updated(paths)
    change = change_of(known, after, displays) if only_sources else None
    rebuild(project, out, jobs, change)
    return after if after.unchanged_since_read(displays) else Known.read(project.spec)


def start_server(out: Path, host: str, port: int) -> tuple[subprocess.Popen[str], int]:
    """The server process, and the port it listens on (asked of the OS when ``port`` is 0)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "smets_spec.preview.server", str(out), str(port), host],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.isdigit():
        proc.wait()
        raise OSError(
            f"cannot listen on {host}:{port}: {line.removeprefix('error: ') or 'the server stopped'}"
        )
    return proc, int(line)


def serve(project: Project, out: Path, host: str, port: int, jobs: str) -> int:
    import watchfiles

    from ..sphinx.build import warm_up  # lazily: only the adapter imports Sphinx

    warm_up()  # Sphinx, sphinx-needs and the extension imported once: every forked build has them
    out.mkdir(parents=True, exist_ok=True)
    server, bound = start_server(out, host, port)  # first: a taken port fails at once
    paths = [project.root / name for name in WATCHED if (project.root / name).exists()]
    started = False
    known = Known(project.spec)
    try:
        # The watcher is running before the first build (its first, empty, yield comes when it
        # is), so an edit saved during that build is not missed: it is the next batch.
        for changes in watchfiles.watch(
            *paths,
            debounce=50,
            step=20,
            rust_timeout=300,
            yield_on_timeout=True,
            watch_filter=_Filter(out),
            raise_interrupt=True,
        ):
            if not started:
                started = True
                rebuild(project, out, jobs)  # a page asked for meanwhile waits for this build
                known = Known.read(project.spec)
                sys.stdout.write(
                    f"smets serve: http://{host}:{bound}/ (the site in {project.rel(out)}); watching "
                    f"{', '.join(project.rel(p) for p in paths)}; Ctrl-C stops\n"
                )
                sys.stdout.flush()
            elif changes:
                known = on_save(project, out, jobs, known, [Path(path) for _, path in changes])
    except KeyboardInterrupt:
        sys.stdout.write("smets serve: stopped\n")
    finally:
        server.terminate()
        server.wait()
    return 0


class _Filter:
    """watchfiles' default filter (editor swap files, caches, .git), and nothing in the output folder."""

    def __init__(self, out: Path) -> None:
        import watchfiles

        self._default = watchfiles.DefaultFilter()
        self._out = str(out.resolve())

    def __call__(self, change: object, path: str) -> bool:
        return not path.startswith(self._out) and bool(self._default(change, path))  # type: ignore[arg-type]
