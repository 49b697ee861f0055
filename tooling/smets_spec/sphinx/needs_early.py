"""needs.json written by a forked copy from the start of the HTML builder's finish (issue 20).

sphinx-needs writes needs.json at ``build-finished`` (:func:`.needs_splice.finish`); in the build of
an edit whose needs :mod:`.needs_reuse` vouched for, a forked copy writes it while the rest of
``build-finished`` goes on (:func:`.needs_splice._beside`); in any other build the build's own
process writes it: 1.9 s of CPU at 10,000 requirements in a warm build into an empty output
folder, where this process's finish (the general index, the requirement pages' search feed, the
search index, then needs.json) is the critical path and the other core, once the requirement
pages' writers are done, is idle.

In a parallel HTML build the copy starts instead as the builder's ``finish`` begins (its
``finish`` is wrapped at ``write-started``, as the requirement pages' writers are,
:func:`.reqpages._before_finish`), in every build, and sphinx-needs' own call at
``build-finished`` finds it started and leaves it to :func:`.needs_splice.settle`, which joins it
as before. The same file: the copy runs the same code (:func:`.needs_splice.job_of`, then the
splice) on what this process holds at the fork: the needs, which nothing changes after
sphinx-needs' post-processing (``write-started``; every page is written by then), the
configuration, and the output folder's last needs.json and index, which only this step writes.
What sphinx-needs' ``NeedsBuilder`` would be given is given as it (the application, its
environment, output and source folders), without making one early (making one adds the
builder's tags to the application's, which happens at ``build-finished`` as ever). A copy that
cannot start leaves the file to ``build-finished``; one that fails is followed by the build's own
write (:func:`.needs_splice.settle`). ``tests/test_needs_json_early.py``: the same needs.json, site
and search index both ways.

``SMETS_NEEDS_JSON_EARLY=off``: written at ``build-finished``, as before (so does
``SMETS_NEEDS_JSON_BESIDE=off``, by the build's own process).
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace

from sphinx.application import Sphinx
from sphinx.builders import Builder

from ..corpus.cachedir import switched_off
from . import needs_splice
from .beside import drops_left, first_in_finish

SWITCH = "SMETS_NEEDS_JSON_EARLY"


def start(app: Sphinx) -> bool:
    """The copy writing needs.json started, as :func:`.needs_splice.finish` would at
    ``build-finished`` (True), or nothing done (False: it writes it then)."""
    from sphinx_needs.builder import NeedsBuilder, build_needs_json
    from sphinx_needs.config import NeedsSphinxConfig

    env = app.env
    needs_config = NeedsSphinxConfig(env.config)
    if not needs_config.build_json or isinstance(app.builder, NeedsBuilder):
        return False  # sphinx-needs' build_needs_json writes nothing in this build
    if needs_splice._unusable(env, needs_config):
        return False  # sphinx-needs' own steps, at build-finished
    listeners = app.events.listeners.get("build-finished", [])
    if NeedsBuilder.finish is not needs_splice.finish or not any(
        inspect.unwrap(listener.handler) is build_needs_json for listener in listeners
    ):
        return False
    # what NeedsBuilder(app, env) holds that the job reads
    stand_in = SimpleNamespace(_app=app, env=env, outdir=app.outdir, srcdir=app.srcdir)
    job = needs_splice.job_of(stand_in)
    if job is None or not needs_splice._beside(job, any_build=True):
        return False
    needs_splice.EARLY[:] = [env]
    return True


def _before_finish(app: Sphinx, builder: Builder) -> None:
    """``write-started``: in a parallel HTML build, :func:`start` runs first thing in the builder's
    ``finish`` (this build's only; :func:`.beside.first_in_finish`)."""
    needs_splice.EARLY.clear()  # (one left by a build that ended before build-finished)
    if switched_off(SWITCH) or app.parallel <= 1 or builder.format != "html":
        return

    def started() -> None:
        try:
            start(app)
        except Exception:  # (a warning made an error, say): left to build-finished, as before
            needs_splice.EARLY.clear()

    first_in_finish(builder, started)


def register(app: Sphinx) -> None:
    drops_left(app)  # first_in_finish's wrappers a failed build left
    app.connect("write-started", _before_finish, priority=950)  # wraps the requirement pages' (500)
