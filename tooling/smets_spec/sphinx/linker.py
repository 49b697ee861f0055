"""Links between pages of the current build: need ids to URIs relative to a page.

The bottom of the extension's site modules: :mod:`.site`, :mod:`.cards` and
:mod:`.reqpages` import it; it imports none of them.

A relative URI depends on the folder of the page it is written on, not on the page itself
(RFC 3986: a reference resolves against the base's folder), except a link to the page itself
(the empty URI). So the URIs one page's :class:`SphinxLinker` works out are shared with every
other page of the same folder in the same build (:func:`_folder_uris`): the computed pages
link the same ten thousand requirement pages from a handful of folders, and
``get_relative_uri`` was a quarter of a one-requirement edit's page renders.
"""

from __future__ import annotations

import weakref
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders import Builder

from ..corpus.load import Corpus
from ..corpus.schema import Requirement
from ..trace.graph import per_corpus

REQ_FOLDER = "req"

#: target docname -> (its target URI without a fragment, the URI relative to a page of the folder)
FolderUris = dict[str, tuple[str, str]]


def docname_of(corpus: Corpus, need_id: str) -> str:
    """The document a need is written in (its location is relative to the source folder)."""
    return corpus.location(need_id).file.rsplit(".", 1)[0]


def has_requirement_pages(app: Sphinx) -> bool:
    """Whether the project has ``req/index.rst``, the shell of the requirement pages (see reqpages.py)."""
    return f"{REQ_FOLDER}/index" in app.env.found_docs


@per_corpus
def _uri_memos(corpus: Corpus) -> dict[int, tuple[weakref.ref[Any], dict[str, FolderUris]]]:
    """Per builder of this corpus's build (by id, checked by a weak reference), per folder of the
    pages linking: the URIs worked out so far."""
    return {}


def _folder_uris(builder: Any, corpus: Corpus, base: str) -> FolderUris | None:
    """The URIs shared by the pages of ``base``'s folder (None: the builder makes relative URIs
    its own way, e.g. one page for the whole site, so nothing is shared)."""
    if type(builder).get_relative_uri is not Builder.get_relative_uri:
        return None
    memos = _uri_memos(corpus)
    entry = memos.get(id(builder))
    if entry is None or entry[0]() is not builder:
        entry = memos[id(builder)] = (weakref.ref(builder), {})
    folder = base.partition("#")[0].rpartition("/")[0]
    return entry[1].setdefault(folder, {})


class SphinxLinker:
    """:class:`~smets_spec.markup.html.Linker` for one page of the current build."""

    def __init__(self, app: Sphinx, corpus: Corpus, docname: str) -> None:
        self.app, self.corpus, self.docname = app, corpus, docname
        self._uris: dict[str, str] = {}
        self._base: str | None = None  # this page's URI (without a fragment), once a link is made
        self._shared: FolderUris | None = None

    def doc(self, docname: str) -> str:
        uri = self._uris.get(docname)
        if uri is None:
            uri = self._uris[docname] = self._relative(docname)
        return uri

    def _relative(self, docname: str) -> str:
        builder = self.app.builder
        if self._base is None:
            self._base = str(builder.get_target_uri(self.docname)).partition("#")[0]
            self._shared = _folder_uris(builder, self.corpus, self._base)
        shared = self._shared
        known = shared.get(docname) if shared is not None else None
        if known is not None and known[0] != self._base:
            return known[1]
        relative = str(builder.get_relative_uri(self.docname, docname))
        if shared is not None and known is None:
            target = str(builder.get_target_uri(docname)).partition("#")[0]
            if target != self._base:  # a link to this very page is this page's own
                shared[docname] = (target, relative)
        return relative

    def need(self, need_id: str) -> str:
        if isinstance(self.corpus.needs.get(need_id), Requirement) and has_requirement_pages(self.app):
            return self.doc(f"{REQ_FOLDER}/{need_id}")
        if need_id not in self.corpus.needs:
            return "#"
        return f"{self.doc(docname_of(self.corpus, need_id))}#{need_id}"
