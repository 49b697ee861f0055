"""Incremental builds: edit one requirement, rebuild with the same output and environment, and every
page that shows it shows the new text (matrix, device page, tables, its own page, cards elsewhere).

Plain sphinx-needs leaves a ``needtable`` on another page stale after the same kind of edit: the
second test shows that, so a sphinx-needs release that fixes it will say so here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import copy_project
from htmltools import table, text
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.schema import Degree, Device, Requirement


def _build(root: Path, out: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "build", "--out-dir", str(out), "-v"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    return result.stdout


def _rewrite(path: Path, req: Requirement, options: dict[str, str], title: str, body: str) -> None:
    """Replace the directive block of ``req`` in ``path`` by one with these options, title and text."""
    source = path.read_text(encoding="utf-8")
    start = source.index(f"   :id: {req.id}\n")
    start = source.rindex(".. req::", 0, start)
    end = re.compile(r"^\S", re.M).search(source, source.index("\n", start) + 1)
    block = f".. req:: {title}\n" + "".join(f"   :{k}: {v}\n" for k, v in options.items() if v)
    block += f"\n   {body}\n\n"
    path.write_text(source[:start] + block + (source[end.start() :] if end else ""), encoding="utf-8")


def test_an_edited_requirement_is_new_on_every_page_that_shows_it(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "spec" / "extra.rst").write_text(
        ":orphan:\n\nExtra\n=====\n\n.. dataitem:: Extra item\n   :id: DAT_EXTRA\n   :data_type: string\n"
        "   :mapping_evidence: unmapped\n",
        encoding="utf-8",
    )
    corpus = load_spec(root / "spec", relative_to=root)
    req = corpus.needs["PC_01"]
    assert isinstance(req, Requirement)
    new_device = next(
        d.id
        for d in corpus.of_type(Device)
        if req.degree_for(d.id) is Degree.NOT_APPLICABLE and d.id not in req.not_applicable_for
    )
    out = root / "_build" / "html"
    _build(root, out)
    glossary = (out / "glossary.html").stat().st_mtime_ns
    old_title = " ".join(req.title.split())
    new_title = "Switch remotely between prepayment and credit (edited)"
    options = {
        "id": req.id,
        "status": req.status.value if req.status else "",
        "section": "PC",
        "impact": req.impact.value if req.impact else "",
        "introduced": req.introduced or "",
        "mandatory_for": ", ".join((*req.mandatory_for, new_device)),
        "optional_for": ", ".join(req.optional_for),
        "not_applicable_for": ", ".join(req.not_applicable_for),
        "uses": ", ".join((*req.uses, "DAT_EXTRA")),
        "refines": ", ".join(req.refines),
        "depends_on": ", ".join(req.depends_on),
        "conflicts_with": ", ".join(req.conflicts_with),
    }
    _rewrite(root / corpus.location("PC_01").file, req, options, new_title, "EDITED-TEXT-MARKER shall apply.")
    log = _build(root, out)
    reread = re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", log)
    assert "glossary" not in reread and len(reread) < 40, reread  # incremental, not a full rebuild
    assert (out / "glossary.html").stat().st_mtime_ns == glossary

    device_doc = corpus.location(new_device).file.removeprefix("spec/").rsplit(".", 1)[0]
    pages = {
        "own page": out / "req" / "PC_01.html",
        "section page": out / "sections" / "pc.html",
        "matrix": out / "trace" / "matrix.html",
        "chains": out / "trace" / "chains.html",
        "verification": out / "trace" / "verification.html",
        "device page": out / f"{device_doc}.html",
    }
    for name, page in pages.items():
        body = text(page)
        assert new_title in body, name
        assert old_title not in body, name
    assert "EDITED-TEXT-MARKER" in text(out / "req" / "PC_01.html")
    assert "EDITED-TEXT-MARKER" in text(out / "sections" / "pc.html")
    row = next(r for r in table(out / "trace" / "matrix.html", "smets-matrix") if r[0] == "PC_01")
    devices = [d.id for d in corpus.of_type(Device)]
    assert row[2 + devices.index(new_device)] == "M"
    mandatory = text(out / f"{device_doc}.html").split("Mandatory (")[1].split("Optional (")[0]
    assert f"PC_01 {new_title}" in mandatory
    assert "DAT_EXTRA" in text(out / "trace" / "chains.html")
    # the card of DAT_EXTRA, on a page no directive computes, now shows the new incoming link
    card = (out / "extra.html").read_text(encoding="utf-8")
    assert re.search(r"used by: </span><a [^>]*>PC_01</a>", card), card[card.index('id="DAT_EXTRA"') :][:600]


def test_plain_sphinx_needs_leaves_a_needtable_stale(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["sphinx_needs"]\n')
    (src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   table\n   needs\n")
    (src / "table.rst").write_text("Table\n=====\n\n.. needtable::\n   :columns: id;title\n")
    needs = src / "needs.rst"
    needs.write_text("Needs\n=====\n\n.. req:: Old title\n   :id: REQ_001\n\n   Text.\n")

    def build() -> None:
        result = subprocess.run(
            [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(tmp_path / "out")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    build()
    needs.write_text(needs.read_text().replace("Old title", "New title"))
    build()
    assert "New title" in text(tmp_path / "out" / "needs.html")
    assert "Old title" in text(tmp_path / "out" / "table.html")  # stale: the table page was not rebuilt
    assert "New title" not in text(tmp_path / "out" / "table.html")
