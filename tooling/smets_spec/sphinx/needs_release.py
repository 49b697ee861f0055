"""The sphinx-needs release our replacements of its internals match (back links, the purge, the
defaults' copies): on any other release they are not installed and sphinx-needs runs as it is.

Each replacement is compared with sphinx-needs' own code by the suite (``tests/test_backlinks.py``,
``test_needs_purge.py``, ``test_needs_generate.py``); a new release gets added here once they pass.
"""

from __future__ import annotations

#: the release whose ``build_backlinks``, ``remove_doc``/``add_need``/``remove_need`` and field
#: defaults the replacements were written against
RELEASE = "9.1.0"


def matches() -> bool:
    """Whether the installed sphinx-needs is :data:`RELEASE`."""
    import sphinx_needs

    return getattr(sphinx_needs, "__version__", None) == RELEASE
