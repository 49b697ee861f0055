"""``env.app`` without Sphinx's deprecation warning while the documents are read.

Sphinx 9 deprecates ``BuildEnvironment.app``: each read of it calls ``warnings.warn`` with a
``RemovedInSphinx11Warning`` (a ``PendingDeprecationWarning``, which Python's default filters
ignore), then returns ``env._app``. sphinx-needs 9.1 reads it at least twice for each need it
registers (``NeedDirective.run`` hands ``self.env.app`` to ``add_need``; ``update_need_with_parts``
takes ``env.app``): some 37,000 warnings made and dropped in a read of 18,500 needs, about 1.5 % of
the readers' CPU in a warm full build. From ``env-before-read-docs`` to ``env-updated`` (the read,
and the forked readers, which inherit it) the property returns ``env._app`` without the warning:
the same object, so the same doctrees, environment and site. ``SMETS_QUICK_ENV_APP=off`` keeps
Sphinx's property; so does a Sphinx whose property is not the code this was written against (a
digest of it), and the property is Sphinx's again once the read is over.
"""

from __future__ import annotations

import functools
from typing import Any

from sphinx.application import Sphinx
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


def _quick(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if not switched_off(SWITCH) and same_code():
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
