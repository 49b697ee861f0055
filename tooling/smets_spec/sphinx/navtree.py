"""furo's navigation tree drawn once per folder, not once per page.

furo gives every page the whole site's toctree (Sphinx resolves and renders it for that page,
then furo parses it with BeautifulSoup to add its expand buttons): about 25-45 ms a page, the
largest single cost of the write phase. That HTML differs between two pages of one folder only
in the marks of the page itself: its link reads ``href="#"`` with the class ``current``, the
``<li>`` and ``<ul>`` elements above it get ``current``, their expand boxes ``checked=""``, and
the innermost ``<li>`` ``current-page``.

So the tree is drawn once per folder (through Sphinx and furo themselves, for a page name that
is in no toctree, so nothing is marked; :func:`_neutral`), and each page's tree is that string
with the page's marks added at the places found once by parsing it (:func:`_marked`). Where a
page is not of that simple form (its link in the tree twice, an anchor to it, a character that
would be escaped, a tag of another shape) nothing is derived and furo draws it as before.
``tests/test_navtree.py`` compares every page of the repository's site built with and without
this (``-D smets_nav_cache=0``); they are byte for byte the same.

It hooks only furo's own event data: before furo's ``html-page-context`` handler it wraps the
page's ``toctree`` function so that furo's exact call returns a placeholder furo leaves as it is
(checked at start-up), and after it puts the derived tree in ``furo_navigation_tree``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment.adapters.toctree import global_toctree_for_doc
from sphinx.util.osutil import relative_uri

from ..corpus.cachedir import switched_off

#: furo's call of the page's ``toctree`` function (furo/__init__.py, ``_compute_navigation_tree``)
FURO_CALL: dict[str, Any] = {"collapse": False, "titles_only": True, "maxdepth": -1, "includehidden": True}
_PLACEHOLDER = "<!--smets-navigation-tree-->"
_DERIVED = "_smets_navigation_tree"
_CACHE = "_smets_nav_folders"
_PROBE = "_smets_nav_probe_"
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_LI = re.compile(r'^<li class="(toctree-l\d+)( has-children)?">$')
_VOID = {"input", "br", "img", "hr", "meta", "link", "source", "wbr", "area", "col", "embed", "param"}
_UNSAFE = set("&<>\"'#")
#: ``SMETS_NAV_REBASE=off``: each folder's unmarked tree drawn by Sphinx and furo (not remade)
REBASE_SWITCH = "SMETS_NAV_REBASE"
_INTERNAL = re.compile(r'<a class="reference internal" href="([^"]*)">')
#: every attribute that may hold a URL
_URL_ATTRIBUTE = re.compile(
    r"[\s\"'](?:href|src|srcset|action|formaction|data|poster|background|cite|ping|xlink:href)\s*=", re.I
)
#: furo's expand icon (a link inside the page, the same from every folder)
_ICON = '<use href="#svg-arrow-right">'
_UNSAFE_URL = set("&<>\"'")


@dataclass
class _Element:
    name: str
    start: int
    end: int  # end of the start tag
    checkbox: tuple[int, int] | None = None  # an <li>'s own expand box


@dataclass
class _Folder:
    """The unmarked tree as seen from one folder, and where each page's link sits in it."""

    probe: str
    html: str
    links: dict[str, list[tuple[_Element, list[_Element]]]] = field(default_factory=dict)
    anchored: set[str] = field(default_factory=set)  # hrefs that also appear with an anchor


def _parse(probe: str, html: str) -> _Folder | None:
    folder = _Folder(probe, html)
    stack: list[_Element] = []
    for match in _TAG.finditer(html):
        closing, name, attrs = match[1], match[2].lower(), match[3]
        if closing:
            if not stack or stack[-1].name != name:
                return None  # not the well-formed markup furo writes: leave it to furo
            stack.pop()
            continue
        element = _Element(name, match.start(), match.end())
        if name == "input" and stack and stack[-1].name == "li" and stack[-1].checkbox is None:
            stack[-1].checkbox = (element.start, element.end)
        if name == "a":
            href = re.search(r' href="([^"]*)"', attrs)
            if href is not None:
                base, _, anchor = href[1].partition("#")
                if anchor:
                    folder.anchored.add(base)
                else:
                    folder.links.setdefault(href[1], []).append((element, list(stack)))
        if name not in _VOID and not attrs.endswith("/"):
            stack.append(element)
    return folder if not stack else None


def _marked(folder: _Folder, href: str) -> str | None:
    """The tree for the page linked as ``href`` from its folder, or None when it is not simple."""
    found = folder.links.get(href)
    if found is None:
        return None if href in folder.anchored else folder.html  # not in the tree: nothing marked
    if len(found) != 1 or href in folder.anchored or _UNSAFE & set(href):
        return None
    link, above = found[0]
    html = folder.html
    edits: list[tuple[int, int, str]] = []
    if html[link.start : link.end] != f'<a class="reference internal" href="{href}">':
        return None
    edits.append((link.start, link.end, '<a class="current reference internal" href="#">'))
    items = [e for e in above if e.name == "li"]
    if not items or above[-1] is not items[-1]:
        return None
    for element in above:
        tag = html[element.start : element.end]
        if element.name == "ul":
            new = '<ul class="current">' if tag == "<ul>" else None
            if tag.startswith('<ul class="') and tag.endswith('">'):
                new = tag[:-2] + ' current">'
        elif element.name == "li":
            new = _current_li(tag, element is items[-1])
            if new is not None and element.checkbox is not None and "has-children" in new:
                start, end = element.checkbox
                box = html[start:end]
                at = box.rfind(' class="toctree-checkbox"')
                if at < 0 or "checked" in box:
                    return None
                edits.append((start, end, box[:at] + ' checked=""' + box[at:]))
        else:
            new = None  # an ancestor Sphinx might mark that this does not know: leave it to furo
        if new is None:
            return None
        edits.append((element.start, element.end, new))
    parts, at = [], 0
    for start, end, text in sorted(edits):
        parts += [html[at:start], text]
        at = end
    return "".join([*parts, html[at:]])


