"""Need ids with a dot (``PC.01``, ``SP.62``), as the SMETS writes them.

sphinx-needs reads ``ID.part`` in a link or a ``:need:`` role as "part ``part``
of need ``ID``", so ``PC.01`` would point at a need ``PC``. The SMETS ids are
kept exactly as written: an address that is a whole requirement id (by the
pattern in :mod:`smets_spec.corpus.schema`) is a whole id; ``PC.01.a`` is part ``a``
of ``PC.01``; any other address is parsed as sphinx-needs parses it.

This wraps sphinx-needs' address parsers, whose behaviour for every address
that is not a dotted SMETS id is left as it is. ``tests/test_sphinx_build.py``
builds links and roles to dotted ids, so a sphinx-needs release that changes
these functions fails the suite instead of the site.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..corpus.schema import NEED_TYPES

_DOTTED = re.compile(
    "^(?P<id>"
    + "|".join(t.id_pattern for t in NEED_TYPES if "\\." in t.id_pattern)
    + r")(?:\.(?P<part>.+))?$"
)


def split_dotted(address: str) -> tuple[str, str | None] | None:
    """``(id, part)`` for an address starting with a dotted id, else None."""
    match = _DOTTED.match(address)
    if match is None:
        return None
    return match["id"], match["part"]


def _wrap_parse_address(original: Callable[..., Any], need_link: type) -> Callable[..., Any]:
    def parse_address(address: str, /, *, condition: str | None = None) -> Any:
        split = split_dotted(address)
        if split is None:
            return original(address, condition=condition)
        return need_link(id=split[0], part=split[1], condition=condition)

    parse_address.smets_wrapped = True  # type: ignore[attr-defined]
    return parse_address


def _wrap_split(original: Callable[[str], tuple[str, str | None]]) -> Callable[[str], tuple[str, str | None]]:
    def split_need_id(need_id_full: str) -> tuple[str, str | None]:
        split = split_dotted(need_id_full)
        return split if split is not None else original(need_id_full)

    return split_need_id


def install() -> None:
    """Teach sphinx-needs' address parsers the dotted ids (idempotent)."""
    from sphinx_needs import utils
    from sphinx_needs.directives import needuml
    from sphinx_needs.need_item import NeedLink
    from sphinx_needs.roles import need_outgoing

    if getattr(NeedLink.parse_address, "smets_wrapped", False):
        return
    NeedLink.parse_address = staticmethod(_wrap_parse_address(NeedLink.parse_address, NeedLink))  # type: ignore[method-assign]
    wrapped = _wrap_split(utils.split_need_id)
    for module in (utils, need_outgoing, needuml):
        module.split_need_id = wrapped  # type: ignore[attr-defined]
