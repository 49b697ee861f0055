"""Every requirement's own page, ``req/<ID>.html``, written after each build from the current corpus.

Thousands of requirement pages cannot each be a Sphinx document: reading, resolving and
templating a page costs tens of milliseconds, so 2,000 of them would take longer than
the whole rest of the site. Instead:

* ``req/index`` (a real page, the list of every requirement) is the *shell*: the theme's
  navigation, header and footer around a body marked ``<!--smets-req-body-->``;
* each requirement's text is parsed once, where it is written: its card on its section page
  carries it between ``<!--smets-text ID-->`` markers (:mod:`.cards`);
* at ``build-finished`` (in a parallel build, in forked processes started once every document
  is written, while Sphinx's finish and sphinx-needs' needs.json go on) each page is the shell
  with its own title and a body of the fields, the text cut from the section page (its relative
  links rebased to ``req/``), and every panel of :mod:`smets_spec.markup.panels`, all HTML
  rendered from the corpus.

The shell lives in ``req/`` with the requirement pages, so every relative link in it is right
in ``req/<ID>.html`` too. It is a source of the project (``spec/req/index.rst``, holding
``.. smets-requirement-index::``); a project without it has no requirement pages, and its
links go to the requirement's card instead. Nothing is ever written into the source tree.
Every build draws the pages whose inputs changed since the last one, found from an index of
what each page was drawn from (:mod:`.reqindex`; every page when there is no usable index), so
none is ever stale (a page whose HTML is unchanged is not touched); pages of removed
requirements are deleted.

A parallel build that draws every page (no usable index) starts drawing them as the builder is
ready, from the shell, its title and the texts the last build kept (:mod:`.reqkept`,
:func:`_start_kept`); at the finish those pages are planned as an incremental build's would be,
against the real shell and texts, and drawn again where their inputs differ.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from weakref import WeakKeyDictionary

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

from .. import forking
from ..conformance import live
from ..corpus.cachedir import switched_off
from ..corpus.files import FolderWriter, write_atomic
from ..corpus.load import Corpus
from ..corpus.needkeys import facet
from ..corpus.schema import Requirement
from ..markup.html import Linker, esc, raw_block
from ..markup.panels import SPLICES, Panel
from ..render.requirement import page_body
from ..trace.coverage import ordered_requirements
from . import fingerprints, reqcache, reqindex, reqkept, reqnav, reqrecords, reqsplice
from .beside import drops_left, first_in_finish
from .linker import REQ_FOLDER, SphinxLinker, docname_of, has_requirement_pages
from .reqshell import Shell
from .reqshell import whole_page as whole_page  # (quickrender and the tests draw a page with it)
from .state import app_of, corpus_of

SHELL = f"{REQ_FOLDER}/index"
BODY_START, BODY_END = "<!--smets-req-body-->", "<!--/smets-req-body-->"
_TEXT = re.compile(r"<!--smets-text (\S+)-->(.*?)<!--/smets-text-->", re.S)
_URL = re.compile(r'\b(href|src)="([^"]*)"')
_MANIFEST = ".smets-pages.json"
_WRITER = "_smets_requirement_page_writer"
logger = logging.getLogger(__name__)


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
    """Every requirement's text as written on its card (HTML, URLs relative to ``req/``).

    Read from the written section pages once per build and corpus (the search index's feed at
    ``html-collect-pages`` and the requirement pages at ``build-finished`` both need them; no
    section page is written between the two).
    """
    kept = _TEXTS.get(app)
    if kept is not None and kept[0] is corpus:
        return kept[1]
    texts = _read_texts(app, corpus)
    _TEXTS[app] = (corpus, texts)
    return texts


#: the texts read for a build's corpus (see :func:`requirement_texts`)
_TEXTS: WeakKeyDictionary[Sphinx, tuple[Corpus, dict[str, str]]] = WeakKeyDictionary()


def _read_texts(app: Sphinx, corpus: Corpus) -> dict[str, str]:
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


class _Output:
    """The files of ``req/`` as one draw writes them (each atomically, see :class:`FolderWriter`);
    a file is written only where its bytes change."""

    def __init__(self, folder: Path) -> None:
        self.writer = FolderWriter(folder)
        self.on_disk = _on_disk(folder)  # a name not listed is not read before it is written

    def put(self, name: str, html: str) -> None:
        self.writer.write_if_changed(name, html.encode("utf-8"), present=name in self.on_disk)

    def redirect(self, req: Requirement) -> None:
        """``req/GS.08.html`` (the clause-number address of before) redirecting to ``req/GS_08.html``."""
        name = _redirect_name(req)
        if name:
            self.put(name, redirect_page(f"{req.id}.html"))


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


@dataclass
class Drawing:
    """What every page of one build shares, and which pages to draw (:func:`plan`)."""

    shell: tuple[str, str]
    shell_title: str
    linker: SphinxLinker
    around: Around
    inputs: reqindex.Inputs
    todo: list[Requirement] = field(default_factory=list)
    #: the analysis panels' HTML already computed (to choose the pages), by requirement and panel
    panels: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the records of the pages not drawn again (kept from the last build)
    kept: dict[str, reqindex.Record] = field(default_factory=dict)
    #: how many records the last build's index held (-1: none usable)
    loaded: int = -1
    #: this build's stamps of the analysis panels that have one (reqindex.PANEL_STAMPS)
    stamps: dict[str, str] = field(default_factory=dict)
    stamps_kept: dict[str, str] = field(default_factory=dict)
    #: the kept bodies (:mod:`.reqcache`), when this build draws every page
    cache: reqcache.PageCache | None = None
    #: the shell as a template (None: :func:`.reqshell.whole_page` for each page)
    template: Shell | None = None
    #: the bodies taken from the cache by the draws in this process
    hits: int = 0
    #: a kept body is taken without computing its analysis panels that have no stamp: the pages
    #: drawn from the kept shell, whose every such panel :func:`plan` compares at the finish
    unchecked: bool = False
    #: this build's fill of each spliced panel (:func:`.reqsplice.fills`, worked out once, as the
    #: first page drawn with the cache needs it; None: nothing spliced)
    fill: dict[str, str] | None = None
    fill_known: bool = False

    def fills(self, corpus: Corpus) -> dict[str, str] | None:
        if not self.fill_known:
            self.fill, self.fill_known = reqsplice.fills(corpus), True
        return self.fill

    def page(self, req: Requirement, body: str) -> str:
        if self.template is None:
            return whole_page(self.shell, self.shell_title, req, self.around, body)
        return self.template.page(req, self.around[req.id], body)


def _drawing(
    app: Sphinx, corpus: Corpus, shell: tuple[str, str], shell_title: str, texts: dict[str, str]
) -> Drawing:
    """What every page shares, for this shell (and its title) and these texts (none to draw yet)."""
    linker = SphinxLinker(app, corpus, SHELL)
    around = neighbours(corpus, linker)
    glob = reqindex.global_inputs(app, corpus, shell, shell_title)
    resolved = {r.id: texts.get(r.id) or _fallback(r) for r in corpus.requirements}
    inputs = reqindex.inputs(corpus, glob, around, resolved)
    drawing = Drawing(shell, shell_title, linker, around, inputs, stamps=reqindex.panel_stamps(corpus))
    drawing.template = Shell.of(shell, shell_title)
    return drawing


def _every_page(app: Sphinx, corpus: Corpus, drawing: Drawing) -> Drawing:
    """``drawing`` to draw every page (with the kept bodies, :mod:`.reqcache`, when on)."""
    drawing.todo = list(corpus.requirements)
    drawing.cache = reqcache.PageCache(Path(app.srcdir)) if reqcache.enabled() else None
    return drawing


def shell_title_of(app: Sphinx) -> str:
    """The shell's title as its ``<title>`` holds it ("" when it has none)."""
    return esc(str(app.env.titles[SHELL].astext())) if SHELL in app.env.titles else ""


