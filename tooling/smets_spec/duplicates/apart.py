"""The across-types check and terminology of a scan in a forked copy, while the groups are scanned.

After a need is added or deleted its group's statistics change, and the scan of the group, the
across-types check (every text of every group) and the terminology start again from nothing
(incremental.py): in the build's copy scanning beside it (page.py ``scan_beside``) that is the
critical path of the build's start, where the build itself soon waits for the findings with a core
idle. :func:`start` runs :func:`~.across.across_types_kept` and :func:`~.termstate.update` in a
copy of the scanning process (with the ``seen`` pairs empty: they are not known yet), while that
process scans the groups; :func:`Apart.take` hands back the result.

The same findings as one process: the group checks' findings are pairs within a group and the
across-types check reports only pairs of two groups, so the pairs it would skip (those found by
the groups) are none of its own; the taker checks that (else it runs the check itself, with the
real ``seen``), adds the check's pairs to ``seen`` as the check would have, and merges the copy's
lemmatiser and spell-checker answers into its own (what the state keeps). Terminology reads no
finding. Off unless ``SMETS_SCAN_SPLIT=on``: on this project's two-core machine the build's start
already runs three processes while the scan runs (the build, its comparison's forked half, the
scan), and the copy costs more CPU than it takes off the scan (the fork, every text tokenised
again, the result pickled): no gain in wall time was measured.

The copy hands its result over pickled, between this process and its own copy (never through
the user cache), in an unnamed temporary file opened here, and says on a pipe when it is there.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import IO

from .. import forking
from . import lemmas, termstate
from .across import across_types_kept
from .classify import Finding, Thresholds
from .features import Names
from .incremental import Kept
from .items import Source
from .terms import TermFinding
from .termstate import TermsKept

#: ``SMETS_SCAN_SPLIT=on``: the scan beside the build after a need added or deleted runs the
#: across-types check and terminology in a second copy (off by default: one process, as before)
SWITCH = "SMETS_SCAN_SPLIT"


def switched_on() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() in {"on", "1", "yes", "true"}


@dataclass
class Result:
    """What the copy found: the across-types findings and state, terminology and its state, and
    the lemmatiser's and spell-checker's answers it holds (the taker's, and those it added)."""

    across: list[Finding]
    across_kept: Kept | None
    terms: list[TermFinding]
    terms_kept: TermsKept | None
    lemmas: dict[str, dict[str, tuple[str, ...]]]
    unknown: dict[str, bool]


def wanted(source: Source, kept_ids: Iterable[list[str]] | None) -> bool:
    """Whether to split: a kept state whose groups' texts are not this source's (a text added,
    removed or made identical to another: every check of its group starts again), forking allowed
    and switched on."""
    if kept_ids is None or not switched_on() or not forking.may_fork():
        return False
    kept = {need_id for ids in kept_ids for need_id in ids}
    return kept != {item.id for item in source.items()}


@dataclass
class Apart:
    process: BaseProcess
    conn: Connection
    file: IO[bytes]

    def take(self) -> Result | None:
        """The copy's result (waits for it), or None when it failed."""
        got: object = None
        try:
            size = self.conn.recv()
            if type(size) is int:
                self.file.seek(0)
                data = self.file.read()
                got = pickle.loads(data) if len(data) == size else None
        except (EOFError, OSError, pickle.UnpicklingError):
            got = None
        finally:
            self.conn.close()
            self.file.close()
            self.process.join()
        return got if isinstance(got, Result) else None


def start(
    source: Source, names: Names, th: Thresholds, across: Kept | None, terms: TermsKept | None
) -> Apart | None:
    """The across-types check and terminology of ``source`` started in a forked copy (None when no
    copy could be started)."""
    try:
        file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Apart.take)
    except OSError:
        return None
    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = None
    with contextlib.suppress(OSError):
        child = forking.start(
            _copy, (source, names, th, across, terms, file, reader, writer), "smets-dups-apart"
        )
    writer.close()
    if child is None:
        reader.close()
        file.close()
        return None
    return Apart(child, reader, file)


def _copy(
    source: Source,
    names: Names,
    th: Thresholds,
    across: Kept | None,
    terms: TermsKept | None,
    file: IO[bytes],
    theirs: Connection,
    conn: Connection,
) -> None:
    """In the copy: the two checks, pickled to ``file``, its size sent on ``conn`` (None when
    anything failed: the taker then runs them itself)."""
    theirs.close()
    size: int | None = None
    with forking.no_gc():
        try:
            found, across_kept = across_types_kept(source, names, th, set(), across)
            term_findings, terms_kept = termstate.update(source, terms)
            result = Result(
                found, across_kept, term_findings, terms_kept, dict(lemmas.LEMMAS), dict(lemmas.UNKNOWN)
            )
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            file.write(data)
            file.flush()
            size = len(data)
        except Exception:
            size = None
    with contextlib.suppress(OSError):
        conn.send(size)
    conn.close()
    file.close()
