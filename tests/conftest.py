"""Shared fixtures: the repository, its corpus, and one real Sphinx build of the spec per session."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.project import Project

ROOT = Path(__file__).resolve().parent.parent
# The index cache of `smets diff/impact/review` goes to a folder of this run, not the user's.
os.environ.setdefault("SMETS_CACHE_DIR", tempfile.mkdtemp(prefix="smets-test-cache-"))
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

    Returns the HTML folder (needs.json is inside it). Tests must not modify it.
    """
    out = tmp_path_factory.mktemp("site") / "html"
    result = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "build", "--out-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


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


#: The test files whose tests build sites, the longest first (their tests' durations summed, from
#: ``pytest tests -n 2 --durations=0``). A run on several processes (``-n 2``) hands out whole
#: files, these first, then the others in their order: every long file starts early, and the end
#: of the run is short files on both processes, not one long test alone; a file's module-scoped
#: build is made once, in one process. A file not listed runs after the listed ones.
HEAVY_FILES = [
    "test_envparts",
    "test_build_render_cache",
    "test_needs_json_splice",
    "test_env_beside",
    "test_warm_full_build",
    "test_incremental_global",
    "test_envpickle",
    "test_warm_full",
    "test_needs_reuse",
    "test_needs_patched_build",
    "test_needs_json_beside",
    "test_fork_write",
    "test_page_text_cache",
    "test_half_read",
    "test_nav_rebase",
    "test_needs_json_early",
    "test_navtree",
    "test_write_memory",
    "test_edit_read_parallel",
    "test_search_unchanged",
    "test_assess_early",
    "test_outdated_beside",
    "test_late_resume",
    "test_search_terms",
    "test_search_walk",
    "test_reqpage_index",
    "test_needs_plan",
    "test_page_index",
    "test_set_scopes",
    "test_gc_edit",
    "test_duplicates_site",
    "test_readback_filter",
    "test_read_chunks",
    "test_shared_first",
    "test_search_frozen",
    "test_site_search",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The files of :data:`HEAVY_FILES` first, longest first; each file's tests in their order."""
    rank = {f"{name}.py": n for n, name in enumerate(HEAVY_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # (a stable sort)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``-n N`` (pytest-xdist's ``--dist load``): whole files (``--dist loadfile``) in the order of
    :func:`pytest_collection_modifyitems`, not sorted by their number of tests. Another ``--dist``
    is left as asked."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadFileScheduling

    config.option.loadscopereorder = False
    return LoadFileScheduling(config, log)  # type: ignore[arg-type]