def plan(app: Sphinx, corpus: Corpus, shell: tuple[str, str]) -> Drawing:
    """The pages this build draws: every page, or with the index of the last build's (see
    :mod:`.reqindex`), those whose recorded inputs changed."""
    outdir = Path(app.outdir)
    texts = requirement_texts(app, corpus)
    drawing = _drawing(app, corpus, shell, shell_title_of(app), texts)
    kept = reqindex.load(outdir, drawing.inputs.glob) if reqindex.enabled() else None
    if kept is None:
        return _every_page(app, corpus, drawing)
    drawing.loaded, drawing.stamps_kept = len(kept.records), kept.stamps
    on_disk = _on_disk(outdir / REQ_FOLDER)
    analyses = reqindex.panels_to_compare(drawing.stamps, kept.stamps)
    html_of = reqindex.panels_html(corpus, drawing.linker, analyses)
    for req in corpus.requirements:
        record = kept.records.get(req.id)
        redirect = _redirect_name(req)
        if (
            record is None
            or drawing.inputs.digest(req.id, record[1]) != record[0]
            or f"{req.id}.html" not in on_disk
            or (redirect and redirect not in on_disk)
        ):
            drawing.todo.append(req)
            continue
        html = html_of(req.id)
        if any(reqindex.panel_digest(v) != record[2].get(k) for k, v in html.items()):
            drawing.todo.append(req)
            drawing.panels[req.id] = html
        else:
            drawing.kept[req.id] = record
    return drawing


def _on_disk(folder: Path) -> set[str]:
    """The names of the files in ``folder`` (none when it is not a folder)."""
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries if e.is_file()}
    except OSError:
        return set()


