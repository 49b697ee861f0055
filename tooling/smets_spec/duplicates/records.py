"""Findings as plain JSON data and back, for the scan state kept between runs (store.py).

A record names its two items by id; reading it back takes the items of the current source, so a
finding shows where each item is now (file, line, section), as a full scan would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .classify import Finding, Kind
from .items import Item

_KINDS = {kind.value: kind for kind in Kind}


def record_of(finding: Finding) -> list[Any]:
    return [
        finding.kind.value,
        finding.a.id,
        finding.b.id,
        finding.score,
        finding.reason,
        dict(finding.scores),
        list(finding.signals),
    ]


def valid_record(record: object) -> bool:
    """True when ``record`` has the shape :func:`record_of` writes."""
    if not isinstance(record, list) or len(record) != 7:
        return False
    kind, a, b, score, reason, scores, signals = record
    return (
        kind in _KINDS
        and isinstance(a, str)
        and isinstance(b, str)
        and isinstance(score, float | int)
        and not isinstance(score, bool)
        and isinstance(reason, str)
        and isinstance(scores, dict)
        and all(isinstance(k, str) and isinstance(v, float | int) for k, v in scores.items())
        and isinstance(signals, list)
        and all(isinstance(s, str) for s in signals)
    )


def finding_of(record: list[Any], items: Mapping[str, Item]) -> Finding:
    """The finding of a record (already checked by :func:`valid_record`) with the current items."""
    kind, a, b, score, reason, scores, signals = record
    return Finding(_KINDS[kind], items[a], items[b], score, reason, dict(scores), tuple(signals))
