"""Work a build hands to a forked copy of its process and waits for at ``build-finished``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def waits_at_finish(app: Any, settle: Callable[..., object]) -> bool:
    """Whether ``settle`` listens to ``app``'s ``build-finished`` (so a copy it joins is waited for
    before the build ends)."""
    listeners = getattr(getattr(app, "events", None), "listeners", {}).get("build-finished", [])
    return any(getattr(listener, "handler", None) is settle for listener in listeners)


#: marks the wrappers :func:`first_in_finish` puts on a builder
_MARK = "_smets_first_in_finish"


def first_in_finish(builder: Any, work: Callable[[], None]) -> None:
    """Run ``work()`` first thing in ``builder.finish``, in this build only (from ``write-started``:
    work started beside Sphinx's finish). Each call wraps the last: the latest runs first. The
    wrapper is the builder's own attribute, gone once it runs (the class's ``finish`` again for a
    next build); one a failed build left is dropped at the next ``write-started``
    (:func:`drop_left`)."""
    finish = builder.finish

    def started_first() -> None:
        if vars(builder).get("finish") is started_first:
            vars(builder).pop("finish")
        work()
        finish()

    setattr(started_first, _MARK, True)
    builder.finish = started_first


def drop_left(app: Any, builder: Any) -> None:
    """``write-started``, first: drop the wrappers of :func:`first_in_finish` a build that failed
    before its finish left on ``builder``."""
    if getattr(vars(builder).get("finish"), _MARK, False):
        vars(builder).pop("finish")


def drops_left(app: Any) -> None:
    """Connect :func:`drop_left` to ``app``'s ``write-started`` (once, before any other handler)."""
    listeners = getattr(getattr(app, "events", None), "listeners", {}).get("write-started", [])
    if not any(getattr(listener, "handler", None) is drop_left for listener in listeners):
        app.connect("write-started", drop_left, priority=1)
