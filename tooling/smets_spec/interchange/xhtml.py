"""Need text as ReqIF XHTML and back.

Our text is reST. It travels as XHTML paragraphs (one ``<p>`` per blank-line-separated block,
``<br/>`` and a line break between its lines), so another tool shows it as readable text and
our import gets back exactly the same characters. reST markup is not converted to XHTML
formatting: another tool shows ``**bold**`` as typed (docs/interchange.md says so). Foreign
XHTML is read as text: paragraphs, line breaks, list items and table cells; what has no text
form (images, objects) is reported.
"""

from __future__ import annotations

from html import escape

from lxml import etree

NS = "http://www.w3.org/1999/xhtml"
_BLOCKS = {
    "p",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "table",
}
_DROPPED = {"object", "img", "script", "style", "iframe", "embed"}


def to_xhtml(text: str) -> str:
    """reST text as the inner XML of an ATTRIBUTE-VALUE-XHTML (namespace prefix ``xhtml``)."""
    paragraphs = []
    for block in text.split("\n\n"):
        # a line break after <br/> too, for tools that read the XHTML as text (StrictDoc does)
        lines = "<xhtml:br/>\n".join(escape(line, quote=False) for line in block.split("\n"))
        paragraphs.append(f"<xhtml:p>{lines}</xhtml:p>" if lines else "<xhtml:p/>")
    return "<xhtml:div>" + "".join(paragraphs) + "</xhtml:div>"


def _parse(inner: str) -> etree._Element:
    wrapped = f'<root xmlns:xhtml="{NS}" xmlns:reqif-xhtml="{NS}" xmlns="{NS}">{inner}</root>'
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(wrapped.encode("utf-8"), parser)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def from_xhtml(inner: str) -> tuple[str, list[str]]:
    """The text of an XHTML value, and what could not be kept (each named once)."""
    try:
        root = _parse(inner)
    except etree.XMLSyntaxError as error:
        return "", [f"XHTML that is not well-formed ({error.msg})"]
    ours = _ours(root)
    if ours is not None:
        return ours, []
    lost: list[str] = []
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = "".join(current).strip("\n")
        if text.strip():
            blocks.append(text)
        current.clear()

    def walk(node: etree._Element) -> None:
        name = _local(node.tag)
        if name in _DROPPED:
            if f"<{name}>" not in lost:
                lost.append(f"<{name}>")
            return
        if name in _BLOCKS:
            flush()
        if name == "li":
            current.append("- ")
        if name == "br":
            current.append("\n")
        if node.text:
            current.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if name in {"td", "th"}:
            current.append(" | ")
        if name in _BLOCKS:
            flush()

    walk(root)
    flush()
    return "\n\n".join(blocks), [f"{item} (no text form)" for item in lost]


def _ours(root: etree._Element) -> str | None:
    """The exact text of a value we wrote: one div of paragraphs holding only text and br."""
    children = list(root)
    if (root.text and root.text.strip()) or len(children) != 1 or _local(children[0].tag) != "div":
        return None
    div = children[0]
    if (div.text and div.text.strip()) or any(
        _local(p.tag) != "p" or (p.tail and p.tail.strip()) for p in div
    ):
        return None
    paragraphs = []
    for p in div:
        parts = [p.text or ""]
        for br in p:
            if _local(br.tag) != "br" or len(br):
                return None
            tail = br.tail or ""
            parts.append("\n" + (tail[1:] if tail.startswith("\n") else tail))
        paragraphs.append("".join(parts))
    return "\n\n".join(paragraphs)
