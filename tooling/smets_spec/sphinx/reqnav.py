"""Previous / next on a requirement page: the neighbouring requirements of its own section.

The pages are cut from one shell page (:mod:`.reqpages`), whose footer and ``<link rel>`` would
send every page to the shell's neighbours in the table of contents. Each page gets its own: the
requirement before and after it in its section, in the order of the SMETS, and its section page
at either end. The footer keeps the theme's markup (furo's ``related-pages``); a theme without
that block keeps its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..corpus.load import Corpus
from ..corpus.schema import SECTION_TITLES, Requirement
from ..markup.html import esc
from ..trace.coverage import ordered_requirements

_RELATED = re.compile(r'<div class="related-pages">.*?</a>\s*</div>', re.S)
_LINK = re.compile(r'<link rel="(next|prev)" title="[^"]*" href="[^"]*"\s*/?>')


@dataclass(frozen=True)
class Neighbour:
    title: str
    href: str  # relative to the requirement page (in req/)


def neighbours(corpus: Corpus, section_href: dict[str, str]) -> dict[str, tuple[Neighbour, Neighbour]]:
    """Each requirement's (previous, next): the requirements beside it in its section, else the section."""
    by_section: dict[str, list[Requirement]] = {}
    for req in ordered_requirements(corpus):
        by_section.setdefault(req.section.value if req.section else "", []).append(req)
    found: dict[str, tuple[Neighbour, Neighbour]] = {}
    for code, reqs in by_section.items():
        title = next((f"{code}: {t}" for s, t in SECTION_TITLES.items() if s.value == code), code)
        home = Neighbour(title, section_href.get(code, "index.html"))
        for n, req in enumerate(reqs):
            before = reqs[n - 1] if n > 0 else None
            after = reqs[n + 1] if n + 1 < len(reqs) else None
            found[req.id] = (
                Neighbour(f"{before.id} {before.title}", f"{before.id}.html") if before else home,
                Neighbour(f"{after.id} {after.title}", f"{after.id}.html") if after else home,
            )
    return found


def _footer(prev: Neighbour, nxt: Neighbour) -> str:
    def page(cls: str, word: str, to: Neighbour, arrow_first: bool) -> str:
        arrow = '<svg class="furo-related-icon"><use href="#svg-arrow-right"></use></svg>'
        info = (
            f'<div class="page-info"><div class="context"><span>{word}</span></div>'
            f'<div class="title">{esc(" ".join(to.title.split()))}</div></div>'
        )
        inner = arrow + info if arrow_first else info + arrow
        return f'<a class="{cls}" href="{esc(to.href)}">{inner}</a>'

    return (
        '<div class="related-pages">'
        + page("next-page", "Next", nxt, False)
        + page("prev-page", "Previous", prev, True)
        + "</div>"
    )


def relink(head: str, tail: str, prev: Neighbour, nxt: Neighbour) -> tuple[str, str]:
    """The shell's head and tail with this page's previous and next."""
    links = {"prev": prev, "next": nxt}

    def link(match: re.Match[str]) -> str:
        to = links[match[1]]
        return f'<link rel="{match[1]}" title="{esc(" ".join(to.title.split()))}" href="{esc(to.href)}">'

    return _LINK.sub(link, head), _RELATED.sub(lambda _: _footer(prev, nxt), tail, count=1)
