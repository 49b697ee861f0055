"""Conformance in the Sphinx build: where the latest results are, and keeping their pages live.

The results file is ``<output folder>/.smets/conformance.json``, or
``smets_conformance_results`` in conf.py (relative to it). When the file is missing, the
suite runs on the reference models first (``smets build`` starts it beside Sphinx's
start-up; a plain ``sphinx-build`` runs it here), so both build the same site.
When the file changes between two builds, every page computed from the corpus
(requirement pages, the conformance summary) is re-read, so no status is stale.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError

from ..conformance import forbuild, live
from ..conformance.runner import newest_source
from ..corpus.project import Project
from . import fingerprints
from .state import corpus_of, dependent_docs

_STAMP = "smets_conformance_stamp"


class ConformanceStepError(SphinxError):
    """The conformance step of the build failed; the message is its real cause."""

    category = "Conformance step failed"


def results_path(app: Sphinx) -> Path:
    configured = str(app.config.smets_conformance_results or "")
    if configured:
        return Path(app.confdir) / configured
    return live.results_file_for(Path(app.outdir))


def _init(app: Sphinx) -> None:
    try:
        live.settle()  # a suite run ``smets build`` started beside the build has written the results
        path = results_path(app)
        if not app.config.smets_conformance_results and not path.is_file() and app.builder.format == "html":
            forbuild.ensure_results(Project(Path(app.confdir)), Path(app.outdir), corpus_of(app))
    except live.StepFailedError as exc:
        if live.caller_reports_failures():  # smets build: one clear message, no crash report
            raise live.BuildAbortedError(str(exc)) from exc
        raise ConformanceStepError(str(exc)) from exc
    live.set_results_path(path)


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    now = (live.stamp(), newest_source())  # the results, and the models and suite shown as source
    if getattr(env, _STAMP, None) == now:
        return []
    setattr(env, _STAMP, now)
    skip = added | changed | removed
    return sorted(set(fingerprints.changed_pages(app, env, skip)) | (dependent_docs(env) - skip))


def register(app: Sphinx) -> None:
    app.add_config_value("smets_conformance_results", "", "env", types=frozenset({str}))
    app.connect("builder-inited", _init)
    app.connect("env-get-outdated", _outdated)
    app.connect("build-finished", lambda app, exc: forbuild.build_finished(Path(app.outdir)))
