"""The forked copies of a cold build set the heap a warm build keeps (``sphinx/copyheap.py``,
``SMETS_COPY_HEAP``): each copy applies the settings as it starts, the process that forks keeps
its own, and two cold builds give the same site, needs.json and search index either way."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clitools import build_argv, run_ok
from sitecompare import differences
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import copyheap, jobs

#: the ``mallopt`` calls made in this process since :func:`_in_a_fork` began (a fork's: its own copy)
_CALLS: list[list[int]] = []


def _record(parameter: int, value: int) -> int:
    _CALLS.append([parameter, value])
    return 1


def _in_a_fork() -> list[list[int]]:
    """The ``mallopt`` calls a forked child made as it started (sent back on a pipe)."""
    _CALLS.clear()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the at-fork hook has run
        os.close(read)
        os.write(write, json.dumps(_CALLS).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        sent = json.loads(pipe.read())
    os.waitpid(pid, 0)
    assert _CALLS == []  # never in the process that forks
    return sent


@pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="no fork here")
def test_a_copy_sets_the_kept_heap_as_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(copyheap.SWITCH, raising=False)
    kept = [[-3, 32 << 20], [-1, 1 << 30]]
    try:
        copyheap.keep_in_copies(_record, jobs.KEPT_HEAP)
        assert copyheap.copies_keep()
        assert _in_a_fork() == kept
        copyheap.stop()  # a warm build's
        assert _in_a_fork() == []
        monkeypatch.setenv(copyheap.SWITCH, "off")
        copyheap.keep_in_copies(_record, jobs.KEPT_HEAP)
        assert not copyheap.copies_keep()
        assert _in_a_fork() == []
    finally:
        copyheap.stop()


_CHECK = """
import sys
from smets_spec.sphinx import copyheap, jobs
jobs.map_large_blocks(keep=sys.argv[1] == "keep")
print(copyheap.copies_keep())
"""


@pytest.mark.parametrize(
    ("keep", "settings", "expected"),
    [
        ("cold", {}, "True"),
        ("keep", {}, "False"),  # a warm build: the copies inherit the kept heap anyway
        ("cold", {"SMETS_COPY_HEAP": "off"}, "False"),
        ("cold", {"MALLOC_MMAP_THRESHOLD_": "65536"}, "False"),  # the user's own setting left alone
    ],
)
def test_only_a_cold_builds_copies_change_their_heap(
    keep: str, settings: dict[str, str], expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SMETS_COPY_HEAP", "MALLOC_MMAP_THRESHOLD_"}}
    argv = [sys.executable, "-c", _CHECK, keep]
    done = subprocess.run(argv, env={**env, **settings}, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == expected


def _build(root: Path, out: Path, switch: str) -> None:
    env = dict(os.environ, SMETS_CACHE_DIR=str(out.parent / f"cache-{out.name}"), SMETS_COPY_HEAP=switch)
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    run_ok([*build_argv(root, out, "-j", "2"), "--fresh"], env=env)


def test_two_cold_builds_give_the_same_site(tmp_path: Path) -> None:
    root = generate(tmp_path / "a" / "project", 60)
    other = tmp_path / "b" / "project"
    shutil.copytree(root, other)
    _build(root, tmp_path / "on", "on")
    _build(other, tmp_path / "off", "off")
    on, off = tmp_path / "on", tmp_path / "off"
    assert len(list((on / "req").glob("*.html"))) > 100  # every requirement page written
    assert differences(on, off) == []
    for name in ("needs.json", "searchindex.js"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name
