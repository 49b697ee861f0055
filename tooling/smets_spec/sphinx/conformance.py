"""Conformance in the Sphinx build: where the latest results are, and keeping their pages live.

The results file is ``<output folder>/.smets/conformance.json``, or
``smets_conformance_results`` in conf.py (relative to it). When the file is missing, the
suite runs on the reference models first (``smets build`` starts it beside Sphinx's
start-up; a plain ``sphinx-build`` runs it here), so both build the same site.
When the file changes between two builds, every page computed from the corpus
(requirement pages, the conformance summary) is re-read, so no status is stale.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError

from ..conformance import forbuild, live
from ..conformance.runner import newest_source
from ..corpus.cachedir import switched_off
from ..corpus.project import Project
from ..duplicates.memory import release as release_scan_memos
from ..duplicates.page import analysis as duplicates_analysis
from . import earlyread, fingerprints
from .state import corpus_of, dependent_docs

_STAMP = "smets_conformance_stamp"
#: ``SMETS_LATE_SUITE_WAIT=off``: the build waits for a suite run beside it at ``builder-inited``
SWITCH = "SMETS_LATE_SUITE_WAIT"


class ConformanceStepError(SphinxError):
    """The conformance step of the build failed; the message is its real cause."""

    category = "Conformance step failed"


def results_path(app: Sphinx) -> Path:
    configured = str(app.config.smets_conformance_results or "")
    if configured:
        return Path(app.confdir) / configured
    return live.results_file_for(Path(app.outdir))


def _init(app: Sphinx) -> None:
    """Where the results are; they are waited for here unless ``smets build`` started the suite
    beside the build: then at ``env-get-outdated`` (:func:`_outdated`), after the work that reads
    no results (Sphinx's start-up, the protocol assessment, the duplicate scan) has run beside it."""
    path = results_path(app)
    if switched_off(SWITCH) or not forbuild.running_for(path):
        _settle(app, path)
    live.set_results_path(path)


def _settle(app: Sphinx, path: Path) -> None:
    try:
        live.settle()  # a suite run ``smets build`` started beside the build has written the results
        if not app.config.smets_conformance_results and not path.is_file() and app.builder.format == "html":
            forbuild.ensure_results(Project(Path(app.confdir)), Path(app.outdir), corpus_of(app))
    except live.StepFailedError as exc:
        if live.caller_reports_failures():  # smets build: one clear message, no crash report
            raise live.BuildAbortedError(str(exc)) from exc
        raise ConformanceStepError(str(exc)) from exc


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    path = results_path(app)
    if forbuild.running_for(path):  # the suite still runs beside the build (see :func:`_init`)
        new = getattr(env, _STAMP, None) is None  # a new environment: its stamp set by _later, after the wait
        if new and earlyread.defer(app, env, added | changed, _later(app, env, path)):
            return _changed(app, env, added | changed | removed)
        _wait(app, path)
    now = _now()
    if getattr(env, _STAMP, None) == now:
        return []
    setattr(env, _STAMP, now)
    return _changed(app, env, added | changed | removed)


def _now() -> tuple[object, object]:
    """The environment's stamp: the results, and the models and suite shown as source."""
    return (live.stamp(), newest_source())


def _changed(app: Sphinx, env: BuildEnvironment, skip: set[str]) -> list[str]:
    return sorted(set(fingerprints.changed_pages(app, env, skip)) | (dependent_docs(env) - skip))


def _wait(app: Sphinx, path: Path) -> None:
    """Wait for the work beside the build: the duplicate scan (the longest analysis the pages share,
    needing no results), then the suite's results."""
    duplicates_analysis(corpus_of(app))
    release_scan_memos()
    _settle(app, path)


def _later(app: Sphinx, env: BuildEnvironment, path: Path) -> Callable[[], None]:
    """What :func:`_outdated` does for a new environment, left to the read (:mod:`.earlyread`)."""

    def finish() -> None:
        _wait(app, path)
        setattr(env, _STAMP, _now())

    return finish


def register(app: Sphinx) -> None:
    app.add_config_value("smets_conformance_results", "", "env", types=frozenset({str}))
    app.connect("builder-inited", _init)
    app.connect("env-get-outdated", _outdated, priority=800)  # after the others: see _init
    earlyread.register(app)
    app.connect("build-finished", lambda app, exc: forbuild.build_finished(Path(app.outdir)))
