"""Requirement pages in milliseconds, for the first stage of ``smets serve`` (a preview).

The page the full build writes draws the text through Sphinx (roles resolved to links, the
site's own directives). The preview draws a changed text with docutils alone: roles show the
text they display (``:need:`X <ID>``` -> ``X``; ``:need:`ID``` -> ``ID``), raw HTML and file
insertion are off, and nothing the text says can run (docutils escapes it); an unchanged text
is taken from the built page. The rest of the page is drawn as :mod:`.reqpages` draws it (the
same shell, fields, neighbours and panels, links as Sphinx's HTML builder makes them), from the
corpus after the save; the panels that need analyses of the whole corpus (the duplicate scan,
the change history) are kept from the last build and say so. The full build that follows
replaces the page, so a preview lives a few seconds at most.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from docutils.core import publish_parts
from docutils.parsers.rst import directives as rst_directives
from docutils.parsers.rst import roles as rst_roles
from sphinx.util.osutil import relative_uri

from ..corpus.load import Corpus
from ..corpus.schema import Requirement
from ..markup.html import esc
from ..markup.panels import Panel
from ..render.requirement import page_body
from . import directives, duplicates, reqpages, site  # noqa: F401 - every panel registered
from .linker import REQ_FOLDER, docname_of
from .reqpages import SHELL

_TEXT_START = '<div class="smets-req-text">'
_DIV = re.compile(r"<(/?)div\b")

#: an interpreted-text role as written in the text: ``:name:`content```
_ROLE = re.compile(r":(?P<name>[A-Za-z][\w.+-]*(?::[\w.+-]+)*):`(?P<content>[^`]+)`")
_EXPLICIT = re.compile(r"^(?P<shown>.*?)\s*<[^<>]+>$", re.S)

_SETTINGS: dict[str, Any] = {
    "raw_enabled": False,
    "file_insertion_enabled": False,
    "report_level": 5,  # the full build reports problems; the preview draws what it can
    "halt_level": 5,
    "_disable_config": True,
    "embed_stylesheet": False,
    "input_encoding": "unicode",
    "output_encoding": "unicode",
    "doctitle_xform": False,
    "sectsubtitle_xform": False,
}


def _shown(match: re.Match[str]) -> str:
    content = match["content"]
    explicit = _EXPLICIT.match(content)
    text = explicit["shown"] if explicit else content
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("|", "\\|").replace("_", "\\_")


@contextlib.contextmanager
def _docutils_own() -> Iterator[None]:
    """docutils' own directives and roles only, for the time of one parse.

    Sphinx registers some of its directives in docutils' global tables (``include`` among them,
    which needs a Sphinx environment), so a process that has set up a Sphinx application would
    otherwise parse a preview with them. docutils finds its built-in ones by name when the
    tables are empty; the tables are put back after, as Sphinx's ``docutils_namespace`` does.
    """
    saved = dict(rst_directives._directives), dict(rst_roles._roles)
    rst_directives._directives.clear()
    rst_roles._roles.clear()
    try:
        yield
    finally:
        rst_directives._directives.clear()
        rst_directives._directives.update(saved[0])
        rst_roles._roles.clear()
        rst_roles._roles.update(saved[1])


def render_text(text: str) -> str:
    """``text`` (a need's reST body) as the HTML of the card's text block."""
    plain = _ROLE.sub(_shown, text)
    with _docutils_own():
        body = str(publish_parts(plain, writer="html5", settings_overrides=_SETTINGS)["body"])
    return f'<div class="smets-need-body docutils container">\n{body.strip()}\n</div>\n'


# --- whole requirement pages, drawn from the corpus after a save ---------------------------------

#: panels drawn again from the corpus after the save: functions of the needs alone, milliseconds each
FRESH_PANELS = frozenset(
    {
        "trace-devices",
        "trace-data",
        "trace-models",
        "trace-tests",
        "trace-links",
        "trace-graph",
        "consultation",
        "cost-evidence",
    }
)
#: panels that an edit of requirements alone cannot change on a requirement page that was there
#: before (the conformance status follows the tests' links and the results file, not the page's)
UNAFFECTED_PANELS = frozenset({"conformance-status"})
#: shown under a panel kept from the last build (the duplicate scan, the change history: analyses
#: of the whole corpus, seconds each) until the build is over
KEPT_NOTE = (
    '<p class="smets-preview-note"><em>As of the last build; brought up to date when the '
    "build now running is over.</em></p>"
)
LATER_NOTE = '<p class="smets-preview-note"><em>Shown when the build now running is over.</em></p>'
_SECTION = re.compile(r'<section id="(?P<name>[^"]+)"><h2>[^<]*</h2>')
_H1 = re.compile(r'<h1>(.*?)(?:<a class="headerlink"|</h1>)', re.S)


class FileLinker:
    """:class:`~smets_spec.markup.html.Linker` for a requirement page, as Sphinx's HTML builder
    links (``quote(docname) + ".html"``, relative), without a Sphinx application."""

    def __init__(self, corpus: Corpus, docname: str) -> None:
        self.corpus, self.base = corpus, quote(docname) + ".html"
        self._uris: dict[str, str] = {}

    def doc(self, docname: str) -> str:
        uri = self._uris.get(docname)
        if uri is None:
            uri = self._uris[docname] = relative_uri(self.base, quote(docname) + ".html")
        return uri

    def need(self, need_id: str) -> str:
        if isinstance(self.corpus.needs.get(need_id), Requirement):
            return self.doc(f"{REQ_FOLDER}/{need_id}")
        if need_id not in self.corpus.needs:
            return "#"
        return f"{self.doc(docname_of(self.corpus, need_id))}#{need_id}"


def text_block(page: str) -> str | None:
    """The requirement's text as drawn on a built page (inside ``smets-req-text``), else None."""
    start = page.find(_TEXT_START)
    if start < 0:
        return None
    begin = start + len(_TEXT_START)
    depth = 1
    for match in _DIV.finditer(page, begin):
        depth += -1 if match[1] else 1
        if depth == 0:
            return page[begin : match.start()]
    return None


def panel_sections(page: str) -> dict[str, str] | None:
    """Each panel's HTML on a built requirement page, by name; None when the page is not of that form."""
    found: dict[str, str] = {}
    for match in _SECTION.finditer(page):
        end = page.find("</section>", match.end())
        inner = page[match.end() : end]
        if end < 0 or "<section" in inner:
            return None
        found[match["name"]] = inner
    return found


class PageKit:
    """What every requirement page of one preview shares: the shell (``req/index.html``), the
    corpus after the save, the sections' pages and each requirement's neighbours."""

    def __init__(self, shell: tuple[str, str], corpus: Corpus) -> None:
        self.shell = shell
        title = _H1.search(shell[0])
        self.shell_title = title[1] if title else ""
        self.corpus = corpus
        self.linker = FileLinker(corpus, SHELL)
        self.around = reqpages.neighbours(corpus, self.linker)

    @classmethod
    def of(cls, out: Path, corpus: Corpus) -> PageKit | None:
        shell = reqpages._shell(out)
        return None if shell is None else cls(shell, corpus)

    def page(self, req_id: str, text_html: str, kept: dict[str, str] | None) -> str:
        """``req/<ID>.html`` as the build would write it, with ``text_html`` as its text; the panels
        that need the whole site's analyses come from ``kept`` (the last build's page), marked."""
        req = self.corpus.needs[req_id]
        assert isinstance(req, Requirement)

        def panel(item: Panel) -> str:
            if item.name in FRESH_PANELS:
                return item.html(self.corpus, req_id, self.linker)
            if kept is None:
                return LATER_NOTE
            if item.name in UNAFFECTED_PANELS:
                return kept.get(item.name, "")
            return kept[item.name] + KEPT_NOTE if item.name in kept else ""

        body = page_body(self.corpus, req_id, self.linker, text_html, panel)
        return reqpages.whole_page(self.shell, self.shell_title, req, self.around, body)


def removed_page(req_id: str, file: str) -> str:
    """The answer for the page of a requirement a save deleted, while the build runs (a 404)."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Removed</title></head><body>'
        f"<h1>{esc(req_id)} was removed</h1><p>It is no longer in <code>spec/{esc(file)}</code>. The site "
        "is being rebuilt; this page will reload when the build is over.</p></body></html>\n"
    )
