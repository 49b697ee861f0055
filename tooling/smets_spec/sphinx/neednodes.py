"""sphinx-needs' copies of every need's node released once nothing of the build can read them (issue 20).

sphinx-needs keeps a deep copy of each need's docutils node in the environment
(``env._needs_all_nodes``, 41 MB at 10,000 requirements: 18,498 subtrees) for the two things
that copy a need's content elsewhere: the ``needextract`` directive and the dynamic function
``links_from_content`` (called by the post-processing, or from the ``ndf`` role). Sphinx pickles
the environment before it writes (the next build loads them from there), the post-processing is
over at ``write-started``, and the site's sources can use neither ``needextract`` nor ``ndf``
(both refused, :mod:`.safety`): from then on the copies were dead weight in the main process
for the whole write phase, and in every page writer forked from it.

At ``write-started``, after sphinx-needs' post-processing, they are released: their reference
cycles cut (the environment is frozen out of the collector's reach, :mod:`.jobs`) so that
reference counting frees them, and the environment's dictionary replaced by an empty one
(:class:`Released`; an environment used again after the build, as tests do, purges documents
from it as from any). Only when this build's ``needextract`` and ``ndf`` are the refusals, checked
in docutils' registries as the build left them; ``SMETS_NEED_NODES=off`` keeps them.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives, roles
from sphinx.application import Sphinx
from sphinx.builders import Builder

from ..corpus.cachedir import switched_off
from .jobs import cut_cycles
from .safety import RefusedDirective, RefusedRole

_ATTRIBUTE = "_needs_all_nodes"


class Released(dict[str, Any]):
    """The environment's need nodes once released (empty): what :func:`release` leaves."""


def nothing_reads_them() -> bool:
    """Whether this build's sources can use neither reader of the copies (``needextract``, ``ndf``)."""
    directive = getattr(directives, "_directives", {}).get("needextract")
    role = getattr(roles, "_roles", {}).get("ndf")
    return directive is RefusedDirective and isinstance(role, RefusedRole)


def release(env: Any) -> int:
    """Release ``env``'s need nodes (see the module's doc); how many there were."""
    held = vars(env).get(_ATTRIBUTE)
    if not isinstance(held, dict) or isinstance(held, Released):
        return 0
    setattr(env, _ATTRIBUTE, Released())
    for node in held.values():
        if isinstance(node, nodes.Node):
            cut_cycles(node)
    count = len(held)
    held.clear()
    return count


def _write_started(app: Sphinx, builder: Builder) -> None:
    if not switched_off("SMETS_NEED_NODES") and nothing_reads_them():
        release(app.env)


def register(app: Sphinx) -> None:
    app.connect("write-started", _write_started, priority=890)  # after sphinx-needs' post-processing (500)
