"""The protocol assessment with its object checks, worked out once before a parallel read forks.

The protocol assessment pages (``.. smets-assessment::``) show the assessment *with* every protocol
object checked against the installed catalogues (``assessment_of(corpus, checks=True)``), a
different question to the DLMS/COSEM catalogue helper than the cards' (which
:func:`.cards.prepare_assessment` answers before the read). In a cold build nothing is in the user
cache yet, so each forked reader that read one of the three pages started its own helper (a Python
process importing gurux-dlms) and ran the same assessment: twice at 2,000 and at 10,000
requirements, about 0.6 s of CPU each.

Now the helper is started with that question when the builder is ready (:func:`start_checks`,
beside the start-up, only when its answer is not cached), and the assessment is worked out in the
main process just before a read of at least :data:`.jobs.SERIAL_BELOW` documents forks
(:func:`assess_before_read`); every reader inherits it. The same question, the same answer, the
same assessment: only where it is worked out changes. ``SMETS_ASSESS_EARLY=off``: each reader
works it out when it reads an assessment page, as before.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ..corpus.cachedir import switched_off
from ..protocols.assess import assessment_of, checks_request
from ..protocols.catalogue import DLMS_DIST, DLMS_HELPER, start_early
from .jobs import SERIAL_BELOW
from .state import corpus_of

SWITCH = "SMETS_ASSESS_EARLY"


def start_checks(app: Sphinx) -> None:
    """``builder-inited``: start the helper with the checks' question unless its answer is cached."""
    if switched_off(SWITCH) or getattr(app.builder, "format", None) != "html":
        return
    start_early(DLMS_HELPER, DLMS_DIST, checks_request(corpus_of(app)))  # nothing when started (build_site)


def assess_before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``, before the read forks: the assessment with its checks, once."""
    if switched_off(SWITCH) or len(docnames) < SERIAL_BELOW or app.parallel <= 1:
        return
    if getattr(app.builder, "format", None) != "html":
        return
    assessment_of(corpus_of(app), checks=True)


def register(app: Sphinx) -> None:
    app.connect("builder-inited", start_checks, priority=900)  # after state.load_and_report loads the corpus
    app.connect("env-before-read-docs", assess_before_read, priority=450)  # before jobs freezes (500)
