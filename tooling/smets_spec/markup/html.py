"""Small helpers that write HTML fragments safely (for tables too large or too interactive for reST).

The Sphinx adapter embeds these with a ``raw`` node. Links are made by a
:class:`Linker`, which the adapter implements with the builder's URIs, so
nothing here knows about Sphinx.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from html import escape
from typing import Protocol

from ..corpus.load import Corpus


class Linker(Protocol):
    """URLs relative to the page being written."""

    def need(self, need_id: str) -> str:
        """The page showing a need (a requirement's own page; otherwise the need on its page)."""
        ...

    def doc(self, docname: str) -> str:
        """The page of a document, e.g. ``devices/esme``."""
        ...


def esc(text: object) -> str:
    return escape(str(text), quote=True)


_BREAKABLE = re.compile(r">([A-Z][A-Z0-9_.]*_[A-Z0-9_.]+)</a>")


def breakable(html: str) -> str:
    """Links to needs whose ids a narrow table cell may break after an underscore (and nowhere else)."""
    return _BREAKABLE.sub(_break, html)


def _break(found: re.Match[str]) -> str:
    return ">" + found[1].replace("_", "_<wbr>") + "</a>"


def need_link(corpus: Corpus, linker: Linker, need_id: str, show_title: bool = False) -> str:
    """``<a>`` to a need, its id as text and its title as tooltip (or after the id)."""
    need = corpus.needs.get(need_id)
    return _anchor(need_id, need.title if need else None, linker.need(need_id), show_title)


class PageLinks:
    """:func:`need_link` for the links of one page drawn with one linker, each link drawn once: a
    table of thousands of rows names the same needs again and again (a data item on every chain
    that uses it, a test on every requirement it verifies). The link is a function of the need's
    id and title and of its href from this page, none of which changes while the page is drawn."""

    def __init__(self, corpus: Corpus, linker: Linker) -> None:
        self._corpus, self._linker = corpus, linker
        self._drawn: tuple[dict[str, str], dict[str, str]] = ({}, {})  # plain, with the title

    def __call__(self, need_id: str, show_title: bool = False) -> str:
        drawn = self._drawn[show_title]
        link = drawn.get(need_id)
        if link is None:
            link = drawn[need_id] = need_link(self._corpus, self._linker, need_id, show_title)
        return link


@functools.lru_cache(maxsize=1 << 14)
def _anchor(need_id: str, title: str | None, href: str, show_title: bool) -> str:
    """The link :func:`need_link` draws: a function of its arguments only, so kept (the computed
    pages draw the same links many times: each requirement on every device page, ...)."""
    title = "missing need" if title is None else title
    text = f'{esc(need_id)} <span class="smets-title">{esc(title)}</span>' if show_title else esc(need_id)
    return f'<a class="smets-ref" href="{esc(href)}" title="{esc(title)}">{text}</a>'


def table(header: Sequence[str], rows: Sequence[Sequence[str]], classes: str = "", attrs: str = "") -> str:
    """A table whose header cells are text and whose body cells are HTML already."""
    return table_of_rows(header, "".join(table_row(row) for row in rows), classes, attrs)


def table_row(cells: Sequence[str]) -> str:
    """One body row of :func:`table` (its cells HTML already)."""
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def table_of_rows(header: Sequence[str], body: str, classes: str = "", attrs: str = "") -> str:
    """:func:`table` around body rows drawn already (:func:`table_row` each)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    cls = f' class="{esc(classes)}"' if classes else ""
    return (
        f'<div class="smets-scroll"><table{cls}{attrs}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def raw_block(html: str) -> str:
    """A reST ``raw`` directive holding ``html`` (one line, so indentation cannot break it)."""
    return ".. raw:: html\n\n   " + " ".join(html.splitlines()) + "\n"


def percent(count: int, total: int) -> str:
    return f"{count / total:.0%}" if total else "–"
