"""The JSON pipe between the core and this front end: one JSON object per line.

Server (``python -m smets_dlms serve``):

1. core -> front end: ``{"objects": [{"key": "PO_X", "class": 3, "obis": "1-0:1.8.0.255"}, ...]}``
2. front end -> core: ``{"event": "listening", "port": N, "served": [...], "unsupported": {key: why}}``
3. for every attribute a client reads, front end -> core ``{"op": "read", "key": K, "attribute": A}``
   and core -> front end ``{"state": {...}}`` (class-specific, see :mod:`.objects`) or
   ``{"error": "text"}`` (the client gets *object-undefined*).
4. the core closes the pipe: the front end stops listening and exits.

Client (``python -m smets_dlms client``):

1. front end -> core: ``{"event": "associated", "objects": [[class, "obis", version], ...]}`` or
   ``{"event": "error", "message": "..."}`` (and exit status 2).
2. core -> front end ``{"op": "get", "class": C, "obis": "A-B:C.D.E.F", "attribute": A}``;
   front end -> core ``{"ok": true, "type": "uint32", "value": ...}`` or ``{"ok": false, "error": "..."}``.
   Values: numbers, strings, lists (arrays and structures), ``{"octets": "hex"}`` for octet strings.
3. the core closes the pipe: the front end releases the association and exits.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import IO, Any

_LOCK = threading.Lock()


def send(message: dict[str, Any], stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    with _LOCK:
        out.write(json.dumps(message, separators=(",", ":")) + "\n")
        out.flush()


def receive(stream: IO[str] | None = None) -> dict[str, Any] | None:
    """The next message, or None when the core closed the pipe."""
    line = (stream or sys.stdin).readline()
    if not line:
        return None
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    return message


def logical_name(obis: str) -> str:
    """``1-0:1.8.0.255`` (IEC 62056-6-1 notation) -> ``1.0.1.8.0.255`` (gurux notation)."""
    return obis.replace("-", ".").replace(":", ".")


def obis_text(logical: str) -> str:
    a, b, c, d, e, f = logical.split(".")
    return f"{a}-{b}:{c}.{d}.{e}.{f}"
