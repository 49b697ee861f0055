"""sphinx-needs' purge of a document, finding the document's needs from an index: the same result.

sphinx-needs forgets a document's needs at every ``env-purge-doc`` (``purge_needs`` ->
``SphinxNeedsData.remove_doc``), which Sphinx emits for every document it reads, in an empty
output folder too, and ``readback`` for every document a forked reader did not read. Its
``remove_doc`` asks *every* need whether it is in the document (``NeedItem.is_in_document``):
at 10,000 requirements (18,498 needs, ~400 documents) 3.6 million calls, about 3 s of every
full build.

Here ``remove_doc`` takes the document's candidates from an index, docname -> need ids, kept
beside the environment's needs (never pickled: built from the needs by one pass the first time
it is needed in a process) and kept up to date by the two ways sphinx-needs adds and removes a
need during the read, ``SphinxNeedsData.add_need`` and ``remove_need``, which are wrapped to
tell it. Each candidate is still asked ``is_in_document`` before it is deleted, so nothing is
ever removed that sphinx-needs would keep. The index is thrown away, and built again on the
next purge, whenever it may have missed a change made past those methods: when the needs are
another dict than the one it indexed, when their number differs from the index's, and after
each ``env-merge-info`` (sphinx-needs' ``merge_data`` writes into the dict directly). A need's
``docname`` is a source field, which ``NeedItem`` refuses to change.

Everything else ``remove_doc`` does (the need nodes, the docs per category, the needextend and
needuml entries of the document, the refusal once the needs are post-processed) is done by
the same statements as sphinx-needs 9.1.0's ``remove_doc``, copied in :func:`remove_doc` (MIT
licence, Copyright (c) 2016-2025 useblocks GmbH).
:func:`install` replaces it only on that version of sphinx-needs, and leaves sphinx-needs as
it is on any other. ``tests/test_needs_purge.py`` compares both on the built spec and on a
generated one, under seeded random purges and re-reads.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from . import needs_release

#: the sphinx-needs release whose ``remove_doc``, ``add_need`` and ``remove_need`` this matches
SUPPORTED = needs_release.RELEASE
#: sphinx-needs' own methods, by name, once installed (for the tests and for :func:`uninstall`)
ORIGINAL: dict[str, Any] = {}
_MISSING = object()


class _Index:
    """docname -> ids of the needs in it (in the order they were added), for one needs dict."""

    __slots__ = ("docs", "needs", "where")

    def __init__(self, needs: dict[str, Any]) -> None:
        self.needs = needs
        self.docs: dict[Any, dict[str, None]] = {}
        self.where: dict[str, Any] = {}
        for key, need in needs.items():
            self.add(key, need)

    def add(self, key: str, need: Any) -> None:
        self.drop(key)
        docname = need._source.dict_repr.get("docname")
        self.where[key] = docname
        self.docs.setdefault(docname, {})[key] = None

    def drop(self, key: str) -> None:
        docname = self.where.pop(key, _MISSING)
        if docname is not _MISSING:
            bucket = self.docs[docname]
            del bucket[key]
            if not bucket:
                del self.docs[docname]

    def current(self, needs: dict[str, Any]) -> bool:
        """Whether this still indexes ``needs`` (the same dict, as many needs)."""
        return self.needs is needs and len(self.where) == len(needs)


_INDEXES: WeakKeyDictionary[Any, _Index] = WeakKeyDictionary()


def _index(data: Any) -> _Index:
    """The index of ``data``'s needs, built again if it may be out of date."""
    needs = data._env_needs
    index = _INDEXES.get(data.env)
    if index is None or not index.current(needs):
        index = _INDEXES[data.env] = _Index(needs)
    return index


def add_need(self: Any, need: Any) -> None:
    """sphinx-needs' ``SphinxNeedsData.add_need``, telling the index."""
    ORIGINAL["add_need"](self, need)
    index = _INDEXES.get(self.env)
    if index is not None:
        index.add(need["id"], need)


def remove_need(self: Any, need_id: str) -> None:
    """sphinx-needs' ``SphinxNeedsData.remove_need``, telling the index."""
    ORIGINAL["remove_need"](self, need_id)
    index = _INDEXES.get(self.env)
    if index is not None:
        index.drop(need_id)


def remove_doc(self: Any, docname: str) -> None:
    """sphinx-needs' ``SphinxNeedsData.remove_doc`` (9.1.0), the document's needs from the index."""
    if self.needs_is_post_processed:
        raise RuntimeError("Needs have already been post-processed and frozen.")
    needs = self._env_needs
    index = _index(self)
    for need_id in list(index.docs.get(docname, ())):
        if needs[need_id].is_in_document(docname):
            del needs[need_id]
            index.drop(need_id)
            self.remove_need_node(need_id)
    # from here on, sphinx-needs' own statements
    docs = self.get_or_create_docs()
    for key, value in docs.items():
        docs[key] = [doc for doc in value if doc != docname]
    extends = self.get_or_create_extends()
    for extend_id in list(extends):
        if extends[extend_id]["docname"] == docname:
            del extends[extend_id]
    umls = self.get_or_create_umls()
    for uml_id in list(umls):
        if umls[uml_id]["docname"] == docname:
            del umls[uml_id]


def forget(app: Any, env: Any, *args: Any) -> None:
    """Drop ``env``'s index (at ``env-merge-info``: the merge writes into the needs directly)."""
    _INDEXES.pop(env, None)


def install(app: Any = None) -> bool:
    """Use :func:`remove_doc` (and the index) in sphinx-needs; False, and nothing changed, on
    a sphinx-needs release other than :data:`SUPPORTED`. Idempotent."""
    if not needs_release.matches():
        return False
    from sphinx_needs.data import SphinxNeedsData

    if not ORIGINAL:
        ORIGINAL.update(
            add_need=SphinxNeedsData.add_need,
            remove_need=SphinxNeedsData.remove_need,
            remove_doc=SphinxNeedsData.remove_doc,
        )
        SphinxNeedsData.add_need = add_need  # type: ignore[method-assign]
        SphinxNeedsData.remove_need = remove_need  # type: ignore[method-assign]
        SphinxNeedsData.remove_doc = remove_doc  # type: ignore[method-assign]
    if app is not None:
        app.connect("env-merge-info", forget)
    return True


def uninstall() -> None:
    """sphinx-needs' own methods back (for the tests' side-by-side runs)."""
    from sphinx_needs.data import SphinxNeedsData

    for name, method in ORIGINAL.items():
        setattr(SphinxNeedsData, name, method)
    ORIGINAL.clear()
    _INDEXES.clear()
