# SPDX-License-Identifier: GPL-2.0-only
"""Read one JSON request on stdin, write one JSON answer on stdout (see the package docstring).

Request: ``{"check": [["1.0.1.8.0.255", 3], ...], "describe": ["1.0.3.8.0.255", ...], "rows": true}``.
Answer: the library and its version, the interface class names of gurux's ``ObjectType``, and
for each code the standard patterns of ``OBISCodes.txt`` it matches (with the class given, and
with any class), each with gurux's own description of the concrete code; with ``rows`` the
whole table (patterns, classes, descriptions).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import sys
import threading
from importlib.metadata import version
from typing import Any


def _collection(remember: bool = True) -> Any:
    """gurux's table of standard OBIS codes; ``remember``: in a collection whose mask test
    (:func:`_remembering`) keeps its answers."""
    from gurux_dlms.enums import Standard
    from gurux_dlms.GXDLMSConverter import GXDLMSConverter
    from gurux_dlms.GXStandardObisCodeCollection import GXStandardObisCodeCollection

    codes = (_remembering(GXStandardObisCodeCollection) if remember else GXStandardObisCodeCollection)()
    GXDLMSConverter._GXDLMSConverter__readStandardObisInfo(Standard.DLMS, codes)  # type: ignore[attr-defined]
    return codes


def _remembering(collection: Any) -> Any:
    """gurux's collection class, its mask test (``equalsMask``: does a pattern's value group admit
    a value) answered once for each pattern and value: the test depends on nothing else, and
    a cold build asks it ~700,000 times for a few thousand pairs (0.3 s of the helper's 0.5 s).
    Every other part, and the test itself, is gurux's own; the answers are the same."""
    known: dict[tuple[str, int], bool] = {}

    class Remembering(collection):  # type: ignore[misc,valid-type]
        @classmethod
        def equalsMask(cls, obis: str, ic: int) -> bool:  # noqa: N802 - gurux's name
            key = (obis, ic)
            found = known.get(key)
            if found is None:
                found = known[key] = bool(super().equalsMask(obis, ic))
            return found

    return Remembering


_BY_C: dict[int, Any] = {}


def _rows_for(codes: Any, c: int) -> Any:
    """The rows whose value group C admits ``c`` (gurux's own mask test), as a gurux collection:
    many codes share a C, so each code is then matched against a few rows, not all 1,371."""
    if c not in _BY_C:  # the test asked once for each of the table's ~60 distinct C patterns
        admits = {mask: codes.equalsMask(mask, c) for mask in dict.fromkeys(it.obis[2] for it in codes)}
        _BY_C[c] = type(codes)(it for it in codes if admits[it.obis[2]])
    return _BY_C[c]


def _matches(codes: Any, obis: str, ic: int) -> list[dict[str, str]]:
    try:
        raw = codes.getBytes(obis)
    except (ValueError, IndexError):  # not six values of 0..255: matches nothing
        return []
    rows = _rows_for(codes, raw[2])
    found = []
    patterns = [it for it in rows if rows.equalsInterface(it, ic) and rows.equalsObisCode(it.obis, raw)]
    # gurux's descriptions of exactly these rows: find2 keeps the rows its own test passes (the
    # test above), in order, so it is asked over them, not over all of C's rows again
    described = type(codes)(patterns).find2(raw, ic) if patterns else []
    for it, desc in zip(patterns, described, strict=False):
        found.append(
            {
                "pattern": ".".join(it.obis),
                "classes": it.interfaces,
                "description": desc.description,
            }
        )
    return found


def _classes() -> dict[str, str]:
    from gurux_dlms.enums import ObjectType

    return {str(int(member)): member.name for member in ObjectType if int(member) > 0}


def answer(request: dict[str, Any]) -> dict[str, Any]:
    codes = _collection()
    out: dict[str, Any] = {
        "library": "gurux-dlms",
        "version": version("gurux-dlms"),
        "table": "gurux_dlms/OBISCodes.txt",
        "rows": len(codes),
        "classes": _classes(),
        "check": [],
        "describe": [],
    }
    for obis, ic in request.get("check", []):
        out["check"].append(
            {
                "obis": obis,
                "ic": ic,
                "matches": _matches(codes, obis, int(ic)),
                "any": _matches(codes, obis, 0),
            }
        )
    if request.get("rows"):
        out["table_rows"] = [
            {"pattern": ".".join(it.obis), "classes": it.interfaces, "description": it.description}
            for it in codes
        ]
    for obis in request.get("describe", []):
        out["describe"].append({"obis": obis, "any": _matches(codes, obis, 0)})
    return out


#: ``SMETS_HELPER_ONE_WRITE=off``: the answer written by :func:`json.dump`, piece by piece
ONE_WRITE = "SMETS_HELPER_ONE_WRITE"


def write_answer(found: dict[str, Any]) -> None:
    """``found`` as JSON on stdout in one write: the same text as :func:`json.dump` gives, which
    encodes with the pure-Python encoder and writes each of its tens of thousands of pieces
    (each a system call where stdout is unbuffered, ``PYTHONUNBUFFERED``)."""
    if os.environ.get(ONE_WRITE, "").strip().lower() in {"off", "0", "no", "false"}:
        json.dump(found, sys.stdout)
    else:
        sys.stdout.write(json.dumps(found))


#: ``SMETS_HARD_EXIT=off`` (any of off, 0, no, false, as ``smets`` reads its switches): the helper
#: ends as any Python program does, the interpreter's teardown freeing every object the library's
#: import made (~0.1 s of CPU in each cold build)
HARD_EXIT = "SMETS_HARD_EXIT"


def _written(found: dict[str, Any]) -> int:
    """``found`` written on stdout (:func:`write_answer`); then the process ends at once (exit
    status 0, after the exit handlers and with stdout and stderr flushed), unless switched off or
    another thread runs; else the exit status for :func:`main` to return."""
    write_answer(found)
    if os.environ.get(HARD_EXIT, "").strip().lower() in {"off", "0", "no", "false"}:
        return 0
    if threading.active_count() > 1:
        return 0
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main() -> int:
    try:
        request = json.load(sys.stdin)
    except ValueError as exc:
        sys.stderr.write(f"smets_dlms_catalogue: the request is not JSON: {exc}\n")
        return 2
    gc.disable()  # the import and the table make objects that all stay: no collection walks them again
    return _written(answer(request))


if __name__ == "__main__":
    sys.exit(main())