def _body(
    corpus: Corpus,
    drawing: Drawing,
    req: Requirement,
    analyses: set[str],
    cut: Mapping[str, list[str]] | None = None,
    fill: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, str]]:
    """The body of ``req``'s page, and the HTML of its analysis panels by name. ``cut``: the parts of
    the spliced panels (:func:`_spliced_body`), each drawn in the body with its markers and among
    the analysis panels' HTML with its ``fill``."""
    kept = drawing.panels.get(req.id, {})
    shown: dict[str, str] = {}

    def panel(item: Panel) -> str:
        parts = None if cut is None else cut.get(item.name)
        if parts is not None and fill is not None:
            html, full = reqsplice.neutral(item.name, parts), fill[item.name].join(parts)
        else:
            found = kept.get(item.name)
            html = full = item.html(corpus, req.id, drawing.linker) if found is None else found
        if item.name in analyses:
            shown[item.name] = full
        return html

    return page_body(corpus, req.id, drawing.linker, drawing.inputs.texts[req.id], panel), shown


def _drawn(
    corpus: Corpus, drawing: Drawing, req: Requirement, analyses: set[str], cached: bool
) -> tuple[str, dict[str, str], dict[str, str]]:
    """:func:`_body`, and the spliced panels' neutral digests ({}: none); ``cached``: drawn to be
    kept, with markers where spliced panels' fills go when this build splices (:mod:`.reqsplice`)."""
    fill = drawing.fills(corpus) if cached else None
    found = None if fill is None else _spliced_body(corpus, drawing, req, analyses, fill)
    if found is not None:
        return found
    body, shown = _body(corpus, drawing, req, analyses)
    return body, shown, {}


def _spliced_body(
    corpus: Corpus, drawing: Drawing, req: Requirement, analyses: set[str], fill: dict[str, str]
) -> tuple[str, dict[str, str], dict[str, str]] | None:
    """The body of ``req``'s page with markers in place of the spliced panels' fills, the HTML of its
    analysis panels by name (with this build's fills), and the spliced panels' neutral digests;
    None when its markers would not stand for exactly the fills (see :mod:`.reqsplice`)."""
    cut: dict[str, list[str]] = {}
    for name in reqsplice.names():
        cut[name] = SPLICES[name].parts(corpus, req.id, drawing.linker)
        if not reqsplice.spliceable(name, cut[name]):
            return None
    body, shown = _body(corpus, drawing, req, analyses, cut, fill)
    if not reqsplice.holds_exactly(body, {name: len(parts) - 1 for name, parts in cut.items()}):
        return None
    spliced = {name: reqindex.panel_digest(reqsplice.neutral(name, parts)) for name, parts in cut.items()}
    return body, shown, spliced


def draw(
    app: Sphinx, corpus: Corpus, drawing: Drawing, reqs: list[Requirement], out: _Output | None = None
) -> dict[str, reqindex.Record]:
    """Write ``req/<ID>.html`` of each of ``reqs`` (and ``req/<clause>.html`` redirecting to it, the
    address of the page when ids had dots); the record of what each was drawn from (in the order
    of ``reqs``). With :attr:`Drawing.cache`, a body kept for the same inputs is used, and the
    bodies drawn are kept. ``out``: the output of an earlier draw of the same process (its folder
    listed once)."""
    out = out or _Output(Path(app.outdir) / REQ_FOLDER)
    analyses = reqindex.analysis_panels()
    records: dict[str, reqindex.Record] = {}
    if drawing.cache is None:
        for req in reqs:
            records[req.id] = _draw_one(corpus, drawing, req, analyses, out, None)
        return records
    by_id = {r.id: r for r in reqs}
    for number, ids in reqcache.by_shard(by_id).items():
        shard = drawing.cache.load(number)
        for req_id in ids:
            records[req_id] = _draw_one(corpus, drawing, by_id[req_id], analyses, out, shard)
        drawing.cache.save(shard, drawing.stamps)
    return {r.id: records[r.id] for r in reqs}


def _draw_one(
    corpus: Corpus,
    drawing: Drawing,
    req: Requirement,
    analyses: list[Panel],
    out: _Output,
    shard: reqcache.Shard | None,
) -> reqindex.Record:
    """Write one page (its body kept in ``shard`` or drawn) and its redirect; its record."""
    found = None if shard is None else _kept(corpus, drawing, req, analyses, shard)
    if found is None:
        body, shown, spliced = _drawn(corpus, drawing, req, {p.name for p in analyses}, shard is not None)
        whole = reqsplice.filled(body, drawing.fill or {}, spliced)
        deps = reqindex.shows(corpus, req.id, whole)
        digests = {name: reqindex.panel_digest(html) for name, html in shown.items()}
        record: reqindex.Record = (drawing.inputs.digest(req.id, deps), deps, digests)
        drawing.panels.pop(req.id, None)
    else:
        record, body, spliced = found
        whole = reqsplice.filled(body, drawing.fill or {}, spliced)
    if shard is not None:
        shard.pages[req.id] = (record, body, spliced)
    out.put(f"{req.id}.html", drawing.page(req, whole))
    out.redirect(req)
    return record


