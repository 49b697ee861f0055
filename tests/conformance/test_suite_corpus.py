"""The suite run beside `smets build` takes the build's corpus instead of reading the spec again
(issue 20): only while the spec's files are unchanged, only when read as the suite reads it, and
with the same results as a run that reads it itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import copy_project
from smets_spec.conformance import plugin
from smets_spec.corpus.load import load_spec

_DRIVER = """
import json, sys
from pathlib import Path
import smets_spec.corpus.load as load
from smets_spec.conformance import plugin, runner

spec, out, hand = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "hand"
corpus = load.load_spec(spec, relative_to=spec.parent)
reads = []
original = load.load_spec
load.load_spec = lambda *a, **k: reads.append(a) or original(*a, **k)
if hand:
    plugin.hand_over(spec, spec.parent, corpus)
run = runner.run_suite(spec, out, select="dlms or registers or clock")
cases = sorted((c.nodeid, c.outcome.value, c.verifies, c.message) for c in run.results.cases)
print(json.dumps({"exit": run.exit_code, "reads": len(reads), "cases": cases}))
"""


def _driven(root: Path, driver: str, *args: str, **env: str) -> str:
    """``driver`` run by Python in ``root`` with ``args``; its output (it must succeed)."""
    done = subprocess.run(
        [sys.executable, "-c", driver, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _suite(root: Path, out: Path, hand: bool) -> dict[str, object]:
    stdout = _driven(
        root, _DRIVER, str(root / "spec"), str(out), "hand" if hand else "read", SMETS_SUITE_CORPUS="on"
    )
    result: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return result


def test_the_suite_given_the_build_corpus_reads_nothing_and_finds_the_same(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    handed = _suite(root, tmp_path / "handed.json", hand=True)
    read = _suite(root, tmp_path / "read.json", hand=False)
    assert (handed["reads"], read["reads"]) == (0, 1)
    assert handed["exit"] == read["exit"] == 0
    cases = handed["cases"]
    assert isinstance(cases, list) and len(cases) > 20  # the DLMS objects' cases come from the corpus
    assert any("test_dlms_objects" in case[0] for case in cases)
    assert cases == read["cases"]


_BUILD_DRIVER = """
import sys
from pathlib import Path
from smets_spec.conformance import forbuild, plugin
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.project import Project

root, marks = Path(sys.argv[1]), Path(sys.argv[2])
taken = plugin._handed

def _handed(spec):
    corpus = taken(spec)
    marks.write_text("taken" if corpus is not None else "read")
    return corpus

plugin._handed = _handed
project = Project(root)
corpus = load_spec(project.spec, relative_to=project.root)
forbuild.ensure_results(project, root / "html", corpus, wait=True, from_root=sys.argv[3] == "root")
"""


def test_smets_build_hands_its_corpus_to_the_forked_suite(tmp_path: Path) -> None:
    """``smets build``'s path (``ensure_results(..., from_root=True)``): the forked suite takes it;
    the extension's (a corpus read relative to another folder): the suite reads the spec."""
    root = copy_project(tmp_path)
    for how, expected in (("root", "taken"), ("other", "read")):
        marks = tmp_path / f"marks-{how}"
        stdout = _driven(root, _BUILD_DRIVER, str(root), str(marks), how, SMETS_CONFORMANCE_CACHE="off")
        assert "passed" in stdout
        assert marks.read_text() == expected
        (root / "html" / ".smets" / "conformance.json").unlink()


def test_the_corpus_is_taken_once_and_only_while_the_files_are_unchanged(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    spec = root / "spec"
    corpus = load_spec(spec, relative_to=root)
    plugin.hand_over(spec, root, corpus)
    assert plugin._handed(spec) is corpus
    assert plugin._handed(spec) is None  # once
    plugin.hand_over(spec, root, corpus)
    assert plugin._handed(root / "other") is None  # another folder
    plugin.hand_over(spec, root, corpus)
    page = spec / "sections" / "pc.rst"
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert plugin._handed(spec) is None  # a file changed since the build read it


def test_a_corpus_read_otherwise_or_switched_off_is_not_kept(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    spec = root / "spec"
    own = load_spec(spec, relative_to=spec)  # locations relative to spec/, not as the suite reads them
    plugin.hand_over(spec, spec, own)
    assert plugin._handed(spec) is None
    corpus = load_spec(spec, relative_to=root)
    os.environ["SMETS_SUITE_CORPUS"] = "off"
    try:
        plugin.hand_over(spec, root, corpus)
    finally:
        del os.environ["SMETS_SUITE_CORPUS"]
    assert plugin._handed(spec) is None


def test_the_build_corpus_is_what_the_suite_would_read(tmp_path: Path) -> None:
    """``load_spec(spec, relative_to=root)`` (the build's) and ``load_spec(spec)`` (the suite's):
    the same records, locations, field lines and diagnostics."""
    root = copy_project(tmp_path)
    spec = root / "spec"
    build, suite = load_spec(spec, relative_to=root), load_spec(spec)
    assert build.needs == suite.needs
    assert build.locations == suite.locations
    assert build.field_lines == suite.field_lines
    assert build.diagnostics == suite.diagnostics
    assert build.digest == suite.digest
