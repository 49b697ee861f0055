"""An edit's search index fed its requirement pages and written from the start of the finish (issue 20).

In the build of an edit, :mod:`.searchbeside` writes ``searchindex.js`` in a forked copy started
where Sphinx writes it, the last of the HTML builder's finishing tasks (after the general index,
the pages of ``html-collect-pages`` and the additional pages, the images copied, the build info):
at 10,000 requirements the copy (1.1 s) started 0.5 s after ``html-collect-pages`` and was the
last thing the process waited for.

Nothing the index holds changes after the requirement pages are fed (:func:`.search.
feed_requirement_pages`, at ``html-collect-pages``): every page Sphinx wrote was fed as its writer
finished, and the rest of the finish writes pages that are not fed (the general index, the search
page...). Here, in a parallel HTML build, first thing in the builder's ``finish``
(:func:`.beside.first_in_finish`, after needs.json's copy is started, :mod:`.needs_early`, and
before the requirement pages' writers, :mod:`.reqpages`, which run behind), the
requirement pages are fed, as they would be at ``html-collect-pages`` (the same pages, texts and
order: the pages Sphinx wrote were all fed before, nothing is fed between), and, when the copy of
:mod:`.searchbeside` is wanted (an edit's build), the index is written by the same code
(``searchreuse``'s ``dump_search_index``: the same file). ``html-collect-pages`` then feeds nothing,
and Sphinx's own call to write the index does nothing, unless something was fed to the index since
the early write, or its stores changed size (:func:`_state`): then the index is written again there,
as before, once the early copy is waited for (the file is the one the old path writes).

When the pages Sphinx wrote were held for the copy (:mod:`.searchlater`), the copy feeds them
and the requirement pages itself, and this process feeds nothing.

``SMETS_INDEX_EARLY=off``: fed at ``html-collect-pages`` and written where Sphinx writes it.
``tests/test_index_beside.py`` compares the site, ``searchindex.js`` and ``needs.json`` both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders import Builder

from ..corpus.cachedir import switched_off
from . import searchbeside, searchlater
from .beside import drops_left, first_in_finish

SWITCH = "SMETS_INDEX_EARLY"
#: the application's attribute holding the early write's guard (:class:`_Guard`)
_GUARD = "_smets_index_early"
#: the application's attribute set when :func:`start` runs in this build's finish
_ARMED = "_smets_index_early_armed"
#: the application's attribute naming the index fed early (:func:`.search.feed_early`)
FED_EARLY = searchlater.FED_EARLY
#: what feeds the requirement pages early (:func:`.search.feed_early`, given by :func:`register`)
_FEED: list[Callable[[Sphinx], None]] = [lambda app: None]
#: what :func:`start` ran, for the tests: "written" (written early), or why not
LAST: list[str] = []


def _state(indexer: Any) -> tuple[object, ...]:
    """The index object and the size of each of its stores (a page fed changes some)."""
    sizes = sorted((k, len(v)) for k, v in vars(indexer).items() if isinstance(v, dict | list | set))
    return (id(indexer), *sizes)


class _Guard:
    """What :func:`start` left: the index's state after the early write, and whether anything was
    fed since (the index's ``feed`` and the builder's ``index_page`` watched until the finish's own
    write)."""

    def __init__(self, app: Sphinx, indexer: Any, dump: Callable[[], None]) -> None:
        self.app, self.indexer, self.dump = app, indexer, dump
        self.fed = False
        self.state = _state(indexer)
        builder: Any = app.builder
        self.watched: list[tuple[Any, str, Any]] = []
        for owner, name in ((indexer, "feed"), (builder, "index_page")):
            own = vars(owner).get(name)
            method = getattr(owner, name, None)
            if method is None:
                continue
            self.watched.append((owner, name, own))
            setattr(owner, name, self._watching(method))
        builder.dump_search_index = self.at_finish

    def _watching(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            self.fed = True
            return method(*args, **kwargs)

        return watched

    def restore(self) -> None:
        builder: Any = self.app.builder
        if vars(builder).get("dump_search_index") == self.at_finish:
            builder.dump_search_index = self.dump
        for owner, name, own in self.watched:
            if own is None:
                vars(owner).pop(name, None)
            else:
                setattr(owner, name, own)
        self.watched = []

    def at_finish(self) -> None:
        """Sphinx's call to write the index: nothing, unless the index changed since the early
        write (then, the early copy waited for, written again as before)."""
        self.restore()
        if getattr(self.app, _GUARD, None) is self:
            delattr(self.app, _GUARD)
        if not self.fed and _state(self.indexer) == self.state:
            return
        LAST[:] = ["written again"]
        if searchbeside.pending(self.app):
            searchbeside.settle(self.app, None)
        self.dump()


def start(app: Sphinx) -> None:
    """First thing in the finish: the requirement pages fed, and the index written (by a copy)."""
    builder: Any = app.builder
    indexer = getattr(builder, "indexer", None)
    dump = vars(builder).get("dump_search_index")  # searchreuse's (builder-inited)
    if indexer is None or dump is None:
        LAST[:] = ["no index or no dump of ours"]
        return
    if searchlater.start(app, dump, indexer):  # the written pages held: the copy feeds them too
        LAST[:] = ["written" if searchbeside.pending(app) else "written here"]
        setattr(app, _GUARD, _Guard(app, indexer, dump))
        return
    if not searchbeside.wanted(app):
        LAST[:] = ["not an edit's build"]
        return
    _FEED[0](app)
    dump()
    LAST[:] = ["written" if searchbeside.pending(app) else "written here"]
    setattr(app, _GUARD, _Guard(app, indexer, dump))  # Sphinx's own call writes it only if it changed


def _before_finish(app: Sphinx, builder: Builder) -> None:
    """``write-started``: in a parallel HTML build, :func:`start` runs in the builder's ``finish``."""
    guard: _Guard | None = getattr(app, _GUARD, None)
    if guard is not None:  # (left by a build that ended before its finish's write)
        guard.restore()
        delattr(app, _GUARD)
    LAST.clear()
    vars(app).pop(FED_EARLY, None)
    vars(app).pop(_ARMED, None)
    if switched_off(SWITCH) or app.parallel <= 1 or builder.format != "html":
        return
    setattr(app, _ARMED, True)
    first_in_finish(builder, lambda: start(app))


def armed(app: Sphinx) -> bool:
    """Whether :func:`start` runs first in this build's finish."""
    return bool(getattr(app, _ARMED, False))


def register(app: Sphinx, feed: Callable[[Sphinx], None]) -> None:
    """``feed``: what feeds the requirement pages to the index (:func:`.search.feed_early`)."""
    _FEED[0] = feed
    drops_left(app)
    # runs after needs.json's copy starts (950), before the requirement pages' writers (500,
    # behind this process: not the build's critical path) start
    app.connect("write-started", _before_finish, priority=900)
