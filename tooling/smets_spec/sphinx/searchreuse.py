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

**A build that changes nothing in the index does not load or write it.** When Sphinx writes no
document and the record stands, the last index is not loaded (0.6 s of CPU at 10,000
requirements) until something needs it: a page fed (:func:`ensure_loaded`). If, when Sphinx
would write the index, nothing was fed, and everything else the written index is made of is as
recorded (the documents, every domain's objects and their type names, the object types and
names Sphinx keeps, the index entries: :func:`dump_inputs`), Sphinx would load the file, prune
nothing and write the same file again; it is left as it is (another 0.6 s). Otherwise it is
loaded then and written as always. ``SMETS_SEARCH_CACHE=off`` switches this off too.
``tests/test_search_unchanged.py`` compares the file with Sphinx's own path.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ..corpus.cachedir import switched_off
from ..corpus.files import read_regular, write_atomic
from ..forking import no_gc
from . import searchbeside, searchcache, searchmemory
from .rendercache import context_digest

#: in Sphinx's own saved state (``OUT/.doctrees`` for `smets build`), beside its pickled environment
RECORD = "smets-search-pages.json"
#: the largest record read back (a few MB at 10,000 requirements; anything larger is no record)
_LARGEST = 1 << 30
_LOADED = "_smets_search_reused"
_DEFERRED = "_smets_search_deferred"
_DUMP = "_smets_search_dump_inputs"
_CONFIRMED = "_smets_search_pages_as_recorded"
#: the last index's load put off until the page writers have forked (:func:`load_later`)
_LATER = "_smets_search_load_later"
#: ``SMETS_INDEX_LOAD_LATER=off``: the last index loaded as Sphinx prepares the write
LATER_SWITCH = "SMETS_INDEX_LOAD_LATER"
#: whether this build's write is one that calls :func:`load_later` (given by :mod:`.forkwrite`)
LATER_WRITE: list[Callable[[Any], bool]] = [lambda builder: False]
#: what runs first as the index is written (:func:`.searchlater.catch_up`: the pages held fed)
BEFORE_DUMP: list[Callable[[Any], None]] = [lambda app: None]
#: the record's format: a change makes every old record unused
FORMAT = "smets-search-pages/2"
SWITCHES = ("SMETS_SEARCH_CACHE", "SMETS_RENDER_CACHE")


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
    raw = read_regular(folder / RECORD, _LARGEST)
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pages"), dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data["pages"].items()):
        return None
    return data


def _standing(app: Sphinx) -> dict[str, Any] | None:
    """The record, when it is of the index this build loads and of this build's key."""
    record = _read_record(Path(app.doctreedir))
    if record is None or record.get("key") != _key(app):
        return None
    if record.get("index") != _index_digest(app):
        return None
    return record


def dump_inputs(app: Sphinx, indexer: Any) -> str:
    """Digest of what the written index is made of besides its pages' entries: the documents, each
    domain's objects and type names, the object types and names kept in Sphinx's environment,
    and the index entries (the pages that have some, in their order: Sphinx's ``freeze`` lists
    them in it, and skips a page with none)."""
    domains = [
        (
            d.name,
            sorted(d.get_objects()),
            sorted((k, str(d.get_type_name(v))) for k, v in d.object_types.items()),
        )
        for d in indexer._domains.sorted()
    ]
    parts = [
        json.dumps(sorted(app.env.all_docs)),
        repr(domains),
        repr(sorted(indexer._objtypes.items())),
        repr(sorted(indexer._objnames.items())),
        repr([(name, entries) for name, entries in indexer._index_entries.items() if entries]),
        str(indexer._env_version),
    ]
    return context_digest(parts)


