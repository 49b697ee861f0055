"""A full read of a spec a full build read before: no duplicate scan beside it, none before it forks.

Every build that reads a corpus starts the duplicate scan in a forked copy as the extension
registers (:func:`..duplicates.page.scan_beside`), and computes every requirement-page panel's
analysis before the read forks (:func:`.jobs.warm`), so that the readers and the requirement pages
find the findings ready. In a full build with a warm user cache nothing asks for them: the
duplicates page's text comes from the kept page texts (:mod:`.pagetexts`) and every requirement
page's body from its own cache (:mod:`.reqcache`), whose duplicates panel is decided by a stamp
of the need keys and the review file, not by a scan. The scan copy and the duplicates panel's
warm-up still cost ~1.1-1.3 s of CPU at 10,000 requirements (0.3-0.4 s at 2,000) on the two
cores the readers want.

So a full read that uses and keeps the page texts (:data:`.pagetexts.FULL_READ`) and completes
leaves a mark in the user cache under a key of what it read the spec with: the package's code,
the spec folder's files (the corpus's digest), the project's settings
(:func:`.pagetexts.settings`: ``conf.py``, the ``-D`` settings, the source and configuration
folders) and the review file. A build of the same corpus with the same key neither starts the scan copy nor
warms the duplicates panel; the other panels' analyses are warmed as before.

The mark is only a guess that the caches are warm: if it is wrong (a cache folder emptied but
the mark left, a page whose text is not kept), whatever asks for the findings scans for itself,
as any build without a scan copy does. So the site is the same either way (the findings are a
function of the corpus and the review file), only slower. ``SMETS_WARM_FULL=off`` (or any
switch that turns the kept page texts off) starts the scan copy and warms every panel always.
"""

from __future__ import annotations

import weakref

from sphinx.application import Sphinx

from ..corpus.cachedir import switched_off
from ..corpus.load import Corpus
from ..corpus.usercache import user_cache_folder, write_entry
from ..duplicates import early
from . import pagetexts

# (the mark's key and look-up are Sphinx-free, in duplicates/early.py: ``smets build`` decides with
# them, before Sphinx starts, whether to start the scan copy at once)
SWITCH = early.MARK_SWITCH
KIND = early.MARK_KIND
FORMAT = early.MARK_FORMAT
#: the panel whose analysis (the duplicate scan) a marked build does not warm
SKIPPED_PANEL = "duplicates"

#: the corpus whose build found its mark (:func:`scan_skipped`), for :func:`panel_skipped`
_MARKED: list[weakref.ref[Corpus]] = []


def _key(app: Sphinx, corpus: Corpus) -> str | None:
    """The mark's key for ``corpus`` built by ``app`` (None: the corpus has no digest)."""
    return early.mark_key(corpus, pagetexts.settings(app))


def scan_skipped(app: Sphinx, corpus: Corpus) -> bool:
    """Whether a full read of ``corpus`` completed before with the same key: then the build starts
    no duplicate scan beside it, and :func:`panel_skipped` says so for this corpus."""
    _MARKED.clear()
    if not early.marked(corpus, pagetexts.settings(app)):
        return False
    _MARKED.append(weakref.ref(corpus))
    return True


def panel_skipped(corpus: Corpus, name: str) -> bool:
    """Whether :func:`.jobs.warm` leaves panel ``name`` of ``corpus`` to whoever asks for it."""
    return name == SKIPPED_PANEL and bool(_MARKED) and _MARKED[0]() is corpus


def _mark(app: Sphinx, exc: Exception | None) -> None:
    """``build-finished``: a full read that used and kept the page texts, completed, leaves its mark."""
    if exc is not None or not pagetexts.FULL_READ[0] or switched_off(SWITCH):
        return
    from .state import corpus_of

    key = _key(app, corpus_of(app))
    if key is not None:
        write_entry(KIND, key, {"format": FORMAT}, user_cache_folder())


def register(app: Sphinx) -> None:
    app.connect("build-finished", _mark, priority=900)
