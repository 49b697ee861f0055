"""The hook of ``smets serve``'s warm standby (:mod:`smets_spec.preview.builds`) into Sphinx.

The standby runs ``sphinx-build``'s own code path up to :meth:`Sphinx.build` and waits there;
:func:`hold_build` makes that so, in the forked copy that calls it (and only there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sphinx.application import Sphinx

from .state import corpus_of, load_and_report, offer_corpus


def hold_build(before: Callable[[Sphinx], None]) -> None:
    """Every later :meth:`Sphinx.build` in this process first calls ``before(app)`` (which waits
    for the word to build, or ends the process), then builds."""
    original = Sphinx.build

    def build(app: Sphinx, force_all: bool = False, filenames: Any = ()) -> None:
        before(app)
        original(app, force_all, filenames)

    Sphinx.build = build  # type: ignore[method-assign,assignment]


def warned(app: Sphinx) -> bool:
    """Whether the application has logged a warning (counted for ``-W``) since it was made."""
    return bool(app._warncount)


__all__ = ["corpus_of", "hold_build", "load_and_report", "offer_corpus", "warned"]
