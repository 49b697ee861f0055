"""build_phases.py, plus the CPU of each computed page's steps in the build process (issue 20).

    cd PROJECT && SMETS_CACHE_DIR=/tmp/me/cache python bench/page_phases.py [--edit TAG] [-- BUILD ARGS]

Prints what build_phases prints, then per page: ``render`` (its directives' texts, in
env-get-outdated or the read), ``note`` (the digest and the needs it mentions, in the read),
``read`` (Sphinx's read of the document, note included), ``index`` (its words fed to the search
index) and ``write`` (its HTML), each summed over the build, largest first. Pages a forked copy
handles (half the compared pages in a parallel build, the parallel write) are not counted: use
``-j 1`` to see every page.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from typing import Any

import build_phases

PAGES: dict[str, float] = {}


def _wrap(owner: Any, name: str, label: Callable[..., str]) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            key = label(*args)
            PAGES[key] = PAGES.get(key, 0.0) + time.process_time() - start

    setattr(owner, name, run)


def install() -> None:
    import sphinx.builders
    import sphinx.builders.html

    from smets_spec.sphinx import fingerprints

    html = sphinx.builders.html.StandaloneHTMLBuilder
    _wrap(fingerprints, "render", lambda app, name, doc, *a: f"render {doc} {name}")
    _wrap(fingerprints, "note_rendered", lambda env, doc, name, *a: f"note {doc} {name}")
    _wrap(sphinx.builders.Builder, "read_doc", lambda self, doc, *a: f"read {doc}")
    _wrap(html, "write_doc", lambda self, doc, *a: f"write {doc}")
    _wrap(html, "index_page", lambda self, doc, *a: f"index {doc}")


def main() -> int:
    measure = build_phases.install

    def both() -> None:
        measure()
        install()

    build_phases.install = both
    try:
        return build_phases.main()
    finally:
        totals: dict[str, float] = {}
        for key, seconds in PAGES.items():
            step = key.split(" ", 1)[0]
            totals[step] = totals.get(step, 0.0) + seconds
        summary = ", ".join(f"{k} {v:.2f}" for k, v in totals.items())
        print(f"  per step, all pages: {summary}", file=sys.stderr)
        for key, seconds in sorted(PAGES.items(), key=lambda item: -item[1]):
            if seconds >= 0.02:
                print(f"    {seconds:6.2f} {key}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
