"""An edit's ``searchindex.js`` written by a forked copy beside the end of the build (issue 20).

Sphinx writes the search index as the last of its finishing tasks (``dump_search_index``: the
index pruned to the documents, frozen, turned into JSON and written to a temporary file that then
replaces the old one), in the main process, and only then emits ``build-finished``, whose handlers
(the requirement pages' plan, the graph data, needs.json's and the environment's copies settled)
run in the main process too while the second core is idle: 0.4-0.6 s of CPU at 10,000
requirements, 0.1 s at 2,000, on the critical path of every edit.

Here a build that writes at most a quarter of its documents (an edit's:
:func:`.searchcache.an_edit`) in a parallel build forks a copy at that point
which runs Sphinx's own ``dump_search_index`` (the same code, on the same index: the copy inherits
it whole) and exits; the main process goes on with ``build-finished``, and a handler late in it
(:func:`settle`, before the build's mark and the copies' settling) waits for the copy. If the copy
failed, the main process writes the index itself (it keeps its index until then), so the file is
the one the main process would have written either way. Nothing of the main process reads the
index between the two points: the record of what the index holds (:mod:`.searchreuse`), which
reads the written file's digest, is written after the wait, and the index's memory is released
after it (:mod:`.searchmemory`).

The copy then makes the files of :data:`ALSO` (the graph view's data, :mod:`.site`: a function
of the corpus and the pages' addresses, both settled before the write, that nothing reads in the
build), each written to Sphinx's state folder (``smets-beside-NAME`` in the doctree folder); the
wait moves each into place when the build succeeded (a failed one: each removed, as the main
process writes none then), or, if the copy failed, the main process makes it then.

``SMETS_INDEX_BESIDE=off``: the index (and those files) written in the main process, as before.
``tests/test_index_beside.py`` compares the copy's ``searchindex.js`` and graph data with the
main process's own, after seeded random edits and with a copy that fails.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from .. import forking
from ..corpus.cachedir import switched_off
from ..corpus.files import write_atomic
from .searchcache import an_edit

SWITCH = "SMETS_INDEX_BESIDE"
_WRITING = "_smets_index_writing"
_CHILD = "_smets_index_beside"
_HERE = "_smets_index_here"
#: the process that placed the index of the copy (:func:`index_aside`)
_PLACE = "_smets_index_place"
#: Files of ``build-finished`` the copy makes after the index, by name: (where it goes for this
#: build, None: no file; its text). Each must read only what is settled when the index is
#: written, and nothing in the build may read the file.
ALSO: dict[str, tuple[Callable[[Sphinx], Path | None], Callable[[Sphinx], str]]] = {}
_PREFIX = "smets-beside-"


def note_writing(app: Sphinx, writing: int) -> None:
    """How many documents this build writes (its ``prepare_writing``)."""
    setattr(app, _WRITING, writing)


def wanted(app: Sphinx) -> bool:
    """Whether :func:`dump` writes the index in a forked copy (an edit's parallel build)."""
    writing = getattr(app, _WRITING, None)
    documents = len(app.env.all_docs)
    return (
        writing is not None
        and getattr(app.builder, "indexer", None) is not None  # (else Sphinx writes no index)
        and an_edit(writing, documents)
        and app.parallel > 1
        and not switched_off(SWITCH)
        and not getattr(app, _HERE, False)
        and forking.may_fork()
    )


@contextlib.contextmanager
def here(app: Sphinx) -> Iterator[None]:
    """:func:`dump` writes the index in this process inside the block (the copy's own write,
    :mod:`.searchlater`)."""
    setattr(app, _HERE, True)
    try:
        yield
    finally:
        delattr(app, _HERE)


def _in_copy(dump: Callable[[], None], app: Sphinx) -> None:
    dump()  # (an exception: the copy's exit status is 1, and the main process writes the index)
    for where, text in ALSO.values():
        path = where(app)
        if path is not None:
            write_atomic(_aside(app, path), text(app))


def _aside(app: Sphinx, path: Path) -> Path:
    """Where the copy leaves ``path``'s text: Sphinx's state folder (not the site: a build that
    fails before the wait leaves nothing in the site)."""
    return Path(app.doctreedir) / f"{_PREFIX}{path.name}"


def dump(app: Sphinx, write: Callable[[], None], aside: bool = False) -> None:
    """Write the index with ``write`` (Sphinx's ``dump_search_index``): in a forked copy for an
    edit's build (:func:`wanted`), else here. ``aside``: the copy writes the index aside
    (:func:`index_aside`), and :func:`settle` puts it in place when the build succeeded (the
    last index stays where it is until then: if the copy fails, this process loads it,
    :mod:`.searchlater`)."""
    if wanted(app):
        if aside:
            setattr(app, _PLACE, os.getpid())
        child = forking.start(_in_copy, (write, app), "smets-search-index")
        if child is not None:
            setattr(app, _CHILD, (child, write))
            return
        vars(app).pop(_PLACE, None)
    write()


def index_aside(app: Sphinx) -> None:
    """In the copy of :func:`dump` with ``aside``: the index written to Sphinx's state
    folder instead of the site (its file's path absolute: Sphinx writes it there, then its
    record, :mod:`.searchreuse`, names that file's digest)."""
    placed = getattr(app, _PLACE, None)
    if placed is not None and placed != os.getpid():
        builder: Any = app.builder
        builder.searchindex_filename = str(_aside(app, _index_path(app)))


def _index_path(app: Sphinx) -> Path:
    return Path(app.outdir) / str(getattr(app.builder, "searchindex_filename", "searchindex.js"))


def _put(app: Sphinx, path: Path, ok: bool) -> None:
    """``path``'s file left aside by the copy put in place (``ok``), else removed."""
    aside = _aside(app, path)
    if ok and aside.is_file():
        try:
            aside.replace(path)
        except OSError:  # (another file system)
            write_atomic(path, aside.read_bytes())
    with contextlib.suppress(OSError):
        aside.unlink()


def pending(app: Sphinx) -> bool:
    """Whether a copy started by :func:`dump` has not been waited for yet."""
    return getattr(app, _CHILD, None) is not None


def settle(app: Sphinx, exception: Exception | None) -> None:
    """Wait for the copy writing the index, if any; if it failed, write the index here. Then the
    files of :data:`ALSO`: moved into place when the build succeeded (made here if the copy
    failed), else removed."""
    found: tuple[BaseProcess, Callable[[], None]] | None = getattr(app, _CHILD, None)
    if found is None:
        return
    delattr(app, _CHILD)
    child, write = found
    child.join()
    placed = vars(app).pop(_PLACE, None) is not None
    if child.exitcode != 0:
        write()
    if placed:
        _put(app, _index_path(app), exception is None and child.exitcode == 0)
    for where, text in ALSO.values():
        path = where(app)
        if path is None:
            continue
        ok = exception is None and child.exitcode == 0 and _aside(app, path).is_file()
        if exception is None and not ok:
            write_atomic(path, text(app))
        _put(app, path, ok)


def takes(app: Sphinx) -> bool:
    """Whether the files of :data:`ALSO` are this build's copy's to make (:func:`settle` puts
    them in place): their own ``build-finished`` handlers then leave them."""
    return pending(app)
