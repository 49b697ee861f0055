"""CPU of the duplicate analysis's steps inside one `smets build` (build_phases.py, with more steps timed).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/dups_phases.py [--edit TAG] [-- BUILD ARGS]

As ``bench/build_phases.py`` (its arguments, its output), the steps of the duplicate analysis
timed too: the analysis (``duplicates.page.analysis``: the scan state read, the scan, the state
written), the findings page, the requirement-page panel (all its calls), and the requirement
pages' plan and drawing. CPU seconds of this process; steps nest.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import build_phases
from steps import instrument

_FUNCTIONS = (
    ("smets_spec.duplicates.page", "analysis", ()),
    ("smets_spec.duplicates.page", "from_corpus", ()),
    ("smets_spec.duplicates.page", "duplicates_page", ("smets_spec.sphinx.duplicates",)),
    ("smets_spec.duplicates.store", "load", ()),
    ("smets_spec.duplicates.store", "scan_kept", ()),
    ("smets_spec.duplicates.store", "save_beside", ()),
    ("smets_spec.sphinx.reqpages", "plan", ()),
    ("smets_spec.sphinx.reqpages", "draw", ()),
)


def main() -> int:
    import smets_spec.sphinx.site  # noqa: F401  (registers every panel)
    from smets_spec.markup import panels

    build_phases.install()
    instrument(_FUNCTIONS, (), build_phases._timed)
    panel = panels.PANELS["duplicates"]
    timed = build_phases._timed(lambda *a: "duplicates_panel (every call)", panel.html)
    panels.PANELS["duplicates"] = replace(panel, html=timed)
    return build_phases.main()


if __name__ == "__main__":
    sys.exit(main())
