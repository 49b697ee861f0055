"""No script that a spec author wrote reaches the site, and nothing in a source reads the build
machine's files or runs code while building.

The fast reader refuses all of this in ``smets validate`` (:mod:`smets_spec.corpus.safety`);
this module enforces it in the build too, so a page built with ``sphinx-build`` directly, or a
case the text checks miss, is still safe:

* docutils' ``raw_enabled`` and ``file_insertion_enabled`` are off for every source (``raw``,
  ``include``, ``literalinclude``, ``:file:``/``:url:`` options all refuse); only the text the
  extension renders itself from the corpus may hold raw HTML (:func:`trusted_raw`);
* the sphinx-needs directives and roles that evaluate Python filters, import files or call
  services are replaced by a refusal;
* every link whose scheme is not http, https or mailto becomes plain text, and images and
  downloads outside the source folder are dropped, each with a warning;
* every page carries a strict Content-Security-Policy (:data:`CSP`): scripts only from the
  site's own files (plus the theme's one fixed inline script, by its hash), no inline
  handlers, no plugins, no ``<base>``.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hashlib
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives as rst_directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx_needs.nodes import Need as NeedNode

from ..corpus.files import write_atomic
from ..corpus.safety import ACTIVE_SUFFIXES, REFUSED_DIRECTIVES, REFUSED_ROLES, RESPONDENT_TEXT, safe_uri
from .state import corpus_of

logger = logging.getLogger(__name__)

#: Inline scripts of installed themes allowed by hash: fixed text in the theme's own templates
#: (furo sets the colour theme before the page paints), never anything from a source.
_THEME_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_BASE_POLICY = (
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
)
_PERMALINK = "permalink.html"
_INLINE = re.compile(r"<script>(.*?)</script>", re.S)


@contextlib.contextmanager
def trusted_raw(document: nodes.document) -> Iterator[None]:
    """Let raw HTML through while parsing text the extension rendered itself (never a source)."""
    settings = document.settings
    before = getattr(settings, "raw_enabled", False)
    settings.raw_enabled = True
    try:
        yield
    finally:
        settings.raw_enabled = before


def _lock_settings(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    env.settings["raw_enabled"] = False
    env.settings["file_insertion_enabled"] = False


class _AnyOption(collections.defaultdict[str, Any]):
    def __init__(self) -> None:
        super().__init__(lambda: rst_directives.unchanged)


class RefusedDirective(SphinxDirective):
    """Stands in for a directive spec sources may not use: a warning, and nothing on the page."""

    has_content = True
    optional_arguments = 100
    final_argument_whitespace = True
    option_spec = _AnyOption()

    def run(self) -> list[nodes.Node]:
        reason = REFUSED_DIRECTIVES.get(self.name, "is not allowed in spec sources")
        logger.warning(
            f"'.. {self.name}::' is not allowed in spec sources: it {reason} [smets.unsafe-markup]",
            location=self.get_location(),
        )
        return []


class RefusedRole(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        logger.warning(
            f"role ':{self.name}:' evaluates a filter as Python at build time [smets.unsafe-markup]",
            location=self.get_location(),
        )
        return [nodes.Text(self.text)], []


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
    return True


def _unsafe_file(app: Sphinx, docname: str, target: str) -> bool:
    if not target or target.startswith("data:") or "://" in target or target == "*":
        return False
    _, absolute = app.env.relfn2path(target, docname)
    return not _inside(Path(absolute), Path(app.srcdir))


def _respondent_text(app: Sphinx, node: nodes.Node) -> bool:
    """Inside a need that holds a respondent's words (shown as typed, never a link)."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, NeedNode):
            need = corpus_of(app).needs.get(str(parent.get("refid") or ""))
            return need is not None and need.directive in RESPONDENT_TEXT
        parent = parent.parent
    return False


