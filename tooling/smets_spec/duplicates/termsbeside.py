"""A full duplicate scan's terminology half run in a second forked copy, beside its pairs.

A cold build waits for the duplicate scan before its read forks (the scan is the start-up's
critical path, and at 2,000 requirements its copy runs alone for the last part of it while the
other core idles). A full scan (no kept state to start from) is two independent halves, one after
the other in :func:`.store.scan_kept`: the pairs of each group and across groups, and the
terminology (:func:`.termstate.update`: its indexes, word counts, spell check and findings,
about two fifths of the scan with the spell checker's dictionary load). The terminology reads only
the scan's source and the spell checker's remembered answers (:data:`.lemmas.UNKNOWN`), which the
pairs never ask for. So :func:`start` forks a copy that makes the terminology of the source while
the scan's own process scans the pairs, and :func:`take` takes the copy's findings, state and
remembered answers (pickled through an unnamed temporary file: our own two processes, never the
user cache): the spell checker's replace this process's (the pairs did not touch them), and any
lemmatiser answer the copy added comes after the pairs' own, as if the terminology had run after
the pairs here. The same findings and the same state to keep as the one-process scan, entry for
entry and in the same order (``tests/test_terms_beside.py``).

Only the scan copy of a build starts it (:func:`.page._scan_copy`), for a full scan; if the copy
cannot be started or fails, the terminology is made in the scan's own process, as before.
``SMETS_TERMS_BESIDE=off``: always in the scan's own process.
"""

from __future__ import annotations

import contextlib
import pickle
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import IO

from .. import forking
from ..corpus.cachedir import switched_off
from . import lemmas, termstate
from .items import Source
from .terms import TermFinding
from .termstate import TermsKept

SWITCH = "SMETS_TERMS_BESIDE"

#: the terminology: its findings and the state to keep
Terms = tuple[list[TermFinding], TermsKept | None]


@dataclass
class Pending:
    """The copy making the terminology: the copy, the end of its pipe and the file it writes to."""

    process: BaseProcess
    conn: Connection
    file: IO[bytes]


def start(source: Source) -> Pending | None:
    """Fork the copy making the terminology of ``source`` with no kept state (a full scan); None
    when switched off or no copy could be started (the caller makes it itself)."""
    if switched_off(SWITCH) or not forking.may_fork():
        return None
    try:
        file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by take)
    except OSError:
        return None
    started = forking.start_piped(_copy, (source, file), "smets-dups-terms")
    if started is None:
        file.close()
        return None
    return Pending(started[0], started[1], file)


def _copy(source: Source, file: IO[bytes], send: Connection) -> None:
    """In the copy: the terminology, pickled into ``file`` with the remembered answers of the spell
    checker and the lemmatiser, its size sent on ``send`` (None when anything failed)."""
    size: int | None = None
    with forking.no_gc():
        try:
            found, kept = termstate.update(source, None)
            answers = dict(lemmas.UNKNOWN), dict(lemmas.LEMMAS)
            size = forking.write_pickled(file, (found, kept, *answers))
        except Exception:
            size = None
    try:
        send.send(size)
    finally:
        send.close()
        file.close()


def take(pending: Pending) -> Terms | None:
    """What the copy made (waiting for it), with its remembered answers (see the module's doc);
    None when it failed (nothing changed here)."""
    got: object = None
    with contextlib.suppress(EOFError, OSError, pickle.UnpicklingError, ValueError):
        size = pending.conn.recv()
        if type(size) is int:
            got = forking.read_pickled(pending.file, size)
    pending.conn.close()
    pending.file.close()
    pending.process.join()
    if not _shaped(got):
        return None
    assert isinstance(got, tuple)
    lemmas.UNKNOWN.clear()
    lemmas.UNKNOWN.update(got[2])
    for word, answer in got[3].items():
        lemmas.LEMMAS.setdefault(word, answer)
    return got[0], got[1]


def _shaped(value: object) -> bool:
    """Whether ``value`` has the shape :func:`_copy` pickles (our own copy's pickle)."""
    return (
        type(value) is tuple
        and len(value) == 4
        and type(value[0]) is list
        and all(isinstance(f, TermFinding) for f in value[0])
        and (value[1] is None or isinstance(value[1], TermsKept))
        and type(value[2]) is dict
        and type(value[3]) is dict
    )
