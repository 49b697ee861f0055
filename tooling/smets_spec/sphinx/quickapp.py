"""``env.app`` without Sphinx's deprecation warning while the documents are read.

Sphinx 9 deprecates ``BuildEnvironment.app``: each read of it calls ``warnings.warn`` with a
``RemovedInSphinx11Warning`` (a ``PendingDeprecationWarning``, which Python's default filters
ignore), then returns ``env._app``. sphinx-needs 9.1 reads it at least twice for each need it
registers (``NeedDirective.run`` hands ``self.env.app`` to ``add_need``; ``update_need_with_parts``
takes ``env.app``): two warnings made and dropped a need read, each several microseconds (the frame
walk, the registries), about 3 % of the CPU of reading the need documents of a warm build at
10,000 requirements (``bench/need_reads.py``, pairs in one process). From
``env-before-read-docs`` to ``env-updated`` (the read, and the forked readers, which inherit it)
the property returns ``env._app`` without the warning:
the same object, so the same doctrees, environment and site. Only while Python's warning filters
ignore that warning anyway (:func:`ignored`: the first filter for its class, with no condition on
the message or module, says ``ignore``), so ``python -W always``, ``-X dev`` or a test that records
warnings still sees every one. ``SMETS_QUICK_ENV_APP=off`` keeps Sphinx's property; so does a Sphinx
whose property is not the code this was written against (a digest of it), and the property is
Sphinx's again once the read is over.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

from sphinx.application import Sphinx
from sphinx.deprecation import RemovedInSphinx11Warning
from sphinx.environment import BuildEnvironment

from ..corpus.cachedir import switched_off
from .sourcedigest import source_digest

SWITCH = "SMETS_QUICK_ENV_APP"
KNOWN = "dd72e3286e466f53fcc1acae4b962dcd319dc532f7d988f2b962b5f360ced617"
#: Sphinx's own property (restored after the read)
ORIGINAL: Any = BuildEnvironment.__dict__.get("app")


def _app(self: Any) -> Sphinx:
    app: Sphinx = self._app
    return app


def code_digest() -> str:
    if not isinstance(ORIGINAL, property):
        return ""
    return source_digest(ORIGINAL.fget)


@functools.cache
def same_code() -> bool:
    return code_digest() == KNOWN


def quick_property() -> property:
    """Sphinx's property with its getter only returning ``env._app`` (its setter and deleter kept)."""
    assert isinstance(ORIGINAL, property)
    return property(_app, ORIGINAL.fset, ORIGINAL.fdel, ORIGINAL.__doc__)


def ignored(category: type[Warning] = RemovedInSphinx11Warning) -> bool:
    """Whether the warning filters drop every ``category`` warning: the first filter for it (or a
    base class of it) says ``ignore`` and asks nothing of the message, module or line. A filter
    with such a condition comes first: not known without the call, so False; no filter: Python
    shows it once per place, so False."""
    for action, message, kind, module, lineno in warnings.filters:
        if not issubclass(category, kind):
            continue
        return action == "ignore" and message is None and module is None and not lineno
    return False


def _quick(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if not switched_off(SWITCH) and same_code() and ignored():
        BuildEnvironment.app = quick_property()  # type: ignore[method-assign,assignment]


def restore(*args: Any) -> list[str]:
    """Sphinx's own property again (``env-updated``: the read is over)."""
    if ORIGINAL is not None and BuildEnvironment.__dict__.get("app") is not ORIGINAL:
        BuildEnvironment.app = ORIGINAL  # type: ignore[method-assign]
    return []


def register(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _quick)
    app.connect("env-updated", restore)
    app.connect("build-finished", restore)
