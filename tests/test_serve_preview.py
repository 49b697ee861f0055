"""The first stage of `smets serve`: an edited requirement's page redrawn at once (preview/quick.py).

Which edits it takes (title and text only), how it redraws the page, that what it draws is
safe, that the server answers from the preview only while a build runs, and, end to end, that
a save shows the preview before the build is over and the built page after it.
"""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from clitools import sourcedir
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.project import Project
from smets_spec.preview import quick
from smets_spec.preview.builds import Standby, paused
from smets_spec.preview.known import Change, Known, change_of, changed_files
from smets_spec.preview.server import make_server
from smets_spec.preview.state import State, gone_dir, locked, preview_dir, static_copy_dir, write_state
from smets_spec.sphinx import state
from smets_spec.sphinx.quickrender import KEPT_NOTE, PageKit, panel_sections, render_text, text_block

REQ = "spec/requirements.rst"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini project, built once (``smets build``): the pages the previews start from."""
    root = sourcedir(tmp_path_factory.mktemp("built"), "mini")
    cmd = [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "-j", "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Path:
    """A copy of the built mini project for one test to edit."""
    root = tmp_path / "mini"
    shutil.copytree(built, root)
    return root


def _saved(root: Path, known: Known, *files: str) -> tuple[Known, Change | None]:
    """What the watcher does with a save of ``files``: read them again, and what changed."""
    paths = [root / f for f in files]
    displays, only_sources = changed_files(paths, known)
    after = known.updated(paths)
    return after, change_of(known, after, displays) if only_sources else None


def _preview(root: Path, change: Change) -> dict[str, str]:
    out = root / "_build" / "html"
    quick.write_previews(out, change)
    return {p.stem: p.read_text(encoding="utf-8") for p in (preview_dir(out) / "req").glob("*.html")}


def test_what_a_save_changed_each_kind(site: Path) -> None:
    known = Known.read(site / "spec")
    source = site / REQ
    _edit(source, "Switch between prepayment and credit", "Switch payment modes")
    start = known
    known, change = _saved(site, known, REQ)
    assert change is not None and (change.edited, change.added, change.deleted, change.moved) == (
        {"PC_01"},
        set(),
        set(),
        set(),
    )
    assert _saved(site, start, REQ, "spec/sedA1b2C3")[1] == change  # sed -i's temporary file, gone
    _edit(source, "   :mandatory_for: DEV_ESME\n", "   :mandatory_for: DEV_ESME\n   :depends_on: PC_01\n")
    known, change = _saved(site, known, REQ)
    assert change is not None and change.edited == {"SP_2"} and change.relinked() == {"PC_01"}
    source.write_text(source.read_text(encoding="utf-8") + NEW_REQ, encoding="utf-8")
    known, change = _saved(site, known, REQ)
    assert change is not None and change.added == {"PC_03"} and change.relinked() == {"PC_02"}
    text = source.read_text(encoding="utf-8")
    (site / "spec" / "more.rst").write_text("More\n====\n\n" + NEW_REQ, encoding="utf-8")
    source.write_text(text.replace(NEW_REQ, ""), encoding="utf-8")
    known, change = _saved(site, known, REQ, "spec/more.rst")
    assert change is not None and change.moved == {"PC_03"} and not change.edited | change.added
    _edit(site / "spec" / "more.rst", NEW_REQ, "")
    known, change = _saved(site, known, "spec/more.rst")
    assert change is not None and change.deleted == {"PC_03"} and change.relinked() == {"PC_02"}


def test_what_the_quick_path_leaves_to_the_build(site: Path) -> None:
    known = Known.read(site / "spec")
    _edit(site / "spec" / "data.rst", ":unit: GBP", ":unit: pence")  # not a requirement
    assert _saved(site, known, "spec/data.rst")[1] is None
    assert _saved(site, known, "conf.py")[1] is None  # may change every page
    _edit(site / REQ, ":depends_on: PC_01", ":depends_on: PC_99")  # a link to nothing
    assert _saved(site, known, REQ)[1] is None
    _edit(site / REQ, ":depends_on: PC_99", ":depends_on: PC_01")
    _edit(site / REQ, ":id: SP_2", ":id: PC_01")  # a repeated id
    assert _saved(site, known, REQ)[1] is None
    _edit(
        site / REQ,
        ":id: PC_01\n   :status: proposed\n   :section: SP",
        ":id: SP_2\n   :status: maybe\n   :section: SP",
    )
    assert _saved(site, known, REQ)[1] is None  # a value the schema refuses
    _edit(site / REQ, ":status: maybe", ":status: proposed")
    (site / "spec" / "data.rst").unlink()  # PC_01 and PC_02 now link to nothing
    assert _saved(site, known, "spec/data.rst")[1] is None


NEW_REQ = """
.. req:: Show the debt
   :id: PC_03
   :status: draft
   :section: PC
   :impact: firmware
   :mandatory_for: DEV_IHD
   :depends_on: PC_02

   The in-home display shall show the *debt*.
