# SPDX-License-Identifier: GPL-2.0-only
"""Read one JSON request on stdin, write one JSON answer on stdout (see the package docstring).

Request: ``{"check": [["1.0.1.8.0.255", 3], ...], "describe": ["1.0.3.8.0.255", ...], "rows": true}``.
Answer: the library and its version, the interface class names of gurux's ``ObjectType``, and
for each code the standard patterns of ``OBISCodes.txt`` it matches (with the class given, and
with any class), each with gurux's own description of the concrete code; with ``rows`` the
whole table (patterns, classes, descriptions).
"""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import version
from typing import Any


def _collection() -> Any:
    from gurux_dlms.enums import Standard
    from gurux_dlms.GXDLMSConverter import GXDLMSConverter
    from gurux_dlms.GXStandardObisCodeCollection import GXStandardObisCodeCollection

    codes = GXStandardObisCodeCollection()
    GXDLMSConverter._GXDLMSConverter__readStandardObisInfo(Standard.DLMS, codes)  # type: ignore[attr-defined]
    return codes


_BY_C: dict[int, Any] = {}


def _rows_for(codes: Any, c: int) -> Any:
    """The rows whose value group C admits ``c`` (gurux's own mask test), as a gurux collection:
    many codes share a C, so each code is then matched against a few rows, not all 1,371."""
    if c not in _BY_C:
        _BY_C[c] = type(codes)(it for it in codes if codes.equalsMask(it.obis[2], c))
    return _BY_C[c]


def _matches(codes: Any, obis: str, ic: int) -> list[dict[str, str]]:
    try:
        raw = codes.getBytes(obis)
    except (ValueError, IndexError):  # not six values of 0..255: matches nothing
        return []
    rows = _rows_for(codes, raw[2])
    found = []
    patterns = [it for it in rows if rows.equalsInterface(it, ic) and rows.equalsObisCode(it.obis, raw)]
    described = rows.find2(raw, ic) if patterns else []
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


def main() -> int:
    try:
        request = json.load(sys.stdin)
    except ValueError as exc:
        sys.stderr.write(f"smets_dlms_catalogue: the request is not JSON: {exc}\n")
        return 2
    write_answer(answer(request))
    return 0


if __name__ == "__main__":
    sys.exit(main())
