"""Sphinx's asset checksums without resolving the asset's path again for every link of every page.

Each page Sphinx writes links every stylesheet and script of the site with ``?v=<checksum>``
(``StandaloneHTMLBuilder.handle_page``'s ``css_tag`` and ``js_tag``, through
``sphinx.builders.html._file_checksum``). Sphinx keeps the checksum of each file (``@cache`` on the
resolved path), but resolves the path first for every link: ``Path.resolve``, an ``lstat`` of each
folder above the file, 40-70 microseconds. About 15 links a page: ~4,500 resolves in the forked
page writers of a cold build at 2,000 requirements (~0.2 s of CPU).

:func:`register` puts a memo in front of ``_file_checksum`` in the builder's module: the checksum of
each (output folder, file name) is asked of Sphinx once, then given again for the rest of the
build (the memo is emptied as each build's builder starts, so a long-lived process, ``smets
serve``, resolves again once a build). Within a build the answer cannot differ: the output folder's
files are Sphinx's, and what Sphinx returns for a resolved path is kept by Sphinx itself for the
life of the process. A name Sphinx refuses (a query string) is refused each time, not kept. Only
while Sphinx's code is the code this was written against (a digest of it). The same pages;
``SMETS_QUICK_ASSETS=off`` resolves each link as Sphinx does.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import sphinx.builders.html as html_builder
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder, _assets

from ..corpus.cachedir import switched_off
from .sourcedigest import source_digest

SWITCH = "SMETS_QUICK_ASSETS"
KNOWN = "1e0a0cb399f9ad863303ec61a0ca976777e34eeb008e3079a5c2adfb15a47255"

#: the builder module's name of Sphinx's checksum function (the one ``handle_page``'s tags call)
_NAME = "_file_checksum"
#: each (output folder, file name)'s checksum this build (see the module's doc)
_MEMO: dict[tuple[str, str], str] = {}


def code_digest() -> str:
    checksum = _assets._file_checksum
    return source_digest(checksum, _assets._file_checksum_inner, StandaloneHTMLBuilder.handle_page)


@functools.cache
def same_code() -> bool:
    return code_digest() == KNOWN


def _remembered(original: Callable[[Any, Any], str]) -> Callable[[Any, Any], str]:
    @functools.wraps(original)
    def checksum(outdir: Any, filename: Any) -> str:
        key = (os.fspath(outdir), os.fspath(filename))
        found = _MEMO.get(key)
        if found is None:
            found = _MEMO[key] = original(outdir, filename)
        return found

    checksum.smets_original = original  # type: ignore[attr-defined]
    return checksum


def _forget(app: Sphinx) -> None:
    """``builder-inited``: a new build resolves each asset again."""
    _MEMO.clear()


def register(app: Sphinx) -> None:
    """The memo in front of the builder module's ``_file_checksum`` (once per process), unless
    switched off or Sphinx's code is not the code this was written against."""
    app.connect("builder-inited", _forget)
    current = getattr(html_builder, _NAME)
    if switched_off(SWITCH) or not same_code():
        setattr(html_builder, _NAME, getattr(current, "smets_original", current))
    elif not hasattr(current, "smets_original"):
        setattr(html_builder, _NAME, _remembered(current))
