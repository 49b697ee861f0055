"""Shared fixtures: the repository, its corpus, and one real Sphinx build of the spec per session."""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from clitools import EditedBuilt, FirstBuilt
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.project import Project

ROOT = Path(__file__).resolve().parent.parent
# The index cache of `smets diff/impact/review` goes to a folder of this run, not the user's,
# removed when the process that made it ends (pytest-xdist's workers inherit it; a forked child
# of a test leaves it alone).
if "SMETS_CACHE_DIR" not in os.environ:
    _RUN_CACHE, _MADE_BY = tempfile.mkdtemp(prefix="smets-test-cache-"), os.getpid()
    os.environ["SMETS_CACHE_DIR"] = _RUN_CACHE

    def _remove_run_cache() -> None:
        if os.getpid() == _MADE_BY:
            shutil.rmtree(_RUN_CACHE, ignore_errors=True)

    atexit.register(_remove_run_cache)
# A shell starts a background job with Ctrl-C (SIGINT) ignored, and every process it starts
# inherits that, so the tests that stop a server with Ctrl-C would wait in vain. A handler of
# this process's own is reset to the default in a child, where Python then raises
# KeyboardInterrupt as on a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def corpus(project: Project) -> Corpus:
    return load_spec(project.spec, relative_to=project.root)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's spec built once with `smets build` into a temporary folder.

    Returns the HTML folder (needs.json is inside it). Tests must not modify it. With pytest-xdist
    the workers share one build (the first to ask builds it, holding a lock, the others wait for
    it): the same command in the same folder, so the same site each of them built before.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker's basetemp is a folder of the run's
        base = base.parent
    shared = base / "built-site"
    shared.mkdir(exist_ok=True)
    out, status = shared / "html", shared / "status.json"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not status.exists():
            result = subprocess.run(
                [sys.executable, "-m", "smets_spec.cli", "build", "--out-dir", str(out)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            done = {"code": result.returncode, "output": result.stdout + result.stderr}
            status.write_text(json.dumps(done), encoding="utf-8")
        built = json.loads(status.read_text(encoding="utf-8"))
    assert built["code"] == 0, built["output"]
    return out


@pytest.fixture(scope="session")
def first_built_60(tmp_path_factory: pytest.TempPathFactory) -> FirstBuilt:
    """A generated project of 60 requirements built with two processes, once per worker, put back
    as built for each test that asks (:class:`clitools.FirstBuilt`)."""
    return FirstBuilt(tmp_path_factory.mktemp("first-60"), "2")


@pytest.fixture(scope="session")
def edited_60(first_built_60: FirstBuilt) -> EditedBuilt:
    """:func:`first_built_60`'s project with one requirement edited, the edit built once with every
    switch on, put back for each test that builds its "off" side (:class:`clitools.EditedBuilt`)."""
    return EditedBuilt(first_built_60)


@pytest.fixture(scope="session")
def edited_60_serial(first_built_60_serial: FirstBuilt) -> EditedBuilt:
    """:func:`edited_60` from :func:`first_built_60_serial` (one process)."""
    return EditedBuilt(first_built_60_serial)


@pytest.fixture(scope="session")
def first_built_60_serial(tmp_path_factory: pytest.TempPathFactory) -> FirstBuilt:
    """:func:`first_built_60` built with one process."""
    return FirstBuilt(tmp_path_factory.mktemp("first-60-serial"), "1")


def copy_project(tmp_path: Path) -> Path:
    """A writable copy of the repository's conf.py, spec/, templates/ and docs/ (the user guide the
    site publishes) for tests that edit them."""
    dest = tmp_path / "repo"
    dest.mkdir()
    shutil.copy(ROOT / "conf.py", dest / "conf.py")
    shutil.copytree(ROOT / "spec", dest / "spec")
    shutil.copytree(ROOT / "templates", dest / "templates")
    shutil.copytree(ROOT / "docs", dest / "docs")
    return dest


#: texts or byte strings longer than this that differ are shown by where they first differ
LONG = 20_000


def pytest_assertrepr_compare(op: str, left: object, right: object) -> list[str] | None:
    """Two long texts (or byte strings) that are not equal: where they first differ, not pytest's
    diff of every line (difflib is quadratic: a failed comparison of two search indexes ran for
    over an hour before anything was reported)."""
    if op != "==" or not isinstance(left, str | bytes) or type(left) is not type(right):
        return None
    assert isinstance(right, str | bytes)
    if max(len(left), len(right)) <= LONG:
        return None
    pairs = enumerate(zip(left, right, strict=False))
    at = next((i for i, (a, b) in pairs if a != b), min(len(left), len(right)))
    kind = type(left).__name__
    return [
        f"{kind} of {len(left)} == {kind} of {len(right)}: they first differ at {at}",
        f"left:  {left[max(0, at - 120) : at + 120]!r}",
        f"right: {right[max(0, at - 120) : at + 120]!r}",
    ]


#: the test files whose tests take longest (several builds of a generated project each; measured
#: with ``--durations``: session 21's CI run less the builds since shared, session 23's switch
#: tests by their own run), longest first:
#: collected before the others, so that with ``-n 2`` they start early and no worker waits at the
#: end of the run behind one of them. A file keeps its tests' order (and its module fixtures are
#: made once); the others follow in their usual order.
SLOW_FIRST = (
    "test_warm_full.py",
    "test_needs_reuse.py",
    "test_envparts.py",
    "test_incremental_global.py",
    "test_needs_patched_build.py",
    "test_fork_write.py",
    "test_search_terms.py",
    "test_needs_quickjson.py",
    "test_req_kept.py",
    "test_needs_json_splice.py",
    "test_early_read.py",
    "test_build_render_cache.py",
    "test_warm_full_build.py",
    "test_search_unchanged.py",
    "test_shared_page_work.py",
    "test_half_read.py",
    "test_readme_site.py",
    "test_env_beside.py",
    "test_edit_read_parallel.py",
    "test_write_tail.py",
    "test_needs_json_early.py",
    "test_needs_plan.py",
    "test_gc_warm.py",
    "test_needs_post.py",
    "test_write_memory.py",
    "test_readback_filter.py",
    "test_set_edits.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of :data:`SLOW_FIRST` first, in its order (a stable sort: each file's tests keep
    theirs, every other file follows as collected)."""
    rank = {name: at for at, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))
