"""A cold build's parallel read forked while the conformance suite and the duplicate scan still run
(``sphinx/earlyread.py``, ``SMETS_EARLY_READ``; issue 20): the wait for them is done just before the
chunk holding the pages that read them forks, and the build is the one with the switch off: the same
site, needs.json and search index, the same conformance stamp, the same warm build after it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from clitools import run_ok
from sitecompare import differences
from smets_spec.conformance.runner import newest_source
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import earlyread, envparts, jobs
from smets_spec.sphinx.conformance import _STAMP

#: `smets build`, noting (in the main process) each reader forked with its documents, when the
#: duplicate scan is taken (``duplicates.page._received``) and when the suite is waited for
_DRIVER = """
import json, os, sys
import multiprocessing.process as mp
from smets_spec.conformance import live
from smets_spec.duplicates import page
from smets_spec.cli import main
MAIN, LOG = os.getpid(), os.environ["EARLY_READ_LOG"]
def note(*event):
    if os.getpid() == MAIN:
        with open(LOG, "a", encoding="utf-8") as file:
            file.write(json.dumps(event) + "\\n")
received, settle, start = page._received, live.settle, mp.BaseProcess.start
def _received(corpus):
    note("scan")
    return received(corpus)
def _settle():
    if live.pending():
        note("suite")
    settle()
def _start(self):
    args = getattr(self, "_args", ())
    if len(args) == 3 and isinstance(args[2], list) and all(isinstance(d, str) for d in args[2]):
        note("read", args[2])
    return start(self)
