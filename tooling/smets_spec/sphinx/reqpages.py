"""Every requirement's own page, ``req/<ID>.html``, written after each build from the current corpus.

Thousands of requirement pages cannot each be a Sphinx document: reading, resolving and
templating a page costs tens of milliseconds, so 2,000 of them would take longer than
the whole rest of the site. Instead:

* ``req/index`` (a real page, the list of every requirement) is the *shell*: the theme's
  navigation, header and footer around a body marked ``<!--smets-req-body-->``;
* each requirement's text is parsed once, where it is written: its card on its section page
  carries it between ``<!--smets-text ID-->`` markers (:mod:`.cards`);
* at ``build-finished`` (in a parallel build, in forked processes while sphinx-needs writes
  needs.json) each page is the shell with its own title and a body of the fields,
  the text cut from the section page (its relative links rebased to ``req/``), and every
  panel of :mod:`smets_spec.markup.panels`, all HTML rendered from the corpus.

The shell lives in ``req/`` with the requirement pages, so every relative link in it is right
in ``req/<ID>.html`` too. It is a source of the project (``spec/req/index.rst``, holding
``.. smets-requirement-index::``); a project without it has no requirement pages, and its
links go to the requirement's card instead. Nothing is ever written into the source tree.
The pages are rewritten after every build, incremental ones included, so none is ever
stale (a page whose HTML is unchanged is not touched); pages of removed requirements are
deleted.
"""

from __future__ import annotations

import json
import posixpath
import re
from multiprocessing.process import BaseProcess
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxRole

from .. import forking
from ..corpus.files import write_atomic
from ..corpus.ids import heading
from ..corpus.load import Corpus
from ..corpus.needkeys import facet
from ..corpus.schema import Requirement
from ..markup.html import Linker, esc, raw_block
from ..render.requirement import page_body
from ..trace.coverage import ordered_requirements
from . import fingerprints, reqnav
from .linker import REQ_FOLDER, SphinxLinker, docname_of
from .state import app_of, corpus_of

SHELL = f"{REQ_FOLDER}/index"
BODY_START, BODY_END = "<!--smets-req-body-->", "<!--/smets-req-body-->"
_TEXT = re.compile(r"<!--smets-text (\S+)-->(.*?)<!--/smets-text-->", re.S)
_URL = re.compile(r'\b(href|src)="([^"]*)"')
_MANIFEST = ".smets-pages.json"
_WRITER = "_smets_requirement_page_writer"


def index_text(app: Sphinx, docname: str, args: tuple[str, ...]) -> str:
    """The shell page's body: every requirement, linked to its page."""
    corpus = corpus_of(app)
    linker = SphinxLinker(app, corpus, docname)
    rows = "".join(
        f'<tr data-section="{r.section.value if r.section else ""}"><th scope="row">'
        f'<a href="{esc(linker.need(r.id))}">{esc(r.id)}</a></th><td>{esc(" ".join(r.title.split()))}</td>'
        f"<td>{esc(r.status.value if r.status else '')}</td></tr>"
        for r in ordered_requirements(corpus)
    )
    count = (
        f"<p>The {len(corpus.requirements)} requirements of the specification, each with its own page.</p>"
    )
    html = (
        f'{BODY_START}{count}<div class="smets-scroll"><table class="smets-list"><thead><tr><th>Id</th>'
        f"<th>Title</th><th>Status</th></tr></thead><tbody>{rows}</tbody></table></div>{BODY_END}"
    )
    return raw_block(html)


