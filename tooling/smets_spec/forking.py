"""Work run beside the main process in a forked copy of it (no second start-up of Python)."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from multiprocessing.process import BaseProcess


def start(target: Callable[..., object], args: tuple[object, ...], name: str) -> BaseProcess | None:
    """Run ``target(*args)`` in a forked copy of this process; None where the platform cannot fork.

    The caller joins the process and checks its ``exitcode``.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    sys.stdout.flush()  # or the copy would print again what is still buffered here
    sys.stderr.flush()
    process = multiprocessing.get_context("fork").Process(target=target, args=args, name=name)
    process.start()
    return process
