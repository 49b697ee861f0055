"""A need's text as HTML in milliseconds, for the first stage of ``smets serve`` (a preview).

The page the full build writes draws the text through Sphinx (roles resolved to links, the
site's own directives). The preview draws it with docutils alone: roles show the text they
display (``:need:`X <ID>``` -> ``X``; ``:need:`ID``` -> ``ID``), raw HTML and file insertion
are off, and nothing the text says can run (docutils escapes it). The full build that follows
replaces the page, so a preview lives a few seconds at most.
"""

from __future__ import annotations

import re
from typing import Any

from docutils.core import publish_parts

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


def render_text(text: str) -> str:
    """``text`` (a need's reST body) as the HTML of the card's text block."""
    plain = _ROLE.sub(_shown, text)
    body = str(publish_parts(plain, writer="html5", settings_overrides=_SETTINGS)["body"])
    return f'<div class="smets-need-body docutils container">\n{body.strip()}\n</div>\n'
