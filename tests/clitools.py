"""Helpers for tests that run the real `smets` command on small projects."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import pytest

from smets_spec.cli import main

ROOT = Path(__file__).resolve().parent.parent
SOURCEDIRS = ROOT / "tests" / "sourcedirs"
T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def smets(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> Result:
    """Run `smets --root ROOT ARGS...` in this process (the console script calls the same main)."""
    capsys.readouterr()
    code = main(["--root", str(root), *args])
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def build_argv(root: Path, out: Path, *more: str) -> list[str]:
    """`smets --root ROOT build --out-dir OUT MORE...` as a fresh process (this interpreter)."""
    return [
        sys.executable,
        "-m",
        "smets_spec.cli",
        "--root",
        str(root),
        "build",
        "--out-dir",
        str(out),
        *more,
    ]


def run_ok(
    argv: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (a build, most often) as a fresh process with ``env`` in ``cwd``, its output
    captured as text; the test fails with the end of that output when the process fails."""
    result = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def driven_build(
    driver: str, root: Path, site: Path, settings: Mapping[str, str], *more: str
) -> subprocess.CompletedProcess[str]:
    """`smets build` into ``site`` (``MORE`` after its own arguments) run by ``driver`` (a script
    that wraps part of the build, then calls the CLI with its arguments), with the environment
    variables ``settings`` added to this process's."""
    argv = [sys.executable, "-c", driver, *build_argv(root, site, *more)[3:]]
    return run_ok(argv, env={**os.environ, **settings})


def beside_build(
    driver: str,
    root: Path,
    site: Path,
    switch: tuple[str, str],
    *more: str,
    die: bool = False,
    cache: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`smets build -j 1` into ``site`` run by ``driver`` (a script that wraps the work a build hands
    to a forked copy: it logs each copy's pid to ``BESIDE_LOG``, or ends the copy at once when
    ``BESIDE_DIE`` is set), with the project's own cache (or ``cache``) and the switch ``switch``
    (name, value)."""
    settings = {
        "SMETS_CACHE_DIR": str(cache or root.parent / "cache"),
        "BESIDE_LOG": str(site.parent / f"{site.name}.log"),
        switch[0]: switch[1],
    }
    if die:
        settings["BESIDE_DIE"] = "1"
    return driven_build(driver, root, site, settings, "-j", "1", *more)


def beside_log(site: Path) -> list[list[str]]:
    """What :func:`beside_build`'s driver logged for ``site``: one (pid, the build's pid) per copy."""
    log = site.parent / f"{site.name}.log"
    return [line.split() for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def shared_log(logs: Path, name: str) -> list[str]:
    """The lines a shared build logged to ``LOGS/NAME`` (:data:`SHARED_LOGGED`; none: no file)."""
    log = logs / name
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def sourcedir(tmp_path: Path, name: str) -> Path:
    """A writable copy of the small project tests/sourcedirs/NAME, with the repository's templates/."""
    dest = tmp_path / name
    shutil.copytree(SOURCEDIRS / name, dest, ignore=shutil.ignore_patterns("_build"))
    if not (dest / "templates").exists():
        shutil.copytree(ROOT / "templates", dest / "templates")
    return dest


def write(root: Path, relpath: str, text: str) -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def counted_build(
    root: Path, site: Path, watched: tuple[str, str], settings: Mapping[str, str], *more: str
) -> int:
    """:func:`driven_build` with ``watched`` (module, function: ``"sphinx.builders",
    "Builder._read_parallel"``) wrapped to count its calls: how many calls the build made."""
    return counted_calls(root, site, [watched], settings, *more)[0]


def switched_build(switch: str, watched: tuple[str, str], **also: str) -> Callable[[Path, Path, str], int]:
    """A build for :func:`edit_first_built_both_ways`: the site built with two processes, the
    environment variable ``switch`` set to the side's value (and ``also``), a cache folder for each
    value; how many calls of ``watched`` the build's own process made (:func:`counted_build`)."""

    def build(root: Path, out: Path, value: str) -> int:
        settings = {"SMETS_CACHE_DIR": str(root.parent / f"cache-{value}"), switch: value, **also}
        return counted_build(root, out, watched, settings, "-j", "2")

    return build


