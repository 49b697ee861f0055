"""The duplicate scan of ``smets build`` started as soon as the spec is loaded and checked.

The build starts the scan in a forked copy (:func:`.page.scan_beside`) and, in a cold build, waits
for it before the read forks (:func:`..sphinx.jobs.warm`): the scan is the start-up's critical
path. Sphinx's extension starts the copy as it registers (``config-inited``), after Sphinx's,
sphinx-needs' and the extension's imports and Sphinx's own start (~0.6-0.8 s of CPU at 2,000
requirements) on one core while the other waits for the conformance suite and the protocol
helpers, which start just before Sphinx. :func:`scan_early` starts the very same copy right after
``smets build`` has loaded and checked the spec, for the corpus it then offers the extension
(re-rooted as the extension reads it), before any of that: the extension finds the copy running
for that corpus and starts none (:func:`..sphinx.duplicates.register`).

Whether a copy is started at all is the extension's own decision, taken here without Sphinx: no
copy for a full read of a corpus a full build read before (:mod:`..sphinx.warmfull`: its mark in
the user cache). Its key is made here (:func:`mark_key`) from what ``smets build`` hands Sphinx
(``conf.py`` in the project's folder, no ``-D`` setting, the spec folder); the extension keys the
mark with the same function from its application. Were the two ever to differ, the extension's
decision stands: a copy it does not want is let go (its findings unused), a copy it wants and
that is missing is started as before; the findings are a function of the corpus and the review
file either way. ``SMETS_SCAN_EARLY=off``: the copy is started by the extension only, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..corpus.cachedir import switched_off
from ..corpus.files import file_stamp
from ..corpus.load import Corpus
from ..corpus.usercache import digest, package_digest, read_regular_entry, user_cache_folder
from .page import scan_beside, suppression_file

SWITCH = "SMETS_SCAN_EARLY"

#: :mod:`..sphinx.warmfull`'s mark: its switch, its folder in the user cache, its one content
MARK_SWITCH = "SMETS_WARM_FULL"
MARK_KIND = "full-reads"
MARK_FORMAT = "smets-full-read/1"
#: the switches of the kept page texts (:mod:`..sphinx.pagetexts`), without which no mark is used
PAGE_TEXT_SWITCHES = ("SMETS_PAGE_TEXT_CACHE", "SMETS_RENDER_CACHE")


def marks_used() -> bool:
    """Whether builds use the mark (and leave it): none of its switches is off."""
    return not switched_off(MARK_SWITCH, *PAGE_TEXT_SWITCHES)


def settings(confdir: Path, overrides: Mapping[str, object], srcdir: Path) -> list[str]:
    """What the project's settings are: ``conf.py``'s bytes, the ``-D`` settings, the source and
    configuration folders (:func:`..sphinx.pagetexts.settings` of an application built so)."""
    return [
        file_stamp(confdir / "conf.py"),
        repr(sorted((str(k), repr(v)) for k, v in overrides.items())),
        str(srcdir.resolve()),
        str(confdir.resolve()),
    ]


def mark_key(corpus: Corpus, project_settings: list[str]) -> str | None:
    """The mark's key for ``corpus`` built with ``project_settings`` (None: the corpus has no digest)."""
    if corpus.digest is None:
        return None
    parts = [MARK_FORMAT, package_digest(), corpus.digest, *project_settings]
    return digest([*parts, file_stamp(suppression_file(corpus))])


def marked(corpus: Corpus, project_settings: list[str]) -> bool:
    """Whether the user cache holds the mark of a completed full read of ``corpus`` so built."""
    if not marks_used():
        return False
    key = mark_key(corpus, project_settings)
    found = None if key is None else read_regular_entry(MARK_KIND, key, user_cache_folder())
    return found == {"format": MARK_FORMAT}


def scan_early(corpus: Corpus, root: Path, spec: Path) -> bool:
    """Start the scan copy of ``corpus`` (the corpus ``smets build`` offers the extension, read
    from ``spec`` with ``root/conf.py``) unless switched off or the extension would start none.
    True when a copy was started."""
    return wanted(corpus, root, spec) and scan_beside(corpus)


def wanted(corpus: Corpus, root: Path, spec: Path) -> bool:
    """Whether :func:`scan_early` starts a copy for ``corpus`` before the conditions of the copy
    itself (:func:`.page.beside_wanted`): switched on, and no mark of a full read."""
    return not switched_off(SWITCH) and not marked(corpus, settings(root, {}, spec))
