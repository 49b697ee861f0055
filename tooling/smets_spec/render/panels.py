"""Panels shown on every requirement's own page, contributed by each feature.

A panel is a pure function ``(corpus, requirement_id) -> reST text`` ("" when it
has nothing to show). Features (traceability, conformance, consultation,
duplicates, change control) register theirs here at import time with
:func:`panel`; the requirement page renders them in registration order.
Expensive analyses should cache their result per corpus (e.g. keyed by
``id(corpus)``) so that 10,000 pages do not recompute them 10,000 times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..corpus import Corpus

if TYPE_CHECKING:
    from .html import Linker

PanelFunc = Callable[[Corpus, str], str]
#: ``(corpus, requirement_id, linker) -> HTML``: for panels with large tables, which reST parses slowly.
HtmlPanelFunc = Callable[[Corpus, str, "Linker"], str]


@dataclass(frozen=True)
class Panel:
    name: str
    title: str
    render: PanelFunc
    order: int = 100
    #: when set, the page shows this HTML fragment (links made by the linker) instead of ``render``'s reST
    html: HtmlPanelFunc | None = None


PANELS: dict[str, Panel] = {}


def panel(name: str, title: str, order: int = 100) -> Callable[[PanelFunc], PanelFunc]:
    """Decorator: register ``func`` as the panel ``name`` with a heading ``title``."""

    def register(func: PanelFunc) -> PanelFunc:
        PANELS[name] = Panel(name, title, func, order)
        return func

    return register


def _no_text(corpus: Corpus, requirement_id: str) -> str:
    return ""


def html_panel(name: str, title: str, order: int = 100) -> Callable[[HtmlPanelFunc], HtmlPanelFunc]:
    """Decorator: register ``func(corpus, requirement_id, linker) -> HTML`` as the panel ``name``."""

    def register(func: HtmlPanelFunc) -> HtmlPanelFunc:
        PANELS[name] = Panel(name, title, _no_text, order, html=func)
        return func

    return register


def ordered() -> list[Panel]:
    return sorted(PANELS.values(), key=lambda p: (p.order, p.name))
