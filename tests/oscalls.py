"""Helpers of the file writer's tests (test_new_writes, test_end_writes): the mode a new file gets
from the umask, and a count of the ``os`` calls a writer makes."""

from __future__ import annotations

import os
from typing import Any

import pytest


def umask_mode() -> int:
    """The mode a new file gets from the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def count_os_calls(monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...]) -> dict[str, int]:
    """Each ``os`` function of ``names`` counted as it is called (the count, by name, kept up to date)."""
    counted = dict.fromkeys(names, 0)
    for name in names:
        original = getattr(os, name)

        def counting(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            counted[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(os, name, counting)
    return counted
