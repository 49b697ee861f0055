"""Memory of a build (issue 20): each fix is checked here by what it leaves in memory, not by timing.

sphinx/readback.py (a parallel reader sends back only what it read), sphinx/needmemory.py (needs
share their field names), sphinx/eventlog.py (no repr of every need for a debug line nobody sees)
and sphinx/jobs.py (the collector after freezing; a running write task's doctrees not kept).
"""

from __future__ import annotations

import gc
import pickle
import sys
import weakref
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sphinx.events
from sphinx_needs.data import SphinxNeedsData

from sitecompare import differences
from smets_spec.sphinx import eventlog, jobs, needmemory, readback
from sphinxtools import build_in_process, toctree_project


def test_needs_share_field_names_and_stay_equal(tmp_path: Path) -> None:
    """Unpickled needs (as a parallel read's merge gets them) key each dict by strings of their own;
    after :func:`needmemory.share` one string per name, the key maps shared, every need equal."""
    app = build_in_process(toctree_project(tmp_path), tmp_path / "out", 1)
    needs = pickle.loads(pickle.dumps(dict(SphinxNeedsData(app.env).get_needs_view())))
    # each need its own copies, as docutils leaves them (pickle keeps one copy per pickle)
    apart = {k: pickle.loads(pickle.dumps(n)) for k, n in needs.items()}
    first, second = list(apart.values())[:2]
    assert next(iter(first._extras)) is not next(iter(second._extras))
    assert first._backlinks_keymap is not second._backlinks_keymap
    assert needmemory.share(apart.values()) == len(needs)
    for slot in ("_core", "_extras", "_links", "_backlinks", "_computed"):
        assert all(a is b for a, b in zip(getattr(first, slot), getattr(second, slot), strict=True)), slot
    assert first._backlinks_keymap is second._backlinks_keymap
    assert apart == needs  # NeedItem equality: every field, link and back link
    assert [list(n.keys()) for n in apart.values()] == [list(n.keys()) for n in needs.values()]
    assert len(pickle.dumps(apart)) < len(
        pickle.dumps({k: pickle.loads(pickle.dumps(n)) for k, n in needs.items()})
    )


def test_a_parallel_reader_sends_back_only_what_it_read(tmp_path: Path, monkeypatch: Any) -> None:
    """In a forked reader, the pickled environment holds the documents it read, not the ones it inherited."""
    app = build_in_process(toctree_project(tmp_path), tmp_path / "out", 1)
    env = app.env
    needs = SphinxNeedsData(env).get_needs_mutable
    monkeypatch.setattr(SphinxNeedsData, "get_needs_mutable", lambda self: self.env._needs_all_needs)
    docs = sorted(env.all_docs)
    mine = "requirements"
    assert mine in docs and len(docs) > 2
    readback.start(parallel=True)
    try:
        readback._READ_BY[1] = {mine}  # as if process 1 (not this one) had read it
        monkeypatch.setattr(readback.os, "getpid", lambda: 1)
        state = env.__getstate__()
        assert set(state["all_docs"]) == {mine}
        assert {n["docname"] for n in state["_needs_all_needs"].values()} == {mine}
        assert not set(readback.UNMERGED) & set(state)
        monkeypatch.undo()
        readback._MAIN[:] = [readback.os.getpid()]
        assert set(env.__getstate__()["all_docs"]) == {mine}  # the main process: unchanged
    finally:
        readback.stop()
    assert _env_getstate() is readback._ORIGINAL
    del needs


def _env_getstate() -> Any:
    from sphinx.environment import BuildEnvironment

    return BuildEnvironment.__getstate__


def test_parallel_build_gives_the_same_site_as_a_serial_one(tmp_path: Path) -> None:
    root = toctree_project(tmp_path)
    serial = build_in_process(root, tmp_path / "one", 1)
    parallel = build_in_process(root, tmp_path / "two", 2)
    assert differences(tmp_path / "one", tmp_path / "two") == []
    assert dict(SphinxNeedsData(serial.env).get_needs_view()) == dict(
        SphinxNeedsData(parallel.env).get_needs_view()
    )


