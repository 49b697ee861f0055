"""The process itself: work run beside it in a forked copy (no second start-up of Python), and its
cyclic garbage collector paused while many long-lived objects are made."""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import IO

#: how much lower (``os.nice``) a copy started ``behind`` runs than the process that started it
BEHIND = 10


def start(
    target: Callable[..., object], args: tuple[object, ...], name: str, behind: bool = False
) -> BaseProcess | None:
    """Run ``target(*args)`` in a forked copy of this process; None where the platform cannot fork.

    ``behind``: the copy runs :data:`BEHIND` steps nicer, for work off the build's critical path:
    while this process's own work waits for a core the copy gives way, and it takes whatever
    core is free otherwise (only the share of CPU changes, never the work).
    The caller joins the process and checks its ``exitcode``.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    if behind:
        target, args = _behind, (target, *args)
    sys.stdout.flush()  # or the copy would print again what is still buffered here
    sys.stderr.flush()
    process = multiprocessing.get_context("fork").Process(target=target, args=args, name=name)
    process.start()
    return process


def start_piped(
    target: Callable[..., object], args: tuple[object, ...], name: str, behind: bool = False
) -> tuple[BaseProcess, Connection] | None:
    """:func:`start` ``target(*args, send)`` with ``send`` the sending end of a one-way pipe: the
    copy and the receiving end (the sending end closed here, so the receiver sees the end of the
    pipe when the copy ends); None where no copy was started (the pipe closed)."""
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    try:
        child = start(target, (*args, send), name, behind=behind)
    except OSError:
        child = None
    send.close()
    if child is None:
        receive.close()
        return None
    return child, receive


def received_json(child: BaseProcess, receive: Connection) -> object:
    """The JSON value a copy of :func:`start_piped` sent, once the copy ended well; None if it sent
    nothing readable or failed. The pipe is closed and the copy joined either way."""
    try:
        found = json.loads(receive.recv_bytes())
    except (EOFError, OSError, ValueError):
        found = None
    finally:
        receive.close()
    child.join()
    return found if child.exitcode == 0 else None


def write_pickled(file: IO[bytes], value: object) -> int:
    """``value`` pickled into ``file`` (an unnamed temporary file a forked copy shares with the
    process that forked it: our own two processes, never the user cache), flushed; its size, which
    the copy sends on its pipe (a few bytes: never waits for the reader)."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    file.write(data)
    file.flush()
    return len(data)


def read_pickled(file: IO[bytes], size: int) -> object:
    """What :func:`write_pickled` wrote into ``file`` and said was ``size`` bytes; None when the
    file holds another size (pickle's errors are the caller's)."""
    file.seek(0)
    data = file.read()
    return pickle.loads(data) if len(data) == size else None


def _behind(target: Callable[..., object], *args: object) -> None:
    step_behind()
    target(*args)


def step_behind() -> None:
    """This process runs :data:`BEHIND` steps nicer from now on (as a copy started ``behind``)."""
    with contextlib.suppress(AttributeError, OSError):  # no os.nice here, or refused: as it is
        os.nice(BEHIND)


def may_fork() -> bool:
    """Whether this process may start a forked copy (a daemon process may not have children)."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


@contextmanager
def no_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block (restored as it was after it).

    For work that makes millions of objects that stay (an index, a scan's documents, an
    unpickled environment) and no reference cycles to speak of: each collection would walk them
    and whatever else the process holds again (0.8 of the 2.1 s of an edit's duplicate scan at
    10,000 requirements; 70 % of unpickling Sphinx's environment).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
