"""Every requirement's own page, ``req/<ID>.html``, written after each build from the current corpus.

Thousands of requirement pages cannot each be a Sphinx document: reading, resolving and
templating a page costs tens of milliseconds, so 2,000 of them would take longer than
the whole rest of the site. Instead:

* ``req/index`` (a real page, the list of every requirement) is the *shell*: the theme's
  navigation, header and footer around a body marked ``<!--smets-req-body-->``;
* ``req/parts`` (an orphan page, left out of the search index) holds the parts written in
  reST, parsed and resolved by Sphinx as usual: each requirement's text and the reST panels
  of :mod:`smets_spec.render.panels`, each between ``<!--smets-part ID NAME-->`` markers;
* at ``build-finished`` each page is the shell with its own title and a body of the fields,
  the text, and every panel: HTML panels rendered now, reST panels cut from ``req/parts``.

Both helper pages live in ``req/`` with the requirement pages, so every relative link in them
is right in ``req/<ID>.html`` too; a project without them gets them written at ``builder-inited``
(as ``sphinx.ext.autosummary`` writes its stubs), and they may be edited. The pages are
rewritten after every build, incremental ones included, so none is ever stale; pages of removed
requirements are deleted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

from ..corpus import Corpus
from ..render.html import esc, raw_block
from ..render.panels import ordered
from ..render.requirement import page_body
from ..schema import Requirement
from ..trace import ordered_requirements
from . import fingerprints
from .site import REQ_FOLDER, SphinxLinker
from .state import corpus_of

SHELL, PARTS = f"{REQ_FOLDER}/index", f"{REQ_FOLDER}/parts"
BODY_START, BODY_END = "<!--smets-req-body-->", "<!--/smets-req-body-->"
_PART = re.compile(r"<!--smets-part (\S+) (\S+)-->(.*?)<!--/smets-part-->", re.S)
_MANIFEST = ".smets-pages.json"


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


def _part(req_id: str, name: str, text: str) -> str:
    body = "\n".join("   " + line if line.strip() else "" for line in text.splitlines())
    return (
        f"{raw_block(f'<!--smets-part {req_id} {name}-->')}\n.. container:: smets-part\n\n{body}\n\n"
        f"{raw_block('<!--/smets-part-->')}\n"
    )


#: ``:np:`(a) text``` marks a need part, which only its need (on its section page) may hold.
_NEED_PART = re.compile(r":np:`(?:\([^)`]*\)\s*)?([^`]*)`")


def parts_text(app: Sphinx, docname: str, args: tuple[str, ...]) -> str:
    """Every requirement's text and reST panels, each between markers, for the pages to cut out."""
    corpus = corpus_of(app)
    out: list[str] = []
    rest_panels = [p for p in ordered() if p.html is None]
    for req in ordered_requirements(corpus):
        out.append(_part(req.id, "text", _NEED_PART.sub(r"\1", req.content or "(no text)")))
        for panel in rest_panels:
            text = panel.render(corpus, req.id)
            if text.strip():
                out.append(_part(req.id, panel.name, text))
    return "\n".join(out)


class RequirementRole(SphinxRole):
    """``:smets-req:`PC.01``` or ``:smets-req:`text <PC.01>```: a link to a requirement's own page."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        match = re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", self.text)
        text, req_id = (match[1], match[2]) if match else (self.text, self.text)
        linker = SphinxLinker(self.env.app, corpus_of(self.env.app), self.env.docname)
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
    title = esc(" ".join(f"{req.id} {req.title}".split()))
    head = head.replace(f"<title>{shell_title}", f"<title>{title}", 1)
    return re.sub(
        r"<h1>.*?(<a class=\"headerlink\"|</h1>)", lambda m: f"<h1>{title}{m[1]}", head, count=1, flags=re.S
    )


def write_pages(app: Sphinx, corpus: Corpus) -> int:
    """Write ``req/<ID>.html`` for every requirement; delete those of removed ones. Returns the count."""
    outdir = Path(app.outdir)
    shell = _shell(outdir)
    if shell is None:
        return 0
    head, tail = shell
    parts_file = outdir / f"{PARTS}.html"
    parts: dict[tuple[str, str], str] = {}
    if parts_file.is_file():
        parts = {(m[1], m[2]): m[3] for m in _PART.finditer(parts_file.read_text(encoding="utf-8"))}
    shell_title = esc(str(app.env.titles[SHELL].astext())) if SHELL in app.env.titles else ""
    linker = SphinxLinker(app, corpus, SHELL)
    written = set()
    for req in corpus.requirements:

        def part(name: str, req_id: str = req.id) -> str:
            return parts.get((req_id, name), "")

        body = page_body(corpus, req.id, linker, part)
        name = f"{req.id}.html"
        page = _retitle(head, req, shell_title) + body + tail
        (outdir / REQ_FOLDER / name).write_text(page, encoding="utf-8")
        written.add(name)
    manifest = outdir / REQ_FOLDER / _MANIFEST
    if manifest.is_file():
        for old in set(json.loads(manifest.read_text(encoding="utf-8"))) - written:
            (outdir / REQ_FOLDER / old).unlink(missing_ok=True)
    manifest.write_text(json.dumps(sorted(written)), encoding="utf-8")
    return len(written)


def _build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        write_pages(app, corpus_of(app))


SHELL_TEXT = """:orphan:

Requirement pages
=================

.. Every requirement's own page (req/<ID>.html) is this page with the requirement's body in place
   of the list below; see tooling/smets_spec/sphinx/reqpages.py.

.. smets-requirement-index::
"""
PARTS_TEXT = """:orphan:
:nosearch:

Requirement page parts
======================

.. The parts of the requirement pages written in reST (each requirement's text, and the reST
   panels), cut out of this page after the build; see tooling/smets_spec/sphinx/reqpages.py.

.. smets-requirement-parts::
"""


def ensure_sources(srcdir: Path) -> list[Path]:
    """Write ``req/index.rst`` and ``req/parts.rst`` where a project lacks them; return those written."""
    written = []
    for name, text in ((f"{SHELL}.rst", SHELL_TEXT), (f"{PARTS}.rst", PARTS_TEXT)):
        path = srcdir / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def _builder_inited(app: Sphinx) -> None:
    if app.builder.format == "html":
        ensure_sources(Path(app.srcdir))


def register(app: Sphinx) -> None:
    app.connect("builder-inited", _builder_inited)
    fingerprints.add_directive(app, "smets-requirement-index", index_text)
    fingerprints.add_directive(app, "smets-requirement-parts", parts_text)
    app.add_role("smets-req", RequirementRole())
    app.connect("build-finished", _build_finished)