"""


def _section(page: str, name: str) -> str:
    sections = panel_sections(page)
    assert sections is not None
    return sections.get(name, "")


def test_an_unchanged_page_is_drawn_as_the_build_drew_it(site: Path) -> None:
    """The quick path draws what reqpages.py draws: the same page, byte for byte, for every
    requirement (the panels kept from the build then carry a note, removed here)."""
    out = site / "_build" / "html"
    corpus = Known.read(site / "spec").corpus()
    assert corpus is not None
    kit = PageKit.of(out, corpus)
    assert kit is not None
    for req in corpus.requirements:
        built = (out / "req" / f"{req.id}.html").read_text(encoding="utf-8")
        drawn = kit.page(req.id, text_block(built) or "", panel_sections(built))
        assert drawn.replace(KEPT_NOTE, "") == built, req.id


def test_each_kind_of_edit_shows_in_its_preview(site: Path) -> None:
    known = Known.read(site / "spec")
    source = site / REQ
    _edit(source, "Switch between prepayment and credit", "Switch <b>payment</b> modes")
    _edit(source, "switch between prepayment and credit mode.", "switch modes *at once*.")
    known, change = _saved(site, known, REQ)
    assert change is not None
    page = _preview(site, change)["PC_01"]
    assert "<title>PC_01 Switch &lt;b&gt;payment&lt;/b&gt; modes" in page
    assert "<h1>PC_01 Switch &lt;b&gt;payment&lt;/b&gt; modes" in page
    assert "<p>The smart metering system shall switch modes <em>at once</em>.</p>" in text_block(page)  # type: ignore[operator]
    assert "prepayment and credit" not in page
    assert "DEV_GSME" in _section(page, "trace-devices")  # the rest of the page is there
    quick.clear_previews(site / "_build" / "html")

    _edit(source, "   :mandatory_for: DEV_ESME\n", "   :mandatory_for: DEV_ESME\n   :depends_on: PC_01\n")
    known, change = _saved(site, known, REQ)
    assert change is not None
    pages = _preview(site, change)
    assert sorted(pages) == ["PC_01", "SP_2"]  # the linked requirement's backlinks too
    assert 'href="PC_01.html"' in _section(pages["SP_2"], "trace-links")
    assert 'href="SP_2.html"' in _section(pages["PC_01"], "trace-links")
    assert "Switch &lt;b&gt;payment" in pages["PC_01"]  # the edit before is kept
    quick.clear_previews(site / "_build" / "html")

    _edit(
        source, "   :depends_on: PC_01\n   :uses: DAT_METER_BALANCE, DAT_TARIFF\n", "   :uses: DAT_TARIFF\n"
    )
    known, change = _saved(site, known, REQ)
    assert change is not None
    pages = _preview(site, change)
    assert sorted(pages) == ["PC_01", "PC_02"]
    assert "PC_02" not in _section(pages["PC_01"], "trace-links")
    assert "DAT_METER_BALANCE" not in _section(pages["PC_02"], "trace-data")
    assert "DAT_TARIFF" in _section(pages["PC_02"], "trace-data")
    quick.clear_previews(site / "_build" / "html")


def test_a_need_added_moved_and_deleted_shows_in_its_preview(site: Path) -> None:
    out = site / "_build" / "html"
    known = Known.read(site / "spec")
    source = site / REQ
    source.write_text(source.read_text(encoding="utf-8") + NEW_REQ, encoding="utf-8")
    known, change = _saved(site, known, REQ)
    assert change is not None
    pages = _preview(site, change)
    assert sorted(pages) == ["PC_02", "PC_03"]
    page = pages["PC_03"]
    assert "<h1>PC_03 Show the debt" in page and "shall show the <em>debt</em>." in page
    assert "<code>spec/requirements.rst:35</code>" in page
    assert 'href="PC_02.html"' in _section(page, "trace-links")
    assert "Shown when the build now running is over." in _section(page, "duplicates")
    assert 'href="PC_03.html"' in _section(pages["PC_02"], "trace-links")
    quick.clear_previews(out)

    text = source.read_text(encoding="utf-8")
    (site / "spec" / "more.rst").write_text("More\n====\n\n" + NEW_REQ, encoding="utf-8")
    source.write_text(text.replace(NEW_REQ, ""), encoding="utf-8")
    known, change = _saved(site, known, REQ, "spec/more.rst")
    assert change is not None
    page = _preview(site, change)["PC_03"]
    assert "<code>spec/more.rst:5</code>" in page and 'href="../more.html#PC_03"' in page
    assert "requirements.rst" not in page
    quick.clear_previews(out)

    _edit(site / "spec" / "more.rst", NEW_REQ, "")
    known, change = _saved(site, known, "spec/more.rst")
    assert change is not None
    assert sorted(_preview(site, change)) == ["PC_02"]  # its backlink gone
    removed = (gone_dir(out) / "req" / "PC_03.html").read_text(encoding="utf-8")
    assert "PC_03 was removed" in removed and "spec/more.rst" in removed
    quick.clear_previews(out)
    assert not gone_dir(out).exists() and not preview_dir(out).exists()


_HOSTILE = (
    "A <script>alert(1)</script> text.\n\n.. raw:: html\n\n   <script>alert(2)</script>\n\n"
    ".. include:: /etc/passwd\n"
)


def _harmless(html: str) -> None:
    assert "<script" not in html and "&lt;script&gt;alert(1)" in html
    assert "alert(2)" not in html and "root:" not in html


def test_what_the_preview_draws_cannot_run() -> None:
    _harmless(render_text(_HOSTILE))


def test_the_preview_parses_with_docutils_own_directives_after_a_sphinx_build(tmp_path: Path) -> None:
    """Setting up Sphinx puts its ``include`` (which needs a Sphinx environment) in docutils' global
    table; a process that has built once must still draw a preview, and leave the table as it was."""
    from docutils.parsers.rst import directives
    from sphinx.directives.other import Include

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text("", encoding="utf-8")
    (src / "index.rst").write_text("Title\n=====\n", encoding="utf-8")
    from sphinx.application import Sphinx

    Sphinx(str(src), str(src), str(tmp_path / "out"), str(tmp_path / "dt"), "html", status=None, warning=None)
    assert directives._directives.get("include") is Include
    _harmless(render_text(_HOSTILE))
    assert directives._directives.get("include") is Include


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    (out / "req").mkdir(parents=True)
    (out / "req" / "PC_01.html").write_text("<html><head></head>built</html>", encoding="utf-8")
    (preview_dir(out) / "req").mkdir(parents=True)
    (preview_dir(out) / "req" / "PC_01.html").write_text(
        "<html><head></head>preview</html>", encoding="utf-8"
    )
    (gone_dir(out) / "req").mkdir(parents=True)
    (gone_dir(out) / "req" / "PC_09.html").write_text(
        "<html><head></head>PC_09 was removed</html>", encoding="utf-8"
    )
    (out / "req" / "PC_09.html").write_text("<html><head></head>PC_09, built</html>", encoding="utf-8")
    (out / "_static").mkdir()
    (out / "_static" / "smets.css").write_text("/* built */", encoding="utf-8")
    (static_copy_dir(out) / "_static").mkdir(parents=True)
    (static_copy_dir(out) / "_static" / "smets.css").write_text("/* the last build's */", encoding="utf-8")
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
        with pytest.raises(urllib.error.HTTPError) as gone:  # deleted by the save: never its old page
            _body(f"{base}req/PC_09.html")
        assert gone.value.code == 404 and b"PC_09 was removed" in gone.value.read()
        assert _body(f"{base}_static/smets.css") == "/* the last build's */"  # the preview's styles
        late: list[str] = []  # a page with no preview waits for the build to end
        waiting = threading.Thread(target=lambda: late.append(_body(f"{base}req/other.html")))
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and late == []
        (out / "req" / "other.html").write_text("<html><head></head>other, built</html>", encoding="utf-8")
    waiting.join(10)
    assert "other, built" in late[0]
    assert "built" in _body(f"{base}req/PC_01.html")  # the lock is free: the site, not a preview
    assert _body(f"{base}_static/smets.css") == "/* built */"
    with pytest.raises(urllib.error.HTTPError):
        _body(f"{base}.smets/preview/req/PC_01.html")  # the build's own files are never served


@pytest.mark.parametrize("name", ["mini", "changes", "syntax", "trace"])
def test_the_standby_reads_the_corpus_once_as_the_extension_would(tmp_path: Path, name: str) -> None:
    """The corpus validated at a save, its places made relative to spec/, is the one the
    extension would read itself (needs, places, problems with their places, field lines)."""
    root = sourcedir(tmp_path, name)
    ours = _handed_over(root)
    assert ours is not None and ours.needs
    assert ours == load_spec(root / "spec", relative_to=root / "spec")
    broken = ".. req:: Twice\n   :id: PC_77\n   :status: proposed\n   :depends_on: PC_404\n\n   Text.\n\n"
    (root / "spec" / "broken.rst").write_text("Broken\n======\n\n" + broken * 2, encoding="utf-8")
    ours = _handed_over(root)
    assert ours is not None and any(d.related is not None for d in ours.diagnostics)  # a repeated id
    assert ours == load_spec(root / "spec", relative_to=root / "spec")


def _handed_over(root: Path) -> Corpus | None:
    """The corpus the standby validated (read relative to the project), as the extension takes it."""
    project = Project(root)
    state.offer_corpus(project.spec, project.root, load_spec(project.spec, relative_to=project.root))
    return state._offered(project.spec)


def _spin(counter: Any) -> None:
    while True:
        counter.value += 1  # no lock: a stopped process must not hold one the test waits for


def test_a_standby_being_made_ready_is_stopped_during_the_first_stage(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0, lock=False)
    ours, theirs = context.Pipe()
    process = context.Process(target=_spin, args=(counter,), daemon=True)
    process.start()
    standby = Standby(process, ours, tmp_path)
    try:
        time.sleep(0.2)
        with paused(standby):
            time.sleep(0.1)  # the stop is asynchronous: let it land
            held = counter.value
            time.sleep(0.3)
            assert counter.value == held  # no CPU while the first stage runs
        time.sleep(0.3)
        assert counter.value > held  # and it goes on after
        theirs.send("ready")
        time.sleep(0.1)
        assert standby.ready()
        with paused(standby):  # ready: it waits for its word and takes no CPU, so not stopped
            before = counter.value
            time.sleep(0.3)
            assert counter.value > before
    finally:
        process.kill()
        process.join()


def test_a_browser_gone_mid_answer_is_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A closed tab or a reload during the long poll breaks the pipe: nothing on the terminal;
    any other failure of a request is one line."""
    httpd = make_server(tmp_path, 0)
    try:
        for error, said in ((BrokenPipeError(32, "Broken pipe"), ""), (ValueError("odd"), "ValueError: odd")):
            try:
                raise error
            except Exception:
                httpd.handle_error(None, ("127.0.0.1", 1))  # what socketserver calls for a failed request
            err = capsys.readouterr().err
            assert "Traceback" not in err and (said in err if said else err == ""), err
    finally:
        httpd.server_close()