def counted_calls(
    root: Path,
    site: Path,
    watched: list[tuple[str, str]],
    settings: Mapping[str, str],
    *more: str,
    logged: str = "",
) -> list[int]:
    """:func:`counted_build` of each of several functions: how many calls the build made of each,
    in the order of ``watched``; ``logged``: more of the driver's code, run before the build (it
    may define ``after()``, run after it: :data:`SHARED_LOGGED`)."""
    wraps = "".join(f"watch({module!r}, {function!r}, {k})\n" for k, (module, function) in enumerate(watched))
    wraps += logged
    driver = f"""
import importlib
import sys
from smets_spec import cli
calls = [0] * {len(watched)}
def watch(module, function, k):
    owner = importlib.import_module(module)
    *outer, name = function.split(".")
    for part in outer:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    def counted(*args, **kwargs):
        calls[k] += 1
        return original(*args, **kwargs)
    setattr(owner, name, counted)
after = None
{wraps}status = cli.main(sys.argv[1:])
if after is not None:
    after()
print("CALLS", *calls)
sys.exit(status)
"""
    result = driven_build(driver, root, site, settings, *more)
    return [int(count) for count in result.stdout.rsplit("CALLS", 1)[1].split()]


def edit_built_both_ways(
    tmp_path: Path, build: Callable[[Path, Path, str], int]
) -> tuple[int, list[int], dict[str, Path]]:
    """A generated project of 60 requirements built with a switch "on" (``build(root, site,
    switch)``, each switch with its own cache ``cache-SWITCH`` beside the project), that site and
    cache copied for "off", one requirement's title and text edited, and the edit built into both
    sites with their switch: what ``build`` gave for the first build and for the two edits' builds
    (on, off), and the two sites."""
    from smets_spec.corpus.synthetic import generate

    root = generate(tmp_path / "project", 60)
    sites = {switch: tmp_path / f"site-{switch}" for switch in ("on", "off")}
    first = build(root, sites["on"], "on")
    return first, _edited_both_ways(root, sites, build, "edited"), sites


def _edited_both_ways(
    root: Path, sites: dict[str, Path], build: Callable[[Path, Path, str], int], tag: str
) -> list[int]:
    """The "on" site and its cache copied for "off", one requirement's title and text edited
    (tagged ``tag``), the edit built into both sites with their switch: what ``build`` gave (on, off)."""
    from smets_spec.corpus.synthetic import edit_requirement

    shutil.copytree(sites["on"], sites["off"], symlinks=True)
    shutil.copytree(root.parent / "cache-on", root.parent / "cache-off", symlinks=True)
    edit_requirement(root, tag)
    return [build(root, site, switch) for switch, site in sites.items()]


class Pristine(Generic[T]):
    """Files made once in ``BASE/work`` (``make(work)``: a project generated and built, most
    often), copied aside, and put back in that same folder for each test that asks (Sphinx starts
    afresh from a site in another folder; the paths a build recorded stay the same): for the tests
    of a file whose first build is the same build. :meth:`again` returns what ``make`` returned."""

    def __init__(self, base: Path, make: Callable[[Path], T]) -> None:
        self.work, self.pristine, self.make = base / "work", base / "pristine", make
        self.made: T | None = None

    def again(self) -> T:
        if self.made is None:
            shutil.rmtree(self.work, ignore_errors=True)
            self.work.mkdir(parents=True)
            self.made = self.make(self.work)
            shutil.copytree(self.work, self.pristine, symlinks=True)
        else:
            shutil.rmtree(self.work)
            shutil.copytree(self.pristine, self.work, symlinks=True)
        assert self.made is not None
        return self.made


