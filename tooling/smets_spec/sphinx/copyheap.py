"""The forked copies of a cold build take their large blocks from the heap (issue 20: the cold
build's system time).

A cold build maps each block of 128 kB or more apart (:func:`.jobs.map_large_blocks`: the main
process's peak at 10,000 requirements 13-17 MB lower), and every process forked from it inherited
that: each large block a reader or a writer takes again was a fresh mapping, faulted in page by
page by the kernel. The copies (Sphinx's readers and writers, the requirement-page writers, the
environment and needs.json copies) now set the heap a warm build keeps (:data:`.jobs.KEPT_HEAP`)
as they start, the main process keeping its own setting (so the build's peak, the main process's,
is unchanged: 562 MB at 10,000 requirements either way, the largest copy 504 MB against 500). Page
faults of a cold build, all processes: 483,000 -> 405,000 at 2,000 requirements, 1.65 -> 1.22
million at 10,000 (each ~3 microseconds of system time here); the same site.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from ..corpus.cachedir import switched_off

#: ``SMETS_COPY_HEAP=off``: forked copies of a cold build map large blocks apart, as the build does
SWITCH = "SMETS_COPY_HEAP"
#: what each process forked from now on applies as it starts (``mallopt`` and its settings); empty:
#: copies keep what the forking process set
_SETTINGS: list[tuple[Callable[[int, int], int], Sequence[tuple[int, int]]]] = []
#: whether the one at-fork hook is registered
_HOOKED: list[bool] = []


def keep_in_copies(mallopt: Callable[[int, int], int], settings: Sequence[tuple[int, int]]) -> None:
    """Each process forked from now on applies ``settings`` through ``mallopt`` as it starts (not
    when ``SMETS_COPY_HEAP`` is off or this platform cannot fork: then as :func:`stop`)."""
    stop()
    if switched_off(SWITCH) or not hasattr(os, "register_at_fork"):
        return
    _SETTINGS.append((mallopt, tuple(settings)))
    if not _HOOKED:
        os.register_at_fork(after_in_child=_in_copy)
        _HOOKED.append(True)


def stop() -> None:
    """Copies forked from now on keep what the forking process set."""
    _SETTINGS.clear()


def copies_keep() -> bool:
    """Whether copies forked now set the kept heap."""
    return bool(_SETTINGS)


def _in_copy() -> None:
    for mallopt, settings in _SETTINGS:
        for parameter, value in settings:
            mallopt(parameter, value)