def _current_li(tag: str, innermost: bool) -> str | None:
    match = _LI.match(tag)
    if match is None:
        return None
    classes = [match[1], "current"] + (["has-children"] if match[2] else [])
    return f'<li class="{" ".join(classes + (["current-page"] if innermost else []))}">'


def _neutral(builder: StandaloneHTMLBuilder, directory: str) -> _Folder | None:
    from furo.navigation import get_navigation_tree

    probe = posixpath.join(directory, _PROBE)
    if probe in builder.env.all_docs:
        return None
    toctree = global_toctree_for_doc(builder.env, probe, builder, tags=builder.tags, **FURO_CALL)
    html = builder.render_partial(toctree)["fragment"] if toctree is not None else ""
    return _parse(probe, get_navigation_tree(html))


def _rebased(html: str, base: str) -> str | None:
    """The root folder's unmarked tree ``html`` as Sphinx resolves it for a page whose URI is
    ``base``; None when the tree holds a URL this does not remake, or a character that would be
    escaped.

    Sphinx's toctree resolution makes each internal link's URL ``relative_uri(base, to)`` plus
    its anchor (``to``: the target page's URI); from the root folder (a base with no folder)
    that is ``to`` itself, so each internal link of the root's tree is ``to`` and its anchor,
    and the same ``relative_uri`` of the other base gives that base's link. Nothing else of the
    tree depends on the page (it is in no toctree: nothing is marked)."""
    links = _INTERNAL.findall(html)
    if len(_URL_ATTRIBUTE.findall(html)) != len(links) + html.count(_ICON):
        return None  # a URL of another kind (an image, an external link...): drawn by furo
    if any(_UNSAFE_URL & set(href) or href.startswith("#") for href in links):
        return None

    def remade(match: re.Match[str]) -> str:
        to, mark, anchor = match[1].partition("#")
        return f'<a class="reference internal" href="{relative_uri(base, to)}{mark}{anchor}">'

    return _INTERNAL.sub(remade, html)


def _folder(
    builder: StandaloneHTMLBuilder, directory: str, folders: dict[str, _Folder | None]
) -> _Folder | None:
    """The unmarked tree seen from ``directory``: remade from the root folder's (:func:`_rebased`),
    else drawn (``SMETS_NAV_REBASE=off``: always drawn)."""
    if not directory or switched_off(REBASE_SWITCH):
        return _neutral(builder, directory)
    if "" not in folders:
        folders[""] = _neutral(builder, "")
    root, probe = folders[""], posixpath.join(directory, _PROBE)
    if root is None or probe in builder.env.all_docs:
        return _neutral(builder, directory)
    html = _rebased(root.html, builder.get_target_uri(probe))
    return _neutral(builder, directory) if html is None else _parse(probe, html)


def derived(builder: StandaloneHTMLBuilder, pagename: str) -> str | None:
    """furo's navigation tree for ``pagename``, derived from its folder's; None: let furo draw it."""
    folders: dict[str, _Folder | None] = builder.__dict__.setdefault(_CACHE, {})
    directory = posixpath.dirname(pagename)
    if directory not in folders:
        folders[directory] = _folder(builder, directory, folders)
    folder = folders[directory]
    if folder is None:
        return None
    return _marked(folder, builder.get_relative_uri(folder.probe, pagename))


def _wrap(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    toctree: Callable[..., str] | None = context.get("toctree")
    builder = app.builder
    if toctree is None or not isinstance(builder, StandaloneHTMLBuilder):
        return

    def toctree_for_page(**kwargs: Any) -> str:
        if kwargs == FURO_CALL and _DERIVED not in context:
            tree = derived(builder, pagename)
            if tree is not None:
                context[_DERIVED] = tree
                return _PLACEHOLDER
        return toctree(**kwargs)

    context["toctree"] = toctree_for_page


def _fill(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    tree = context.pop(_DERIVED, None)
    if tree is not None and context.get("furo_navigation_tree") == _PLACEHOLDER:
        context["furo_navigation_tree"] = tree


def _furo_keeps_the_placeholder() -> bool:
    try:
        from furo.navigation import get_navigation_tree
    except ImportError:
        return False
    return bool(get_navigation_tree(_PLACEHOLDER) == _PLACEHOLDER)


def _start(app: Sphinx) -> None:
    if app.config.html_theme != "furo" or not app.config.smets_nav_cache:
        return
    if not _furo_keeps_the_placeholder():
        return
    app.connect("html-page-context", _wrap, priority=400)  # before furo's handler (500)
    app.connect("html-page-context", _fill, priority=600)


def register(app: Sphinx) -> None:
    app.add_config_value("smets_nav_cache", True, "", bool)
    app.connect("builder-inited", _start)
