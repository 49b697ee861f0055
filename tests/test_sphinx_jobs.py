"""Parallel reading only where it pays (sphinx/jobs.py): small rebuilds read serially, then parallel again."""

from __future__ import annotations

import gc
from types import SimpleNamespace
from typing import Any

import pytest

from smets_spec.sphinx import jobs


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Any:
    warmed: list[object] = []
    monkeypatch.setattr(jobs, "warm", warmed.append)
    purged: list[str] = []
    events = SimpleNamespace(emit=lambda name, env, docname: purged.append(f"{name} {docname}"))
    return SimpleNamespace(parallel=2, warmed=warmed, events=events, purged=purged)


class _Env:
    def __init__(self) -> None:
        self.cleared: list[str] = []

    def clear_doc(self, docname: str) -> None:
        self.cleared.append(docname)


def test_a_few_documents_are_read_serially_and_writing_is_parallel_again(app: Any) -> None:
    docs = [f"sections/s{k}" for k in range(jobs.SERIAL_BELOW - 1)]
    env = _Env()
    jobs._before_read(app, env, docs)  # type: ignore[arg-type]
    assert app.parallel == 1
    assert app.warmed == [app]
    # every document is forgotten before the first is read (a need moved between two of them is no duplicate)
    assert env.cleared == docs and app.purged == [f"env-purge-doc {d}" for d in docs]
    assert jobs._after_read(app, None) == []  # type: ignore[arg-type]
    assert app.parallel == 2
    jobs._unfreeze(app, None)  # type: ignore[arg-type]
    assert gc.get_freeze_count() == 0


def test_many_documents_are_read_in_parallel_and_nothing_to_read_warms_nothing(app: Any) -> None:
    jobs._before_read(app, None, [f"d{k}" for k in range(jobs.SERIAL_BELOW)])  # type: ignore[arg-type]
    assert app.parallel == 2 and app.purged == []  # a parallel read purges them all itself
    assert gc.get_freeze_count() > 0  # the long-lived objects are out of the collector's reach
    jobs._after_read(app, None)  # type: ignore[arg-type]
    assert app.parallel == 2
    jobs._unfreeze(app, None)  # type: ignore[arg-type]
    assert gc.get_freeze_count() == 0
    app.warmed.clear()
    jobs._before_read(app, None, [])  # type: ignore[arg-type]
    assert app.warmed == []
    jobs._unfreeze(app, None)  # type: ignore[arg-type]
