"""Panels shown on every requirement's own page, contributed by each feature.

A panel is a pure function ``(corpus, requirement_id, linker) -> HTML`` ("" when it has
nothing to show); links are made by the :class:`~.html.Linker`. Features (traceability,
conformance, consultation, duplicates, change control) register theirs here at import
time with :func:`html_panel`; the requirement page renders them in order. Panels are
HTML, not reST: thousands of pages of generated reST cost docutils far more than the
pages are worth. Expensive analyses should cache their result per corpus (e.g. keyed
by ``id(corpus)``) so that 10,000 pages do not recompute them 10,000 times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..corpus.load import Corpus

if TYPE_CHECKING:
    from .html import Linker

#: ``(corpus, requirement_id, linker) -> HTML``
HtmlPanelFunc = Callable[[Corpus, str, "Linker"], str]


@dataclass(frozen=True)
class Panel:
    name: str
    title: str
    html: HtmlPanelFunc
    order: int = 100


PANELS: dict[str, Panel] = {}


def html_panel(name: str, title: str, order: int = 100) -> Callable[[HtmlPanelFunc], HtmlPanelFunc]:
    """Decorator: register ``func(corpus, requirement_id, linker) -> HTML`` as the panel ``name``."""

    def register(func: HtmlPanelFunc) -> HtmlPanelFunc:
        PANELS[name] = Panel(name, title, func, order)
        return func

    return register


def ordered() -> list[Panel]:
    return sorted(PANELS.values(), key=lambda p: (p.order, p.name))


#: ``(corpus, requirement_id, linker) -> the panel's HTML cut where its fill goes``
PartsFunc = Callable[[Corpus, str, "Linker"], list[str]]


@dataclass(frozen=True)
class Splice:
    """A panel whose HTML is ``fill().join(parts(corpus, requirement_id, linker))``, ``fill()`` the
    same on every page of one build (the conformance run a status comes from): a page's body can
    be kept without it and the fill put in where the page is written."""

    parts: PartsFunc
    fill: Callable[[], str]


SPLICES: dict[str, Splice] = {}


def spliced_panel(name: str, parts: PartsFunc, fill: Callable[[], str]) -> None:
    """Say that the panel ``name`` (registered with :func:`html_panel`) is ``fill().join(parts(...))``."""
    SPLICES[name] = Splice(parts, fill)