def source_digest(root: Path) -> str:
    """A digest of every file under ``root`` (its path and bytes): the source a build reads."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(root).as_posix()}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class References:
    """Full builds of a project, each made once for whatever its folder then holds
    (:func:`source_digest`): a test whose reference is the full build of the very source another
    test of its file built already takes that site (read only). ``build(root, out, cache)`` builds
    ``out`` with a new, empty user cache ``cache``."""

    def __init__(self, base: Path, build: Callable[[Path, Path, Path], object]) -> None:
        self.base, self.build = base, build
        self.built: dict[tuple[Path, str], Path] = {}

    def of(self, root: Path) -> Path:
        """The full build of ``root`` as it is now."""
        key = (root, source_digest(root))
        if key not in self.built:
            out = self.base / f"full-{len(self.built)}"
            self.build(root, out, self.base / f"cache-{len(self.built)}")
            self.built[key] = out
        return self.built[key]


#: the functions :class:`FirstBuilt`'s build counts, for the tests that start from it (the last
#: two: a file linked in, Sphinx's checksum of an asset's link, for tests/test_end_writes.py)
FIRST_WATCHED = [
    ("sphinx.builders", "Builder.read_doc"),
    ("sphinx.builders", "Builder._read_parallel"),
    ("smets_spec.sphinx.cards", "fingerprints_early"),
    ("smets_spec.sphinx.fingerprints", "render"),
    ("smets_spec.sphinx.rawdirect", "_put_back"),
    ("smets_spec.sphinx.searchwalk", "collect"),
    ("smets_spec.sphinx.searchcache", "plain_contribution"),
    ("smets_spec.corpus.files", "FolderWriter._write_unnamed"),
    ("sphinx.builders.html", "_file_checksum"),
]
#: the conformance suite's cached run is keyed by pytest's variables too: :class:`FirstBuilt`'s
#: build runs with this one, and so does a test that builds from its cache with nothing changed
SHARED_CURRENT = "shared-first-build"
#: what the shared builds (:class:`FirstBuilt`, :class:`EditedBuilt`) log beside their counts, each
#: line to a file of the folder ``SHARED_LOGS``, for the switch tests whose "on" side they are:
#: ``raised.log`` each forked reader that read with the readers' thresholds (tests/test_reader_gc.py);
#: ``steps.log`` the read's task class (AHEAD or PLAIN), where the cards' fingerprints were worked
#: out (BESIDE or HERE) and a digest of those kept (CARDS); ``early.log`` build-finished and each
#: copy writing needs.json, in order, ``outcome.json`` that write's outcome, ``nav.log`` each
#: folder's navigation tree as used against the one drawn for it (tests/test_needs_json_early.py);
#: ``runs.log`` each run of Sphinx's page writers, its number and its pages' count
#: (tests/test_write_tail.py); ``env.log`` each copy saving the environment (tests/test_env_beside.py;
#: tests/test_needs_json_beside.py reads ``early.log`` and ``outcome.json``). Only logs: the build
#: is the one with no driver.
SHARED_LOGGED = """
import gc as _gc, hashlib as _hashlib, json as _json, os as _os
from dataclasses import asdict as _asdict
import sphinx.application as _application
from sphinx.events import EventManager as _EventManager
from smets_spec.sphinx import cardsbeside as _cardsbeside, forkahead as _forkahead
from smets_spec.sphinx import forkwrite as _forkwrite, jobs as _jobs, navtree as _navtree
from smets_spec.sphinx import needs_splice as _needs_splice
_MAIN, _RAISED = _os.getpid(), set()
def _log(name, text):
    with open(_os.path.join(_os.environ["SHARED_LOGS"], name), "a", encoding="utf-8") as out:
        out.write(text + "\\n")
_young = _jobs._young_later
def _young_logged():
    _young()
    if _gc.get_threshold() == _jobs.READER_THRESHOLDS and _os.getpid() not in _RAISED:
        _RAISED.add(_os.getpid())
        _log("raised.log", str(_os.getpid()))
_jobs._young_later = _young_logged
_classes = _forkahead.tasks_class
def _tasks_class():
    chosen = _classes()
    _log("steps.log", "AHEAD" if chosen is _forkahead.ForkAheadTasks else "PLAIN")
    return chosen
