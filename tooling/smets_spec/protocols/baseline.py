"""The assessment baseline: what each data item's assessment was when a reviewer last froze it.

``smets protocols baseline`` writes ``spec/protocol/assessment-baseline.json`` (atomically);
the assessment page and ``smets protocols`` report the change since then, item by item.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..corpus.files import write_atomic
from .assess import Result

BASELINE_FILE = "protocol/assessment-baseline.json"


@dataclass(frozen=True)
class Change:
    item_id: str
    before: str | None
    after: str | None


def baseline_path(spec: Path) -> Path:
    return spec / BASELINE_FILE


def baseline_stamp(spec: Path | None) -> str:
    """What the baseline file holds, as a stamp: the pages that show changes since it are drawn
    again when it is recorded, replaced or removed (the file is no need of the corpus)."""
    if spec is None:
        return "no spec folder"
    try:
        return hashlib.sha256(baseline_path(spec).read_bytes()).hexdigest()
    except OSError:
        return "no baseline"


def snapshot(result: Result) -> dict[str, object]:
    return {
        "catalogues": result.catalogues,
        "counts": result.counts(),
        "items": {a.item_id: a.kind.value for a in result.items},
    }


def write_baseline(spec: Path, result: Result) -> Path:
    path = baseline_path(spec)
    write_atomic(path, json.dumps(snapshot(result), indent=2, sort_keys=True) + "\n")
    return path


def read_baseline(spec: Path | None) -> dict[str, str] | None:
    """The item -> assessment map of the baseline, or None when there is none (or it is unreadable)."""
    if spec is None or not baseline_path(spec).is_file():
        return None
    try:
        data = json.loads(baseline_path(spec).read_text(encoding="utf-8"))
        items = data["items"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {str(k): str(v) for k, v in items.items()} if isinstance(items, dict) else None


def changes(result: Result, before: dict[str, str]) -> list[Change]:
    now = {a.item_id: a.kind.value for a in result.items}
    keys = sorted(set(now) | set(before))
    return [Change(k, before.get(k), now.get(k)) for k in keys if before.get(k) != now.get(k)]
