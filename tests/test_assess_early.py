"""The protocol assessment with its object checks, worked out before a parallel read forks
(:mod:`smets_spec.sphinx.assessearly`), gives the site the readers' own did
(``SMETS_ASSESS_EARLY=off``): the helper started early is asked exactly the question the
assessment asks, and two cold builds give the same site, needs.json and search index."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from clitools import build_argv, run_ok, sourcedir
from sitecompare import differences
from smets_spec.corpus.load import load_spec
from smets_spec.protocols import assess
from smets_spec.protocols.catalogue import dlms_request
from smets_spec.sphinx import assessearly

ROOT = Path(__file__).resolve().parents[1]


def test_the_question_started_early_is_the_one_the_assessment_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = load_spec(ROOT / "spec", relative_to=ROOT)
    asked: list[dict[str, Any]] = []

    def query(check: list[tuple[str, int]], describe: list[str]) -> None:
        asked.append(dlms_request(tuple(sorted(set(check))), tuple(sorted(set(describe)))))

    monkeypatch.setattr(assess, "query_dlms", query)
    monkeypatch.setattr(assess, "load_zigbee", lambda: None)
    assess._catalogues(corpus, [], True)
    assert asked == [assessearly.checks_request(corpus)]
    assert asked[0]["check"]  # the real spec's objects are checked


def _project(root: Path) -> Path:
    made = sourcedir(root, "mini")
    spec = made / "spec"
    for i in range(assessearly.SERIAL_BELOW + 6):  # enough documents for a parallel read
        (spec / f"page{i}.rst").write_text(f":orphan:\n\nPage {i}\n=======\n\nText {i}.\n", encoding="utf-8")
    (spec / "assessment.rst").write_text(
        ":orphan:\n\nAssessment\n==========\n\n.. smets-assessment::\n", encoding="utf-8"
    )
    (spec / "assessment-dlms.rst").write_text(
        ":orphan:\n\nDLMS\n====\n\n.. smets-assessment:: dlms-cosem\n", encoding="utf-8"
    )
    return made


def _build(root: Path, out: Path, switch: str) -> None:
    env = dict(os.environ, SMETS_CACHE_DIR=str(out.parent / f"cache-{out.name}"), SMETS_ASSESS_EARLY=switch)
    run_ok([*build_argv(root, out, "-j", "2"), "--fresh"], env=env)


def test_two_cold_builds_give_the_same_site(tmp_path: Path) -> None:
    root = _project(tmp_path / "a")
    other = tmp_path / "b" / "mini"
    shutil.copytree(root, other)
    _build(root, tmp_path / "on", "on")
    _build(other, tmp_path / "off", "off")
    on, off = tmp_path / "on", tmp_path / "off"
    assert "Data items assessed" in (on / "assessment.html").read_text(encoding="utf-8")
    assert differences(on, off) == []
    for name in ("needs.json", "searchindex.js"):
        assert (on / name).read_bytes() == (off / name).read_bytes(), name
