"""Sphinx's check for dangling references without noting every unreferenced target in the doctree.

After resolving a document's references, docutils' ``DanglingReferences`` (Sphinx's
``SphinxDanglingReferences``, which only keeps its info messages off the console) makes an info
message "Hyperlink target ... is not referenced." for each target nothing refers to: every need's
target, 50 a page of requirements. Such a message reaches only the document's
``transform_messages`` (the document's observer of its reporter), which docutils' ``Messages``
transform would put on the page, but a Sphinx build does not run that transform: the messages are
pickled with the doctree, unread (about 45 % of the pickling time of a page of requirements), and
unpickled by each page's writer. :class:`QuickDanglingReferences` resolves the references as
docutils does (its own visitor) and looks at each unreferenced target as docutils does (the same
name, the same error for a target with none), without making the message; only while making it
could have no other effect (an info message cannot stop the build, the document's list is the
reporter's only observer, and no ``Messages`` transform is to run) and only while docutils' and
Sphinx's code is the code this was written against (a digest of it). The site is the same; the
doctrees hold no such messages. ``SMETS_QUICK_TARGETS=off`` makes them.
"""

from __future__ import annotations

import functools
from typing import Any

from docutils import nodes, utils
from docutils.transforms import Transformer, universal
from docutils.transforms.references import DanglingReferences, DanglingReferencesVisitor
from sphinx.application import Sphinx
from sphinx.transforms.references import SphinxDanglingReferences

from ..corpus.cachedir import switched_off
from .sourcedigest import source_digest

SWITCH = "SMETS_QUICK_TARGETS"
KNOWN = "3ae92c34cae022fe8b277ffa00bb695b88485be5dcfb868f48f53ae3888a018f"
#: transforms that read ``document.transform_messages`` (none is registered by Sphinx)
_READERS = (universal.Messages, universal.TestMessages)


def code_digest() -> str:
    reporter = utils.Reporter
    return source_digest(
        DanglingReferences,
        SphinxDanglingReferences,
        reporter.system_message,
        reporter.info,
        reporter.notify_observers,
        Transformer.apply_transforms,
        nodes.document.note_transform_message,
    )


@functools.cache
def same_code() -> bool:
    return code_digest() == KNOWN


def _messages_unread(document: nodes.document) -> bool:
    """Whether an info message would only be appended to ``document.transform_messages``, unread."""
    reporter: Any = document.reporter
    transformer: Any = getattr(document, "transformer", None)
    if reporter is None or transformer is None or reporter.halt_level <= reporter.INFO_LEVEL:
        return False
    if list(reporter.observers) != [document.note_transform_message]:
        return False
    pending = [entry[1] for entry in getattr(transformer, "transforms", ())]
    return not any(issubclass(cls, _READERS) for cls in pending if isinstance(cls, type))


class QuickDanglingReferences(SphinxDanglingReferences):
    """``SphinxDanglingReferences`` without the unread info messages (see the module's doc)."""

    def apply(self, **kwargs: Any) -> None:
        document = self.document
        if switched_off(SWITCH) or not same_code() or not _messages_unread(document):
            super().apply(**kwargs)
            return
        reporter = document.reporter
        report_level = reporter.report_level
        try:
            reporter.report_level = max(reporter.WARNING_LEVEL, report_level)
            visitor = DanglingReferencesVisitor(document, document.transformer.unknown_reference_resolvers)
            document.walk(visitor)
            for target in document.findall(nodes.target):
                if target.referenced or target.get("anonymous"):
                    continue
                if not target["names"] and not target["ids"]:
                    target["refid"]  # docutils' own KeyError for a target with no name
        finally:
            reporter.report_level = report_level


def register(app: Sphinx) -> None:
    """Put :class:`QuickDanglingReferences` where Sphinx registered its own (the same place in the order)."""
    transforms = app.registry.transforms
    for index, transform in enumerate(transforms):
        if transform is SphinxDanglingReferences:
            transforms[index] = QuickDanglingReferences
