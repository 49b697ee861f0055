"""Sphinx's forked tasks taken as soon as one finishes (sphinx/promptjoin.py): the same results,
the same errors, no sleeping; ``SMETS_PROMPT_JOIN=off`` gives Sphinx's join back."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import sphinx.util.parallel as parallel
from sphinx.errors import SphinxParallelError
from sphinx.util.parallel import ParallelTasks

from smets_spec.sphinx import promptjoin


@pytest.fixture(autouse=True)
def _sphinx_join_after() -> Iterator[None]:
    yield
    ParallelTasks.join = promptjoin._SPHINX_JOIN  # type: ignore[method-assign]


def test_sphinx_s_task_class_is_the_one_the_join_was_written_for() -> None:
    assert promptjoin.same_tasks(), (
        "Sphinx's ParallelTasks changed: check promptjoin.join against its join and _join_one, "
        f"then set SPHINX_TASKS to {promptjoin.sphinx_digest()}"
    )


def _work(arg: tuple[int, float]) -> list[int]:
    number, pause = arg
    time.sleep(pause)
    return [number, number * number, os.getpid()]


def _run(join: Callable[[ParallelTasks], None], seed: int) -> list[tuple[tuple[int, float], Any]]:
    rng = random.Random(seed)
    tasks = ParallelTasks(2)
    got: list[tuple[tuple[int, float], Any]] = []
    for number in range(rng.randint(1, 7)):
        pause = rng.choice([0.0, 0.01, 0.05])
        tasks.add_task(_work, (number, pause), lambda arg, result: got.append((arg, result)))
    join(tasks)
    return sorted(got)


@pytest.mark.parametrize("seed", range(6))
def test_the_same_results_as_sphinx_s_join(seed: int) -> None:
    ours, sphinx_s = _run(promptjoin.join, seed), _run(promptjoin._SPHINX_JOIN, seed)
    assert [(arg, result[:2]) for arg, result in ours] == [(arg, result[:2]) for arg, result in sphinx_s]
    assert all(result[2] != os.getpid() for _, result in ours)  # each ran in a forked worker


def test_it_waits_on_the_pipes_and_never_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError("slept")

    monkeypatch.setattr(parallel, "time", SimpleNamespace(sleep=no_sleep))  # the loop's, not the workers'
    tasks = ParallelTasks(2)
    got: list[Any] = []
    for number in range(4):
        tasks.add_task(_work, (number, 0.05), lambda arg, result: got.append(result[0]))
    promptjoin.join(tasks)
    assert sorted(got) == [0, 1, 2, 3]


def _fails(arg: int) -> None:
    raise ValueError(f"task {arg} failed")


def _dies(arg: int) -> None:
    os._exit(3)  # no result sent: the pipe ends


@pytest.mark.parametrize("task", [_fails, _dies])
def test_a_failed_worker_fails_the_join_as_in_sphinx(task: Callable[[int], None]) -> None:
    errors = []
    for join in (promptjoin.join, promptjoin._SPHINX_JOIN):
        tasks = ParallelTasks(2)
        tasks.add_task(task, 1)
        with pytest.raises((SphinxParallelError, EOFError)) as caught:
            join(tasks)
        errors.append((type(caught.value), str(caught.value).splitlines()[:1]))
    assert errors[0] == errors[1]


def test_install_and_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    promptjoin.install()
    assert ParallelTasks.join is promptjoin.join
    monkeypatch.setenv(promptjoin.SWITCH, "off")
    promptjoin.install()
    assert ParallelTasks.join is promptjoin._SPHINX_JOIN


def test_the_bounded_tasks_of_the_write_wait_on_the_pipes_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """jobs.BoundedTasks queues a task only when a process is free: it waits as join does."""
    from smets_spec.sphinx import jobs

    slept: list[float] = []
    monkeypatch.setattr(promptjoin, "time", SimpleNamespace(sleep=slept.append))
    for use, sleeps in ((promptjoin.join, False), (promptjoin._SPHINX_JOIN, True)):
        ParallelTasks.join = use  # type: ignore[method-assign]
        slept.clear()
        tasks = jobs.BoundedTasks(1)
        got: list[Any] = []
        for number in range(3):
            tasks.add_task(_work, (number, 0.05), lambda arg, result, into=got: into.append(result[0]))
        tasks.join()
        assert sorted(got) == [0, 1, 2]
        assert bool(slept) is sleeps
