"""A build drawing every requirement page starts drawing them during its start-up from the shell, its
title and the texts kept by the last build (sphinx/reqpages.py ``_start_kept``, sphinx/reqkept.py,
``SMETS_REQ_KEPT_SHELL``), and checks them at the finish against the real ones: the same pages and
index as a build with the switch off, when the kept copy is right, stale (another title in
conf.py, a text not the real one) or planted (refused, no traceback).

One cold build of a generated project (conftest's shared ``first_built_60``) fills a cache folder;
each build below starts from a copy of it, into an empty output folder, with ``-j 2`` (the pages
are drawn early only in a parallel build).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clitools import SHARED_CURRENT, FirstBuilt, driven_build
from sitecompare import differences
from smets_spec.sphinx import reqkept

#: `smets build`, printing whether pages were drawn from the kept shell and what the finish drew
_DRIVER = """
import sys
from pathlib import Path
from smets_spec import cli
from smets_spec.sphinx import reqpages
join, plan = reqpages._join_kept, reqpages.plan
def logged_join(app, exception, wait):
    had = getattr(app, reqpages._KEPT, None) is not None
    done = join(app, exception, wait)
    if had and done:
        print("KEPT", "drawn" if (Path(app.outdir) / reqpages.reqindex.INDEX).is_file() else "none")
    return done
def logged_plan(app, corpus, shell):
    drawing = plan(app, corpus, shell)
    print("PLAN", len(drawing.todo), len(corpus.requirements))
    return drawing
reqpages._join_kept, reqpages.plan = logged_join, logged_plan
sys.exit(cli.main(sys.argv[1:]))
"""
N = 104  # (the generated project of 60 has the real requirements)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, first_built_60: FirstBuilt) -> tuple[Path, Path, Path]:
    """The project, its cold build's site and the cache folder it filled (never written again): the
    cold build is conftest's ``first_built_60`` (``-j 2``, every switch on, its conformance run
    keyed by :data:`clitools.SHARED_CURRENT`), its site and cache copied aside; the project stays
    where it was built (the caches record its path) for this file's tests."""
    where = tmp_path_factory.mktemp("kept")
    root, _ = first_built_60.again()
    shutil.copytree(first_built_60.sites["on"], where / "cold", symlinks=True)
    shutil.copytree(first_built_60.base / "work" / "cache-on", where / "cache", symlinks=True)
    assert len(list((where / "cache" / reqkept.KIND).glob("*.json"))) == 1
    return root, where / "cold", where / "cache"


def _build(root: Path, site: Path, cache: Path, switch: str) -> tuple[list[str], str]:
    """Build into ``site`` with ``cache``: the driver's lines, and what the build printed."""
    # (the conformance suite's cached run is keyed by pytest's variables too: the cold build's)
    settings = {"SMETS_CACHE_DIR": str(cache), reqkept.SWITCH: switch, "PYTEST_CURRENT_TEST": SHARED_CURRENT}
    result = driven_build(_DRIVER, root, site, settings, "-j", "2")
    lines = [line for line in result.stdout.splitlines() if line.startswith(("KEPT", "PLAN"))]
    return lines, result.stdout + result.stderr


def _both(tmp_path: Path, root: Path, cache: Path) -> tuple[list[str], list[str]]:
    """The warm build with the switch on and off (each with its copy of ``cache``), their lines;
    their pages, index and site compared."""
    logs = {}
    for switch in ("on", "off"):
        shutil.copytree(cache, tmp_path / f"cache-{switch}")
        logs[switch], _ = _build(root, tmp_path / switch, tmp_path / f"cache-{switch}", switch)
    _same(tmp_path / "on", tmp_path / "off")
    return logs["on"], logs["off"]


def _same(one: Path, other: Path) -> None:
    """The same requirement pages and index byte for byte, and the same site."""
    pages = sorted(p.name for p in (one / "req").iterdir())
    assert pages == sorted(p.name for p in (other / "req").iterdir())
    for name in pages:
        assert (one / "req" / name).read_bytes() == (other / "req" / name).read_bytes(), name
    for name in (".smets/reqpages.json", "needs.json", "searchindex.js"):
        assert (one / name).read_bytes() == (other / name).read_bytes(), name
    assert differences(one, other) == []


def test_pages_drawn_from_the_kept_shell_are_the_pages_of_the_switched_off_build(
    tmp_path: Path, built: tuple[Path, Path, Path]
) -> None:
    root, cold, cache = built
    on, off = _both(tmp_path, root, cache)
    assert on == ["KEPT drawn", f"PLAN 0 {N}"]  # every page checked and found right
    assert off == [f"PLAN {N} {N}"]
    _same(tmp_path / "on", cold)


