"""The catalogue helpers' answers, kept between builds in the user's cache folder.

Starting a helper costs a Python start-up plus gurux-dlms reading its OBIS table or zigpy
importing its clusters (about 1.3 s a build at 2,000 requirements). An answer depends only on
the request, the helper's own source and the library's installed version, so it is stored
under the SHA-256 of those (:func:`key`) as plain JSON (:mod:`smets_spec.corpus.usercache`).
A stored answer is used only if it has exactly the shape a helper writes (:func:`dlms_shape`,
:func:`zigbee_shape`); anything else (a planted or truncated file) is ignored and the helper
asked again. The libraries themselves are never imported here (they are GPL: see
docs/licensing.md); their source files are read as bytes.
"""

from __future__ import annotations

import json
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..corpus.usercache import digest

KIND = "catalogue"


def _helper_sources(module: str) -> list[bytes]:
    """The helper package's ``.py`` files, read as bytes (the package is found, never imported)."""
    try:
        spec = find_spec(module)
    except (ImportError, ValueError):
        return []
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    out: list[bytes] = []
    for folder in folders:
        for path in sorted(Path(folder).glob("*.py")):
            out += [path.name.encode(), path.read_bytes()]
    return out


def key(module: str, library: str, request: dict[str, Any] | None) -> str | None:
    """What an answer depends on, hashed; ``None`` when the helper's source cannot be found."""
    sources = _helper_sources(module)
    if not sources:
        return None
    parts: list[str | bytes] = [module, library, sys.version, json.dumps(request or {}, sort_keys=True)]
    return digest([*parts, *sources])


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rows_shape(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(r, dict) and all(_is_str(r.get(k)) for k in ("pattern", "classes", "description"))
        for r in value
    )


def dlms_shape(data: object, checks: int, describes: int) -> bool:
    """``data`` is what the DLMS helper writes for ``checks`` codes with classes and ``describes`` without."""
    if not isinstance(data, dict):
        return False
    classes, check, describe = data.get("classes"), data.get("check"), data.get("describe")
    return (
        _is_str(data.get("version"))
        and _is_str(data.get("table"))
        and _is_int(data.get("rows"))
        and isinstance(classes, dict)
        and all(k.lstrip("-").isdigit() and _is_str(v) for k, v in classes.items())
        and _rows_shape(data.get("table_rows", []))
        and isinstance(check, list)
        and len(check) == checks
        and all(
            isinstance(c, dict) and _rows_shape(c.get("matches")) and _rows_shape(c.get("any")) for c in check
        )
        and isinstance(describe, list)
        and len(describe) == describes
        and all(isinstance(d, dict) and _rows_shape(d.get("any")) for d in describe)
    )


def _values_shape(value: object) -> bool:
    return isinstance(value, dict) and all(_is_str(k) and _is_int(v) for k, v in value.items())


def _attribute_shape(a: object) -> bool:
    return (
        isinstance(a, dict)
        and _is_int(a.get("id"))
        and all(_is_str(a.get(k)) for k in ("name", "type", "access"))
        and _values_shape(a.get("values", {}))
    )


def zigbee_shape(data: object) -> bool:
    """``data`` is what the ZigBee helper writes."""
    if not isinstance(data, dict) or not _is_str(data.get("version")):
        return False
    clusters = data.get("clusters")
    return isinstance(clusters, list) and all(
        isinstance(c, dict)
        and _is_int(c.get("id"))
        and _is_str(c.get("name"))
        and _is_str(c.get("module", ""))
        and isinstance(c.get("attributes"), list)
        and all(_attribute_shape(a) for a in c["attributes"])
        for c in clusters
    )