def _kept(
    corpus: Corpus, drawing: Drawing, req: Requirement, analyses: list[Panel], shard: reqcache.Shard
) -> reqcache.Entry | None:
    """The body ``shard`` keeps for ``req``, if it is what drawing it would give (see :mod:`.reqcache`;
    a body with markers, with its record's digests of the spliced panels this build's: :mod:`.reqsplice`)."""
    entry = shard.kept.get(req.id)
    if entry is None:
        return None
    (found, deps, digests), body, spliced = entry
    if spliced and (set(spliced) != set(reqsplice.names()) or drawing.fills(corpus) is None):
        return None  # markers this build does not fill
    if drawing.inputs.digest(req.id, deps) != found or set(digests) != {p.name for p in analyses}:
        return None
    computed: dict[str, str] = {}
    digests = dict(digests)
    for item in analyses:
        stamp = drawing.stamps.get(item.name)
        if stamp is not None and stamp == shard.stamps.get(item.name):
            continue  # every input of the panel is as when the body was kept
        if stamp is None and drawing.unchecked:
            continue  # compared at the finish, as the kept digest says
        if item.name in spliced:
            parts = SPLICES[item.name].parts(corpus, req.id, drawing.linker)
            html = computed[item.name] = (drawing.fill or {})[item.name].join(parts)
            neutral = reqindex.panel_digest(reqsplice.neutral(item.name, parts))
            same = reqsplice.spliceable(item.name, parts) and neutral == spliced[item.name]
            digests[item.name] = reqindex.panel_digest(html)
        else:
            html = computed[item.name] = item.html(corpus, req.id, drawing.linker)
            same = reqindex.panel_digest(html) == digests[item.name]
        if not same:
            drawing.panels[req.id] = computed  # not computed again to draw the page
            return None
    drawing.hits += 1
    return (found, deps, digests), body, spliced


def write_pages(app: Sphinx, corpus: Corpus) -> int:
    """Every page a build must draw, drawn here (no forked writer); the count drawn."""
    shell = _shell(Path(app.outdir))
    if shell is None:
        return 0
    drawing = plan(app, corpus, shell)
    _finish(app, corpus, drawing, draw(app, corpus, drawing, drawing.todo) if drawing.todo else {})
    return len(drawing.todo)


def _finish(app: Sphinx, corpus: Corpus, drawing: Drawing, drawn: dict[str, reqindex.Record]) -> None:
    """Record what every page was drawn from (the pages drawn in this process), and delete the
    pages of removed requirements: :func:`_finish_text` of their records' text."""
    _finish_text(app, corpus, drawing, reqrecords.encoded(drawn))


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


#: At most this many pages to a forked writer (more pages: more writers, up to the build's jobs).
SHARE = 200


#: ``SMETS_SHARED_PAGE_WORK=off``: each writer draws a fixed share of the pages (see :class:`Batches`)
SHARED_SWITCH = "SMETS_SHARED_PAGE_WORK"


@dataclass
class Batches:
    """The pages to draw in small batches (whole shards of the kept bodies with a cache, see
    :func:`_batches`), shared by the writers: each takes the next batch not taken yet (a counter
    in shared memory) until none is left, so the writers end together however their CPU goes (with
    fixed halves, the file writes' system time left one writer 0.3-0.55 s behind the other at
    2,000 requirements, one core idle at the build's end)."""

    batches: list[list[Requirement]]
    taken: Synchronized[int]

    @classmethod
    def of(cls, batches: list[list[Requirement]]) -> Batches:
        return cls(batches, multiprocessing.get_context("fork").Value("i", 0))

    def take(self) -> Iterator[list[Requirement]]:
        """The batches this process draws, each taken as the last one is drawn."""
        while True:
            with self.taken.get_lock():
                number = self.taken.value
                self.taken.value = number + 1
            if number >= len(self.batches):
                return
            yield self.batches[number]


#: what a writer draws: a fixed share of the pages, or batches taken from shared ones
Share = list[Requirement] | Batches

#: the pages of a batch without a cache (with one: a shard's, about 30 at 2,000 requirements)
BATCH = 32


def _batches(drawing: Drawing) -> list[list[Requirement]]:
    """The pages to draw in batches, in the order of :func:`_shares`'s: with a cache, one shard's
    pages each (no two writers write one shard's file)."""
    if drawing.cache is None:
        return [drawing.todo[n : n + BATCH] for n in range(0, len(drawing.todo), BATCH)]
    by_id = {r.id: r for r in drawing.todo}
    return [[by_id[i] for i in ids] for ids in reqcache.by_shard(by_id).values()]


