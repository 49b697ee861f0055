"""The requirement text cut from its section page keeps working links on req/<ID>.html."""

from __future__ import annotations

from pathlib import Path

from smets_spec.sphinx.reqpages import rebase

HTML = (
    '<p>See <a href="#PC_01.a">part a</a>, <a href="pc.html#PC_02">PC_02</a>, '
    '<a href="../devices/esme.html#DEV_ESME">ESME</a>, <a href="https://example.org/x">web</a>, '
    '<a href="/abs.html">abs</a>, <a href="mailto:a@b.c">mail</a> and <img src="../_images/f.png"></p>'
)


def test_a_page_one_folder_down_is_rebased_onto_req() -> None:
    out = rebase(HTML, "sections/pc.html", "req")
    assert 'href="../sections/pc.html#PC_01.a"' in out
    assert 'href="../sections/pc.html#PC_02"' in out
    assert 'href="../devices/esme.html#DEV_ESME"' in out
    assert 'src="../_images/f.png"' in out
    assert 'href="https://example.org/x"' in out
    assert 'href="/abs.html"' in out
    assert 'href="mailto:a@b.c"' in out


def test_a_page_at_the_root_and_one_two_folders_down() -> None:
    root = rebase('<a href="#X">x</a><a href="devices/esme.html">e</a>', "index.html", "req")
    assert root == '<a href="../index.html#X">x</a><a href="../devices/esme.html">e</a>'
    deep = rebase('<a href="#X">x</a><a href="../../glossary.html#T">t</a>', "a/b/page.html", "req")
    assert deep == '<a href="../a/b/page.html#X">x</a><a href="../glossary.html#T">t</a>'


def test_a_page_in_req_itself_only_needs_its_own_name_on_fragments() -> None:
    out = rebase('<a href="#X">x</a><a href="PC_01.html">p</a>', "req/other.html", "req")
    assert out == '<a href="other.html#X">x</a><a href="PC_01.html">p</a>'


def test_requirement_pages_show_the_text_of_the_built_site(built_site: Path) -> None:
    page = (built_site / "req" / "PC_01.html").read_text(encoding="utf-8")
    section = (built_site / "sections" / "pc.html").read_text(encoding="utf-8")
    text = "The smart metering system shall be remotely switchable between prepayment and credit mode"
    assert text in page and text in section
    assert page.count('<div class="smets-req-text">') == 1
    assert "<!--smets-text" not in page  # the markers stay on the section page
    assert "<!--smets-text PC_01-->" in section
