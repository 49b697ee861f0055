"""What the watcher tells the server: the build generation, whether a build is running, and the
errors of the last one, in ``<out>/.smets/serve.json``; and the lock that keeps the server from
reading a page while a build writes it.

The watcher holds the lock (``<out>/.smets/serve.lock``) exclusively while it builds; the server
takes it shared to read a file, so a page is never served half-written: a request made during a
build waits for the build to end.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..corpus.files import write_atomic

STATE_NAME = "serve.json"
LOCK_NAME = "serve.lock"


#: a file's modification time (ns) and size when it was read: a later save changes them
Stamp = tuple[int, int]


def file_stamp(path: Path) -> Stamp | None:
    """``path``'s :data:`Stamp`, or None when it is not there."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


@dataclass
class Problem:
    """One error of the last build, with its place (``file`` relative to the repository)."""

    file: str
    line: int | None
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


def problem_of(data: dict[str, Any]) -> Problem:
    line = data.get("line")
    return Problem(str(data["file"]), int(line) if line is not None else None, str(data["message"]))


@dataclass
class State:
    generation: int = 0
    building: bool = False
    ok: bool = True
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        problems = [
            Problem(str(p["file"]), p.get("line"), str(p["message"])) for p in data.get("problems", [])
        ]
        return cls(
            int(data.get("generation", 0)),
            bool(data.get("building", False)),
            bool(data.get("ok", True)),
            float(data.get("seconds", 0.0)),
            problems,
        )


def state_dir(out: Path) -> Path:
    return out / ".smets"


def preview_dir(out: Path) -> Path:
    """Where the first stage of a rebuild writes the pages it redraws at once (quick.py)."""
    return state_dir(out) / "preview"


def gone_dir(out: Path) -> Path:
    """Where the first stage writes the answer for the page of a requirement a save deleted (quick.py)."""
    return state_dir(out) / "preview-removed"


def static_copy_dir(out: Path) -> Path:
    """A copy of the last good build's ``_static/`` (styles, scripts), served while a build runs."""
    return state_dir(out) / "static-last"


def write_state(out: Path, state: State) -> None:
    folder = state_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / STATE_NAME, json.dumps(state.to_json()), durable=False)  # live state: no fsync


def read_state(out: Path) -> State:
    """The state the watcher last wrote (an empty one when there is none or it cannot be read)."""
    try:
        return State.from_json(json.loads((state_dir(out) / STATE_NAME).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return State()


@contextlib.contextmanager
def shared_if_free(out: Path) -> Iterator[bool]:
    """The build lock of ``out`` taken shared if no build holds it now (True), else not (False)."""
    folder = state_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK_NAME).open("a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def locked(out: Path, exclusive: bool) -> Iterator[None]:
    """Hold the build lock of ``out``: exclusive for a build, shared for reading a page."""
    folder = state_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK_NAME).open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