def _draw_share(app: Sphinx, corpus: Corpus, drawing: Drawing, reqs: Share) -> dict[str, reqindex.Record]:
    """:func:`draw` of a fixed share, or of each batch this process takes from shared ones."""
    if not isinstance(reqs, Batches):
        return draw(app, corpus, drawing, reqs)
    out = _Output(Path(app.outdir) / REQ_FOLDER)
    records: dict[str, reqindex.Record] = {}
    for batch in reqs.take():
        records.update(draw(app, corpus, drawing, batch, out))
    return records


def _writer(
    app: Sphinx,
    corpus: Corpus,
    drawing: Drawing,
    reqs: Share,
    keep: bool,
    conn: Connection,
) -> None:
    """A forked writer: draw ``reqs`` (a fixed share or batches taken from shared ones, see
    :class:`Batches`), send their records as the index's text (:mod:`.reqrecords`); ``keep``: keep
    the shell and the texts for the next build (:func:`_keep_shell`), off the main process's path
    (with shared batches first: the other writers take more of them meanwhile)."""
    shared = isinstance(reqs, Batches)
    if keep and shared:
        _keep_shell(app, corpus, drawing)
    records = _draw_share(app, corpus, drawing, reqs)
    reqrecords.send(
        conn, ((req_id, reqrecords.encode(req_id, records.pop(req_id))) for req_id in list(records))
    )
    conn.close()
    if keep and not shared:
        _keep_shell(app, corpus, drawing)


#: forked writers and the pipes their records come back on
Writers = list[tuple[BaseProcess, Connection]]


def _fork_writers(
    app: Sphinx,
    corpus: Corpus,
    drawing: Drawing,
    shares: list[Share],
    name: str,
    *,
    behind: bool,
    keep: bool,
) -> tuple[Writers, dict[str, str]]:
    """Each share drawn in a forked writer (:func:`_writer`; ``keep``: the first also keeps the
    shell and the texts; one :class:`Batches` as each share: each writer takes from it), and the
    records of the shares drawn here where this platform cannot fork, as the index's text. The
    caller gathers the writers' records with :func:`_gather`."""
    writers: Writers = []
    drawn: dict[str, str] = {}  # each page's record as the index's text (see reqrecords)
    if shares and not _EXIT_HOOK:  # registered after multiprocessing's own: run before it
        atexit.register(let_go)
        _EXIT_HOOK.append(True)
    for n, share in enumerate(shares):
        keeps = keep and n == 0
        args = (app, corpus, drawing, share, keeps)
        started = forking.start_piped(_writer, args, f"{name}-{len(writers)}", behind=behind)
        if started is None:  # this platform cannot fork: this share here, now
            drawn.update(reqrecords.encoded(_draw_share(app, corpus, drawing, share)))
            if keeps:
                _keep_shell(app, corpus, drawing)
        else:
            writers.append(started)
            _OPEN.append(started)
    return writers, drawn


#: the forked writers not gathered yet (see :func:`let_go`)
_OPEN: Writers = []
_EXIT_HOOK: list[bool] = []


def let_go() -> None:
    """End the writers never gathered (their pages are not recorded: the build failed) and close
    their pipes. As this process exits (a build that failed between the writers' start and their
    gathering at ``build-finished``), before multiprocessing waits for its children, which
    otherwise waited for ever on a writer blocked on a full pipe; in the kept shell's copy, when
    its own share failed."""
    while _OPEN:
        writer, reader = _OPEN.pop()
        writer.terminate()
        writer.join()
        reader.close()


def _gather(writers: Writers, drawn: dict[str, str]) -> BaseProcess | None:
    """Each writer's records added to ``drawn`` and the writer joined; the first that failed (None:
    none did)."""
    failed: list[BaseProcess] = []
    for writer, reader in writers:
        try:
            reqrecords.receive(reader, drawn)
        except (EOFError, OSError):
            failed.append(writer)
        writer.join()
        if writer.exitcode != 0:
            failed.append(writer)
        reader.close()
        if (writer, reader) in _OPEN:
            _OPEN.remove((writer, reader))
    return failed[0] if failed else None


#: ``SMETS_REQ_BEHIND=off``: the writers run at the build's own priority (see :func:`_start_pages`)
BEHIND_SWITCH = "SMETS_REQ_BEHIND"
#: ``SMETS_REQ_EARLY=off``: a parallel build's writers start at ``build-finished``, as before
EARLY_SWITCH = "SMETS_REQ_EARLY"
_EARLY = "_smets_requirement_pages_early"


def _start_early(app: Sphinx) -> None:
    """In a parallel build, the writers start as Sphinx's finish does, once every document is
    written (the shell and the section pages they read), and draw the pages while this process
    writes the general index, feeds the search index, writes it and the search page, then
    needs.json: that work had the other core idle until ``build-finished``. The same pages (a
    forked copy of the same state: nothing they read changes after the documents are written).

    When the writers started from the kept shell (:func:`_start_kept`) still run, nothing starts
    here: ``build-finished`` waits for them and checks their pages."""
    if not _join_kept(app, None, wait=False):
        return
    if switched_off(PLAN_SWITCH) or not _plan_beside(app):
        _start_pages(app, None)
    setattr(app, _EARLY, True)  # build-finished starts nothing more


