"""An edit's search index fed, as well as written, by the copy that writes it (issue 20).

In an edit's build (:func:`.searchbeside.wanted`) the index is written by a forked copy started
first thing in the HTML builder's finish (:mod:`.searchearly`). Before it forked, the main
process fed the requirement pages (their texts read from the section pages, each page's digest,
the pages whose inputs changed fed again: ~0.35 s of CPU at 10,000 requirements, serial, as the
finish began), and, during the write, it had loaded the last index once the page writers had
forked (0.3-0.4 s, most of it JSON) and fed it every written page as its writer sent the page's
words back (0.85 s, a third of it reading the kept terms).

Here, when the copy will be started (:func:`arm`, as Sphinx prepares the write: an edit's
parallel build written by :mod:`.forkwrite`, :mod:`.searchearly` on), the copy
(:func:`.searchearly.start`) feeds the requirement pages itself, as the main process fed them
(the texts are read by the main process before the copy starts, once for both: the requirement
pages' writers draw them), writes the index by the same code, keeps the pages' contributions
and terms in the user cache, and makes the record of what the written index holds
(:mod:`.searchreuse`). The index and the record are written aside and put in place by the main
process when the build succeeded, as the copy's other files (:data:`.searchbeside.ALSO`): if the
copy fails, the main process feeds and writes it then (:func:`catch_up`, from :mod:`.searchreuse`'s
write), the last index still in place. The same feeds in the same order: the same file.

With ``SMETS_INDEX_PAGES_BESIDE=on`` the written pages are fed by the copy too: each page Sphinx
would feed is held instead (:func:`hold`: its name, the writer's stand-in document with its
words, its title), in order, the last index is not loaded by the main process, and the copy loads
it and feeds the held pages before the requirement pages. The main process's CPU is ~1.3 s lower
at 10,000 requirements, but the copy's 1.7 s then come after the finish begins, where the load
and feeds had overlapped the page writers: on a loaded two-core machine the build ended later
(``docs/cli.md``), so it is not the default. A page fed after the copy started (none is: the
finish writes no document) is held too, and the main process then feeds everything, in the old
order, and writes the index again (:mod:`.searchearly`'s guard).

``SMETS_INDEX_FED_BESIDE=off``: fed in the main process as before. ``tests/test_index_later.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ..corpus.cachedir import switched_off
from . import searchbeside, searchreuse

SWITCH = "SMETS_INDEX_FED_BESIDE"
_HELD = "_smets_index_held"
#: one page's feed: its name, document and title (the index loaded first, then settled)
Feed = Callable[[str, Any, str], None]
#: what feeds the requirement pages (:func:`.search.feed_early`) and keeps the build's page
#: contributions (given by :func:`register`)
_FEED_EARLY: list[Callable[[Sphinx], None]] = [lambda app: None]
_KEEP: list[Callable[[Sphinx], None]] = [lambda app: None]
#: what the main process works out before the copy starts, for both (given by :func:`register`)
_SHARED: list[Callable[[Sphinx], None]] = [lambda app: None]
#: the application's attribute naming the index whose requirement pages were fed early
FED_EARLY = "_smets_search_fed_early"
#: the application's attribute of what the requirement pages were fed from (given by :func:`register`)
_FED_DIGESTS = ["_smets_search_fed"]


#: ``SMETS_INDEX_PAGES_BESIDE=on``: the written pages held for the copy too, and the last index
#: loaded by it (not by default: see the module's docstring)
PAGES_SWITCH = "SMETS_INDEX_PAGES_BESIDE"
_ON = frozenset({"on", "1", "yes", "true"})


def pages_wanted() -> bool:
    return os.environ.get(PAGES_SWITCH, "").strip().lower() in _ON


class Held:
    """The pages held for the index, in order, and where the requirement pages go among them
    (``pages``: whether the written pages are held; else only the requirement pages wait)."""

    def __init__(self, feed: Feed, pages: bool = True) -> None:
        self.feed = feed
        self.holds_pages = pages
        self.pages: list[tuple[str, Any, str] | None] = []
        #: how many held pages come before the requirement pages (None: not known yet)
        self.early_at: int | None = None
        self.fed = 0
        self.early_fed = False

    def catch_up(self, app: Sphinx) -> None:
        """Feed what is held and not fed yet, the requirement pages at their place."""
        while True:
            if self.early_at == self.fed and not self.early_fed:
                self.early_fed = True
                vars(app).pop(FED_EARLY, None)  # (the main process marks them fed: fed here)
                _FEED_EARLY[0](app)
            if self.fed == len(self.pages):
                return
            page = self.pages[self.fed]
            self.pages[self.fed] = None  # (its words go once fed)
            self.fed += 1
            assert page is not None
            self.feed(*page)


def arm(app: Sphinx, feed: Feed, early: bool) -> None:
    """As Sphinx prepares the write: hold the pages fed from now on when the index is fed and
    written by the copy (``early``: :mod:`.searchearly` starts it in this build's finish)."""
    vars(app).pop(_HELD, None)
    builder: Any = app.builder
    if not early or switched_off(SWITCH) or not searchbeside.wanted(app):
        return
    if "dump_search_index" not in vars(builder) or not searchreuse.LATER_WRITE[0](builder):
        return
    setattr(app, _HELD, Held(feed, pages_wanted()))


def held(app: Any) -> Held | None:
    return getattr(app, _HELD, None)


def holds_pages(app: Any) -> bool:
    """Whether the written pages are held for the copy (which loads the last index)."""
    found = held(app)
    return found is not None and found.holds_pages


def hold(app: Sphinx, page: tuple[str, Any, str]) -> bool:
    """Hold ``page`` (name, document, title) instead of feeding it, when pages are held."""
    found = held(app)
    if found is None or not found.holds_pages:
        return False
    found.pages.append(page)
    return True


def catch_up(app: Sphinx) -> None:
    """Before the index is written: feed what is held (nothing when nothing is)."""
    found = held(app)
    if found is not None:
        if found.early_at is None:  # (the copy not started: the requirement pages come last)
            found.early_at = len(found.pages)
        found.catch_up(app)


def in_copy(app: Sphinx, dump: Callable[[], None]) -> Callable[[], None]:
    """What the copy does (and the main process, if the copy fails): what is held fed, the index
    written here with ``dump`` (:mod:`.searchreuse`'s), the page contributions kept."""

    def job() -> None:
        catch_up(app)  # (the last index loaded from the site first)
        searchbeside.index_aside(app)  # (in the copy: put in place once the build succeeded)
        with searchbeside.here(app):
            dump()
        _KEEP[0](app)

    return job


def start(app: Sphinx, dump: Callable[[], None], indexer: Any) -> bool:
    """:mod:`.searchearly`'s start when pages are held: the copy started to feed and write; the
    main process marks the requirement pages fed (``html-collect-pages`` feeds none). False:
    nothing is held (the caller feeds and writes as before)."""
    found = held(app)
    if found is None:
        return False
    found.early_at = len(found.pages)
    _SHARED[0](app)
    searchbeside.dump(app, in_copy(app, dump), aside=True)
    setattr(app, FED_EARLY, indexer)
    return True


def _record_where(app: Sphinx) -> Path | None:
    found = held(app)
    if found is None or found.early_at is None:
        return None
    return searchreuse.record_path(app)


def _record_text(app: Sphinx) -> str:
    """The record (no record, "", when this process fed no requirement pages: it does not know
    what the index holds)."""
    digests = getattr(app, _FED_DIGESTS[0], None)
    return (searchreuse.record_text(app, digests) if isinstance(digests, dict) else None) or ""


def _drop(app: Sphinx, *rest: Any) -> None:
    vars(app).pop(_HELD, None)


def register(
    app: Sphinx,
    feed_early: Callable[[Sphinx], None],
    keep: Callable[[Sphinx], None],
    shared: Callable[[Sphinx], None],
    fed: str,
) -> None:
    """``feed_early``: what feeds the requirement pages; ``keep``: what keeps the page
    contributions; ``shared``: what the main process works out before the copy starts, which
    both need (the requirement texts, read from the section pages: the main process reads them
    for the requirement pages); ``fed``: the application's attribute of the requirement pages'
    digests."""
    _FEED_EARLY[0], _KEEP[0], _SHARED[0], _FED_DIGESTS[0] = feed_early, keep, shared, fed
    searchreuse.BEFORE_DUMP[0] = catch_up
    searchbeside.ALSO["record"] = (_record_where, _record_text)
    app.connect("write-started", _drop, priority=2)
    app.connect("build-finished", _drop, priority=895)  # after the index's wait (880)
