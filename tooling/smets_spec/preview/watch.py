"""The watcher of ``smets serve``: build, start the server, rebuild on every change.

Each build runs in a forked copy of this process, which has already imported Sphinx,
sphinx-needs and the extension (about 1.3 s saved on every rebuild); the build is incremental
(Sphinx's saved environment in ``<out>/.doctrees``). The watcher holds the build lock while a
build runs, so the server never reads a page being written, and writes the outcome (generation,
errors with file and line) to the state file the open pages poll.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from ..corpus.cachedir import switched_off
from ..corpus.project import Project
from . import quick
from .builds import Standby, followed, paused, run_build
from .known import Change, Known, change_of, changed_files
from .state import State, locked, read_state, write_state

#: what a rebuild watches, relative to the repository root
WATCHED = ("spec", "conf.py", "templates", "policy.toml", "docs")


def _first_stage(out: Path, before: State, change: Change | None) -> State:
    """The pages the save changed drawn at once (quick.py), and the state that shows them."""
    if change is None or not before.ok:
        return before
    try:
        done = quick.write_previews(out, change)
    except Exception:  # the preview only runs ahead of the build: whatever stops it, the build shows the edit
        done = []
    if not done:
        return before
    state = replace(before, generation=before.generation + 1, building=True)
    write_state(out, state)  # the open pages reload and get the preview
    sys.stdout.write(f"smets serve: preview of {', '.join(done)} while the site builds\n")
    sys.stdout.flush()
    return state


def rebuild(
    project: Project, out: Path, jobs: str, change: Change | None = None, standby: Standby | None = None
) -> State:
    """Build once under the lock; publish the outcome to the server and the terminal.

    ``change`` (what the save changed among the needs, when only requirements changed) lets the
    first stage show the pages it changed before the build is over; ``standby`` (builds.py), a
    build made ready before the save, builds when it can.
    """
    started = time.monotonic()
    with locked(out, exclusive=True):
        before = read_state(out)
        write_state(out, replace(before, building=True))
        with paused(standby):
            before = _first_stage(out, before, change)
        try:
            status, problems, warm = run_build(project, out, jobs, standby)
        finally:
            quick.clear_previews(out)
        state = State(before.generation + 1, False, status == 0, time.monotonic() - started, problems)
        write_state(out, state)
    if state.ok:
        with contextlib.suppress(OSError):
            quick.keep_static(out)  # no build runs until this returns: the folder is as built
    if state.ok:
        sys.stdout.write(f"smets serve: built in {state.seconds:.1f} s{' (warm standby)' if warm else ''}\n")
    else:
        sys.stdout.write(
            f"smets serve: the build failed in {state.seconds:.1f} s with {len(problems)} problem(s); "
            "the open pages show them:\n"
        )
        for problem in problems:
            sys.stdout.write(f"  {problem.text()}\n")
    sys.stdout.flush()
    return state


class Session:
    """What the watcher keeps between saves: the needs as last read, and the standby build."""

    def __init__(self, project: Project, out: Path, jobs: str) -> None:
        self.project, self.out, self.jobs = project, out, jobs
        self.known = Known(project.spec)
        self.standby: Standby | None = None

    def first_build(self) -> None:
        self._after(rebuild(self.project, self.out, self.jobs))
        self.known = Known.read(self.project.spec)
        self.known.corpus()  # made now, not at the first save

    def on_save(self, paths: list[Path]) -> None:
        """One save: its first stage (when it changed only requirements), the build (by the standby
        when it can follow the change); then the needs as read now (the files the save changed
        read again, or every file if one changed since)."""
        standby, self.standby = self.standby, None
        with paused(standby):  # still being made ready: the first stage has the CPU first
            displays, only_sources = changed_files(paths, self.known)
            after = self.known.updated(paths)
            change = change_of(self.known, after, displays) if only_sources else None
        if standby is not None and not followed(paths, self.project):
            standby.close()  # conf.py, templates, policy: a fresh process reads them
            standby = None
        self._after(rebuild(self.project, self.out, self.jobs, change, standby))
        self.known = after if after.unchanged_since_read(displays) else Known.read(self.project.spec)
        self.known.corpus()  # made now, not at the next save

    def _after(self, state: State) -> None:
        if state.ok and standby_wanted():
            self.standby = Standby.start(self.project, self.out, self.jobs)

    def close(self) -> None:
        if self.standby is not None:
            self.standby.close()
            self.standby = None


def standby_wanted() -> bool:
    """``SMETS_SERVE_STANDBY=off`` builds every save in a fresh fork (to compare, or to save memory)."""
    return not switched_off("SMETS_SERVE_STANDBY")


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
    from ..sphinx import quickrender  # noqa: F401  - and the first stage's page drawing (0.2 s)

    out.mkdir(parents=True, exist_ok=True)
    server, bound = start_server(out, host, port)  # first: a taken port fails at once
    paths = [project.root / name for name in WATCHED if (project.root / name).exists()]
    started = False
    session = Session(project, out, jobs)
    # `kill`, a service manager or a container stop sends SIGTERM: stop as Ctrl-C does (the
    # standby and the server with it). Ctrl-C is ignored in a background job; SIGTERM is not.
    previous = signal.signal(signal.SIGTERM, _interrupt)
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
                session.first_build()  # a page asked for meanwhile waits for this build
                sys.stdout.write(
                    f"smets serve: http://{host}:{bound}/ (the site in {project.rel(out)}); watching "
                    f"{', '.join(project.rel(p) for p in paths)}; Ctrl-C stops\n"
                )
                sys.stdout.flush()
            elif changes:
                session.on_save([Path(path) for _, path in changes])
    except KeyboardInterrupt:
        sys.stdout.write("smets serve: stopped\n")
    finally:
        signal.signal(signal.SIGTERM, previous)
        session.close()
        server.terminate()
        server.wait()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class _Filter:
    """watchfiles' default filter (editor swap files, caches, .git), and nothing in the output folder."""

    def __init__(self, out: Path) -> None:
        import watchfiles

        self._default = watchfiles.DefaultFilter()
        self._out = str(out.resolve())

    def __call__(self, change: object, path: str) -> bool:
        return not path.startswith(self._out) and bool(self._default(change, path))  # type: ignore[arg-type]
