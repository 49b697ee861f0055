# SPDX-License-Identifier: GPL-3.0-or-later
"""Write zigpy's cluster and attribute tables (ids, names, ZCL types, access) as JSON on stdout."""

from __future__ import annotations

import enum
import json
import os
import sys
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


def main() -> int:
    write_answer(dump())
    return 0


if __name__ == "__main__":
    sys.exit(main())
