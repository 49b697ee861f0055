"""A second tool reads our ReqIF, and we read its: StrictDoc, run as a program from its own venv.

.ci/run installs StrictDoc into ``$SMETS_STRICTDOC_VENV`` (default: the user's cache folder), so
its dependencies never mix with ours; the tests skip, saying so, where it is not installed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from clitools import smets
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import Requirement, Status
from smets_spec.interchange import ops
from smets_spec.interchange.export import write

ROOT = Path(__file__).resolve().parent.parent
VERSION = "0.30.4"


def strictdoc() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = Path(os.environ.get("SMETS_STRICTDOC_VENV") or cache / "smets-spec" / f"strictdoc-{VERSION}")
    program = venv / "bin" / "strictdoc"
    if not program.is_file():
        pytest.skip(f"StrictDoc is not installed in {venv} (.ci/run installs strictdoc=={VERSION} there)")
    return program


def _run(*args: str | Path, cwd: Path) -> None:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _sdoc_nodes(folder: Path) -> dict[str, dict[str, str]]:
    """UID -> {field: value} of every node in StrictDoc's .sdoc files (multi-line values joined)."""
    nodes: dict[str, dict[str, str]] = {}
    for path in sorted(folder.rglob("*.sdoc")):
        text = path.read_text(encoding="utf-8")
        for block in re.split(r"^\[[A-Z_]+\]\n", text, flags=re.M)[1:]:
            fields = dict(re.findall(r"^([A-Z_]+): (?!>>>)(.*)$", block, flags=re.M))
            fields.update(re.findall(r"^([A-Z_]+): >>>\n(.*?)\n<<<$", block, flags=re.M | re.S))
            fields["RELATIONS"] = str(len(re.findall(r"^- TYPE: ", block, flags=re.M)))
            if "UID" in fields:
                nodes[fields["UID"]] = fields
    return nodes


def test_strictdoc_reads_every_need_of_our_export(corpus: Corpus, tmp_path: Path) -> None:
    program = strictdoc()
    ours = tmp_path / "smets.reqif"
    write(ours, ops.export_text(corpus))
    _run(program, "convert", ours, tmp_path / "sdoc", cwd=tmp_path)
    nodes = _sdoc_nodes(tmp_path / "sdoc")
    assert sorted(nodes) == sorted(corpus.needs)
    for req in corpus.requirements:
        node = nodes[req.id]
        assert node["TITLE"] == req.title
        assert " ".join(node["STATEMENT"].split()) == " ".join(req.content.split()), req.id
        assert (node["STATUS"], node["CLAUSE"], node["SECTION"]) == (req.status, req.clause, req.section)
        links = sum(len(targets) for targets in req.outgoing().values())
        assert int(node["RELATIONS"]) == links, req.id


ACME = """\
[DOCUMENT]
TITLE: Acme gas meter requirements

[REQUIREMENT]
UID: GS_20
STATUS: Draft
TITLE: Valve closes on tamper
STATEMENT: >>>
The gas meter shall close its valve within 2 s of a tamper event.

It shall log the closure & the time.
<<<
RATIONALE: Safety first.

[REQUIREMENT]
UID: GS_21
STATUS: Approved
TITLE: Valve state reported
STATEMENT: The gas meter shall report the valve state to the supplier.
RELATIONS:
- TYPE: Parent
  VALUE: GS_20
"""


def test_we_read_strictdocs_own_reqif_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    program = strictdoc()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "acme.sdoc").write_text(ACME, encoding="utf-8")
    _run(
        program,
        "export",
        "--formats",
        "reqif-sdoc",
        tmp_path / "docs",
        "--output-dir",
        tmp_path / "out",
        cwd=tmp_path,
    )
    exported = next((tmp_path / "out").rglob("*.reqif"))
    result = smets(capsys, ROOT, "reqif", "import", str(exported), "--out-dir", str(tmp_path / "spec"))
    assert result.code == 0, result.err
    # the one attribute StrictDoc has that we do not: reported, with the fix
    assert "attribute 'RATIONALE' of type 'REQUIREMENT' (1 object(s)) maps to no field" in result.err
    corpus = load_spec(tmp_path / "spec", relative_to=tmp_path)
    reqs = {r.id: r for r in corpus.of_type(Requirement)}
    assert sorted(reqs) == ["GS_20", "GS_21"]
    first, second = reqs["GS_20"], reqs["GS_21"]
    assert (first.title, first.status) == ("Valve closes on tamper", Status.DRAFT)
    assert first.content == (
        "The gas meter shall close its valve within 2 s of a tamper event.\n\n"
        "It shall log the closure & the time."
    )
    assert (second.status, second.refines) == (Status.APPROVED, ("GS_20",))
    # what StrictDoc does not hold and our schema requires is for the author to add
    missing = {(d.rule.value, d.message.split("'")[1]) for d in corpus.diagnostics}
    assert ("smets.required", "GS_20") in missing or any(
        d.rule.value == "smets.required" for d in corpus.diagnostics
    )
