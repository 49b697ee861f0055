"""Real Sphinx builds of small projects: clause numbers, warnings as errors, reader parity.

tests/sourcedirs/syntax links to requirements (``PC_01``, ``SP_62``) with link options and
``:need:`` roles, also written as clause numbers (``PC.01``, spec/clauses.rst), to a need part
(``PC_01.a``, or ``PC.01.a`` by clause), and holds
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


def test_requirement_ids_are_whole_ids_in_needs_json(syntax_site: Path) -> None:
    needs = _needs(syntax_site)
    assert sorted(needs) == [
        "DEV_ESME",
        "DEV_IHD",
        "DEV_PPMID",
        "IH_01",
        "IH_03",
        "IH_04",
        "PC_01",
        "PC_02",
        "SMETS_5_4_8_1",
        "SP_62",
        "TERM_PPMID",
    ]
    # links written with clause numbers (spec/clauses.rst) reach the needs
    assert needs["IH_04"]["refines"] == ["PC_02"]
    assert needs["IH_04"]["depends_on"] == ["PC_01", "SP_62"]
    assert (needs["IH_04"]["clause"], needs["SMETS_5_4_8_1"]["clause"]) == ("IH.04", "5.4.8.1")
    assert needs["PC_02"]["depends_on"] == ["PC_01"]
    assert needs["PC_02"]["refines"] == ["PC_01"]
    assert needs["PC_01"]["depends_on_back"] == ["IH_04", "PC_02"]
    assert needs["SP_62"]["conflicts_with"] == ["PC_02"]
    assert sorted(needs["PC_01"]["parts"]) == ["a", "b"]


def test_links_and_roles_point_at_the_right_anchors(syntax_site: Path) -> None:
    page = syntax_site / "requirements.html"
    html = page.read_text(encoding="utf-8")
    for anchor in ("PC_01", "PC_01.a", "PC_01.b", "PC_02", "SP_62"):
        assert f'id="{anchor}"' in html
    # the :need: roles in PC_02's text: the whole need and its part
    # (the clause number is their text: sources write :need:`PC.01 <PC_01>`)
    assert _hrefs(page, "PC.01") == ["#PC_01", "#PC_01.a"]  # clause as text
    assert _hrefs(page, "PC.01.a") == ["#PC_01.a"]  # clause as text
    # roles with an explicit text, and a role on another page
    assert _hrefs(page, "the mode requirement") == ["#PC_02"]
    assert _hrefs(syntax_site / "layout.html", "SP.62") == ["requirements.html#SP_62"]  # clause as text
    # every link to a requirement (roles, link options, requirement pages) reaches the whole id or
    # its part
    to_reqs = [h for h in re.findall(r'href="([^"]*)"', html) if re.search(r"(PC|SP)_", h)]
    assert to_reqs
    bad = [h for h in to_reqs if not re.search(r"(#|req/)(PC_0[12]|SP_62)(\.[ab])?(\.html)?$", h)]
    assert bad == []
    # roles written with clause numbers keep the clause as their text and reach the whole need
    clauses = syntax_site / "clauses.html"
    as_clause = _hrefs(clauses, "PC.01")  # clause as text
    assert as_clause == ["requirements.html#PC_01", "requirements.html#PC_01.a"]
    assert _hrefs(clauses, "a titled role") == ["requirements.html#PC_02"]


def test_fast_reader_and_needs_json_agree_on_tricky_layouts(syntax_site: Path) -> None:
    root = syntax_site.parent.parent
    from_json = load_needs_json(syntax_site / "needs.json")
    from_rst = load_spec(root / "spec", relative_to=root)
    assert from_rst.diagnostics == from_json.diagnostics == []
    assert list(from_rst.needs) == list(from_json.needs)
    assert from_rst.needs == from_json.needs
    assert from_rst.locations == from_json.locations
    wrapped = from_rst["IH_01"]
    assert wrapped.title == "A title that is long enough to wrap onto a second line"
    assert wrapped.content.startswith("First line with a    tab and trailing spaces\nand a second line.\n\n")
    assert wrapped.content.endswith("\n\n   An indented quote.")
    assert from_rst.locations["TERM_PPMID"].line == 26
    assert from_rst["DEV_PPMID"].content.startswith(".. term:: A need nested in a need\n   :id: TERM_PPMID\n")
    assert from_rst.location("IH_01", "applicability_basis").line == 12


def test_a_sphinx_warning_in_prose_fails_the_build(tmp_path: Path) -> None:
    root = sourcedir(tmp_path, "mini")
    write(root, "spec/prose.rst", "Prose\n=====\n\nA *broken emphasis.\n\nSee :need:`PC_99`.\n")
    result = _smets_build(root, tmp_path / "out")
    assert result.returncode == 1
    prose = root / "spec" / "prose.rst"
    assert f"{prose}:4: WARNING: Inline emphasis start-string without end-string. [docutils]" in result.stderr
    assert re.search(rf"{re.escape(str(prose))}:6: WARNING: .*PC_99", result.stderr), result.stderr
    assert result.stderr.endswith("every Sphinx warning is an error\n")


def test_sphinx_alone_reports_the_engine_diagnostics(tmp_path: Path) -> None:
    """Run through sphinx-build (not smets build), a spec error is a warning with file and line."""
    root = sourcedir(tmp_path, "mini")
    write(
        root,
        "spec/bad.rst",
        "Bad\n===\n\n.. req:: Bad link\n   :id: PC_09\n   :status: proposed\n"
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
        f"{root / 'spec' / 'bad.rst'}:10: WARNING: 'PC_09' links to missing need 'DAT_NONE' in ':uses:' "
        "(fix: define a dataitem 'DAT_NONE') [smets.link-missing]" in result.stderr
    ), result.stderr
