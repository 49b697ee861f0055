"""Each page resolved and its search words collected by the forked writer that writes it
(sphinx/forkwrite.py, issue 20): the same site, needs.json and search index as Sphinx's own
parallel write (``SMETS_FORK_RESOLVE=off``), cold (every page's search contribution computed) and
warm (taken from the user cache, into an empty output folder), with pages that have an image,
``index`` entries and ``:nosearch:`` among them. (Pages are compared as ``sitecompare`` does: the
conformance suite's run time and age differ from build to build.)"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from clitools import driven_build
from sitecompare import differences, site_files
from smets_spec.corpus.synthetic import generate

#: `smets build`, each chunk a forked writer resolved logged in FORKED_LOG
_DRIVER = """
import os, sys
from smets_spec import cli
from smets_spec.sphinx import forkwrite
original = forkwrite._write_chunk
def logged(builder, job):
    number, pages = original(builder, job)
    with open(os.environ["FORKED_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {len(pages)} {sum(page.words is not None for page in pages)}\\n")
    return number, pages
forkwrite._write_chunk = logged
sys.exit(cli.main(sys.argv[1:]))
"""
#: a 1x1 PNG
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _project(root: Path) -> Path:
    made = generate(root, 40)
    (made / "spec" / "dot.png").write_bytes(_PNG)
    glossary = made / "spec" / "glossary.rst"
    text = glossary.read_text(encoding="utf-8")
    glossary.write_text(
        text + "\n.. index:: single: forked writer; glossary\n\n.. image:: dot.png\n   :alt: a dot\n",
        encoding="utf-8",
    )
    guide = made / "spec" / "guide" / "cli.rst"
    guide.write_text(":nosearch:\n\n" + guide.read_text(encoding="utf-8"), encoding="utf-8")
    return made


def _build(root: Path, switch: str, again: bool = False) -> Path:
    site = root.parent / "site"
    if again:
        shutil.rmtree(site)
        (root.parent / "forked.log").unlink()
    settings = {
        "SMETS_CACHE_DIR": str(root.parent / "cache"),
        "SMETS_FORK_RESOLVE": switch,
        "FORKED_LOG": str(root.parent / "forked.log"),
    }
    driven_build(_DRIVER, root, site, settings, "-j", "2")
    return site


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("forkwrite")
    made = _project(base / "on" / "project")
    shutil.copytree(made, base / "off" / "project")
    off = _build(base / "off" / "project", "off")
    on = _build(made, "on")
    cold = base / "cold"
    shutil.copytree(on, cold)
    shutil.copy(on.parent / "forked.log", base / "cold.log")
    return {"cold": cold, "warm": _build(made, "on", again=True), "off": off}


@pytest.mark.parametrize("build", ["cold", "warm"])
def test_the_same_site_needs_json_and_search_index(sites: dict[str, Path], build: str) -> None:
    on, off = sites[build], sites["off"]
    log = on.parent / ("cold.log" if build == "cold" else "forked.log")
    forked = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    assert len({pid for pid, _, _ in forked}) >= 2  # chunks written by forked writers, two at a time
    assert sum(int(pages) for _, pages, _ in forked) == len(list((on / ".doctrees").rglob("*.doctree"))) - 1
    assert not (off.parent / "forked.log").exists()
    assert differences(on, off) == []
    assert (on / "_images" / "dot.png").read_bytes() == _PNG
    glossary = (on / "glossary.html").read_text(encoding="utf-8")
    assert 'src="_images/dot.png"' in glossary
    for name in ("needs.json", "searchindex.js", "genindex.html"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name
    index = (on / "searchindex.js").read_text(encoding="utf-8")
    assert "forked writer" in index and '"guide/cli"' in index
    pages = [(name, path.read_bytes()) for name, path in site_files(on).items() if name.endswith(".html")]
    for name, page in pages:  # byte for byte, but the pages that show when the suite ran
        assert page == (off / name).read_bytes() or b" UTC" in page, name
    assert sum(b" UTC" not in page for _, page in pages) > 0.5 * len(pages)


def test_the_pages_are_cut_into_runs_of_about_as_many_bytes() -> None:
    from smets_spec.sphinx.forkwrite import balanced

    names = [f"p{n:02}" for n in range(12)]
    sizes = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 21]  # one page as large as all the others together
    runs = balanced(names, sizes, 4)
    assert [name for run in runs for name in run] == names  # every page once, in order
    assert runs[-1] == ["p11"] and len(runs) <= 4
    assert balanced(names, [0] * 12, 4) == [names[0:3], names[3:6], names[6:9], names[9:12]]
    assert balanced(names[:2], [5, 5], 4) == [["p00"], ["p01"]]
    assert balanced([], [], 4) == []
