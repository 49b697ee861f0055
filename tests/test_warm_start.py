"""The start of a full build: a parallel read's next reader is forked before the last one's result
is merged (``forkahead.ForkAheadTasks``, ``SMETS_FORK_AHEAD``): every result taken once, by its own
function, and a failed task still fails the read; the cards' fingerprints of a build with none
kept are worked out in a forked copy (``cardsbeside``, ``SMETS_CARDS_BESIDE``): the same ones,
worked out here when the copy fails. (The same site, needs.json, search index and kept
fingerprints with both switches on and off: ``tests/test_reader_gc.py``'s two builds.)"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sphinx.errors import SphinxParallelError
from sphinx.util.parallel import ParallelTasks

from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.synthetic import generate
from smets_spec.sphinx import cardsbeside, forkahead
from smets_spec.sphinx.cards import card_fingerprints


def _square(value: int) -> int:
    time.sleep(0.2)  # (every task is added, as in a read, before the first one ends)
    return value * value


def _fail(value: int) -> int:
    time.sleep(1.0)  # (after every task is added: Sphinx's add_task drops an error it meets)
    raise ValueError(f"task {value} failed")


def _run(tasks: ParallelTasks, count: int) -> tuple[dict[int, int], list[int]]:
    """``count`` tasks on ``tasks``; their results, and how many had been started when each result
    was taken."""
    results: dict[int, int] = {}
    started: list[int] = []

    def taken(value: int, result: int) -> None:
        started.append(sum(process.pid is not None for process in tasks._procs.values()))
        results[value] = result

    for value in range(count):
        tasks.add_task(_square, value, taken)
    tasks.join()
    return results, started


@pytest.mark.parametrize("nproc", [1, 2])
def test_the_next_task_starts_before_a_result_is_taken(nproc: int) -> None:
    ahead, started_ahead = _run(forkahead.ForkAheadTasks(nproc), 4)
    plain, started_plain = _run(ParallelTasks(nproc), 4)
    assert ahead == plain == {value: value * value for value in range(4)}
    # when the first result is taken, Sphinx has started nproc tasks; here one more is running
    assert started_plain[0] == nproc
    assert started_ahead[0] == nproc + 1


def test_a_failed_task_fails_the_join_and_leaves_nothing_running() -> None:
    tasks = forkahead.ForkAheadTasks(1)
    with pytest.raises(SphinxParallelError, match="task 0 failed"):
        tasks.add_task(_fail, 0)
        for value in range(1, 3):
            tasks.add_task(_square, value, lambda value, result: None)
        tasks.join()
    for process in tasks._procs.values():
        if process.pid is not None:
            process.join(5)
            assert not process.is_alive()


def test_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(forkahead.SWITCH, "off")
    assert forkahead.tasks_class() is ParallelTasks
    monkeypatch.setenv(forkahead.SWITCH, "")
    assert forkahead.tasks_class() is forkahead.ForkAheadTasks
    assert os.name != "posix" or forkahead.tasks_class() is not ParallelTasks


def _broken(corpus: Corpus) -> dict[str, str]:
    raise ValueError("no fingerprints here")


def _wrong(corpus: Corpus) -> dict[str, str]:
    return {"index": 1}  # type: ignore[dict-item]


@pytest.mark.parametrize("copy", [card_fingerprints, _broken, _wrong])
def test_fingerprints_from_the_copy_or_here(tmp_path: Path, copy: cardsbeside.Fingerprints) -> None:
    root = generate(tmp_path / "project", 12)
    corpus = load_spec(root / "spec", relative_to=root)
    expected = card_fingerprints(corpus)
    assert expected
    assert cardsbeside.start(corpus, copy)
    assert cardsbeside.pending(corpus) and not cardsbeside.pending(load_spec(root / "spec", relative_to=root))
    assert cardsbeside.take(corpus, card_fingerprints) == expected
    assert not cardsbeside.pending(corpus)


def test_a_copy_nobody_takes_is_ended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = generate(tmp_path / "project", 12)
    corpus = load_spec(root / "spec", relative_to=root)
    assert cardsbeside.start(corpus, card_fingerprints)
    child = cardsbeside._PENDING[0][0]
    cardsbeside.drop()
    assert not cardsbeside.pending(corpus) and not child.is_alive()
    monkeypatch.setenv(cardsbeside.SWITCH, "off")
    assert not cardsbeside.start(corpus, card_fingerprints)