def test_a_kept_shell_of_another_title_has_every_page_drawn_again(
    tmp_path: Path, built: tuple[Path, Path, Path]
) -> None:
    root, _, cache = built
    conf = root / "conf.py"
    before = conf.read_text(encoding="utf-8")
    conf.write_text(before + '\nhtml_title = "Another title"\n', encoding="utf-8")
    try:  # (the project in place: the conformance suite's cached run is keyed by its path)
        on, _ = _both(tmp_path, root, cache)
    finally:
        conf.write_text(before, encoding="utf-8")
    assert on == ["KEPT drawn", f"PLAN {N} {N}"]
    assert "Another title" in (tmp_path / "on" / "req" / "index.html").read_text(encoding="utf-8")


def test_a_kept_text_not_the_real_one_has_its_page_drawn_again(
    tmp_path: Path, built: tuple[Path, Path, Path]
) -> None:
    """(As after an edit of the requirement: an edit of the spec also runs the conformance suite
    again, and no page is drawn before its results.)"""
    root, _, cache = built
    copy = shutil.copytree(cache, tmp_path / "cache")
    (kept,) = (copy / reqkept.KIND).glob("*.json")
    data = json.loads(kept.read_text(encoding="utf-8"))
    texts = data["value"]["texts"]
    stale = sorted(texts)[7]
    texts[stale] = "<p>A text of before.</p>"
    kept.write_text(json.dumps(data), encoding="utf-8")
    on, _ = _both(tmp_path, root, copy)
    assert on == ["KEPT drawn", f"PLAN 1 {N}"]
    assert "A text of before" not in (tmp_path / "on" / "req" / f"{stale}.html").read_text(encoding="utf-8")


_PLANTED = [
    b"\x80\x04\x95garbage, not JSON\n",  # (a pickle's first bytes)
    b'{"key": "%s", "value": {"format": "smets-req-shell/1", "shell": ["a"], "title": "", "texts": {}}}',
    b'{"key": "%s", "value": {"format": "smets-req-shell/1", "shell": ["a", "b"], "title": 1, "texts": {}}}',
    b'{"key": "%s", "value": {"format": "smets-req-shell/1", "shell": ["a", "b"], "title": "", "texts": []}}',
    b'{"key": "%s", "value": {"format": "smets-req-shell/1", "shell": ["a", "b"], "title": "",'
    b' "texts": {"X": 1}}}',
    b'{"key": "%s", "value": {"format": "smets-req-shell/1", "shell": ["a", "b"], "title": "",'
    b' "texts": {"X": "<p onclick=alert(1)>x</p>"}}}',
    b'{"key": "%s", "value": {"format": "smets-req-shell/0", "shell": ["a", "b"], "title": "", "texts": {}}}',
    b'{"key": "0000000000000000", "value": {"format": "smets-req-shell/1", "shell": ["a", "b"],'
    b' "title": "", "texts": {}}}',
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" * 100,
]


def test_a_planted_kept_copy_is_no_copy(tmp_path: Path) -> None:
    where = reqkept.path(tmp_path, "html", tmp_path / "cache")
    where.parent.mkdir(parents=True)
    assert reqkept.save(tmp_path, "html", ("<p>", "</p>"), "T", {"X": "<p>x</p>"}, tmp_path / "cache")
    assert not reqkept.save(tmp_path, "html", ("<p>", "</p>"), "T", {"X": "<p>x</p>"}, tmp_path / "cache")
    assert reqkept.load(tmp_path, "html", tmp_path / "cache") == reqkept.KeptShell(
        ("<p>", "</p>"), "T", {"X": "<p>x</p>"}
    )
    assert reqkept.load(tmp_path, "dirhtml", tmp_path / "cache") is None  # another builder's
    for planted in _PLANTED:
        where.write_bytes(planted.replace(b"%s", where.stem.encode()))
        assert reqkept.load(tmp_path, "html", tmp_path / "cache") is None, planted
    assert reqkept.save(tmp_path, "html", ("<p>", "</p>"), "T", {}, tmp_path / "cache")
    where.rename(tmp_path / "elsewhere")  # a good copy, but through a symlink: none
    where.symlink_to(tmp_path / "elsewhere")
    assert reqkept.load(tmp_path, "html", tmp_path / "cache") is None


def test_a_planted_kept_copy_draws_nothing_early_without_a_traceback(
    tmp_path: Path, built: tuple[Path, Path, Path]
) -> None:
    root, cold, cache = built
    copy = shutil.copytree(cache, tmp_path / "cache")
    (kept,) = (copy / reqkept.KIND).glob("*.json")
    kept.write_bytes(_PLANTED[0])
    lines, output = _build(root, tmp_path / "site", copy, "on")
    assert lines == ["KEPT none", f"PLAN {N} {N}"]
    assert "Traceback" not in output
    _same(tmp_path / "site", cold)
    assert reqkept.load(root / "spec", "html", copy) is not None  # this build's copy kept instead
