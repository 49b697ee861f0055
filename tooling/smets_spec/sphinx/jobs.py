"""Parallel reading only where it pays: a handful of changed documents are read serially.

Sphinx reads in parallel by forking workers that each send the *whole* environment back,
pickled, to be merged. With thousands of needs in the environment that costs more than
reading a few documents, so an incremental build that re-reads fewer than
:data:`SERIAL_BELOW` documents reads them in the main process; writing is still parallel.
Measured at 2,000 requirements: see docs/performance.md.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

#: Fewer documents to read than this: read them serially.
SERIAL_BELOW = 24
_SAVED = "_smets_parallel"


def _before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if app.parallel > 1 and len(docnames) < SERIAL_BELOW:
        setattr(app, _SAVED, app.parallel)
        app.parallel = 1


def _after_read(app: Sphinx, env: BuildEnvironment) -> list[str]:
    saved = getattr(app, _SAVED, None)
    if saved is not None:
        app.parallel = saved
        delattr(app, _SAVED)
    return []


def register(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _before_read)
    app.connect("env-updated", _after_read)
