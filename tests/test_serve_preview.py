"""The first stage of `smets serve`: an edited requirement's page redrawn at once (preview/quick.py).

Which edits it takes (title and text only), how it redraws the page, that what it draws is
safe, that the server answers from the preview only while a build runs, and, end to end, that
a save shows the preview before the build is over and the built page after it.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from clitools import sourcedir
from smets_spec.preview import quick
from smets_spec.preview.server import make_server
from smets_spec.preview.state import State, locked, preview_dir, write_state
from smets_spec.sphinx.quickrender import render_text

PAGE = (
    "<html><head><title>PC.01 Switch between prepayment and credit - SMETS</title></head><body>"
    '<h1>PC.01 Switch between prepayment and credit<a class="headerlink" href="#x">¶</a></h1>'
    '<dl class="smets-fields"><dt>Clause</dt><dd>PC.01</dd></dl>'
    '<div class="smets-req-text"><div class="smets-need-body docutils container">\n'
    "<p>The smart metering system shall switch between prepayment and credit mode.</p>\n</div>\n</div>"
    '<section id="trace-devices"><h2>Devices</h2><div class="smets-scroll">DEV_ESME</div></section>'
    "</body></html>"
)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_only_a_title_or_text_edit_is_previewed(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    source = root / "spec" / "requirements.rst"
    seen = quick.snapshot(root / "spec", root)
    assert seen["PC_01"].heading == "PC_01 Switch between prepayment and credit"  # no :clause: in mini
    _edit(source, "Switch between prepayment and credit", "Switch payment modes")
    _edit(source, "switch between prepayment and credit mode.", "switch payment modes at once.")
    edits = quick.edited_texts([source], root, seen)
    assert list(edits) == ["PC_01"]
    old, new = edits["PC_01"]
    assert (old.title, new.title) == ("Switch between prepayment and credit", "Switch payment modes")
    assert new.content == "The smart metering system shall switch payment modes at once."

    seen = quick.snapshot(root / "spec", root)
    _edit(source, ":status: proposed", ":status: draft")  # an option: the full build shows it
    assert quick.edited_texts([source], root, seen) == {}
    seen = quick.snapshot(root / "spec", root)
    source.write_text(
        source.read_text(encoding="utf-8") + "\n.. req:: New one\n   :id: PC_77\n\n   Text.\n",
        encoding="utf-8",
    )
    assert quick.edited_texts([source], root, seen) == {}  # a need added
    assert quick.edited_texts([root / "conf.py"], root, seen) == {}  # not a page of needs


def test_the_page_gets_the_new_title_and_text_and_keeps_the_rest() -> None:
    old = quick.Seen("spec/r.rst", "req", "Switch between prepayment and credit", "x", (("clause", "PC.01"),))
    new = quick.Seen("spec/r.rst", "req", "Switch <b>modes</b>", "y", (("clause", "PC.01"),))
    page = quick.patched(PAGE, old, new, render_text("Now *at once*, see :need:`the balance <PC_02>`."))
    assert page is not None
    assert "<title>PC.01 Switch &lt;b&gt;modes&lt;/b&gt; - SMETS</title>" in page
    assert '<h1>PC.01 Switch &lt;b&gt;modes&lt;/b&gt;<a class="headerlink"' in page
    assert '<div class="smets-req-text"><div class="smets-need-body docutils container">\n' in page
    assert "<p>Now <em>at once</em>, see the balance.</p>" in page
    assert "prepayment" not in page
    assert page.endswith(
        '<section id="trace-devices"><h2>Devices</h2><div class="smets-scroll">DEV_ESME'
        "</div></section></body></html>"
    )
    assert quick.patched(PAGE.replace("smets-req-text", "other"), old, new, "") is None


def test_what_the_preview_draws_cannot_run() -> None:
    html = render_text(
        "A <script>alert(1)</script> text.\n\n.. raw:: html\n\n   <script>alert(2)</script>\n\n"
        ".. include:: /etc/passwd\n"
    )
    assert "<script" not in html and "&lt;script&gt;alert(1)" in html
    assert "alert(2)" not in html and "root:" not in html


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    (out / "req").mkdir(parents=True)
    (out / "req" / "PC_01.html").write_text("<html><head></head>built</html>", encoding="utf-8")
    (preview_dir(out) / "req").mkdir(parents=True)
    (preview_dir(out) / "req" / "PC_01.html").write_text(
        "<html><head></head>preview</html>", encoding="utf-8"
    )
    httpd = make_server(out, 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _body(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def test_the_server_answers_from_the_preview_only_while_a_build_runs(server) -> None:  # type: ignore[no-untyped-def]
    out, base = server
    write_state(out, State(3, building=False))
    assert "built" in _body(f"{base}req/PC_01.html")
    write_state(out, State(4, building=True))
    with locked(out, exclusive=True):  # a build is writing the site
        assert "preview" in _body(f"{base}req/PC_01.html")
        late: list[str] = []  # a page with no preview waits for the build to end
        waiting = threading.Thread(target=lambda: late.append(_body(f"{base}req/other.html")))
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and late == []
        (out / "req" / "other.html").write_text("<html><head></head>other, built</html>", encoding="utf-8")
    waiting.join(10)
    assert "other, built" in late[0]
    assert "built" in _body(f"{base}req/PC_01.html")  # the lock is free: the site, not a preview
    with pytest.raises(urllib.error.HTTPError):
        _body(f"{base}.smets/preview/req/PC_01.html")  # the build's own files are never served
