"""Work run first thing in the HTML builder's finish (``sphinx/beside.first_in_finish``), which the
requirement pages' writers and needs.json's copy use: the latest wrapper runs first, each build's
wrappers are gone once the finish ran, and those a failed build left are dropped."""

from __future__ import annotations

from types import SimpleNamespace

from smets_spec.sphinx.beside import drop_left, first_in_finish


class _Builder:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def finish(self) -> None:
        self.log.append("finish")


def test_the_latest_runs_first_then_the_finish_and_the_next_build_is_plain() -> None:
    log: list[str] = []
    builder = _Builder(log)
    first_in_finish(builder, lambda: log.append("pages"))
    first_in_finish(builder, lambda: log.append("needs.json"))
    builder.finish()
    assert log == ["needs.json", "pages", "finish"]
    assert "finish" not in vars(builder)
    builder.finish()
    assert log[3:] == ["finish"]


def test_wrappers_a_failed_build_left_are_dropped() -> None:
    log: list[str] = []
    builder = _Builder(log)
    first_in_finish(builder, lambda: log.append("left"))  # the build failed before its finish
    drop_left(SimpleNamespace(), builder)
    first_in_finish(builder, lambda: log.append("pages"))
    builder.finish()
    assert log == ["pages", "finish"]
    drop_left(SimpleNamespace(), builder)  # nothing left: nothing dropped
    builder.finish()
    assert log[2:] == ["finish"]
