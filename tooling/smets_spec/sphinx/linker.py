"""Links between pages of the current build: need ids to URIs relative to a page.

The bottom of the extension's site modules: :mod:`.site`, :mod:`.cards` and
:mod:`.reqpages` import it; it imports none of them.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from ..corpus.load import Corpus
from ..corpus.schema import Requirement

REQ_FOLDER = "req"


def docname_of(corpus: Corpus, need_id: str) -> str:
    """The document a need is written in (its location is relative to the source folder)."""
    return corpus.location(need_id).file.rsplit(".", 1)[0]


def has_requirement_pages(app: Sphinx) -> bool:
    """Whether the project has ``req/index.rst``, the shell of the requirement pages (see reqpages.py)."""
    return f"{REQ_FOLDER}/index" in app.env.found_docs


class SphinxLinker:
    """:class:`~smets_spec.markup.html.Linker` for one page of the current build."""

    def __init__(self, app: Sphinx, corpus: Corpus, docname: str) -> None:
        self.app, self.corpus, self.docname = app, corpus, docname
        self._uris: dict[str, str] = {}

    def doc(self, docname: str) -> str:
        uri = self._uris.get(docname)
        if uri is None:
            uri = self._uris[docname] = str(self.app.builder.get_relative_uri(self.docname, docname))
        return uri

    def need(self, need_id: str) -> str:
        if isinstance(self.corpus.needs.get(need_id), Requirement) and has_requirement_pages(self.app):
            return self.doc(f"{REQ_FOLDER}/{need_id}")
        if need_id not in self.corpus.needs:
            return "#"
        return f"{self.doc(docname_of(self.corpus, need_id))}#{need_id}"
