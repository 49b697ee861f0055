"""Real Sphinx builds of small projects: dotted ids, warnings as errors, reader parity.

tests/sourcedirs/syntax links to dotted requirement ids (``PC.01``, ``SP.62``)
with link options and ``:need:`` roles, to a need part (``PC.01.a``), and holds
the reST layouts where a fast reader could part ways with docutils (wrapped
titles and options, tabs, nested needs, needs in literal text). It is built
once per module.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clitools import SOURCEDIRS, sourcedir, write
from smets_spec.corpus.load import load_needs_json, load_spec
from smets_spec.sphinx.dotted_ids import split_dotted


def _smets_build(root: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """The installed command, in a fresh process (Sphinx keeps global state)."""
    return subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "--out-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def syntax_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("syntax") / "syntax"
    shutil.copytree(SOURCEDIRS / "syntax", root)
    result = _smets_build(root, root / "_build" / "html")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return root / "_build" / "html"


def _needs(html: Path) -> dict[str, Any]:
    data = json.loads((html / "needs.json").read_text(encoding="utf-8"))
    needs: dict[str, Any] = data["versions"][data["current_version"]]["needs"]
    return needs


def _hrefs(page: Path, text: str) -> list[str]:
    """The targets of the links whose visible text contains ``text``."""
    html = page.read_text(encoding="utf-8")
    return [
        href
        for href, label in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', html, flags=re.S)
        if text in re.sub(r"<[^>]+>", "", label)
    ]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("PC.01", ("PC.01", None)),
        ("SP.62", ("SP.62", None)),
        ("PC.01.a", ("PC.01", "a")),
        ("PC.01.a.b", ("PC.01", "a.b")),
        ("DEV_ESME", None),
        ("PC", None),
    ],
)
def test_split_dotted(address: str, expected: tuple[str, str | None] | None) -> None:
    assert split_dotted(address) == expected


def test_dotted_ids_are_whole_ids_in_needs_json(syntax_site: Path) -> None:
    needs = _needs(syntax_site)
    assert sorted(needs) == [
        "DEV_ESME",
        "DEV_IHD",
        "DEV_PPMID",
        "IH.01",
        "IH.03",
        "PC.01",
        "PC.02",
        "SP.62",
        "TERM_PPMID",
    ]
    assert needs["PC.02"]["depends_on"] == ["PC.01"]
    assert needs["PC.02"]["refines"] == ["PC.01"]
    assert needs["PC.01"]["depends_on_back"] == ["PC.02"]
    assert needs["SP.62"]["conflicts_with"] == ["PC.02"]
    assert sorted(needs["PC.01"]["parts"]) == ["a", "b"]


def test_links_and_roles_point_at_the_right_anchors(syntax_site: Path) -> None:
    page = syntax_site / "requirements.html"
    html = page.read_text(encoding="utf-8")
    for anchor in ("PC.01", "PC.01.a", "PC.01.b", "PC.02", "SP.62"):
        assert f'id="{anchor}"' in html
    # the :need: roles in PC.02's text: the whole need and its part
    assert _hrefs(page, "(PC.01)") == ["#PC.01"]
    assert _hrefs(page, "on a remote command (PC.01.a)") == ["#PC.01.a"]
    # roles with an explicit text, and a role on another page
    assert _hrefs(page, "the mode requirement") == ["#PC.02"]
    assert _hrefs(syntax_site / "layout.html", "Protect the interfaces") == ["requirements.html#SP.62"]
    # every link to a dotted id (roles, link options, requirement pages) reaches the whole id or its
    # part, never a need "PC" or "SP" with a part "01"
    dotted = [h for h in re.findall(r'href="([^"]*)"', html) if re.search(r"(PC|SP)\b", h)]
    assert dotted
    bad = [h for h in dotted if not re.search(r"(#|req/)(PC\.0[12]|SP\.62)(\.[ab])?(\.html)?$", h)]
    assert bad == []


def test_fast_reader_and_needs_json_agree_on_tricky_layouts(syntax_site: Path) -> None:
    root = syntax_site.parent.parent
    from_json = load_needs_json(syntax_site / "needs.json")
    from_rst = load_spec(root / "spec", relative_to=root)
    assert from_rst.diagnostics == from_json.diagnostics == []
    assert list(from_rst.needs) == list(from_json.needs)
    assert from_rst.needs == from_json.needs
    assert from_rst.locations == from_json.locations
    wrapped = from_rst["IH.01"]
    assert wrapped.title == "A title that is long enough to wrap onto a second line"
    assert wrapped.content.startswith("First line with a    tab and trailing spaces\nand a second line.\n\n")
    assert wrapped.content.endswith("\n\n   An indented quote.")
    assert from_rst.locations["TERM_PPMID"].line == 26
    assert from_rst["DEV_PPMID"].content.startswith(".. term:: A need nested in a need\n   :id: TERM_PPMID\n")
    assert from_rst.location("IH.01", "applicability_basis").line == 12


def test_a_sphinx_warning_in_prose_fails_the_build(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    write(root, "spec/prose.rst", "Prose\n=====\n\nA *broken emphasis.\n\nSee :need:`PC.99`.\n")
    result = _smets_build(root, tmp_path / "out")
    assert result.returncode == 1
    prose = root / "spec" / "prose.rst"
    assert f"{prose}:4: WARNING: Inline emphasis start-string without end-string. [docutils]" in result.stderr
    assert re.search(rf"{re.escape(str(prose))}:6: WARNING: .*PC\.99", result.stderr), result.stderr
    assert result.stderr.endswith("every Sphinx warning is an error\n")


def test_sphinx_alone_reports_the_engine_diagnostics(tmp_path: Path) -> None:
    """Run through sphinx-build (not smets build), a spec error is a warning with file and line."""
    root = sourcedir(tmp_path, "mini")
    write(
        root,
        "spec/bad.rst",
        "Bad\n===\n\n.. req:: Bad link\n   :id: PC.09\n   :status: proposed\n"
        "   :section: PC\n   :impact: firmware\n   :mandatory_for: DEV_ESME\n   :uses: DAT_NONE\n",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-W",
            "-b",
            "html",
            str(root / "spec"),
            str(tmp_path / "out"),
            "-c",
            str(root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert (
        f"{root / 'spec' / 'bad.rst'}:10: WARNING: 'PC.09' links to missing need 'DAT_NONE' in ':uses:' "
        "(fix: define a dataitem 'DAT_NONE') [smets.link-missing]" in result.stderr
    ), result.stderr
