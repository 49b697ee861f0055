"""Work a build hands to a forked copy of its process and waits for at ``build-finished``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def waits_at_finish(app: Any, settle: Callable[..., object]) -> bool:
    """Whether ``settle`` listens to ``app``'s ``build-finished`` (so a copy it joins is waited for
    before the build ends)."""
    listeners = getattr(getattr(app, "events", None), "listeners", {}).get("build-finished", [])
    return any(getattr(listener, "handler", None) is settle for listener in listeners)
