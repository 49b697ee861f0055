"""Requirement page bodies kept without what only a spliced panel's fill shows (:mod:`.reqpages`,
:mod:`.reqcache`).

The conformance status panel says which run its statuses come from ("run of <time> against
<target>"): every suite run (each build into an empty output folder of a new spec commit, say)
changes that line on every tested requirement's page, and nothing else when no test's outcome
changed. A body kept in the user cache holds, in place of each spliced panel's fill
(:data:`smets_spec.markup.panels.SPLICES`), a marker (:func:`slot`), and is kept with the digest
of each spliced panel's HTML with its markers (:func:`neutral`, digested as
:func:`.reqindex.panel_digest` digests a panel) besides the record of its
page; a build takes the kept body when that digest is this build's (the tests' outcomes, messages
and titles as before) and puts this build's fill in where the page is written (:func:`filled`).
So a run that changed only the time draws no body again, and one where a test's outcome changed
draws its requirements' pages, as a full draw would.

A body is kept with markers only when they stand for exactly the fills: the body holds each
marker as many times as its panel put it (not in a requirement's text), the panel's parts hold
none, and a character beside a marker is no word character, so that the needs the page mentions
(:func:`.reqindex.shows`, a set of words) are those of the body with the fill, provided the fill
itself mentions none (:func:`fills`: else nothing is spliced in that build). Otherwise the body is
kept whole, as before. ``SMETS_PANEL_SPLICE=off``: every body kept whole, and no body kept with
markers is used (the old behaviour).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..corpus.cachedir import switched_off
from ..corpus.load import Corpus
from ..corpus.needkeys import mentioned
from ..markup.panels import SPLICES

SWITCH = "SMETS_PANEL_SPLICE"
_WORD = re.compile(r"[A-Za-z0-9_]")


def enabled() -> bool:
    return not switched_off(SWITCH)


def names() -> list[str]:
    """The spliced panels, in a fixed order (each one's :func:`slot` is its place in it)."""
    return sorted(SPLICES)


def slot(name: str) -> str:
    """The marker standing for the fill of panel ``name`` in a kept body (no word character in it)."""
    return f"<!--{'~' * (names().index(name) + 1)}-->"


def fills(corpus: Corpus) -> dict[str, str] | None:
    """This build's fill of every spliced panel, or None when this build splices nothing (switched
    off, or a fill that is blank, holds a comment or mentions a need)."""
    if not enabled():
        return None
    found = {name: SPLICES[name].fill() for name in names()}
    for value in found.values():
        if not value.strip() or "<!--" in value or mentioned(value, corpus.needs):
            return None
    return found


def spliceable(name: str, parts: list[str]) -> bool:
    """Whether ``parts`` of panel ``name`` can be kept with markers: none holds a marker, and no
    character beside where a fill goes is a word character."""
    if any("<!--~" in part for part in parts):
        return False
    ends = [p[-1:] for p in parts[:-1]] + [p[:1] for p in parts[1:]]
    return not any(_WORD.fullmatch(c) for c in ends if c)


def neutral(name: str, parts: list[str]) -> str:
    """The panel's HTML with its markers in place of the fill."""
    return slot(name).join(parts)


def holds_exactly(body: str, slots: Mapping[str, int]) -> bool:
    """Whether ``body`` holds each panel's marker exactly as many times as ``slots`` says (and no
    marker of a panel not in it)."""
    return all(body.count(slot(name)) == slots.get(name, 0) for name in names())


def filled(body: str, fill: Mapping[str, str], spliced: Mapping[str, str]) -> str:
    """``body`` with this build's fills in place of its markers (``spliced``: its panels' neutral
    digests; empty: a body kept whole, given as it is)."""
    for name in spliced:
        body = body.replace(slot(name), fill[name])
    return body
