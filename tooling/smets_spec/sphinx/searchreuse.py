"""The requirement pages' search entries of the last build kept when nothing they were made from changed.

Sphinx's index (``searchindex.js``) maps each word to the pages that hold it; an incremental
build loads the last one and forgets, first, the pages it is about to write again. The
requirement pages are fed by :mod:`.search`, outside Sphinx's documents, so Sphinx would forget
them all and every build fed all of them again (1.2 s of CPU at 10,000 requirements, and the
small doctrees built for it). Instead, a record in Sphinx's saved state (the doctree folder,
beside the pickled environment) names, for each requirement
page, the SHA-256 of exactly what was fed for it (page name, file, title, the words' source
text), and the SHA-256 of the ``searchindex.js`` it went into. When the index Sphinx loads is
that file and the build's key (this package's code, the libraries, the search language and
options) is the same:

* the requirement pages of the loaded index are kept through Sphinx's first pruning;
* a page whose inputs hash as recorded is not fed again: its entries are the ones a feed would
  make (:meth:`sphinx.search.IndexBuilder.feed` maps one page's doctree to words alone);
* every other page is pruned from the index first (feeding adds to the old words, it does not
  replace them), then fed; pages of removed requirements are pruned when the index is written.

Anything else (no record, a record of another index or key, a wrong-shaped record) feeds every
page, as a full build does. ``tests/test_incremental_global.py`` compares the index after random
edits with a full build's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ..corpus.files import write_atomic
from .rendercache import context_digest

#: in Sphinx's own saved state (``OUT/.doctrees`` for `smets build`), beside its pickled environment
RECORD = "smets-search-pages.json"
_LOADED = "_smets_search_reused"
#: the record's format: a change makes every old record unused
FORMAT = "smets-search-pages/1"


def _key(app: Sphinx) -> str:
    config = app.config
    language = str(config.html_search_language or config.language)
    options = json.dumps(config.html_search_options, sort_keys=True, default=str)
    return context_digest([FORMAT, language, options])


def _index_digest(app: Sphinx) -> str | None:
    path = Path(app.outdir) / str(getattr(app.builder, "searchindex_filename", "searchindex.js"))
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _read_record(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pages"), dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data["pages"].items()):
        return None
    return data


def recorded_pages(app: Sphinx) -> dict[str, str]:
    """The requirement pages of the index this build loaded, by name, with their inputs' digest
    (empty when that index is not the one the record was written with, or the key changed)."""
    record = _read_record(Path(app.doctreedir))
    if record is None or record.get("key") != _key(app):
        return {}
    if record.get("index") != _index_digest(app):
        return {}
    pages: dict[str, str] = record["pages"]
    return pages


def keep_on_load(app: Sphinx) -> None:
    """``builder-inited``: when Sphinx loads the last index, keep the recorded requirement pages."""
    builder = app.builder
    original: Callable[[Any], None] | None = getattr(builder, "load_indexer", None)
    if original is None:
        return

    def load_indexer(docnames: Any) -> None:
        pages = recorded_pages(app)
        setattr(app, _LOADED, pages)
        indexer: Any = getattr(builder, "indexer")  # noqa: B009 - the HTML builder's, made just before
        prune = indexer.prune

        def keeping(keep: Iterable[str]) -> None:
            prune(set(keep) | (set(pages) & set(indexer._titles)))

        indexer.prune = keeping
        try:
            original(docnames)
        finally:
            del indexer.prune  # the class's own method again

    builder.load_indexer = load_indexer  # type: ignore[attr-defined]


def unchanged(app: Sphinx, indexer: Any, digests: dict[str, str]) -> set[str]:
    """The pages (of ``digests``: name to inputs' digest) whose loaded entries stand; every other
    loaded requirement page is pruned from ``indexer`` here, before it is fed again."""
    loaded: dict[str, str] = getattr(app, _LOADED, {})
    present = set(indexer._titles)
    kept = {name for name, digest in digests.items() if loaded.get(name) == digest and name in present}
    stale = (set(loaded) & present) - kept
    if stale:
        type(indexer).prune(indexer, present - stale)
    return kept


def write_record(app: Sphinx, digests: dict[str, str]) -> None:
    """After the index is written: what each requirement page was fed from, and which index."""
    index = _index_digest(app)
    if index is None:
        return
    record = {"format": FORMAT, "key": _key(app), "index": index, "pages": digests}
    write_atomic(Path(app.doctreedir) / RECORD, json.dumps(record, sort_keys=True), durable=False)
