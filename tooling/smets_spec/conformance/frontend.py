"""The DLMS/COSEM wire front end (the separate GPL distribution ``smets-dlms``), as a child process.

The core never imports it (nor gurux-dlms): it starts ``python -m smets_dlms ...`` and talks
to it over the child's standard input and output, one JSON object per line (the protocol is
documented in ``wire/smets_dlms/protocol.py``). ``SMETS_DLMS_PYTHON`` names another Python
that has the front end installed (default: this one).
"""

from __future__ import annotations

import collections
import functools
import json
import os
import subprocess
import sys
import threading
from typing import Any

MODULE = "smets_dlms"
INSTALL_HINT = "install it with: pip install -e wire/ (it is GPL-2.0-or-later and runs as its own process)"


class FrontEndError(RuntimeError):
    """The front end is missing, would not start, or broke the protocol."""


def python() -> str:
    return os.environ.get("SMETS_DLMS_PYTHON") or sys.executable


@functools.cache
def missing_reason() -> str | None:
    """Why the front end cannot run here, or None if it can (checked once, in a child process)."""
    try:
        done = subprocess.run(
            [python(), "-c", f"import {MODULE}.server, {MODULE}.client"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {python()}: {exc}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"the DLMS/COSEM front end '{MODULE}' is not installed for {python()} ({last}); {INSTALL_HINT}"
    return None


class FrontEnd:
    """One front-end process: ``send`` and ``receive`` JSON lines; ``close`` stops it."""

    def __init__(self, args: list[str]) -> None:
        reason = missing_reason()
        if reason:
            raise FrontEndError(reason)
        self.errors: collections.deque[str] = collections.deque(maxlen=20)
        self.process = subprocess.Popen(
            [python(), "-m", MODULE, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.append(line.rstrip())

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise FrontEndError(f"the front end stopped{self._last_error()}") from exc

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(5)
            raise FrontEndError(f"the front end stopped{self._last_error()}")
        message = json.loads(line)
        if not isinstance(message, dict):
            raise FrontEndError(f"the front end sent {line.strip()!r}, not a JSON object")
        return message

    def _last_error(self) -> str:
        return f": {self.errors[-1]}" if self.errors else ""

    def close(self, *, graceful: bool = True) -> None:
        """Stop the process: a client releases its association when its input closes (graceful);
        a server is terminated at once."""
        if self.process.poll() is None:
            if graceful and self.process.stdin:
                self.process.stdin.close()
            try:
                self.process.wait(2 if graceful else 0.01)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(2)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        for stream in (self.process.stdout, self.process.stdin):
            if stream and not stream.closed:
                stream.close()
