# SPDX-License-Identifier: GPL-3.0-or-later
"""Write zigpy's cluster and attribute tables (ids, names, ZCL types, access) as JSON on stdout."""

from __future__ import annotations

import atexit
import enum
import gc
import json
import os
import sys
import threading
from importlib.metadata import version
from typing import Any


def _attribute(attr: Any) -> dict[str, Any]:
    zcl_type = getattr(attr, "zcl_type", None)
    access = getattr(attr, "access", None)
    out: dict[str, Any] = {
        "id": int(attr.id),
        "name": attr.name,
        "type": getattr(zcl_type, "name", None) or getattr(attr.type, "__name__", str(attr.type)),
        "access": str(getattr(access, "name", access) or ""),
        "mandatory": bool(getattr(attr, "mandatory", False)),
        "manufacturer_specific": bool(getattr(attr, "is_manufacturer_specific", False)),
    }
    if isinstance(attr.type, type) and issubclass(attr.type, enum.Enum):
        out["values"] = {member.name: int(member.value) for member in attr.type}
    return out


def dump() -> dict[str, Any]:
    import zigpy.zcl
    import zigpy.zcl.clusters

    clusters = []
    for cluster_id, cluster in sorted(zigpy.zcl.Cluster._registry.items()):
        clusters.append(
            {
                "id": int(cluster_id),
                "name": cluster.__name__,
                "module": cluster.__module__,
                "attributes": [_attribute(a) for _, a in sorted(cluster.attributes.items())],
            }
        )
    return {"library": "zigpy", "version": version("zigpy"), "clusters": clusters}


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
    gc.disable()  # the import makes ~40,000 objects that all stay: no collection walks them again
    return _written(dump())


if __name__ == "__main__":
    sys.exit(main())