def test_event_arguments_are_not_repred_below_debug_verbosity() -> None:
    class Loud:
        def __repr__(self) -> str:
            raise AssertionError("repr of an event argument")

    eventlog.install(SimpleNamespace(verbosity=0))  # type: ignore[arg-type]
    assert vars(sphinx.events)["repr"] is eventlog.event_args
    assert eventlog.event_args((Loud(),)) == "(...)"

    class App:
        verbosity = 2

    verbose = App()
    eventlog.install(verbose)  # type: ignore[arg-type]
    try:
        assert eventlog.event_args(("x",)) == "('x',)"
    finally:
        eventlog._VERBOSE.discard(verbose)  # type: ignore[arg-type]


def test_freezing_leaves_the_collector_counting_from_what_is_not_frozen() -> None:
    """After a freeze, garbage in reference cycles that reached the oldest generation (a written
    page's doctree) is freed by the collector's own full runs: they wait for a quarter of the
    objects of the last full collection, which must not count the frozen ones."""
    keep = [[i] for i in range(400_000)]
    gc.collect()
    jobs.freeze()
    try:
        for _ in range(50):
            batch: list[Any] = []
            for _ in range(2_000):
                cycle: list[Any] = []
                cycle.append(cycle)
                batch.append(cycle)
            gc.collect(1)  # the batch survives into the oldest generation, then is garbage
            del batch
            _ = [[k] for k in range(5_000)]  # allocations: the collector's automatic runs
        waiting = sum(1 for o in gc.get_objects(2) if type(o) is list and len(o) == 1 and o[0] is o)
        assert waiting < 50_000  # without the collection in freeze(), all 100,000 wait
    finally:
        gc.unfreeze()
        del keep


def test_a_running_write_tasks_argument_is_not_kept() -> None:
    tasks = jobs.BoundedTasks(1)
    big = [bytearray(10) for _ in range(3)]
    tasks.add_task(_identity, big, lambda arg, result: None)
    assert all(value is None for tid, value in tasks._args.items() if tid in tasks._precvs)
    tasks.join()


def test_a_written_chunks_doctrees_are_freed_without_the_collector() -> None:
    """Once its writer is forked, a chunk's doctrees go with the chunk, by reference counting alone."""
    from docutils import nodes
    from docutils.core import publish_doctree

    text = "Title\n=====\n\nA *para* [#n]_ with `a link <https://example.org>`_.\n\n.. [#n] A note.\n"
    tree = publish_doctree(text)
    tree.reporter = tree.transformer = None  # as Sphinx pickles it; it loads a page from that pickle
    kept, cut = pickle.loads(pickle.dumps(tree)), pickle.loads(pickle.dumps(tree))
    del tree
    paragraph = cut.next_node(nodes.paragraph)
    assert paragraph is not None
    alive = [weakref.ref(kept), weakref.ref(cut), weakref.ref(paragraph)]
    chunks = [[("kept", kept)], [("cut", cut)]]
    del kept, cut, paragraph
    gc.collect()
    gc.disable()
    try:
        jobs.release(chunks[1])
        chunks.clear()
        assert alive[0]() is not None  # without release: in reference cycles, waiting for the collector
        assert alive[1]() is None and alive[2]() is None
    finally:
        gc.enable()
        gc.collect()


