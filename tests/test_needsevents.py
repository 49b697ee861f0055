"""sphinx-needs' events that carry every need are emitted without formatting every need when
nobody listens, and exactly as Sphinx emits them when someone does."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from sphinx.events import EventManager

from smets_spec.sphinx import needsevents


class Need:
    """A need whose drawing is counted (sphinx-needs' NeedItem.__repr__ is the expensive part)."""

    drawn = 0

    def __repr__(self) -> str:
        Need.drawn += 1
        return "Need()"


def _events() -> EventManager:
    needsevents.install()
    assert EventManager.emit is needsevents.emit and needsevents.ORIGINAL
    events = EventManager(app=SimpleNamespace(pdb=False))  # type: ignore[arg-type]
    events.add("needs-before-post-processing")
    events.add("needs-before-sealing")
    events.add("other-event")
    return events


@pytest.mark.parametrize("name", sorted(needsevents.NEEDS_EVENTS))
def test_no_listener_no_need_drawn(name: str, caplog: pytest.LogCaptureFixture) -> None:
    events, needs = _events(), {f"R_{i}": Need() for i in range(500)}
    Need.drawn = 0
    with caplog.at_level(logging.DEBUG, logger="sphinx.sphinx.events"):
        assert events.emit(name, needs) == []
    assert Need.drawn == 0
    assert f"emitting event: '{name}'(<500 needs>,)" in caplog.text


def test_a_listener_gets_the_needs_as_sphinx_gives_them() -> None:
    events, needs = _events(), {"R_1": Need()}
    seen: list[Any] = []
    events.connect("needs-before-sealing", lambda app, arg: seen.append(arg) or "done", 500)
    Need.drawn = 0
    assert events.emit("needs-before-sealing", needs) == ["done"]
    assert seen == [needs]
    assert Need.drawn == 1  # Sphinx's own path, its debug line included


def test_other_events_take_sphinx_s_own_path() -> None:
    events = _events()
    Need.drawn = 0
    assert events.emit("other-event", {"R_1": Need()}) == []
    assert Need.drawn == 1
