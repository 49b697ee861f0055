"""Two unpickled objects compared structurally: same types, same dict keys in the same order,
the same values all the way down (``==`` alone would let ``1`` equal ``True``, and NeedItem's
own equality leaves out its computed fields and key maps)."""

from __future__ import annotations

import dataclasses
from pathlib import PurePath
from typing import Any

#: attributes of Sphinx's environment that hold the application's objects, not saved state
#: (and ``config``: Sphinx's Config pickles the values read so far, so two plain round trips differ)
_NOT_STATE = frozenset({"settings", "_app", "domains", "events", "config"})


def _slots(obj: Any) -> list[str]:
    names: list[str] = []
    for cls in type(obj).__mro__:
        slots = vars(cls).get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    return [name for name in names if name not in ("__weakref__", "__dict__") and hasattr(obj, name)]


def differences(
    a: Any, b: Any, where: str = "", found: list[str] | None = None, seen: set[int] | None = None
) -> list[str]:
    """Where ``a`` and ``b`` differ (at most 20 places)."""
    found = [] if found is None else found
    seen = set() if seen is None else seen
    if len(found) >= 20 or (id(a), id(b)) in seen:  # type: ignore[comparison-overlap]
        return found
    seen.add((id(a), id(b)))  # type: ignore[arg-type]
    if type(a) is not type(b):
        found.append(f"{where}: {type(a).__name__} != {type(b).__name__}")
    elif isinstance(a, dict):
        if list(a) != list(b):
            found.append(f"{where}: keys {list(a)[:8]} != {list(b)[:8]}")
        else:
            for key in a:
                differences(a[key], b[key], f"{where}[{key!r}]", found, seen)
    elif isinstance(a, list | tuple):
        if len(a) != len(b):
            found.append(f"{where}: length {len(a)} != {len(b)}")
        for index, (x, y) in enumerate(zip(a, b, strict=False)):
            differences(x, y, f"{where}[{index}]", found, seen)
    elif isinstance(a, set | frozenset | str | bytes | int | float | PurePath | type(None)) or callable(a):
        if a != b:
            found.append(f"{where}: {a!r:.80} != {b!r:.80}")
    elif dataclasses.is_dataclass(a):
        for field in dataclasses.fields(a):
            differences(getattr(a, field.name), getattr(b, field.name), f"{where}.{field.name}", found, seen)
    else:
        slots = _slots(a)
        state = vars(a) if hasattr(a, "__dict__") else {}
        if not slots and not state and a != b:
            found.append(f"{where}: {a!r:.80} != {b!r:.80}")
        for name in slots:
            differences(getattr(a, name), getattr(b, name), f"{where}.{name}", found, seen)
        if state:
            differences(state, vars(b), f"{where}.__dict__", found, seen)
    return found


def env_differences(one: Any, other: Any) -> list[str]:
    """Where two unpickled Sphinx environments differ, attribute by attribute (needs, their nodes,
    our ``smets_*`` state, Sphinx's own)."""
    a = {k: v for k, v in vars(one).items() if k not in _NOT_STATE}
    b = {k: v for k, v in vars(other).items() if k not in _NOT_STATE}
    return differences(a, b, "env")
