"""Sphinx's smart quotes without educating text that has nothing to educate.

Sphinx's ``SphinxSmartQuotes`` (docutils' ``SmartQuotes``) takes each block of text (a
``TextElement`` not inside another), asks of each of its texts whether it is smart-quotable
(a walk up its parents), rewrites each through ``smartquotes.educate_tokens`` (escapes, dashes,
ellipses, backticks, quotes: a dozen passes over the text) and puts a new ``Text`` with the result
in place of the old one. A text with none of ``" ' ` \\ & NUL``, ``--``, ``...``, ``. . .``
comes out of every pass as it went in, whether it is smart-quotable or literal (docutils'
unescaping only removes NULs); ``educate_tokens`` carries nothing from one text to the next but
the last character, which only changes quotes. So for a block whose texts all have none of them
(most: a need's title, a table cell, a plain sentence), :class:`QuickSmartQuotes` skips the passes
and puts ``Text(str(old))`` in place of each text as docutils does (the same node, the same
``source`` and ``line`` given by ``replace``), so the doctree pickles to the same bytes. Every
other block, the block's language and its warning for an unsupported one, are docutils' code as
it is. Used only while docutils' and Sphinx's code is the code this was written against (a digest
of ``docutils.utils.smartquotes``, ``SmartQuotes`` and ``SphinxSmartQuotes``), and not with the
``-1`` ("stupefy") action, which turns typographic characters back into ASCII.
``SMETS_QUICK_QUOTES=off`` educates every block.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from docutils import nodes, utils
from docutils.transforms import universal
from docutils.utils import smartquotes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxSmartQuotes

from ..corpus.cachedir import switched_off
from .sourcedigest import source_digest

SWITCH = "SMETS_QUICK_QUOTES"
#: what any of ``educate_tokens``' passes (and docutils' unescaping) could change in a text
_ACTIVE = re.compile(r"[\"'`\\&\x00]|--|\.\.\.|\. \. \.")
#: docutils 0.22.4 and Sphinx 9's code that :meth:`QuickSmartQuotes.apply` repeats or relies on
KNOWN = "0e0e611e700e1872f7e31df75b862ad02ca3ad399697fb5a27a912d8d091ddfc"


def inert(text: str) -> bool:
    """Whether ``educate_tokens`` (any action but ``-1``) gives ``text`` back as it is."""
    return _ACTIVE.search(text) is None


def code_digest() -> str:
    return source_digest(smartquotes, universal.SmartQuotes, SphinxSmartQuotes)


@functools.cache
def same_code() -> bool:
    return code_digest() == KNOWN


def usable() -> bool:
    return same_code() and not switched_off(SWITCH)


class QuickSmartQuotes(SphinxSmartQuotes):
    """``SphinxSmartQuotes`` that leaves out the passes over a block with nothing to educate."""

    def apply(self, **kwargs: Any) -> None:
        if not usable():
            super().apply(**kwargs)
            return
        if not self.is_available():
            return
        self.smartquotes_action = self.config.smartquotes_action
        self._educate()

    def _educate(self) -> None:
        """docutils 0.22's ``SmartQuotes.apply``, with the inert blocks' texts put back unchanged."""
        document: Any = self.document
        smart_quotes = document.settings.setdefault("smart_quotes", False)
        if not smart_quotes:
            return
        try:
            alternative = smart_quotes.startswith("alt")
        except AttributeError:
            alternative = False
        document_language = document.settings.language_code
        lc_smartquotes = document.settings.smartquotes_locales
        if lc_smartquotes:
            smartquotes.smartchars.quotes.update(dict(lc_smartquotes))
        stupefy = self.smartquotes_action == "-1"
        for node in document.findall(nodes.TextElement):
            if isinstance(node, self.nodes_to_skip):
                continue
            if isinstance(node.parent, nodes.TextElement):
                continue
            txtnodes = [
                txtnode
                for txtnode in node.findall(nodes.Text)
                if not isinstance(txtnode.parent, nodes.option_string)
            ]
            lang = node.get_language_code(document_language)
            if alternative:
                if "-x-altquot" in lang:
                    lang = lang.replace("-x-altquot", "")
                else:
                    lang += "-x-altquot"
            for tag in utils.normalize_language_tag(lang):
                if tag in smartquotes.smartchars.quotes:
                    lang = tag
                    break
            else:
                if lang not in self.unsupported_languages:
                    document.reporter.warning(
                        f'No smart quotes defined for language "{lang}".', base_node=node
                    )
                self.unsupported_languages.add(lang)
                lang = ""
            if not stupefy and all(_ACTIVE.search(txtnode) is None for txtnode in txtnodes):
                for txtnode in txtnodes:
                    txtnode.parent.replace(txtnode, nodes.Text(str(txtnode)))
                continue
            teacher = smartquotes.educate_tokens(
                self.get_tokens(txtnodes), attr=self.smartquotes_action, language=lang
            )
            for txtnode, newtext in zip(txtnodes, teacher, strict=False):
                txtnode.parent.replace(txtnode, nodes.Text(newtext))
        self.unsupported_languages.clear()


def register(app: Sphinx) -> None:
    """Put :class:`QuickSmartQuotes` where Sphinx registered its own (the same place in the order)."""
    transforms = app.registry.transforms
    for index, transform in enumerate(transforms):
        if transform is SphinxSmartQuotes:
            transforms[index] = QuickSmartQuotes