def _neutralise(app: Sphinx, doctree: nodes.document) -> None:
    """Links with unsafe schemes become text; images and downloads outside the sources are dropped.

    In a spec author's text that is a warning (so ``smets build`` fails, as validation does); in
    a respondent's text it is what they typed, shown as text without a warning.
    """
    docname = app.env.docname
    for ref in list(doctree.findall(nodes.reference)):
        uri = ref.get("refuri")
        if uri is not None and not safe_uri(str(uri)):
            if not _respondent_text(app, ref):
                logger.warning(
                    f"link '{str(uri)[:60]}' uses a scheme the site does not publish [smets.unsafe-link]",
                    location=ref,
                )
            ref.replace_self(nodes.inline("", ref.astext()))
    for image in list(doctree.findall(nodes.image)):
        uri = str(image.get("uri", ""))
        if (not safe_uri(uri) and not uri.startswith("data:image/")) or _unsafe_file(app, docname, uri):
            logger.warning(
                f"image '{uri[:60]}' is outside the spec folder [smets.unsafe-markup]", location=image
            )
            image.parent.remove(image)
    for download in list(doctree.findall(addnodes.download_reference)):
        target = str(download.get("reftarget", ""))
        if _unsafe_file(app, docname, target) or _active(target):  # before Sphinx lists it for copying
            logger.warning(
                f"download '{target[:60]}' is outside the spec folder or a file a browser runs "
                "script in [smets.unsafe-markup]",
                location=download,
            )
            download.replace_self(nodes.inline("", download.astext()))


def _active(path: str) -> bool:
    return posixpath.splitext(path.lower())[1] in ACTIVE_SUFFIXES


def _drop_active_files(app: Sphinx, doctree: nodes.document) -> None:
    """After Sphinx chose each image's file (``logo.*`` may pick an SVG): no image is published
    that a browser runs script in when it is opened from the site (images are copied at write
    time, from the nodes left)."""
    for image in list(doctree.findall(nodes.image)):
        files = [str(image.get("uri", "")), *map(str, dict(image.get("candidates", {})).values())]
        chosen = [f for f in files if _active(f)]
        if chosen and not str(image.get("uri", "")).startswith("data:"):
            logger.warning(
                f"image '{chosen[0][:60]}' is a file a browser runs script in; use PNG or JPEG "
                "[smets.unsafe-markup]",
                location=image,
            )
            image.parent.remove(image)


def _theme_hashes(app: Sphinx) -> list[str]:
    """Hashes of the fixed inline scripts in the theme's templates (``{{``/``{%`` make one not fixed)."""
    hashes = []
    theme = getattr(app.builder, "theme", None)
    folders: list[str] = list(theme.get_theme_dirs()) if theme is not None else []
    for folder in folders:
        for template in Path(folder).glob("*.html"):
            for body in _THEME_SCRIPT.findall(template.read_text(encoding="utf-8")):
                if "{{" not in body and "{%" not in body:
                    digest = hashlib.sha256(body.encode("utf-8")).digest()
                    hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(set(hashes))


def policy(app: Sphinx) -> str:
    """The Content-Security-Policy of every page of this build."""
    cached: str | None = getattr(app, "_smets_csp", None)
    if cached is None:
        script = " ".join(["script-src 'self'", *_theme_hashes(app)])
        cached = "; ".join([*_BASE_POLICY, script])
        app._smets_csp = cached  # type: ignore[attr-defined]
    return cached


def meta_tag(app: Sphinx) -> str:
    return f'<meta http-equiv="Content-Security-Policy" content="{policy(app)}">\n'


def _add_csp(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    context["metatags"] = meta_tag(app) + str(context.get("metatags") or "")


def _permalink_page(app: Sphinx, exception: Exception | None) -> None:
    """sphinx-needs' permalink.html: its inline script moved into a file, and the policy added."""
    if exception is not None or app.builder.format != "html":
        return
    page = Path(app.outdir) / _PERMALINK
    if not page.is_file():
        return
    html = page.read_text(encoding="utf-8")
    scripts = _INLINE.findall(html)
    if not scripts:
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(exist_ok=True)
    write_atomic(static / "smets-permalink.js", "\n".join(scripts))
    html = _INLINE.sub("", html)
    html = html.replace(
        "<head>", f'<head>\n    {meta_tag(app)}    <script src="_static/smets-permalink.js"></script>', 1
    )
    write_atomic(page, html)


def register(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _lock_settings)
    for name in REFUSED_DIRECTIVES:
        if name not in {"raw", "include", "literalinclude"}:  # refused by the docutils settings
            app.add_directive(name, RefusedDirective, override=True)
    for role in REFUSED_ROLES:
        app.add_role(role, RefusedRole(), override=True)
    app.connect("doctree-read", _neutralise, priority=10)
    app.connect("doctree-read", _drop_active_files, priority=900)  # after the image collector
    app.connect("html-page-context", _add_csp)
    app.connect("build-finished", _permalink_page)
