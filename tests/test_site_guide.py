"""The user guide (docs/*.md) is on the site, its links work there, and pages naming a guide link to it."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from urllib.parse import unquote

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser

from smets_spec.sphinx.guide import adopt, github_slug, parse_markdown

ROOT = Path(__file__).resolve().parent.parent
GUIDES = sorted(p.stem for p in (ROOT / "docs").glob("*.md"))


def test_every_guide_page_has_its_stub() -> None:
    index = (ROOT / "spec" / "guide" / "index.rst").read_text(encoding="utf-8")
    for name in GUIDES:
        stub = (ROOT / "spec" / "guide" / f"{name}.rst").read_text(encoding="utf-8")
        assert f".. smets-guide:: {name}\n" in stub
        assert f"\n   {name}\n" in index, f"{name} is not in the guide's toctree"


def test_guide_pages_are_published_with_their_headings(built_site: Path) -> None:
    for name in GUIDES:
        markdown = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
        first = next(line[2:].strip() for line in markdown.splitlines() if line.startswith("# "))
        page = (built_site / "guide" / f"{name}.html").read_text(encoding="utf-8")
        assert f'id="{github_slug(first)}"' in page, name
        headings = [line.lstrip("#").strip() for line in markdown.splitlines() if re.match(r"#{2,4} ", line)]
        for heading in headings:
            assert f'id="{github_slug(heading)}"' in page, (name, heading)


def _links(page: Path) -> list[str]:
    html = page.read_text(encoding="utf-8")
    return [unquote(h) for h in re.findall(r'<a [^>]*href="([^"]+)"', html)]


def test_every_link_of_the_guide_resolves_on_the_site(built_site: Path) -> None:
    checked = 0
    for name in GUIDES:
        page = built_site / "guide" / f"{name}.html"
        for href in _links(page):
            if re.match(r"[a-z]+:", href) or "_sources/" in href:
                continue
            path, _, anchor = href.partition("#")
            target = (page.parent / path).resolve() if path else page
            assert target.is_file(), (name, href)
            if anchor:
                assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), (name, href)
            checked += 1
    assert checked > 50
    cli = _links(built_site / "guide" / "cli.html")
    assert "authoring.html#validation-every-rule-with-its-message" in cli
    assert "../quality/duplicates.html" in _links(built_site / "guide" / "duplicates.html")


def test_every_page_naming_a_guide_links_to_it(built_site: Path) -> None:
    """A page that names ``docs/NAME.md`` (or "the NAME guide") also links to guide/NAME.html."""
    pages = [p for p in built_site.rglob("*.html") if "_sources" not in p.parts and p.parent.name != "guide"]
    mentions = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        main = html[html.find('<article role="main"') :]
        for name in set(re.findall(r"docs/([a-z-]+)\.md", main)) & set(GUIDES):
            mentions += 1
            target = (built_site / "guide" / f"{name}.html").resolve()
            assert any(
                (page.parent / h.partition("#")[0]).resolve() == target for h in _links(page) if h[:1] != "#"
            ), (page.relative_to(built_site), name)
    for source in (ROOT / "spec").rglob("*.rst"):
        text = source.read_text(encoding="utf-8")
        for name in re.findall(r"``docs/([a-z-]+)\.md``", text):
            assert f"</guide/{name}>" in text or f"guide/{name}`" in text, (source, name)
    assert mentions >= 1


def _document(text: str) -> nodes.document:
    settings = get_default_settings(Parser)
    settings.report_level = 5
    return parse_markdown(text, "docs/test.md", settings)


def test_raw_html_and_myst_directives_stay_text() -> None:
    text = (
        "# Title\n\n<script>alert(1)</script>\n\nA <b>bold</b> word.\n\n"
        "```{raw} html\n<script>alert(2)</script>\n```\n\n```{eval-rst}\n.. raw:: html\n\n   <i>x</i>\n```\n"
    )
    document = _document(text)
    assert not list(document.findall(nodes.raw))
    flat = document.astext()
    assert "<script>alert(1)</script>" in flat and "<b>bold</b>" in flat and "alert(2)" in flat


def test_heading_carries_the_github_anchor() -> None:
    document = _document("# Adding an item (`smets new`)\n\ntext\n\n## Ids: `PC.01`, v1.0\n")  # a clause
    ids = [i for s in document.findall(nodes.section) for i in s["ids"]]
    assert "adding-an-item-smets-new" in ids
    assert "ids-pc01-v10" in ids  # GitHub drops the dots; docutils alone would write ids-pc-01-v1-0


def test_a_guide_page_adopts_the_parsed_nodes_and_keeps_no_settings_of_its_own() -> None:
    """Nodes parsed from Markdown belong to the page they are put in: the document they were parsed
    into (and its settings, which in a build hold the whole environment) is not kept by any node."""
    settings = get_default_settings(Parser)
    settings.report_level = 5
    settings.smets_heavy = _Heavy()  # as a build's settings hold its environment
    parsed = parse_markdown(
        "# Title\n\nA *deeply* **nested** `text`.\n\n- one\n- two [link](x.md)\n", "t.md", settings
    )
    page = _document("")
    adopt(parsed, page)
    nodes_ = list(parsed.findall(include_self=False))
    page += list(parsed.children)  # as the directive's result is put in the page
    assert len(nodes_) > 10
    assert all(node.document is page for node in nodes_)
    assert b"_Heavy" not in pickle.dumps(page)


class _Heavy:
    """Stands for the build environment a build's settings carry."""


def test_saved_guide_doctrees_hold_no_build_environment(built_site: Path) -> None:
    """Each guide doctree carried a pickled copy of the environment (5 MB at 10,000 requirements),
    unpickled again for every guide page written."""
    for name in GUIDES:
        data = (built_site / ".doctrees" / "guide" / f"{name}.doctree").read_bytes()
        assert b"BuildEnvironment" not in data, name
        doctree = pickle.loads(data)  # the doctree the test's own build just wrote
        assert all(node.document is doctree for node in doctree.findall()), name
