"""Results kept between runs in the user's cache folder: JSON only, checked on read, never code.

:func:`user_cache_folder` is the folder (:mod:`smets_spec.corpus.cachedir`: ``$SMETS_CACHE_DIR``,
else ``$XDG_CACHE_HOME/smets-spec``, else ``~/.cache/smets-spec``).
:func:`read_entry` and :func:`write_entry` keep one JSON value per key under a named kind:
``<folder>/<kind>/<key>.json`` holding ``{"key": ..., "value": ...}``. A key is the hex digest of
everything the value depends on, so a changed input is a different file, never a stale answer.
An entry that cannot be read, is not JSON, or names another key is ignored (the caller computes
the value again); JSON cannot run code, and every caller checks the value's shape before use.
Writing is best effort: a read-only or full cache folder only costs the time it would save.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from .. import __version__
from .cachedir import CACHE_ENV, user_cache_folder
from .files import read_regular, write_atomic

__all__ = [
    "CACHE_ENV",
    "MAX_BYTES",
    "digest",
    "entry_path",
    "read_entry",
    "read_regular_entry",
    "user_cache_folder",
    "write_entry",
]
_KEY = re.compile(r"^[0-9a-f]{16,64}$")
_KIND = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
#: an entry larger than this is not read (a cache file is never that large; this one is not ours)
MAX_BYTES = 64 * 1024 * 1024


def digest(parts: Iterable[str | bytes]) -> str:
    """The SHA-256 of ``parts``, each length-prefixed (so no two lists of parts collide)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


@functools.cache
def package_digest() -> str:
    """This package's version and every module of it, by path and text (read once a process): the
    code part of the keys of what is kept for any output of the code (the render cache's cards,
    the protocol assessment's candidates), so that a change in any module is another key."""
    root = Path(__file__).resolve().parent.parent
    code = hashlib.sha256(__version__.encode() + b"\0")
    for path in sorted(root.rglob("*.py")):
        code.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return code.hexdigest()


def _entry(kind: str, key: str, folder: Path | None) -> Path:
    if not _KIND.match(kind) or not _KEY.match(key):
        raise ValueError(f"cache kind {kind!r} or key {key!r} is not of the expected form")
    return (folder or user_cache_folder()) / kind / f"{key}.json"


def entry_path(kind: str, key: str, folder: Path | None = None) -> Path:
    """Where the entry of ``key`` is (or would be) stored."""
    return _entry(kind, key, folder)


def read_entry(kind: str, key: str, folder: Path | None = None) -> object | None:
    """The value stored under ``key``, or ``None`` (missing, unreadable, not JSON, another key)."""
    path = _entry(kind, key, folder)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    return None if len(raw) > MAX_BYTES else _value(raw, key)


def write_entry(
    kind: str, key: str, value: object, folder: Path | None = None, *, if_changed: bool = False
) -> bool:
    """Store ``value`` (plain JSON data) under ``key``, atomically; silently skipped if it cannot.
    ``if_changed``: not when the entry (a regular file) already holds the same bytes. Whether it
    was written."""
    path = _entry(kind, key, folder)
    data = json.dumps({"key": key, "value": value}, ensure_ascii=False, separators=(",", ":")).encode()
    if if_changed and read_regular(path, MAX_BYTES) == data:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, durable=False)
    except OSError:
        return False
    return True


def read_regular_entry(kind: str, key: str, folder: Path | None = None) -> object | None:
    """:func:`read_entry`, for an entry that is a regular file only: a symlink, a FIFO or a device
    planted in the cache folder counts as no entry (and is never waited on)."""
    raw = read_regular(_entry(kind, key, folder), MAX_BYTES)
    return None if raw is None else _value(raw, key)


def _value(raw: bytes, key: str) -> object | None:
    """The value of an entry's bytes when they are JSON naming ``key``; else None."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or "value" not in data:
        return None
    value: object = data["value"]
    return value