def test_write_chunks_keep_the_order_and_stay_within_their_budget() -> None:
    """The pages in Sphinx's order, cut where a chunk would pass the budget or Sphinx's own count."""
    import random

    from sphinx.util.parallel import make_chunks

    rng = random.Random(20)
    for _ in range(200):
        names = [f"d{i}" for i in range(rng.randrange(0, 400))]
        size = {n: rng.choice([0, 10, 100, 1_000, 5_000]) for n in names}
        budget = rng.choice([1, 500, 2_000, 10**9])
        nproc = rng.randrange(1, 5)
        chunks = jobs.sized_chunks(size.__getitem__, budget)(names, nproc)
        assert [n for chunk in chunks for n in chunk] == names
        most = len(make_chunks(names, nproc)[0]) if names else 0
        for chunk in chunks:
            assert 1 <= len(chunk) <= most
            assert len(chunk) == 1 or sum(size[n] for n in chunk) <= budget
        if budget == 10**9:
            assert chunks == make_chunks(names, nproc)  # no budget: Sphinx's own chunks


def _identity(value: Any) -> Any:
    return len(value)


if sys.platform != "linux":  # pragma: no cover - forks
    del test_parallel_build_gives_the_same_site_as_a_serial_one


_LARGE_BLOCKS = """
import ctypes, os, resource, sys
sys.path[:0] = {paths!r}
if {fixed!r} is not None:
    from smets_spec.sphinx.jobs import map_large_blocks
    map_large_blocks(keep={fixed!r} == "keep")
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20

def block(size):
    p = libc.malloc(size)
    libc.memset(p, 1, size)
    return p

libc.free(block(1 << 20))  # a large block freed: glibc's own threshold rises to its size
large, small = [], []
for _ in range(60):
    large.append(block(900 << 10))
    small.append(block(1000))  # long-lived, between the large ones
before = rss()
for p in large:
    libc.free(p)
given_back = before - rss()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for i in range(200):  # blocks of growing size, each written and freed
    libc.free(block((256 << 10) + i * (16 << 10)))
print(given_back, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults)
"""


def test_large_blocks_go_back_to_the_system_when_freed(tmp_path: Path) -> None:
    """jobs.map_large_blocks: large blocks freed among live small ones (a page's text among the
    build's objects) leave the process; with glibc's moving threshold they stay resident. With
    ``keep`` (a warm cache) they stay too, and blocks taken again are not faulted in again."""
    import os
    import subprocess

    if not sys.platform.startswith("linux"):
        return
    paths = [p for p in sys.path if p]
    given_back, faults = [], []
    for fixed in (None, "map", "keep"):
        code = _LARGE_BLOCKS.format(paths=paths, fixed=fixed)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_"))}
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        back, faulted = map(int, run.stdout.split())
        given_back.append(back)
        faults.append(faulted)
    assert given_back[0] < 10, given_back  # glibc's default: the freed blocks stay in the heap
    assert given_back[1] >= 45, given_back  # 60 x 0.9 MB mapped apart: unmapped as freed
    assert given_back[2] < 10, given_back  # kept
    # the 200 growing blocks (1.8 MB on average): every page of each mapped apart, once the
    # largest's pages in the kept heap
    assert faults[1] > 80_000, faults
    assert faults[2] < 2_000, faults


def test_a_warm_cache_keeps_the_heap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """jobs._cache_warm: cards in the user cache (SMETS_KEEP_HEAP=off: never)."""
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SMETS_KEEP_HEAP", raising=False)
    assert not jobs._cache_warm()  # no folder
    (tmp_path / "cards").mkdir()
    assert not jobs._cache_warm()  # empty
    (tmp_path / "cards" / "page.json").write_text("{}")
    assert jobs._cache_warm()
    monkeypatch.setenv("SMETS_KEEP_HEAP", "off")
    assert not jobs._cache_warm()


def test_pickled_doctrees_are_not_kept_while_pages_are_written() -> None:
    """Sphinx's get_doctree reads ``serialised = cache[docname] = f.read()``: the bytes are used, not kept."""
    cache = jobs.NotKept()
    serialised = cache["big"] = b"pickled"
    assert serialised == b"pickled"
    assert "big" not in cache and not cache
    assert cache.pop("big", None) is None  # what _drop_pickled does at doctree-resolved