class RequirementRole(SphinxRole):
    """``:smets-req:`PC_01``` or ``:smets-req:`text <PC_01>```: a link to a requirement's own page."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        match = re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", self.text)
        text, req_id = (match[1], match[2]) if match else (self.text, self.text)
        linker = SphinxLinker(app_of(self.env), corpus_of(app_of(self.env)), self.env.docname)
        uri = linker.need(req_id.strip())
        return [nodes.reference(self.rawtext, text or req_id, refuri=uri, internal=True)], []


def _shell(outdir: Path) -> tuple[str, str] | None:
    path = outdir / f"{SHELL}.html"
    if not path.is_file():
        return None
    html = path.read_text(encoding="utf-8")
    if BODY_START not in html or BODY_END not in html:
        return None
    return html[: html.index(BODY_START)], html[html.index(BODY_END) + len(BODY_END) :]


def _retitle(head: str, req: Requirement, shell_title: str) -> str:
    title = esc(heading(req.clause, req.id, req.title))
    head = head.replace(f"<title>{shell_title}", f"<title>{title}", 1)
    return re.sub(
        r"<h1>.*?(<a class=\"headerlink\"|</h1>)", lambda m: f"<h1>{title}{m[1]}", head, count=1, flags=re.S
    )


def rebase(html: str, page: str, folder: str) -> str:
    """``html`` cut from ``page`` (a path in the output), its relative URLs made right from ``folder``."""
    here = posixpath.dirname(page)
    if here == folder:
        return html.replace('href="#', f'href="{posixpath.basename(page)}#')

    def fix(match: re.Match[str]) -> str:
        url = match[2]
        if url.startswith("#"):
            url = page + url
        elif url.startswith("/") or ":" in url.split("/", 1)[0]:
            return match[0]
        else:
            url = posixpath.normpath(posixpath.join(here, url))
        return f'{match[1]}="{posixpath.relpath(url, folder or ".")}"'

    return _URL.sub(fix, html)


def requirement_texts(app: Sphinx, corpus: Corpus) -> dict[str, str]:
    """Every requirement's text as written on its card (HTML, URLs relative to ``req/``)."""
    outdir = Path(app.outdir)
    docs = {docname_of(corpus, r.id) for r in corpus.requirements}
    texts: dict[str, str] = {}
    for doc in sorted(docs):
        page = str(app.builder.get_target_uri(doc))
        path = outdir / page
        if path.is_file():
            html = path.read_text(encoding="utf-8")
            texts.update((m[1], rebase(m[2], page, REQ_FOLDER)) for m in _TEXT.finditer(html))
    return texts


def _fallback(req: Requirement) -> str:
    """The text as written, for a requirement whose card is not in the output (never silently empty)."""
    return f"<pre>{esc(req.content)}</pre>" if req.content else "<p>(no text)</p>"


def redirect_page(target: str) -> str:
    """A page that sends the browser on to ``target`` (a relative URL), with a link for no-script readers."""
    href = esc(target)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        f'<meta http-equiv="refresh" content="0; url={href}"><link rel="canonical" href="{href}">'
        "<title>Moved</title></head><body>"
        f'<p>This page is now <a href="{href}">{href}</a>.</p></body></html>\n'
    )


def _redirect_name(req: Requirement) -> str:
    """``GS.08.html`` for a requirement whose clause number is not its id ("" when there is none)."""
    if not req.clause or req.clause == req.id or "/" in req.clause:
        return ""
    return f"{req.clause}.html"


def _write_redirect(folder: Path, req: Requirement) -> None:
    """``req/GS.08.html`` (the clause-number address of before) redirecting to ``req/GS_08.html``."""
    name = _redirect_name(req)
    if not name:
        return
    page = redirect_page(f"{req.id}.html")
    target = folder / name
    if not target.is_file() or target.read_text(encoding="utf-8") != page:
        write_atomic(target, page, durable=False)


#: each requirement's (previous, next) page (:func:`.reqnav.neighbours`)
Around = dict[str, tuple[reqnav.Neighbour, reqnav.Neighbour]]


def neighbours(corpus: Corpus, linker: Linker) -> Around:
    """Each requirement's previous and next page and its section's page, linked from ``req/``."""
    sections = {
        str(r.section.value): linker.doc(docname_of(corpus, r.id))  # the shell is in req/ too
        for r in corpus.requirements
        if r.section
    }
    return reqnav.neighbours(corpus, sections)


def whole_page(
    shell: tuple[str, str],
    shell_title: str,
    req: Requirement,
    around: dict[str, tuple[reqnav.Neighbour, reqnav.Neighbour]],
    body: str,
) -> str:
    """``req/<ID>.html``: the shell retitled for the requirement, its neighbours linked, ``body`` in it."""
    head, tail = reqnav.relink(_retitle(shell[0], req, shell_title), shell[1], *around[req.id])
    return head + body + tail


