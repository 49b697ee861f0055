"""Links between pages of the current build: need ids to URIs relative to a page.

The bottom of the extension's site modules: :mod:`.site`, :mod:`.cards` and
:mod:`.reqpages` import it; it imports none of them.

A relative URI depends on the folder of the page it is written on, not on the page itself
(RFC 3986: a reference resolves against the base's folder), except a link to the page itself
(the empty URI). So the URIs one page's :class:`SphinxLinker` works out are shared with every
other page of the same folder in the same build (:func:`_memo`): the computed pages link the
same ten thousand requirement pages from a handful of folders, and working out those URIs was
a quarter of a one-requirement edit's page renders.
"""

from __future__ import annotations

import weakref
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.util.osutil import relative_uri

from ..corpus.cachedir import switched_off
from ..corpus.load import Corpus
from ..corpus.schema import Requirement
from ..trace.graph import per_corpus

REQ_FOLDER = "req"

#: a target (a docname, or a need id) -> (its page's URI without a fragment, the URI relative to a
#: page of the folder)
FolderUris = dict[str, tuple[str, str]]


def relative_href(prefixes: dict[str, str], base: str, to: str) -> str:
    """``relative_uri(base, to)``, the part before the target's last segment kept in ``prefixes``
    (one per ``base``) by the target's folder.

    ``relative_uri`` drops the segments the two pages' folders share and climbs out of the rest
    of the base's: what it writes before the target's last segment depends on the two folders
    only. Its special cases (a target from the root, a target that is a folder, the page itself)
    and a target whose last segment is empty are handed to it whole.
    """
    page = to.split("#")[0]
    cut = page.rfind("/") + 1
    last = page[cut:]
    if not last or to.startswith("/") or page == base.split("#")[0]:
        return relative_uri(base, to)
    folder = page[:cut]
    prefix = prefixes.get(folder)
    if prefix is None:
        href = relative_uri(base, to)
        if not href.endswith(last):  # cannot happen (see above); the safe answer if it ever did
            return href
        prefix = prefixes[folder] = href[: len(href) - len(last)]
    return prefix + last


def docname_of(corpus: Corpus, need_id: str) -> str:
    """The document a need is written in (its location is relative to the source folder)."""
    return corpus.location(need_id).file.rsplit(".", 1)[0]


def has_requirement_pages(app: Sphinx) -> bool:
    """Whether the project has ``req/index.rst``, the shell of the requirement pages (see reqpages.py)."""
    return f"{REQ_FOLDER}/index" in app.env.found_docs


@per_corpus
def _uri_memos(corpus: Corpus) -> dict[int, tuple[weakref.ref[Any], _Memo]]:
    """Per builder of this corpus's build (by id, checked by a weak reference): the URIs worked
    out so far."""
    return {}


class _Memo:
    """One builder's target URIs, and per folder of linking pages (and whether the requirement
    pages exist) the hrefs of the needs and documents linked from there."""

    def __init__(self) -> None:
        self.targets: dict[str, str] = {}
        self.folders: dict[tuple[str, bool], tuple[FolderUris, FolderUris]] = {}  # docs, needs


def _memo(builder: Any, corpus: Corpus) -> _Memo | None:
    """The URIs shared by this build's pages (None: the builder makes relative URIs its own way,
    e.g. one page for the whole site, so nothing is shared)."""
    if type(builder).get_relative_uri is not Builder.get_relative_uri:
        return None
    memos = _uri_memos(corpus)
    entry = memos.get(id(builder))
    if entry is None or entry[0]() is not builder:
        entry = memos[id(builder)] = (weakref.ref(builder), _Memo())
    return entry[1]


class SphinxLinker:
    """:class:`~smets_spec.markup.html.Linker` for one page of the current build."""

    def __init__(self, app: Sphinx, corpus: Corpus, docname: str) -> None:
        self.app, self.corpus, self.docname = app, corpus, docname
        self._uris: dict[str, str] = {}
        self._ready = False
        self._memo: _Memo | None = None
        self._base = ""  # this page's URI
        self._page = ""  # ... without a fragment: a target with this URI is this page
        self._docs: FolderUris = {}  # shared with the pages of this folder, by docname
        self._needs: FolderUris = {}  # ... by need id
        self._prefixes: dict[str, str] | None = None if switched_off("SMETS_LINK_PREFIX") else {}

    def _start(self) -> None:
        builder = self.app.builder
        self._memo = _memo(builder, self.corpus)
        if self._memo is not None:
            self._base = self._target(self.docname)
            self._page = self._base.partition("#")[0]
            folder = (self._page.rpartition("/")[0], has_requirement_pages(self.app))
            self._docs, self._needs = self._memo.folders.setdefault(folder, ({}, {}))
        self._ready = True

    def _target(self, docname: str) -> str:
        assert self._memo is not None
        uri = self._memo.targets.get(docname)
        if uri is None:
            uri = self._memo.targets[docname] = str(self.app.builder.get_target_uri(docname))
        return uri

    def doc(self, docname: str) -> str:
        uri = self._uris.get(docname)
        if uri is None:
            uri = self._uris[docname] = self._relative(docname)
        return uri

    def _relative(self, docname: str) -> str:
        if not self._ready:
            self._start()
        if self._memo is None:
            return str(self.app.builder.get_relative_uri(self.docname, docname))
        known = self._docs.get(docname)
        if known is not None and known[0] != self._page:
            return known[1]
        return self._shared(self._docs, docname, docname)

    def _shared(self, folder: FolderUris, key: str, docname: str, fragment: str = "") -> str:
        """The href of ``docname`` (and ``fragment``) from this page, kept in ``folder`` under ``key``
        for the other pages of this folder, unless it is this very page (whose link is its own)."""
        target = self._target(docname)
        if self._prefixes is None:
            href = relative_uri(self._base, target) + fragment  # Builder.get_relative_uri, each target once
        else:
            href = relative_href(self._prefixes, self._base, target) + fragment
        page = target.partition("#")[0]
        if page != self._page:
            folder[key] = (page, href)
        return href

    def need(self, need_id: str) -> str:
        if not self._ready:
            self._start()
        known = self._needs.get(need_id)
        if known is not None and known[0] != self._page:
            return known[1]
        need = self.corpus.needs.get(need_id)
        if need is None:
            return "#"
        if isinstance(need, Requirement) and has_requirement_pages(self.app):
            docname, fragment = f"{REQ_FOLDER}/{need_id}", ""
        else:
            docname, fragment = docname_of(self.corpus, need_id), f"#{need_id}"
        if self._memo is None:
            return self.doc(docname) + fragment
        return self._shared(self._needs, need_id, docname, fragment)
