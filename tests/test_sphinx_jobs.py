"""Parallel reading only where it pays (sphinx/jobs.py): small rebuilds read serially, then parallel again."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sphinx.builders
from sphinx.util.parallel import ParallelTasks

from smets_spec.sphinx import jobs
from sphinxtools import build_in_process, toctree_project


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Any:
    warmed: list[object] = []
    purged: list[list[str]] = []
    monkeypatch.setattr(jobs, "warm", lambda app, later=frozenset(): warmed.append(app))
    monkeypatch.setattr(jobs, "purge_first", lambda app, env, docs: purged.append(list(docs)))
    return SimpleNamespace(parallel=2, warmed=warmed, purged=purged)


def test_a_few_documents_are_read_serially_and_writing_is_parallel_again(app: Any) -> None:
    docs = [f"sections/s{k}" for k in range(jobs.PARALLEL_EDIT_FROM - 1)]
    jobs._before_read(app, None, docs)  # type: ignore[arg-type]
    assert app.parallel == 1
    assert app.warmed == [app]
    assert app.purged == [docs]  # every document forgotten before any is read
    assert jobs._after_read(app, None) == []  # type: ignore[arg-type]
    assert app.parallel == 2
    jobs._unfreeze(app, None)  # type: ignore[arg-type]
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(("switch", "parallel"), [("on", 2), ("off", 1)])
def test_an_edit_that_rereads_the_tables_reads_in_parallel(
    app: Any, monkeypatch: pytest.MonkeyPatch, switch: str, parallel: int
) -> None:
    """16 to 63 documents (the computed pages an edit changed): parallel, unless switched off."""
    monkeypatch.setenv("SMETS_EDIT_READ_PARALLEL", switch)
    for count in (jobs.PARALLEL_EDIT_FROM, jobs.SERIAL_BELOW - 1):
        jobs._before_read(app, None, [f"d{k}" for k in range(count)])  # type: ignore[arg-type]
        assert app.parallel == parallel
        assert jobs._after_read(app, None) == []  # type: ignore[arg-type]
        assert app.parallel == 2
        jobs._unfreeze(app, None)  # type: ignore[arg-type]


def test_every_document_is_forgotten_before_any_is_read() -> None:
    events: list[tuple[str, str]] = []
    env = SimpleNamespace(clear_doc=lambda doc: events.append(("clear", doc)))
    emitter = SimpleNamespace(emit=lambda name, env, doc: events.append((name, doc)))
    jobs.purge_first(SimpleNamespace(events=emitter), env, ["a", "b"])  # type: ignore[arg-type]
    assert events == [("env-purge-doc", "a"), ("clear", "a"), ("env-purge-doc", "b"), ("clear", "b")]


def test_many_documents_are_read_in_parallel_and_nothing_to_read_warms_nothing(app: Any) -> None:
    jobs._before_read(app, None, [f"d{k}" for k in range(jobs.SERIAL_BELOW)])  # type: ignore[arg-type]
    assert app.parallel == 2
    assert gc.get_freeze_count() > 0  # the long-lived objects are out of the collector's reach
    jobs._after_read(app, None)  # type: ignore[arg-type]
    assert app.parallel == 2
    jobs._unfreeze(app, None)  # type: ignore[arg-type]
    assert gc.get_freeze_count() == 0
    app.warmed.clear()
    jobs._before_read(app, None, [])  # type: ignore[arg-type]
    assert app.warmed == []
    jobs._unfreeze(app, None)  # type: ignore[arg-type]


def _slow(value: int) -> int:
    time.sleep(0.05)
    return value * 2


def test_a_parallel_write_prepares_one_chunk_ahead_of_its_writers_not_every_page() -> None:
    """Sphinx queues every chunk (with its resolved doctrees) at once; the bounded tasks return from
    ``add_task`` only once a process runs the task, and every result still arrives."""
    tasks = jobs.BoundedTasks(1)
    results: list[tuple[int, int]] = []
    for k in range(5):
        tasks.add_task(_slow, k, lambda arg, result: results.append((arg, result)))
        assert not tasks._precvs_waiting  # nothing prepared waits for a free process
        assert tasks._pworking <= 1
    tasks.join()
    # every result arrives; the argument (the chunk's doctrees) is not kept for it once its process runs
    assert sorted(result for _, result in results) == [2 * k for k in range(5)]
    assert {arg for arg, _ in results} == {None}


def test_the_bounded_tasks_serve_the_write_only() -> None:
    from sphinx.util.parallel import make_chunks

    jobs._bounded_write(SimpleNamespace(doctreedir="/nonexistent"), None)  # type: ignore[arg-type]
    assert vars(sphinx.builders)["ParallelTasks"] is jobs.BoundedTasks
    assert vars(sphinx.builders)["make_chunks"] is not make_chunks
    jobs._unfreeze(None, None)  # type: ignore[arg-type]
    assert vars(sphinx.builders)["ParallelTasks"] is ParallelTasks
    assert vars(sphinx.builders)["make_chunks"] is make_chunks


@pytest.mark.parametrize("parallel", [1, 2])
def test_a_build_keeps_no_doctree_it_has_written(tmp_path: Path, parallel: int) -> None:
    """Sphinx keeps the pickled bytes of every doctree it loads, and every doctree of a serial read,
    to the end of the build; here each is dropped once used, and the pages are all written."""
    out = tmp_path / "html"
    app = build_in_process(toctree_project(tmp_path), out, parallel)
    assert {"index", "devices", "requirements"} <= set(app.env.all_docs)
    for doc in app.env.all_docs:
        assert (out / f"{doc}.html").is_file(), doc
    assert app.env._pickled_doctree_cache == {}
    assert app.env._write_doc_doctree_cache == {}


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_each_document_read_starts_with_the_last_ones_cycles_collected_and_its_additions_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import weakref

    monkeypatch.delenv("SMETS_GC_SETTLE", raising=False)
    monkeypatch.setattr(jobs, "_SETTLING", [True])  # a read of many documents
    kept, dropped = _Cycle(), _Cycle()  # what a document added to the environment, and its doctree
    gone = weakref.ref(dropped)
    del dropped
    frozen = gc.get_freeze_count()
    try:
        jobs._settle(SimpleNamespace(env=SimpleNamespace()), "doc", [""])
        assert gone() is None  # the cycle left behind is collected
        assert gc.get_freeze_count() > frozen  # and what lives on is out of the next collections' way
        assert kept.me is kept
        monkeypatch.setenv("SMETS_GC_SETTLE", "off")
        gc.unfreeze()
        jobs._settle(SimpleNamespace(env=SimpleNamespace()), "doc", [""])
        assert gc.get_freeze_count() == 0  # switched off: nothing frozen
        monkeypatch.delenv("SMETS_GC_SETTLE")
        monkeypatch.setattr(jobs, "_SETTLING", [False])
        jobs._settle(SimpleNamespace(env=SimpleNamespace()), "doc", [""])
        assert gc.get_freeze_count() == 0  # nor in the read of a few documents
    finally:
        gc.unfreeze()
