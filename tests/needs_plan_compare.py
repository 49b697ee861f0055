"""Run sphinx-needs' own ``generate_need`` and ``needs_plan.generate_need`` on the same call and
compare everything: the NeedItem's every slot (values, types, which lists are fresh), the
exception (type, code, message) and the warnings logged (message, location, type)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sphinx_needs.exceptions import InvalidNeedException
from sphinx_needs.need_item import NeedItem

from smets_spec.sphinx import needs_plan


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[Any, ...]] = []

    def emit(self, record: logging.LogRecord) -> None:
        where = getattr(record, "location", None)
        kind = (getattr(record, "type", None), getattr(record, "subtype", None))
        self.seen.append((record.levelno, record.getMessage(), repr(where), kind))


def _run(function: Callable[..., NeedItem], params: dict[str, Any]) -> tuple[Any, list[tuple[Any, ...]]]:
    handler = _Records()
    logger = logging.getLogger("sphinx.sphinx_needs.api.need")
    logger.addHandler(handler)
    try:
        return function(**params), handler.seen
    except InvalidNeedException as err:
        return ("raised", err.type, str(err)), handler.seen
    finally:
        logger.removeHandler(handler)


def _containers(value: Any, path: str, found: dict[str, int]) -> dict[str, int]:
    """Every list and dict inside ``value`` by its path: the objects a change to the need reaches."""
    if isinstance(value, list | dict):
        found[path] = id(value)
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in pairs:
            _containers(item, f"{path}/{key}", found)
    elif isinstance(value, tuple):
        for key, item in enumerate(value):
            _containers(item, f"{path}/{key}", found)
    return found


def shared(first: NeedItem, second: NeedItem) -> set[str]:
    """The paths at which two needs hold the same list or dict."""
    one = {slot: getattr(first, slot) for slot in NeedItem.__slots__}
    two = {slot: getattr(second, slot) for slot in NeedItem.__slots__}
    mine, theirs = _containers(one, "", {}), _containers(two, "", {})
    return {path for path, ident in mine.items() if theirs.get(path) == ident}


def _typed(value: Any) -> Any:
    """The value with its types spelled out (``True == 1`` and ``1 == 1.0`` in Python)."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}, "dict", list(value)
    if isinstance(value, list | tuple):
        return type(value).__name__, [_typed(item) for item in value]
    return type(value).__name__, value


def item_state(item: NeedItem) -> dict[str, Any]:
    return {slot: _typed(getattr(item, slot)) for slot in NeedItem.__slots__}


def compare(params: dict[str, Any]) -> tuple[Any, list[tuple[Any, ...]]]:
    """Both functions on ``params``: asserts the same result and warnings; returns sphinx-needs'."""
    _, original = needs_plan.ORIGINAL
    theirs, their_warnings = _run(original, dict(params))
    ours, our_warnings = _run(needs_plan.generate_need, dict(params))
    assert our_warnings == their_warnings, (params.get("id"), our_warnings, their_warnings)
    if isinstance(theirs, tuple):
        assert ours == theirs, (params.get("id"), ours, theirs)
        return theirs, their_warnings
    assert isinstance(ours, NeedItem), (params.get("id"), ours)
    assert item_state(ours) == item_state(theirs), params.get("id")
    assert dict(ours.items()) == dict(theirs.items())
    # a list or dict shared by two needs only where sphinx-needs shares it
    again = needs_plan.generate_need(**dict(params))
    assert shared(ours, again) <= shared(theirs, original(**dict(params))), shared(ours, again)
    return theirs, their_warnings
