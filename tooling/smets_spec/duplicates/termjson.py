"""The kept terminology state (termstate.py) as JSON and back, checked field by field.

Items are unique (id, group, text) string triples; every index entry names a known id, once per
key, in strictly increasing text order, with string forms (an entry whose only form is the key
itself is written as the bare id); a three-word key is its words joined with U+001F; counts are
positive integers; an unknown word is an index word with a list of string neighbours; the
per-text lists are non-empty and of their shape. Anything else reads back as no state.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

from .termstate import INDEXES, JOIN, Entry, Index, TermsKept


def _key_json(name: str, key: Any) -> str:
    return JOIN.join(key) if name == "trigrams" else str(key)


def to_json(kept: TermsKept | None) -> object:
    """The state as JSON values (None when a word cannot be written so that it reads back the same)."""
    if kept is None:
        return None
    if any(JOIN in word for key in kept.indexes["trigrams"] for word in key):
        return None
    indexes: dict[str, dict[str, list[Any]]] = {}
    for name, index in kept.indexes.items():
        out = indexes[name] = {}
        for key, entries in index.items():
            text = _key_json(name, key)
            out[text] = [i if forms == (text,) else [i, *forms] for i, forms in entries]
    return {
        "items": kept.items,
        "indexes": indexes,
        "counts": kept.counts,
        "unknown": kept.unknown,
        "hyphens": kept.hyphens,
        "pattern": kept.pattern,
        "matches": kept.matches,
        "synonyms": kept.synonyms,
    }


def _strings(value: object, size: int | None = None) -> bool:
    return (
        isinstance(value, list)
        and (size is None or len(value) == size)
        and all(isinstance(x, str) for x in value)
    )


def _index(
    name: str, data: object, position: dict[str, int], names: list[str]
) -> tuple[Index, set[Any]] | None:
    """An index read back: every entry a known id (in text order, once per key) and its forms."""
    if not isinstance(data, dict):
        return None
    index: Index = {}
    multi: set[Any] = set()
    for text, raw in data.items():
        if not isinstance(raw, list) or not raw:
            return None
        key = tuple(text.split(JOIN)) if name == "trigrams" else text
        if name == "trigrams" and len(key) != 3:
            return None
        if set(map(type, raw)) == {str}:  # the usual key: every text writes it as the key itself
            at = list(map(position.get, raw))
            if None in at or not _increasing(at):  # type: ignore[arg-type]
                return None
            # the ids of the items list, not the parsed copies: one string per text in memory
            index[key] = list(zip(map(names.__getitem__, at), itertools.repeat((text,))))  # type: ignore[arg-type]
            continue
        entries = _entries(raw, text, position, names)
        if entries is None:
            return None
        index[key] = entries
        if len({f for _, forms in entries for f in forms}) > 1:
            multi.add(key)
    return index, multi


def _increasing(values: list[int]) -> bool:
    return all(map(operator.lt, values, values[1:]))


def _entries(raw: list[Any], text: str, position: dict[str, int], names: list[str]) -> list[Entry] | None:
    entries: list[Entry] = []
    last = -1
    for value in raw:
        if isinstance(value, str):
            item_id, forms = value, (text,)
        elif _strings(value) and len(value) > 1:
            item_id, forms = value[0], tuple(value[1:])
        else:
            return None
        at = position.get(item_id, -1)
        if at <= last:
            return None
        last = at
        entries.append((names[at], forms))
    return entries


def from_json(data: object) -> TermsKept | None:
    """The state written by :func:`to_json`, checked field by field (None: not of that shape)."""
    if not isinstance(data, dict):
        return None
    items = data.get("items")
    if not isinstance(items, list) or not all(_strings(x, 3) for x in items):
        return None
    position = {x[0]: n for n, x in enumerate(items)}
    if len(position) != len(items):
        return None
    kept = TermsKept([(a, b, c) for a, b, c in items])
    indexes = data.get("indexes")
    if not isinstance(indexes, dict) or set(indexes) != set(INDEXES):
        return None
    names = [x[0] for x in kept.items]
    for name in INDEXES:
        read = _index(name, indexes[name], position, names)
        if read is None:
            return None
        kept.indexes[name], kept.multi[name] = read
    counts, unknown, pattern = data.get("counts"), data.get("unknown"), data.get("pattern")
    if not (isinstance(counts, dict) and isinstance(unknown, dict) and isinstance(pattern, str)):
        return None
    if not all(type(v) is int and v > 0 for v in counts.values()):
        return None
    if not all(isinstance(w, str) and w in kept.indexes["words"] and _strings(v) for w, v in unknown.items()):
        return None
    kept.counts, kept.unknown, kept.pattern = counts, unknown, pattern
    hyphens, matches, synonyms = (data.get(k) for k in ("hyphens", "matches", "synonyms"))
    if not (_per_id(hyphens, position, _pair) and _per_id(matches, position, lambda v: isinstance(v, str))):
        return None
    if not _per_id(synonyms, position, _synonym):
        return None
    assert isinstance(hyphens, dict) and isinstance(matches, dict) and isinstance(synonyms, dict)
    kept.hyphens = {i: [(a, b) for a, b in v] for i, v in hyphens.items()}
    kept.matches = matches
    kept.synonyms = {i: [(n, a, b, c) for n, a, b, c in v] for i, v in synonyms.items()}
    return kept


def _pair(value: object) -> bool:
    return _strings(value, 2)


def _synonym(value: object) -> bool:
    return isinstance(value, list) and len(value) == 4 and type(value[0]) is int and _strings(value[1:], 3)


def _per_id(data: object, position: dict[str, int], valid: Any) -> bool:
    """{id: [value...]} with known ids and non-empty lists of valid values."""
    return isinstance(data, dict) and all(
        item_id in position and isinstance(values, list) and values and all(valid(v) for v in values)
        for item_id, values in data.items()
    )