_forkahead.tasks_class = _tasks_class
_started = _cardsbeside.start
def _start(*args):
    ok = _started(*args)
    _log("steps.log", "BESIDE" if ok else "HERE")
    return ok
_cardsbeside.start = _start
_build = _application.Sphinx.build
def _built(app, *args, **kwargs):
    try:
        return _build(app, *args, **kwargs)
    finally:
        kept = _json.dumps(getattr(app.env, "smets_card_fingerprints", None), sort_keys=True)
        empty = "{}" in kept or "null" in kept
        _log("steps.log", f"CARDS {_hashlib.sha1(kept.encode()).hexdigest()} {empty}")
_application.Sphinx.build = _built
_emit, _in_copy = _EventManager.emit, _needs_splice._in_copy
def _emitted(self, name, *args, **kwargs):
    if name == "build-finished":
        _log("early.log", name)
    return _emit(self, name, *args, **kwargs)
def _copied(job, send):
    _log("early.log", "copy" if _os.getpid() != _MAIN else "not-a-copy")
    _in_copy(job, send)
_EventManager.emit, _needs_splice._in_copy = _emitted, _copied
_folder = _navtree._folder
def _compared(builder, directory, folders):
    used = _folder(builder, directory, folders)
    drawn = _navtree._neutral(builder, directory)
    same = (used is None and drawn is None) or (used.html, used.probe) == (drawn.html, drawn.probe)
    _log("nav.log", f"{'same' if same else 'DIFFERS'}:{directory or '.'}")
    return used
_navtree._folder = _compared
_chunk = _forkwrite._write_chunk
def _chunk_logged(builder, job):
    _log("runs.log", f"{job[0]} {len(job[1])}")
    return _chunk(builder, job)
_forkwrite._write_chunk = _chunk_logged
from smets_spec.sphinx import envparts as _envparts
_env_copy = _envparts._in_copy
def _env_copied(env, file, protocol):
    _log("env.log", "copy" if _os.getpid() != _MAIN else "not-a-copy")
    _env_copy(env, file, protocol)
_envparts._in_copy = _env_copied
def after():
    _log("outcome.json", _json.dumps(_asdict(_needs_splice.LAST[-1])))