#: ``SMETS_REQ_PLAN_BESIDE=off``: the early start plans the pages in this process, as before
PLAN_SWITCH = "SMETS_REQ_PLAN_BESIDE"
_PLANNER = "_smets_requirement_pages_planner"


def _plan_beside(app: Sphinx) -> bool:
    """The early start's whole work on the pages in one forked copy (:func:`_planner`): this
    process no longer plans them (the index's load, every page's digest, the analysis panels
    compared: about 0.65 s of its CPU in an edit's build at 10,000 requirements) nor records them
    at the end; ``build-finished`` only waits for the copy (:func:`_finish_pages`). False when
    nothing was started (no shell, or this platform cannot fork): the caller starts as before."""
    if app.builder.format != "html" or _shell(Path(app.outdir)) is None:
        return False
    started = forking.start_piped(_planner, (app,), "smets-requirement-pages-plan")
    if started is None:
        return False
    setattr(app, _PLANNER, started)
    return True


def _planner(app: Sphinx, send: Connection) -> None:
    """The forked copy of :func:`_plan_beside`, at the build's own priority (the build's process
    waits for it at ``build-finished``: behind, on a busy machine it made that wait longer than the
    CPU it saved): what :func:`_start_pages` and then :func:`_finish_pages` do in the build's
    process, from the same state (a copy of it once every document is written), its writers
    forked from here behind it (``SMETS_REQ_BEHIND=off``: at its priority). A writer that failed
    ends it with an error (its exit status is the build's). What it has to say is sent on
    ``send`` and said by the build's process as it joins the copy: printed here, it landed in the
    middle of the build's own progress lines."""
    said: list[str] = []
    corpus = corpus_of(app)
    shell = _shell(Path(app.outdir))
    if shell is not None:
        _plan_and_start(app, corpus, shell, behind=not switched_off(BEHIND_SWITCH), say=said.append)
        _finish_pages(app, None)
    send.send_bytes(json.dumps(said).encode())


def _join_planner(app: Sphinx) -> None:
    """Wait for the copy of :func:`_plan_beside`, if one was started, and say what it said; an
    error if it failed."""
    started: tuple[BaseProcess, Connection] | None = getattr(app, _PLANNER, None)
    if started is None:
        return
    delattr(app, _PLANNER)
    process, receive = started
    said = forking.received_json(process, receive)  # (joins the copy)
    for line in said if isinstance(said, list) else []:
        logger.info("%s", line)
    if process.exitcode != 0:
        raise ExtensionError(
            f"the requirement pages (req/<ID>.html) could not be written: their process "
            f"ended with status {process.exitcode} (its error is printed above)"
        )


#: ``SMETS_REQ_KEPT_SHELL=off``: no page drawn during the start-up from the kept shell
KEPT_SWITCH = reqkept.SWITCH
_KEPT = "_smets_requirement_pages_kept"
#: the index of the pages drawn from the kept shell, until the finish makes it the index (see
#: :func:`_join_kept`)
EARLY_INDEX = reqindex.INDEX.with_name("reqpages.early.json")


def _start_kept(app: Sphinx) -> None:
    """``builder-inited``: in a parallel HTML build that will draw every requirement page (no index
    of the last build's pages in the output folder, see :mod:`.reqindex`), start drawing them now,
    in a forked copy behind the build, from the shell, its title and the texts kept by the last
    build that drew them (:mod:`.reqkept`), while this process starts up and reads.

    Those pages and the index of what each was drawn from are what the finish's writers would
    write for those inputs; the index is left beside the real one (:data:`EARLY_INDEX`). At the
    finish (:func:`_join_kept`) it becomes the real index, and the pages are planned as in an
    incremental build against the real shell and texts (:func:`plan`): every page whose inputs
    differ (another title, an edited text, other documents...) is drawn again there, the others
    are kept. Not when the conformance suite runs beside the build (the panels wait for its
    results), when there is no kept copy, or ``SMETS_REQ_KEPT_SHELL=off``."""
    if not reqkept.enabled() or not reqindex.enabled() or app.parallel <= 1 or not forking.may_fork():
        return
    if app.builder.format != "html" or live.pending() or not has_requirement_pages(app):
        return
    outdir, srcdir = Path(app.outdir), Path(app.srcdir)
    if (outdir / reqindex.INDEX).exists() or not reqkept.path(srcdir, app.builder.name).is_file():
        return
    (outdir / EARLY_INDEX).unlink(missing_ok=True)
    corpus = corpus_of(app)
    fingerprints.kept_keys_for(app, corpus)  # what env-get-outdated works out: here, and not twice
    behind = not switched_off(BEHIND_SWITCH)
    process = forking.start(_kept_writer, (app, corpus, behind), "smets-requirement-pages-kept")
    if process is not None:
        setattr(app, _KEPT, process)


