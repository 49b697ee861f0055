"""``.. smets-duplicates::``: the duplicate-analysis page, re-read when the review file changes too.

The text comes from :func:`smets_spec.duplicates.page.duplicates_page` (reST headings around
raw HTML, links made by a :class:`~.linker.SphinxLinker`); importing that module also registers
the requirement-page panel.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from ..corpus.needkeys import facet
from ..corpus.schema import DataItem, Requirement, Term
from ..duplicates.page import (
    duplicates_page,
    forget_beside,
    scan_beside,
    scan_running,
    started_for,
    suppression_file,
)
from . import fingerprints, state, warmfull
from .linker import SphinxLinker
from .state import app_of, corpus_of


def duplicates_text(app: Sphinx, docname: str, args: tuple[str, ...]) -> str:
    corpus = corpus_of(app)
    return duplicates_page(corpus, list(args), SphinxLinker(app, corpus, docname))


class DuplicatesDirective(fingerprints.RenderedDirective):
    """Also re-read when ``spec/reviews/duplicates.toml`` changes (and so the panels with it)."""

    def run(self) -> list[nodes.Node]:
        path = suppression_file(corpus_of(app_of(self.env)))
        if path is not None and path.is_file():
            self.env.note_dependency(str(path))
        return super().run()


#: What the analysis reads (duplicates/items.py): the texts compared (requirements, data items, the
#: glossary: title, body, location, and the fields that group them or name a term's synonyms) and
#: which needs exist; the needs the page links are followed as mentions. So a link, a device or
#: a status edited renders the page (and so runs the scan) no more.
_READS = ("title", "text", "file", "line")
DEPS = (
    facet(Requirement, Term, aspects=(*_READS, "fields")),
    facet(DataItem, aspects=_READS),
    facet(),
)


def register(app: Sphinx) -> None:
    fingerprints.add_directive(app, "smets-duplicates", duplicates_text, base=DuplicatesDirective, deps=DEPS)
    # while the scan runs beside the build, the page is compared last (and its panel not warmed)
    fingerprints.LATE["smets-duplicates"] = ("duplicates", scan_running)
    # its summary counts the texts compared, one a requirement: after a requirement added or
    # deleted the page is read again without comparing it (fingerprints._left_to_read)
    fingerprints.COUNTS_REQUIREMENTS.add("smets-duplicates")
    corpus = state.offered()
    if corpus is not None and not warmfull.scan_skipped(app, corpus):
        # the duplicate scan after an edit starts now, in a forked copy, while this process loads
        # Sphinx's environment; the build takes its result if it builds this very corpus (none
        # for a full read of a corpus a full build read before: nothing there asks for it).
        # ``smets build`` may have started it already, for this very corpus (duplicates/early.py)
        if not started_for(corpus):
            scan_beside(corpus)
    elif corpus is not None and started_for(corpus):
        forget_beside()  # a copy started early that this build does not want (see early.py)
    app.connect("build-finished", lambda app, exc: forget_beside())
