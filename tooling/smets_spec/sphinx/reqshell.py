"""The shell of the requirement pages (``req/index.html`` around its body) made once per build into a
template with a slot for each part a page changes: its title (``<title>`` and ``<h1>``), its
previous/next ``<link>`` tags and its footer of related pages.

:func:`whole_page` is the reference (the shell's regexes run for each page); a :class:`Shell`
gives the same bytes for every page (tests/test_reqpage_cache.py compares them) with the regexes
run once: it is built by running the same functions with a marker in each slot and cutting there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..corpus.ids import heading
from ..corpus.schema import Requirement
from ..markup.html import esc
from . import reqnav

_H1 = re.compile(r"<h1>.*?(<a class=\"headerlink\"|</h1>)", re.S)
_MARK = "\x00"
_SLOT = re.compile("\x00([a-z_]+)\x00")


def page_title(req: Requirement) -> str:
    return esc(heading(req.clause, req.id, req.title))


def retitle(head: str, title: str, shell_title: str) -> str:
    """The shell's head with ``title`` (HTML) in its ``<title>`` and ``<h1>``."""
    head = head.replace(f"<title>{shell_title}", f"<title>{title}", 1)
    return _H1.sub(lambda m: f"<h1>{title}{m[1]}", head, count=1)


def whole_page(
    shell: tuple[str, str],
    shell_title: str,
    req: Requirement,
    around: Mapping[str, tuple[reqnav.Neighbour, reqnav.Neighbour]],
    body: str,
) -> str:
    """``req/<ID>.html``: the shell retitled for the requirement, its neighbours linked, ``body`` in it."""
    head, tail = reqnav.relink(retitle(shell[0], page_title(req), shell_title), shell[1], *around[req.id])
    return head + body + tail


def _link_tag(rel: str, to: reqnav.Neighbour) -> str:
    """The ``<link rel>`` :func:`.reqnav.relink` writes."""
    return f'<link rel="{rel}" title="{esc(" ".join(to.title.split()))}" href="{esc(to.href)}">'


@dataclass(frozen=True)
class Shell:
    """:func:`whole_page` as literal pieces and named slots (``title``, ``link_prev``, ``link_next``,
    ``footer``); None from :meth:`of` when the shell holds the marker itself (then
    :func:`whole_page` is used)."""

    pieces: tuple[tuple[str, str], ...]  # (literal, slot after it: "" for none)

    @classmethod
    def of(cls, shell: tuple[str, str], shell_title: str) -> Shell | None:
        if _MARK in shell[0] or _MARK in shell[1] or _MARK in shell_title:
            return None
        head = retitle(shell[0], f"{_MARK}title{_MARK}", shell_title)
        head = reqnav._LINK.sub(lambda m: f"{_MARK}link_{m[1]}{_MARK}", head)
        tail = reqnav._RELATED.sub(lambda _: f"{_MARK}footer{_MARK}", shell[1], count=1)
        parts = _SLOT.split(head + f"{_MARK}body{_MARK}" + tail)
        pieces = tuple(
            (parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)
        )
        return cls(pieces)

    def page(self, req: Requirement, around: tuple[reqnav.Neighbour, reqnav.Neighbour], body: str) -> str:
        prev, nxt = around
        slots = {
            "title": page_title(req),
            "link_prev": _link_tag("prev", prev),
            "link_next": _link_tag("next", nxt),
            "footer": reqnav._footer(prev, nxt),
            "body": body,
        }
        return "".join(literal + slots[slot] if slot else literal for literal, slot in self.pieces)
