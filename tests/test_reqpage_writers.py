"""The requirement pages' forked writers (``reqpages._fork_writers`` / ``_gather`` / ``let_go``):
their records gathered whole; a writer never gathered (a build that failed between the writers'
start and ``build-finished``) ends when its pipe is let go, instead of blocking for ever on a full
pipe while this process's exit waits for it (it is ended)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from smets_spec.sphinx import reqpages

#: records enough to fill a pipe's buffer many times over
MANY = 20_000


@pytest.fixture
def fake_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    def draw(app: Any, corpus: Any, drawing: Any, reqs: list[str]) -> dict[str, list[str]]:
        return {f"{req}_{n:05d}": ["x" * 40] for req in reqs for n in range(MANY)}

    monkeypatch.setattr(reqpages, "draw", draw)


@pytest.mark.usefixtures("fake_draw")
def test_every_record_of_every_writer_is_gathered() -> None:
    args: Any = (None, None, None)
    writers, drawn = reqpages._fork_writers(*args, [["A"], ["B"]], "test-writer", behind=False, keep=False)
    assert len(writers) == 2 and drawn == {}
    assert reqpages._gather(writers, drawn) is None
    assert len(drawn) == 2 * MANY
    assert drawn["B_00007"] == '"B_00007":["' + "x" * 40 + '"]'
    assert reqpages._OPEN == []


@pytest.mark.usefixtures("fake_draw")
def test_a_writer_never_gathered_is_ended_when_let_go() -> None:
    args: Any = (None, None, None)
    ((writer, _),), _ = reqpages._fork_writers(*args, [["A"]], "test-writer", behind=False, keep=False)
    time.sleep(0.5)
    assert writer.is_alive()  # blocked: nothing reads its pipe
    reqpages.let_go()
    writer.join(20)
    assert not writer.is_alive()
    assert writer.exitcode != 0  # (ended)
    assert reqpages._OPEN == []
