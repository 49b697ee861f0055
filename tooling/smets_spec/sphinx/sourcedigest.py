"""The SHA-256 of the source of the Sphinx or docutils code a module of ours repeats or relies on.

Each such module (forkwrite, promptjoin, quickquotes, quickwalks, searchwalk) is used only while
the code it was written for is the installed one: its recorded digest equals :func:`source_digest`
of that code, and a test of each says when an upgrade changed it.
"""

from __future__ import annotations

import hashlib
import inspect

__all__ = ["source_digest"]


def source_digest(*objects: object, sep: str = "\n") -> str:
    """The SHA-256 of the sources of ``objects`` joined by ``sep``; "" when one cannot be read
    (a missing object, passed as None, included)."""
    try:
        parts = [inspect.getsource(item) for item in objects]  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""
    return hashlib.sha256(sep.join(parts).encode()).hexdigest()