"""


class FirstBuilt:
    """The first build of :func:`edit_built_both_ways` (every switch on), made once for the tests
    that start from it (conftest's ``first_built_60`` with two processes, ``first_built_60_serial``
    with one; each of them built this same site in a build of its own before): a generated project
    of 60 requirements in ``BASE/work/project`` built into ``BASE/work/site-on`` with its cache
    ``BASE/work/cache-on``, the calls of :data:`FIRST_WATCHED` counted. :meth:`again` puts the
    project, site and cache back as that build left them, in the folders it used (Sphinx starts
    afresh from a site in another folder)."""

    def __init__(self, base: Path, jobs: str) -> None:
        self.base, self.jobs = base, jobs
        self.root = base / "work" / "project"
        self.sites = {switch: base / "work" / f"site-{switch}" for switch in ("on", "off")}
        self.logs = base / "logs"  # what the build logged (:data:`SHARED_LOGGED`)
        self.counts: dict[tuple[str, str], int] | None = None

    def again(self) -> tuple[Path, dict[tuple[str, str], int]]:
        """The project as first built (its site and cache beside it; none for "off"), and the counts."""
        from smets_spec.corpus.synthetic import generate

        work, pristine = self.base / "work", self.base / "pristine"
        if self.counts is None:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(self.logs, ignore_errors=True)
            generate(self.root, 60)
            self.logs.mkdir()
            settings = {
                "SMETS_CACHE_DIR": str(work / "cache-on"),
                "SHARED_LOGS": str(self.logs),
                "PYTEST_CURRENT_TEST": SHARED_CURRENT,
            }
            calls = counted_calls(
                self.root, self.sites["on"], FIRST_WATCHED, settings, "-j", self.jobs, logged=SHARED_LOGGED
            )
            shutil.copytree(work, pristine, symlinks=True)
            self.counts = dict(zip(FIRST_WATCHED, calls, strict=True))
        else:
            shutil.rmtree(work)
            shutil.copytree(pristine, work, symlinks=True)
        return self.root, dict(self.counts)


def edit_first_built_both_ways(
    first: FirstBuilt, build: Callable[[Path, Path, str], int], tag: str = "edited"
) -> tuple[dict[tuple[str, str], int], list[int], dict[str, Path]]:
    """:func:`edit_built_both_ways` from ``first``'s build (``build(root, site, "on")`` with
    ``first``'s processes and every switch on is that build), the requirement's edit tagged
    ``tag``: what ``first`` counted in it, what ``build`` gave for the two edits' builds (on, off),
    and the two sites."""
    root, counts = first.again()
    return counts, _edited_both_ways(root, first.sites, build, tag), first.sites


#: the functions :class:`EditedBuilt`'s edit build counts (every switch on), for the tests that
#: build only the "off" side of that edit
EDITED_WATCHED = [
    ("sphinx.builders", "Builder.read_doc"),
    ("smets_spec.sphinx.cards", "fingerprints_early"),
    ("smets_spec.sphinx.reqpages", "plan"),
    ("smets_spec.sphinx.fingerprints", "render"),
    ("smets_spec.sphinx.rawdirect", "_put_back"),
    ("smets_spec.sphinx.searchfrozen", "_patched"),
]


class EditedBuilt:
    """The edit of :func:`edit_first_built_both_ways` (tag "edited") built once with every switch
    on, for the tests whose "on" side is that build with no switch set (conftest's ``edited_60``
    from ``first_built_60``, ``edited_60_serial`` from ``first_built_60_serial``): each test builds
    only its "off" side, from the first build's site and cache. The first call makes it: ``first``
    put back, its site and cache copied for "off", the requirement edited, the edit built into
    ``site-on`` (``cache-on``) with ``first``'s processes, the calls of :data:`EDITED_WATCHED`
    counted; :meth:`again` puts the project (edited), both sites and both caches back as they were
    then, in the folders :class:`FirstBuilt` uses."""

    def __init__(self, first: FirstBuilt) -> None:
        self.first = first
        self.snapshot = first.base / "edited"
        self.logs = first.base / "edited-logs"  # what the edit's build logged (:data:`SHARED_LOGGED`)
        self.edited: Path | None = None  # the file edited
        self.counts: tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]] | None = None

    def again(self) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int], Path, dict[str, Path]]:
        """What the first build counted, what the edit's "on" build counted, the edited project and
        the two sites ("on" built with the edit, "off" as first built; each with its cache beside)."""
        from smets_spec.corpus.synthetic import edit_requirement

        first, work = self.first, self.first.base / "work"
        if self.counts is None:
            root, first_counts = first.again()
            shutil.copytree(first.sites["on"], first.sites["off"], symlinks=True)
            shutil.copytree(work / "cache-on", work / "cache-off", symlinks=True)
            self.edited = edit_requirement(root, "edited")
            shutil.rmtree(self.logs, ignore_errors=True)
            self.logs.mkdir()
            settings = {"SMETS_CACHE_DIR": str(work / "cache-on"), "SHARED_LOGS": str(self.logs)}
            calls = counted_calls(
                root, first.sites["on"], EDITED_WATCHED, settings, "-j", first.jobs, logged=SHARED_LOGGED
            )
            shutil.rmtree(self.snapshot, ignore_errors=True)
            shutil.copytree(work, self.snapshot, symlinks=True)
            self.counts = (first_counts, dict(zip(EDITED_WATCHED, calls, strict=True)))
        else:
            shutil.rmtree(work)
            shutil.copytree(self.snapshot, work, symlinks=True)
        return dict(self.counts[0]), dict(self.counts[1]), first.root, dict(first.sites)

    def touch(self) -> None:
        """The edited file's time made now: for a test whose "off" side built the first build's
        project itself after :meth:`again` put it back, then builds the edit (a file put back keeps
        the time of the edit, before that "off" build: Sphinx would take it as read)."""
        assert self.edited is not None
        os.utime(self.edited)
