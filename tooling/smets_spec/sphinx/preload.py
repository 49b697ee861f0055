"""What every forked reader of a parallel read would load for itself, loaded once before it forks.

A parallel read forks a reader per chunk (four at 2,000 requirements, :func:`.jobs.read_chunks`),
and each starts from what the main process has loaded. The guide pages' Markdown parser
(myst-parser with markdown-it, yaml, ...: about 0.04 s of CPU to import) was imported by each
reader that met a guide page, which every reader does; and each reader checked the docutils
and Sphinx code :mod:`.quickquotes` and :mod:`.quickwalks` stand in for (about 0.02 s: the
code's source read and hashed). Both are now done in the main process just before a read of at
least :data:`.jobs.SERIAL_BELOW` documents forks, and every reader inherits them: the same
parser, the same answers, loaded once. ``SMETS_READ_PRELOAD=off``: each reader loads them
itself, as before.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ..corpus.cachedir import switched_off
from . import guide, quickquotes, quickwalks
from .jobs import SERIAL_BELOW

SWITCH = "SMETS_READ_PRELOAD"


def preload(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``, before the read forks: the Markdown parser imported, the checks made."""
    if switched_off(SWITCH) or len(docnames) < SERIAL_BELOW or app.parallel <= 1:
        return
    guide.load_parser()
    quickquotes.same_code()
    quickwalks.same_code()


def register(app: Sphinx) -> None:
    app.connect("env-before-read-docs", preload, priority=450)  # before jobs freezes (500)
