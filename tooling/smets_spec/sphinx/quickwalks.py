"""Three of Sphinx's read transforms walking the doctree by node class rather than by matcher.

Sphinx finds the nodes of ``TranslationProgressTotaliser`` (elements with a ``translated``
attribute), ``RemoveTranslatableInline`` (inline nodes with a ``translatable`` attribute) and
``FootnoteDocnameUpdater`` (footnotes and footnote references) with a ``NodeMatcher``: docutils
then walks every node through its general traversal and calls the matcher, a Python function, on
each (together about 0.26 s CPU of a warm read at 2,000 requirements, on trees most of whose nodes
match none). docutils' own walk by class (``findall(cls)``) finds the same nodes in the same order
with an ``isinstance`` per node. :class:`QuickTotaliser` counts the elements having ``translated``
among ``findall(nodes.Element)`` (what the matcher tests: an element, the key among its
attributes); :class:`QuickInlineRemover` looks for an inline node having ``translatable`` and, when
there is one, runs Sphinx's own code (which changes the tree while it walks it); with none, Sphinx's
does nothing either; :class:`QuickFootnoteDocnames` sets ``docname`` on the footnotes, then the
footnote references (each node gets the same value once: the order does not show). Each stands in
for Sphinx's class at the same place in the transform order, and only while Sphinx's three are the
code this was written against (a digest of their source). ``SMETS_QUICK_WALKS=off`` runs Sphinx's.
"""

from __future__ import annotations

import functools
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.latex.transforms import FootnoteDocnameUpdater
from sphinx.transforms.i18n import RemoveTranslatableInline, TranslationProgressTotaliser

from ..corpus.cachedir import switched_off
from .sourcedigest import source_digest

SWITCH = "SMETS_QUICK_WALKS"
KNOWN = "c0b3e3c74bdb6797688a3d6f5bf2f6b7ca56e77f7c60cce5d946e429b1a15e28"


def code_digest() -> str:
    return source_digest(TranslationProgressTotaliser, RemoveTranslatableInline, FootnoteDocnameUpdater)


@functools.cache
def same_code() -> bool:
    return code_digest() == KNOWN


def usable() -> bool:
    return same_code() and not switched_off(SWITCH)


class QuickTotaliser(TranslationProgressTotaliser):
    """``TranslationProgressTotaliser`` counting along docutils' walk by class."""

    def apply(self, **kwargs: Any) -> None:
        if not usable():
            super().apply(**kwargs)
            return
        from sphinx.builders.gettext import MessageCatalogBuilder

        if issubclass(self.env._builder_cls, MessageCatalogBuilder):
            return
        total = translated = 0
        for node in self.document.findall(nodes.Element):
            if "translated" in node.attributes:
                total += 1
                if node["translated"]:
                    translated += 1
        self.document["translation_progress"] = {"total": total, "translated": translated}


class QuickInlineRemover(RemoveTranslatableInline):
    """``RemoveTranslatableInline``, not run on a doctree without a translatable inline node."""

    def apply(self, **kwargs: Any) -> None:
        if usable() and not any(
            "translatable" in node.attributes for node in self.document.findall(nodes.inline)
        ):
            return
        super().apply(**kwargs)


class QuickFootnoteDocnames(FootnoteDocnameUpdater):
    """``FootnoteDocnameUpdater`` along docutils' walk by class."""

    def apply(self, **kwargs: Any) -> None:
        if not usable():
            super().apply(**kwargs)
            return
        for cls in self.TARGET_NODES:
            for node in self.document.findall(cls):
                node["docname"] = self.env.current_document.docname


_STANDINS: dict[type, type] = {
    TranslationProgressTotaliser: QuickTotaliser,
    RemoveTranslatableInline: QuickInlineRemover,
    FootnoteDocnameUpdater: QuickFootnoteDocnames,
}


def register(app: Sphinx) -> None:
    """Put each stand-in where Sphinx registered its class (the same place in the order)."""
    transforms = app.registry.transforms
    for index, transform in enumerate(transforms):
        transforms[index] = _STANDINS.get(transform, transform)