def write_pages(app: Sphinx, corpus: Corpus, part: int = 0, parts: int = 1) -> int:
    """Write ``req/<ID>.html`` for every ``parts``-th requirement from the ``part``-th (and
    ``req/<clause>.html`` redirecting to it, the address of the page when ids had dots). With
    ``parts`` 1 (every page), also delete the pages of removed requirements. Returns the count
    of pages written or kept."""
    outdir = Path(app.outdir)
    shell = _shell(outdir)
    if shell is None:
        return 0
    texts = requirement_texts(app, corpus)
    shell_title = esc(str(app.env.titles[SHELL].astext())) if SHELL in app.env.titles else ""
    linker = SphinxLinker(app, corpus, SHELL)
    around = neighbours(corpus, linker)
    mine = corpus.requirements[part::parts]
    for req in mine:
        text = texts.get(req.id) or _fallback(req)
        page = whole_page(shell, shell_title, req, around, page_body(corpus, req.id, linker, text))
        target = outdir / REQ_FOLDER / f"{req.id}.html"
        if not target.is_file() or target.read_text(encoding="utf-8") != page:
            write_atomic(target, page, durable=False)  # regenerated by every build
        _write_redirect(outdir / REQ_FOLDER, req)
    if parts == 1:
        forget_removed(outdir, corpus)
    return len(mine)


def page_names(corpus: Corpus) -> set[str]:
    """The file names in ``req/`` of every requirement's page and its redirect."""
    names: set[str] = set()
    for req in corpus.requirements:
        names.update(name for name in (f"{req.id}.html", _redirect_name(req)) if name)
    return names


def forget_removed(outdir: Path, corpus: Corpus) -> None:
    """Delete the pages written by the last build for requirements that are gone; record this build's."""
    if _shell(outdir) is None:
        return
    written = page_names(corpus)
    manifest = outdir / REQ_FOLDER / _MANIFEST
    if manifest.is_file():
        for old in set(json.loads(manifest.read_text(encoding="utf-8"))) - written:
            (outdir / REQ_FOLDER / old).unlink(missing_ok=True)
    write_atomic(manifest, json.dumps(sorted(written)))


def _start_pages(app: Sphinx, exception: Exception | None) -> None:
    """Write the pages; in a parallel build, in forked processes (one per job, each a share of the
    pages) beside sphinx-needs' needs.json."""
    if exception is not None or app.builder.format != "html":
        return
    corpus = corpus_of(app)
    parts = max(1, min(app.parallel, len(corpus.requirements)))
    if parts == 1:
        write_pages(app, corpus)
        return
    writers = []
    for part in range(parts):
        writer = forking.start(write_pages, (app, corpus, part, parts), f"smets-requirement-pages-{part}")
        if writer is None:  # this platform cannot fork: this share here, now
            write_pages(app, corpus, part, parts)
        else:
            writers.append(writer)
    setattr(app, _WRITER, writers)  # _finish_pages joins them and deletes the removed pages


def _finish_pages(app: Sphinx, exception: Exception | None) -> None:
    writers: list[BaseProcess] | None = getattr(app, _WRITER, None)
    if writers is None:
        return
    delattr(app, _WRITER)
    for writer in writers:
        writer.join()
    failed = [w.exitcode for w in writers if w.exitcode != 0]
    if failed:
        raise ExtensionError(
            f"the requirement pages (req/<ID>.html) could not be written: a writer process "
            f"ended with status {failed[0]} (its error is printed above)"
        )
    forget_removed(Path(app.outdir), corpus_of(app))


def register(app: Sphinx) -> None:
    index_deps = (facet(Requirement, aspects=("title", "fields")),)  # id, title, section, status
    fingerprints.add_directive(app, "smets-requirement-index", index_text, deps=index_deps)
    app.add_role("smets-req", RequirementRole())
    app.connect("build-finished", _start_pages, priority=400)  # before sphinx-needs writes needs.json
    app.connect("build-finished", _finish_pages, priority=800)