def keep_on_load(app: Sphinx) -> None:
    """``builder-inited``: when Sphinx loads the last index, keep the recorded requirement pages;
    when it writes no document, load it only when needed, and write it only when changed."""
    builder = app.builder
    original: Callable[[Any], None] | None = getattr(builder, "load_indexer", None)
    dump: Callable[[], None] | None = getattr(builder, "dump_search_index", None)
    if original is None or dump is None:
        return

    def load_now(docnames: Any) -> None:
        record = _standing(app)
        pages: dict[str, str] = {} if record is None else record["pages"]
        setattr(app, _LOADED, pages)
        indexer: Any = getattr(builder, "indexer")  # noqa: B009 - the HTML builder's, made just before
        searchmemory.adopt(indexer)  # compact before it loads: the file read into its stores directly
        if record is not None:  # the file the last build wrote: its word maps may stay as numbers
            searchmemory.trust(indexer)
        previous = indexer.__dict__.get("prune")  # (the requirement pages' own, when fed before)
        prune = indexer.prune

        def keeping(keep: Iterable[str]) -> None:
            prune(set(keep) | (set(pages) & set(indexer._titles)))

        indexer.prune = keeping
        try:
            with _paused():
                original(docnames)
        finally:
            if previous is None:
                del indexer.prune  # the class's own method again
            else:
                indexer.prune = previous

    def load_indexer(docnames: Any) -> None:
        for name in (_DEFERRED, _CONFIRMED, _DUMP, _LATER):  # (what a build of this app left before)
            if hasattr(app, name):
                delattr(app, name)
        if docnames and LATER_WRITE[0](builder) and app.parallel > 1 and not switched_off(LATER_SWITCH):
            setattr(app, _LATER, functools.partial(load_now, docnames))  # (load_later, ensure_loaded)
            return
        record = None if docnames or switched_off(*SWITCHES) else _standing(app)
        if record is None or not isinstance(record.get("dump"), str):
            load_now(docnames)
            return
        setattr(app, _LOADED, record["pages"])
        setattr(
            app, _DEFERRED, (functools.partial(load_now, docnames), record["dump"], bool(record["pages"]))
        )

    def dump_search_index() -> None:
        with _paused():
            dump_unless_same()

    def dump_unless_same() -> None:
        BEFORE_DUMP[0](app)
        searchcache.save_terms(app)  # every page is fed: its words' terms are not needed any more
        deferred = getattr(app, _DEFERRED, None)
        indexer = getattr(builder, "indexer", None)
        if indexer is not None:
            setattr(app, _DUMP, dump_inputs(app, indexer))
        pages_as_recorded = deferred is not None and (not deferred[2] or getattr(app, _CONFIRMED, False))
        if deferred is not None and pages_as_recorded and deferred[1] == getattr(app, _DUMP, None):
            delattr(app, _DEFERRED)
            return  # nothing fed, nothing else changed: the same file (module docstring)
        ensure_loaded(app)
        searchbeside.dump(app, dump)  # an edit's: in a forked copy, waited for at build-finished

    builder.load_indexer = load_indexer  # type: ignore[attr-defined]
    builder.dump_search_index = dump_search_index  # type: ignore[attr-defined]


#: ``SMETS_SEARCH_GC=off``: the cyclic collector runs while the index is loaded and written
GC_SWITCH = "SMETS_SEARCH_GC"


def _paused() -> contextlib.AbstractContextManager[None]:
    """The collector paused while the last index is loaded and the index written (:func:`no_gc`):
    both make hundreds of thousands of objects (the word maps, their values, the written text's
    pieces) and no reference cycles to speak of, and each of its collections walked them again
    (0.15 s of an edit's CPU at 10,000 requirements)."""
    return contextlib.nullcontext() if switched_off(GC_SWITCH) else no_gc()


def load_later(app: Any) -> Callable[[], None] | None:
    """What loads the last index, when its load was put off for the page writers (None: it was
    not). Sphinx loads it as it prepares the write (0.27 s of CPU at 10,000 requirements, before
    the writers fork); here, in a parallel write, the load waits until they have forked, while
    this process only waits for them (:func:`.forkwrite.write_parallel`, which keeps the first
    page's words until then). The same load, before anything is fed: every feed, the
    requirement pages' comparison and the index's write call :func:`ensure_loaded` first."""
    if getattr(app, _LATER, None) is None:
        return None
    return functools.partial(ensure_loaded, app)


def ensure_loaded(app: Sphinx) -> None:
    """Load the last index now if its loading was put off (before anything is fed to it)."""
    later = getattr(app, _LATER, None)
    if later is not None:
        delattr(app, _LATER)
        later()
    deferred = getattr(app, _DEFERRED, None)
    if deferred is not None:
        delattr(app, _DEFERRED)
        deferred[0]()


def unchanged(app: Sphinx, indexer: Any, digests: dict[str, str]) -> set[str]:
    """The pages (of ``digests``: name to inputs' digest) whose loaded entries stand; every other
    loaded requirement page is pruned from ``indexer`` here, before it is fed again."""
    later = load_later(app)
    if later is not None:
        later()  # (what was loaded is known once it is)
    loaded: dict[str, str] = getattr(app, _LOADED, {})
    if getattr(app, _DEFERRED, None) is not None and digests == loaded:
        setattr(app, _CONFIRMED, True)
        return set(digests)  # every page as recorded, all in the index not loaded (nothing to feed)
    ensure_loaded(app)
    present = set(indexer._titles)
    kept = {name for name, digest in digests.items() if loaded.get(name) == digest and name in present}
    stale = (set(loaded) & present) - kept
    if stale:
        type(indexer).prune(indexer, present - stale)
    return kept


def record_path(app: Sphinx) -> Path:
    return Path(app.doctreedir) / RECORD


def record_text(app: Sphinx, digests: dict[str, str]) -> str | None:
    """The record of the written index (None: no index written): what each requirement page was
    fed from, which index, and what else it was made of (:func:`dump_inputs`, when known)."""
    index = _index_digest(app)
    if index is None:
        return None
    record: dict[str, Any] = {"format": FORMAT, "key": _key(app), "index": index, "pages": digests}
    dumped = getattr(app, _DUMP, None)
    if isinstance(dumped, str):
        record["dump"] = dumped
    return json.dumps(record, sort_keys=True)


def write_record(app: Sphinx, digests: dict[str, str]) -> None:
    """After the index is written: its record (:func:`record_text`)."""
    text = record_text(app, digests)
    if text is not None:
        write_atomic(record_path(app), text, durable=False)