page._received, live.settle, mp.BaseProcess.start = _received, _settle, _start
sys.exit(main(sys.argv[1:]))
"""
#: the pages that read the suite's results or the duplicate findings, in the generated project
_LATE = {"conformance/index", "models/open-questions", "quality/duplicates"}


def _build(root: Path, out: Path, cache: Path, log: Path, switch: str) -> list[list[object]]:
    """``smets build -j 2`` of ``root`` into its ``out`` folder (moved to ``out`` after), and its events."""
    env = dict(os.environ, SMETS_CACHE_DIR=str(cache), SMETS_EARLY_READ=switch, EARLY_READ_LOG=str(log))
    built = root / "out"
    if out.exists():  # a warm build: back where it was built (the environment records its paths)
        out.rename(built)
    log.unlink(missing_ok=True)
    argv = [sys.executable, "-c", _DRIVER, "--root", str(root), "build", "--out-dir", str(built), "-j", "2"]
    run_ok(argv, env=env)
    built.rename(out)
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def _stamp(out: Path) -> object:
    return getattr(envparts.load(out / ".doctrees" / "environment.pickle"), _STAMP)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("early")
    root = generate(base / "project", 120, seed=7)
    found: dict[str, Any] = {}
    for switch in ("on", "off"):
        out, cache, log = base / switch, base / f"cache-{switch}", base / f"{switch}.log"
        found[switch] = _build(root, out, cache, log, switch)
        found[f"{switch}-stamp"] = _stamp(out)
        found[f"{switch}-results"] = out / ".smets" / "conformance.json"
        found[f"{switch}-results-stat"] = (out / ".smets" / "conformance.json").stat()
        found[f"{switch}-warm"] = _build(root, out, cache, log, switch)
        found[f"{switch}-warm-stamp"] = _stamp(out)
        found[f"{switch}-out"] = out
    return found


def _reads(events: list[list[Any]]) -> list[set[str]]:
    return [set(e[1]) for e in events if e[0] == "read"]


def test_the_readers_fork_before_the_scan_and_suite_are_waited_for(built: dict[str, Any]) -> None:
    on = built["on"]
    assert isinstance(on, list)
    kinds = [e[0] for e in on]
    reads = _reads(on)
    assert len(reads) == 4 and sum(len(r) for r in reads) == 95
    # two readers forked first; the scan taken and the suite waited for only when the first has
    # finished, just before the reader of the chunk holding the pages that read them forks
    assert kinds == ["read", "read", "scan", "suite", "read", "read"], kinds
    assert reads[2] >= _LATE and not any(_LATE & r for i, r in enumerate(reads) if i != 2)


def test_with_the_switch_off_the_build_waits_before_reading(built: dict[str, Any]) -> None:
    off = built["off"]
    assert isinstance(off, list)
    assert [e[0] for e in off] == ["scan", "suite", "read", "read", "read", "read"]


def test_the_same_site_needs_json_and_search_index(built: dict[str, Any]) -> None:
    on, off = built["on-out"], built["off-out"]
    assert isinstance(on, Path) and isinstance(off, Path)
    assert differences(off, on) == []  # every page and searchindex.js (the warm build's: both rebuilt)
    assert (on / "needs.json").read_bytes() == (off / "needs.json").read_bytes()
    assert (on / "searchindex.js").stat().st_size > 10_000


def test_the_same_conformance_stamp_and_warm_build(built: dict[str, Any]) -> None:
    for switch in ("on", "off"):
        stat = built[f"{switch}-results-stat"]
        assert isinstance(stat, os.stat_result)
        assert built[f"{switch}-stamp"] == ((stat.st_mtime_ns, stat.st_size), newest_source())
        # the warm build after it compares the same stamp: nothing read again, no wait left to a read
        assert built[f"{switch}-warm-stamp"] == built[f"{switch}-stamp"]
        kinds = [e[0] for e in built[f"{switch}-warm"]]
        assert "read" not in kinds and "suite" not in kinds


def test_a_failed_suite_stops_the_build_as_before(tmp_path: Path) -> None:
    """pytest missing: the suite fails; with the readers forked already, the build stops with the
    same message (no traceback, no page), as with the switch off."""
    root = generate(tmp_path / "project", 120, seed=7)
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "pytest.py").write_text("raise ImportError('pytest removed for this test')\n", encoding="utf-8")
    said = {}
    for switch in ("on", "off"):
        log = tmp_path / f"{switch}.log"
        env = dict(os.environ, SMETS_CACHE_DIR=str(tmp_path / f"cache-{switch}"), SMETS_EARLY_READ=switch)
        env["PYTHONPATH"] = os.pathsep.join([str(shim), env.get("PYTHONPATH", "")])
        env["EARLY_READ_LOG"] = str(log)
        out = tmp_path / switch
        argv = [sys.executable, "-c", _DRIVER, "--root", str(root), "build", "--out-dir", str(out), "-j", "2"]
        done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "smets build: conformance: the conformance suite failed (exit status 3)" in done.stderr
        assert "the conformance suite needs pytest, which is not importable" in done.stderr
        assert not (out / "index.html").exists()
        kinds = [json.loads(line)[0] for line in log.read_text(encoding="utf-8").splitlines()]
        said[switch] = (kinds, [line for line in done.stderr.splitlines() if "suite ran in" not in line])
    assert said["on"][0][:2] == ["read", "read"] and "suite" in said["on"][0]  # the readers were forked
    assert said["off"][0] == ["scan", "suite"]
    on, off = str(tmp_path / "on"), str(tmp_path / "off")
    assert said["on"][1] == [line.replace(off, on) for line in said["off"][1]]


def test_the_pages_that_read_the_work_go_in_the_last_chunk() -> None:
    names = [f"d{i}" for i in range(70)]
    jobs.read_last(frozenset({"d5", "d9", "elsewhere"}))
    try:
        chunks = jobs.read_chunks(names, 2)
    finally:
        jobs.read_last(frozenset())
    rest = [n for n in names if n not in ("d5", "d9")]
    assert chunks == [rest[0::4], rest[1::4], rest[2::4], [*rest[3::4], "d5", "d9"]]
    assert jobs.read_chunks(names, 2) == [names[0::4], names[1::4], names[2::4], names[3::4]]


def test_only_a_parallel_read_of_many_documents_leaves_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    safe = {"ext": SimpleNamespace(parallel_read_safe=True)}
    app = SimpleNamespace(parallel=2, extensions=safe)
    many, few = [f"d{i}" for i in range(jobs.SERIAL_BELOW)], ["a", "b"]
    waited: list[int] = []
    try:
        assert earlyread.defer(app, None, many, lambda: waited.append(1))  # type: ignore[arg-type]
        assert not earlyread.defer(app, None, few, lambda: waited.append(2))  # type: ignore[arg-type]
        serial = SimpleNamespace(parallel=1, extensions=safe)
        assert not earlyread.defer(serial, None, many, lambda: waited.append(3))  # type: ignore[arg-type]
        unsafe = SimpleNamespace(parallel=2, extensions={"ext": SimpleNamespace(parallel_read_safe=None)})
        assert not earlyread.defer(unsafe, None, many, lambda: waited.append(4))  # type: ignore[arg-type]
        monkeypatch.setenv(earlyread.SWITCH, "off")
        assert not earlyread.defer(app, None, many, lambda: waited.append(5))  # type: ignore[arg-type]
        monkeypatch.delenv(earlyread.SWITCH)
        assert earlyread.defer(app, None, many, lambda: waited.append(6))  # type: ignore[arg-type]
        earlyread.finish_now()  # in the process that left it (a serial read, or the read's end)
        assert waited == [6]
    finally:
        earlyread._PENDING.clear()
