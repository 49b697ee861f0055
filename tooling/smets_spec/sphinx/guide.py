"""The user guide (``docs/*.md`` at the repository root) published on the site, docs/ its one source.

``.. smets-guide:: NAME`` (in ``spec/guide/NAME.rst``) reads ``docs/NAME.md`` beside conf.py, and
nothing else, and parses it with MyST (myst-parser, MIT) as GitHub-flavoured Markdown only:

* no MyST directives or roles, no ``{eval-rst}``, and raw HTML shown as text: a guide page can
  run nothing and put no script or markup of its own on the site;
* links written for GitHub work on the site: ``other.md#part`` goes to that guide page,
  ``../spec/x/y.rst`` to the spec page built from it, ``#part`` to the heading with that GitHub
  slug (every heading also carries the id GitHub gives it); a link to another file of the
  repository becomes its path as code (the site has no copy of it), and says so in a warning
  that names the line.

The page is re-read when its Markdown file changes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, new_document

from .state import app_of

GUIDE_FOLDER = "guide"
DOCS_FOLDER = "docs"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_SPEC_LINK = re.compile(r"(?:\.\./)+spec/([^#]+)\.(?:rst|md)(#.*)?")
_GUIDE_LINK = re.compile(r"(?:\./)?([a-z0-9][a-z0-9-]*)\.md(#.*)?")
LOGGER = logging.getLogger(__name__)


def github_slug(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def guide_path(confdir: Path, name: str) -> Path:
    return confdir / DOCS_FOLDER / f"{name}.md"


def load_parser() -> tuple[Any, Any, Any]:
    """myst-parser's configuration, renderer and parser maker, imported on first use (0.04 s)."""
    from myst_parser.config.main import MdParserConfig
    from myst_parser.mdit_to_docutils.base import DocutilsRenderer
    from myst_parser.parsers.mdit import create_md_parser

    return MdParserConfig, DocutilsRenderer, create_md_parser


def parse_markdown(text: str, source: str, settings: Any) -> nodes.document:
    """``text`` as a docutils document: GitHub-flavoured Markdown, raw HTML kept as text."""
    MdParserConfig, DocutilsRenderer, create_md_parser = load_parser()  # noqa: N806
    document = new_document(source, settings)
    parser = create_md_parser(MdParserConfig(gfm_only=True), DocutilsRenderer)
    parser.disable(["html_block", "html_inline", "strikethrough"])  # "~2 s ... ~3 s" is not struck out
    parser.options["document"] = document
    parser.render(text)
    for section in document.findall(nodes.section):
        slug = github_slug(section[0].astext()) if section.children else ""
        if slug and slug not in section["ids"]:
            section["ids"].append(slug)
    return document


def adopt(parsed: nodes.document, into: nodes.document) -> None:
    """Make every node of ``parsed`` belong to ``into``, the page it is put in.

    docutils sets the document of a node's direct children only when it is inserted; the
    deeper nodes would keep ``parsed`` and, through its settings, the whole build environment,
    which Sphinx would then pickle into the page's doctree (5 MB per guide page at 10,000
    requirements, each unpickled into a copy of the environment when the page is written).
    """
    for node in parsed.findall(include_self=False):
        node.document = into


def _target(uri: str) -> tuple[str, str] | None:
    """The docname and anchor a relative link of a guide page goes to on the site, if any."""
    guide = _GUIDE_LINK.fullmatch(uri)
    if guide:
        return f"{GUIDE_FOLDER}/{guide[1]}", guide[2] or ""
    spec = _SPEC_LINK.fullmatch(uri)
    if spec:
        return spec[1], spec[2] or ""
    return None


class GuideDirective(SphinxDirective):
    """``.. smets-guide:: cli``: the page ``docs/cli.md``, parsed here."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0].strip()
        path = guide_path(Path(app_of(self.env).confdir), name)
        if not _NAME.fullmatch(name) or not path.is_file():
            raise self.error(
                f"smets-guide: no guide page '{name}': give the name of a file docs/NAME.md beside "
                f"conf.py (lower case, digits and hyphens) [smets.guide]"
            )
        self.env.note_dependency(str(path))
        text = path.read_text(encoding="utf-8")
        document = parse_markdown(text, str(path), self.state.document.settings)
        self._relink(document, f"{DOCS_FOLDER}/{name}.md")
        adopt(document, self.state.document)
        return list(document.children)

    def _relink(self, document: nodes.document, shown: str) -> None:
        builder, here = app_of(self.env).builder, self.env.docname
        for ref in list(document.findall(nodes.reference)):
            uri = str(ref.get("refuri", ""))
            if not uri or uri.startswith("#") or re.match(r"[a-z][a-z0-9+.-]*:", uri):
                continue
            target = _target(uri)
            if target is not None and target[0] in self.env.found_docs:
                ref["refuri"] = builder.get_relative_uri(here, target[0]) + target[1]
                continue
            LOGGER.warning(
                f"{shown}: the link to '{uri}' has no page on the site; it is shown as its path "
                "(link to a guide page as NAME.md or to the spec as ../spec/PATH.rst) [smets.guide]",
                location=(here, ref.line),
                type="smets",
                subtype="guide",
            )
            ref.replace_self(nodes.literal(uri, uri))


def register(app: Sphinx) -> None:
    app.add_directive("smets-guide", GuideDirective)
