"""The cards' fingerprints of a build with no saved ones, worked out in a forked copy beside the
start-up (issue 20: the start-up of a full build, one core idle until the read forks).

Every build works out a fingerprint of each document's cards (:func:`.cards.card_fingerprints`:
what they show of other needs) at ``env-get-outdated``, to re-read the documents whose cards
changed and to keep them in the environment for the next build. A build with no kept
fingerprints (a build into an empty output folder, or a fresh environment) has nothing to compare
them with: none is outdated by them, and they are only kept. Working them out took 0.3-0.4 s of
the main process's CPU at 10,000 requirements before the read forks its readers, with the second
core idle. Such a build now has a forked copy work them out from the same corpus and send them
back through a pipe, and takes them at ``env-updated`` (after the read, before the environment is
saved): the same fingerprints, kept the same. If the copy failed, or sent anything but a map of
document names to fingerprints, this process works them out itself.

``SMETS_CARDS_BESIDE=off``: always worked out in this process at ``env-get-outdated``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from .. import forking
from ..corpus.cachedir import switched_off
from ..corpus.load import Corpus

SWITCH = "SMETS_CARDS_BESIDE"
Fingerprints = Callable[[Corpus], dict[str, str]]

#: the copy at work: (process, its pipe, the corpus it works on)
_PENDING: list[tuple[BaseProcess, Connection, Corpus]] = []


def start(corpus: Corpus, compute: Fingerprints) -> bool:
    """Start a forked copy working out ``compute(corpus)``; False where none was started."""
    drop()
    if switched_off(SWITCH) or not forking.may_fork():
        return False
    started = forking.start_piped(_in_copy, (corpus, compute), "smets-card-fingerprints")
    if started is None:
        return False
    _PENDING.append((*started, corpus))
    return True


def _in_copy(corpus: Corpus, compute: Fingerprints, send: Connection) -> None:
    send.send_bytes(json.dumps(compute(corpus)).encode("utf-8"))


def pending(corpus: Corpus) -> bool:
    """Whether a copy works on ``corpus``'s fingerprints."""
    return bool(_PENDING) and _PENDING[0][2] is corpus


def take(corpus: Corpus, compute: Fingerprints) -> dict[str, str]:
    """The fingerprints the copy sent for ``corpus``; ``compute(corpus)`` here when it failed."""
    found: object = None
    if pending(corpus):
        child, receive, _ = _PENDING.pop()
        found = forking.received_json(child, receive)
    drop()
    if isinstance(found, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in found.items()):
        return found
    return compute(corpus)


def drop(*args: object) -> None:
    """End a copy nobody will take (a build that failed before ``env-updated``)."""
    while _PENDING:
        child, receive, _ = _PENDING.pop()
        receive.close()
        child.terminate()
        child.join()
