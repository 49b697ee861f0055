"""Sphinx's debug line for each event it emits, without the repr of its arguments when no one reads it.

Sphinx's ``EventManager.emit`` logs ``[app] emitting event: NAME(ARGS)`` at debug level, and
computes ``repr(args)`` for it on every emission, whatever the verbosity. Some arguments are
the size of the site: sphinx-needs passes every need to ``needs-before-post-processing`` and
``needs-before-sealing`` (a repr of 150 MB at 10,000 requirements, twice, for nothing), Sphinx
passes each page's whole context (its body) to ``html-page-context`` and each source's text to
``source-read``. Worse, Sphinx buffers the records while reading and in its forked workers
(which pickle them back to the main process), so those strings stayed alive for a chunk of
documents at a time. The line is shown only at ``-vv`` (verbosity 2, Sphinx's debug level):
below that, the record says ``(...)`` instead of the arguments, and costs nothing.

The repr is replaced by the name ``repr`` in the module ``sphinx.events`` (a module global
shadows the builtin), which uses it for that line only.
"""

from __future__ import annotations

from weakref import WeakSet

import sphinx.events
from sphinx.application import Sphinx

#: applications of this process that show Sphinx's debug lines (``-vv``)
_VERBOSE: WeakSet[Sphinx] = WeakSet()
#: Sphinx's verbosity from which its debug lines are shown
DEBUG_VERBOSITY = 2


def event_args(args: object) -> str:
    """The arguments of an event, as Sphinx's debug line shows them."""
    if _VERBOSE:
        return repr(args)
    return "(...)"


def install(app: Sphinx) -> None:
    if app.verbosity >= DEBUG_VERBOSITY:
        _VERBOSE.add(app)
    vars(sphinx.events)["repr"] = event_args
