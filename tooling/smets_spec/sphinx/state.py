"""The corpus as the Sphinx build sees it, and the bookkeeping for incremental builds.

The engine's corpus is loaded once per build (at ``builder-inited``) from the
source folder with the fast reader, and its diagnostics are emitted as Sphinx
warnings with their file and line. ``smets build`` has read and validated it just
before: it hands its corpus over (:func:`offer_corpus`), taken when the source
folder's files still hash to what that corpus was read from (else read again).
Pages whose content is computed from the whole corpus (matrices, device pages,
catalogues) register themselves; when any source changes, they are re-read, so no table is left stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ..corpus.load import Corpus, Offered, load_spec, read_from
from ..corpus.loadcache import cache_folder

LOGGER = logging.getLogger(__name__)
_CORPORA: WeakKeyDictionary[Sphinx, Corpus] = WeakKeyDictionary()
_DEPENDENT = "smets_dependent_docs"
#: the application of each build environment (Sphinx 9 deprecates ``env.app``)
_APPS: WeakKeyDictionary[BuildEnvironment, Sphinx] = WeakKeyDictionary()


def app_of(env: BuildEnvironment) -> Sphinx:
    """The application building ``env`` (for directives, which see only the environment)."""
    return _APPS[env]


def _remember_app(app: Sphinx) -> None:
    _APPS[app.env] = app


#: the corpus ``smets build`` read and validated before starting Sphinx, as the extension reads it
#: (relative to the source folder), for that folder
_OFFERED = Offered()


def offer_corpus(spec: Path, relative_to: Path, corpus: Corpus) -> None:
    """Let the next build of ``spec`` use ``corpus`` (``load_spec(spec, relative_to)``) instead of
    reading the folder again, if its files are unchanged when the build starts.

    The corpus is re-rooted here, before Sphinx loads its environment: with millions of objects
    alive, the garbage collector makes the same copy several times slower (0.9 s profiled at 10,000).
    """
    _OFFERED.clear()
    own = read_from(spec, relative_to, corpus)
    if own is not None:
        _OFFERED.offer(spec.resolve(), own)


def offer_read(spec: Path, own: Corpus) -> None:
    """:func:`offer_corpus` of a corpus re-rooted already (``read_from(spec, relative_to, corpus)``:
    ``smets build`` starts the duplicate scan copy for it before Sphinx starts)."""
    _OFFERED.clear()
    _OFFERED.offer(spec.resolve(), own)


def offered() -> Corpus | None:
    """The corpus offered to the next build (:func:`offer_corpus`), not taken yet (that build takes
    this very object when the source files are unchanged), or None."""
    return _OFFERED.peek()


def _offered(srcdir: Path) -> Corpus | None:
    """The offered corpus as the extension reads it (relative to ``srcdir``), if still current."""
    return _OFFERED.take(srcdir)


def corpus_of(app: Sphinx) -> Corpus:
    """The corpus of this build (loaded on first use; files loaded before come from the corpus cache,
    :mod:`~smets_spec.corpus.loadcache`)."""
    corpus = _CORPORA.get(app)
    if corpus is None:
        srcdir = Path(app.srcdir)
        corpus = _offered(srcdir) or load_spec(srcdir, relative_to=srcdir, cache=cache_folder())
        _CORPORA[app] = corpus
    return corpus


def _docname(file: str) -> str:
    return file.rsplit(".", 1)[0]


def load_and_report(app: Sphinx) -> None:
    _CORPORA.pop(app, None)
    corpus = corpus_of(app)
    for diagnostic in corpus.diagnostics:
        where = diagnostic.location
        message = diagnostic.message + (f" (fix: {diagnostic.fix})" if diagnostic.fix else "")
        LOGGER.warning(
            message,
            location=(_docname(where.file), where.line),
            type="smets",
            subtype=diagnostic.rule.value.removeprefix("smets."),
        )


def dependent_docs(env: BuildEnvironment) -> set[str]:
    docs: set[str] | None = getattr(env, _DEPENDENT, None)
    if docs is None:
        docs = set()
        setattr(env, _DEPENDENT, docs)
    return docs


def note_dependent(env: BuildEnvironment, docname: str) -> None:
    """Record that ``docname`` shows content computed from the whole corpus."""
    dependent_docs(env).add(docname)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    dependent_docs(env).discard(docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    dependent_docs(env).update(dependent_docs(other) & docnames)


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """When any source changed, re-read every page computed from the corpus."""
    if not (added or changed or removed):
        return []
    return sorted(dependent_docs(env) - added - changed - removed)


def register(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _remember_app, priority=100)
    app.connect("builder-inited", load_and_report)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _outdated)
    return {}


def builder_app(builder: Any) -> Any:
    """The application of ``builder``: Sphinx 9 keeps it as ``_app`` (its ``app`` property warns
    that it is deprecated); an older Sphinx's ``app``."""
    return vars(builder).get("_app") or getattr(builder, "app", None)
