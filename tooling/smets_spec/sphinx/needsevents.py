"""sphinx-needs' two events that carry every need, emitted without drawing every need first.

Sphinx's ``EventManager.emit`` writes ``repr(args)`` to its debug log at every event, whether
the debug log is shown or not, and whether anyone listens or not. sphinx-needs emits
``needs-before-post-processing`` and ``needs-before-sealing`` with the whole dictionary of
needs: ``repr`` of it formats all 18,498 needs of a 10,000-requirement specification twice per
build (1.2 s of CPU, every build, incremental ones too), for a log line nobody reads.

When nobody listens to one of those two events, :func:`emit` writes the log line with the
number of needs instead and returns what Sphinx would (no results); otherwise, and for every
other event, it is Sphinx's own ``emit``.
"""

from __future__ import annotations

from typing import Any

#: the events sphinx-needs emits with every need as their argument
NEEDS_EVENTS = frozenset({"needs-before-post-processing", "needs-before-sealing"})

#: Sphinx's own method, kept for install() and the tests.
ORIGINAL: list[Any] = []


def emit(self: Any, name: str, *args: Any, allowed_exceptions: tuple[type[Exception], ...] = ()) -> list[Any]:
    """``EventManager.emit``, without ``repr`` of every need when nobody listens."""
    if name in NEEDS_EVENTS and not self.listeners.get(name):
        from sphinx.events import logger

        logger.debug("[app] emitting event: %r%s", name, _summary(args))
        return []
    return ORIGINAL[0](self, name, *args, allowed_exceptions=allowed_exceptions)  # type: ignore[no-any-return]


def _summary(args: tuple[Any, ...]) -> str:
    return "(" + ", ".join(f"<{len(a)} needs>" if isinstance(a, dict) else repr(a) for a in args) + ",)"


def install() -> None:
    """Use :func:`emit` for Sphinx's events (idempotent)."""
    from sphinx.events import EventManager

    if EventManager.emit is not emit:
        ORIGINAL.append(EventManager.emit)
        EventManager.emit = emit  # type: ignore[method-assign]