def _kept_writer(app: Sphinx, corpus: Corpus, behind: bool) -> None:
    """The forked copy of :func:`_start_kept`: every page drawn from the kept shell (a share of
    them in each of up to the build's jobs of copies, as :func:`_start_pages` shares them), then
    the index of what each was drawn from written to :data:`EARLY_INDEX` (this copy one of the
    writers taking shared batches, :class:`Batches`). Nothing when the kept copy cannot be used."""
    kept = reqkept.load(Path(app.srcdir), app.builder.name)
    if kept is None:
        return
    fingerprints.kept_keys_for(app, corpus)  # (worked out before the fork: taken as they are)
    drawing = _every_page(app, corpus, _drawing(app, corpus, kept.shell, kept.title, kept.texts))
    drawing.unchecked = True
    if behind:  # from now on: the main process's start-up has the other core, its read both
        forking.step_behind()
    (Path(app.outdir) / REQ_FOLDER).mkdir(parents=True, exist_ok=True)
    parts = max(1, min(app.parallel, -(-len(drawing.todo) // SHARE)))
    shares = _work(drawing, parts)
    name = "smets-requirement-pages-kept"
    writers, drawn = _fork_writers(app, corpus, drawing, shares[1:], name, behind=False, keep=False)
    try:
        drawn.update(reqrecords.encoded(_draw_share(app, corpus, drawing, shares[0])) if shares else {})
    except BaseException:
        let_go()  # (or this copy's exit waits for ever on writers blocked on their pipes)
        raise
    failed = _gather(writers, drawn)
    if failed is not None:
        raise RuntimeError(f"a requirement page writer ended with status {failed.exitcode}")
    order = (r.id for r in corpus.requirements)
    outdir = Path(app.outdir)
    reqrecords.save(outdir, drawing.inputs.glob, order, drawn, drawing.stamps, outdir / EARLY_INDEX)


def _join_kept(app: Sphinx, exception: Exception | None, wait: bool) -> bool:
    """The pages drawn from the kept shell, once their copy has ended (``wait``: wait for it; else
    False while it runs): their index made the real one, or, if the build or the copy failed,
    removed, and (the build failed) the pages too, so that a failed build leaves no page drawn
    from the kept copy. True when nothing drawn from the kept shell is left to wait for."""
    process: BaseProcess | None = getattr(app, _KEPT, None)
    if process is None:
        return True
    if not wait and process.is_alive():
        return False
    delattr(app, _KEPT)
    process.join()
    outdir = Path(app.outdir)
    early = outdir / EARLY_INDEX
    shell = exception is None and _shell(outdir) is not None
    if shell and process.exitcode == 0 and early.is_file():
        early.replace(outdir / reqindex.INDEX)  # plan() compares the pages with the real inputs
        logger.info("requirement pages: drawn during the start-up from the kept shell")
        return True
    early.unlink(missing_ok=True)
    if not shell:  # (with the shell, the finish draws every page: no index)
        for name in page_names(corpus_of(app)):
            (outdir / REQ_FOLDER / name).unlink(missing_ok=True)
    return True


def _keep_shell(app: Sphinx, corpus: Corpus, drawing: Drawing) -> None:
    """Keep this build's shell, its title and the texts for the next build's :func:`_start_kept`."""
    if reqkept.enabled():
        texts = requirement_texts(app, corpus)
        reqkept.save(Path(app.srcdir), app.builder.name, drawing.shell, drawing.shell_title, texts)


def _before_finish(app: Sphinx, builder: Builder) -> None:
    """``write-started``: in a parallel HTML build, :func:`_start_early` runs first thing in the
    builder's ``finish`` (this build's only; ``SMETS_REQ_EARLY=off``: not at all)."""
    if switched_off(EARLY_SWITCH) or app.parallel <= 1 or builder.format != "html":
        return
    first_in_finish(builder, lambda: _start_early(app))


def _start_pages(app: Sphinx, exception: Exception | None) -> None:
    """Write the pages; in a parallel build, in forked processes (one per job, each a share of the
    pages) beside sphinx-needs' needs.json (beside Sphinx's finish too: :func:`_start_early`).

    The writers run behind this process (``forking.start(behind=True)``, ``os.nice``): what this
    process does meanwhile (the search index, needs.json, ...) is the build's critical path, the
    pages are not; sharing two cores three ways (a cold build at 10,000: this process 6 s of CPU,
    the writers 5.5 s) stretched this process's part by half. ``SMETS_REQ_BEHIND=off``: the
    build's own priority."""
    if getattr(app, _EARLY, False):
        delattr(app, _EARLY)
        return  # started as the finish began (its writers are joined by _finish_pages)
    _join_kept(app, exception, wait=True)
    if exception is not None or app.builder.format != "html":
        return
    corpus = corpus_of(app)
    shell = _shell(Path(app.outdir))
    if shell is None:
        return
    _plan_and_start(app, corpus, shell, behind=not switched_off(BEHIND_SWITCH))


def _plan_and_start(
    app: Sphinx,
    corpus: Corpus,
    shell: tuple[str, str],
    *,
    behind: bool,
    say: Callable[[str], None] | None = None,
) -> None:
    """:func:`_start_pages`'s work once the shell is known: the pages planned, then drawn here (one
    job, or none to draw) or their writers forked (``behind``: behind this process). ``say``: what
    takes its lines (by default the build's log)."""
    say = say or logger.info
    drawing = plan(app, corpus, shell)
    say(f"requirement pages: {len(drawing.todo)} of {len(corpus.requirements)} to draw")
    if drawing.todo:
        reqindex.forget(Path(app.outdir))  # a build cut short while writing pages leaves no index
    parts = max(1, min(app.parallel, -(-len(drawing.todo) // SHARE)))
    if app.parallel == 1 or not drawing.todo:
        _keep_shell(app, corpus, drawing)
        _finish(app, corpus, drawing, draw(app, corpus, drawing, drawing.todo))
        if drawing.cache is not None:
            say(f"requirement pages: {drawing.hits} of {len(drawing.todo)} from the cache")
        return
    shares = _work(drawing, parts)
    name = "smets-requirement-pages"
    writers, drawn = _fork_writers(app, corpus, drawing, shares, name, behind=behind, keep=True)
    setattr(app, _WRITER, (writers, drawing, drawn))  # _finish_pages joins them, records the pages


def _work(drawing: Drawing, parts: int) -> list[Share]:
    """The share of each of ``parts`` writers: the same shared batches (:class:`Batches`), or
    (``SMETS_SHARED_PAGE_WORK=off``, or no fork here: drawn in this process) fixed shares (none
    empty)."""
    if switched_off(SHARED_SWITCH) or "fork" not in multiprocessing.get_all_start_methods():
        return [share for share in _shares(drawing, parts) if share]
    batches = Batches.of(_batches(drawing))
    return [batches for _ in range(min(parts, len(batches.batches)))]


def _shares(drawing: Drawing, parts: int) -> list[list[Requirement]]:
    """The pages to draw in ``parts`` shares; with a cache, whole shards to each (no two writers
    write one shard's file)."""
    if drawing.cache is None:
        return [drawing.todo[part::parts] for part in range(parts)]
    shares: list[list[Requirement]] = [[] for _ in range(parts)]
    for n, batch in enumerate(_batches(drawing)):  # one shard's pages each
        shares[n % parts].extend(batch)
    return shares


def _finish_pages(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``, late: gather the forked writers' records (as the index's text, batch by
    batch: :mod:`.reqrecords`) and save the index; or wait for the copy that does
    (:func:`_plan_beside`)."""
    _join_planner(app)
    started: tuple[Writers, Drawing, dict[str, str]] | None
    started = getattr(app, _WRITER, None)
    if started is None:
        return
    delattr(app, _WRITER)
    writers, drawing, drawn = started
    failed = _gather(writers, drawn)
    if failed is not None:
        raise ExtensionError(
            f"the requirement pages (req/<ID>.html) could not be written: a writer process "
            f"ended with status {failed.exitcode} (its error is printed above)"
        )
    _finish_text(app, corpus_of(app), drawing, drawn)


def _finish_text(app: Sphinx, corpus: Corpus, drawing: Drawing, drawn: dict[str, str]) -> None:
    """Record what every page was drawn from (``drawn``: the records gathered as the index's text;
    the kept ones encoded one at a time), in corpus order whatever the writers, entry by entry,
    and delete the pages of removed requirements."""
    outdir = Path(app.outdir)
    if drawn or len(drawing.kept) != drawing.loaded or drawing.stamps != drawing.stamps_kept:
        for req_id in [k for k in drawing.kept if k not in drawn]:
            drawn[req_id] = reqrecords.encode(req_id, drawing.kept.pop(req_id))
        order = (r.id for r in corpus.requirements)
        reqrecords.save(outdir, drawing.inputs.glob, order, drawn, drawing.stamps)
    forget_removed(outdir, corpus)


def register(app: Sphinx) -> None:
    index_deps = (facet(Requirement, aspects=("title", "fields")),)  # id, title, section, status
    fingerprints.add_directive(app, "smets-requirement-index", index_text, deps=index_deps)
    app.add_role("smets-req", RequirementRole())
    drops_left(app)  # first_in_finish's wrappers a failed build left
    app.connect("builder-inited", _start_kept, priority=950)  # after the corpus and the results' path
    app.connect("write-started", _before_finish)
    app.connect("build-finished", _start_pages, priority=400)  # before sphinx-needs writes needs.json
    app.connect("build-finished", _finish_pages, priority=800)
