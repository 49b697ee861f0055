"""``smets build`` loads and checks the spec in a forked copy while this process imports Sphinx.

The spec's load and checks (:func:`~smets_spec.corpus.load.load_spec` from the corpus cache, the
checks across needs, ``conf.py`` and the output folder: ``build._checked``) and the import of
Sphinx, sphinx-needs and the extension (``warm_up``) do not depend on each other; each took about
half a second of CPU at 2,000 requirements, and the load 1 s at 10,000, one after the other in
this process. The copy does the first while this process does the second, and hands over what
this process would have made: the checks' outcome (the exit status, having printed why, or the
corpus and the output folder) and the corpus offered to the extension (re-rooted as it reads
it), pickled into an unnamed temporary file this process opened (between this process and its
own copy, never through the user cache), its size sent on a pipe. Unpickling the corpus costs a
fifth of loading it.

When the duplicate scan copy would be started for that corpus (:func:`..duplicates.early.wanted`,
:func:`..duplicates.page.beside_wanted`), the same copy then goes on to scan it
(:func:`..duplicates.page.scan_in_copy`): it holds the corpus already, and this process counts it
as the scan copy of the corpus it received (:func:`..duplicates.page.adopt_beside`). The scan
starts as soon as the corpus is handed over, not after this process has received it.

What the checks print (a broken spec's diagnostics, why the output folder is refused) the copy
keeps and hands over with the outcome, and this process prints it, where it always printed it.
If the copy fails in any way (it cannot be forked, it ends without handing over), this process
loads and checks the spec itself, as before, and nothing printed there is printed.
``SMETS_LOAD_BESIDE=off``: loaded and checked in this process before the imports, as before. The
same corpus, the same messages, the same site (``tests/test_load_beside.py``).
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import pickle
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO

from .. import forking
from ..corpus.cachedir import switched_off
from ..corpus.load import Corpus
from ..corpus.project import Project

SWITCH = "SMETS_LOAD_BESIDE"

#: the checks' outcome: the corpus and the output folder, or the exit status (having said why)
Checked = tuple[Corpus, Path] | int
#: the outcome, and the corpus offered to the extension (None: the extension reads its own)
Outcome = tuple[Checked, Corpus | None]


@dataclass
class Pending:
    """The copy loading the spec: the copy, the end of its pipe and its file, and the pipe and file
    of the scan it may go on to make."""

    process: BaseProcess
    conn: Connection
    file: IO[bytes]
    scan_conn: Connection
    scan_file: IO[bytes]

    def outcome(self, project: Project) -> Outcome | None:
        """What the copy handed over (waiting for it), or None when it failed."""
        got: Outcome | None = None
        scanning = False
        printed: object = None
        with contextlib.suppress(EOFError, OSError, pickle.UnpicklingError, ValueError, TypeError):
            head = self.conn.recv()
            if type(head) is tuple and len(head) == 3 and head[0] == "status" and type(head[1]) is int:
                got, printed = (head[1], None), head[2]
            elif type(head) is tuple and len(head) == 4 and head[0] == "corpus" and type(head[1]) is int:
                got = _outcome(forking.read_pickled(self.file, head[1]))
                scanning, printed = head[2] is True, head[3]
        self.conn.close()
        self.file.close()
        if got is not None:  # what the checks printed there, printed here (where it is captured)
            out, err = printed if type(printed) is tuple and len(printed) == 2 else ("", "")
            sys.stdout.write(str(out))
            sys.stderr.write(str(err))
        own = None if got is None else got[1]
        if scanning and own is not None:
            from ..duplicates.page import adopt_beside

            adopt_beside(own, self.process, self.scan_conn, self.scan_file)
        else:
            self.scan_conn.close()
            self.scan_file.close()
            from ..duplicates import store

            store.adopt(self.process)  # joined with the copies writing a scan's state
        return got


def _outcome(value: object) -> Outcome | None:
    """``value`` when it has the shape of an :data:`Outcome` (the copy's own pickle)."""
    if type(value) is not tuple or len(value) != 2:
        return None
    checked, own = value
    if own is not None and not isinstance(own, Corpus):
        return None
    if type(checked) is tuple and len(checked) == 2:
        corpus, out = checked
        if isinstance(corpus, Corpus) and isinstance(out, Path):
            return (corpus, out), own
    return None


def start(
    check: Callable[[], Checked], own: Callable[[Corpus], Corpus | None], project: Project
) -> Pending | None:
    """Start the copy: ``check()`` there (``build._checked``), then ``own(corpus)`` (the corpus to
    offer the extension); None when switched off or no copy could be started (nothing ran)."""
    if switched_off(SWITCH) or not forking.may_fork():
        return None
    from ..duplicates import page, store

    page.forget_beside()  # as page.scan_beside before it forks its copy
    store.settle()
    try:
        file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Pending.outcome)
        scan_file = tempfile.TemporaryFile()  # noqa: SIM115
    except OSError:
        return None
    scan_conn, scan_send = multiprocessing.get_context("fork").Pipe(duplex=False)
    started = forking.start_piped(
        _copy, (check, own, project, file, scan_file, scan_conn, scan_send), "smets-load-spec"
    )
    scan_send.close()
    if started is None:
        for handle in (file, scan_file, scan_conn):
            handle.close()
        return None
    process, conn = started
    return Pending(process, conn, file, scan_conn, scan_file)


def _copy(
    check: Callable[[], Checked],
    own: Callable[[Corpus], Corpus | None],
    project: Project,
    file: IO[bytes],
    scan_file: IO[bytes],
    scan_theirs: Connection,
    scan_send: Connection,
    send: Connection,
) -> None:
    """In the copy: the checks, the outcome handed over, then the scan when one is wanted."""
    scan = None
    try:
        said = io.StringIO(), io.StringIO()  # printed by this process, in order
        with contextlib.redirect_stdout(said[0]), contextlib.redirect_stderr(said[1]):
            checked = check()
        printed = said[0].getvalue(), said[1].getvalue()
        if isinstance(checked, int):
            send.send(("status", checked, printed))
            return
        offered = own(checked[0])
        scan = offered if offered is not None and _scans(offered, project) else None
        size = forking.write_pickled(file, (checked, offered))
        send.send(("corpus", size, scan is not None, printed))
    except Exception:
        return  # this process loads the spec itself (the pipe's end says so)
    finally:
        send.close()
        file.close()
    if scan is not None:
        from ..duplicates.page import scan_in_copy

        scan_in_copy(scan, scan_file, scan_theirs, scan_send)


def _scans(corpus: Corpus, project: Project) -> bool:
    """Whether the scan copy of ``corpus`` is wanted (as ``duplicates.early.scan_early`` decides)."""
    from ..duplicates.early import wanted
    from ..duplicates.page import beside_wanted

    return wanted(corpus, project.root, project.spec) and beside_wanted(corpus)
