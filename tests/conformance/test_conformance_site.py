"""The site shows live conformance status: on every requirement page and on the summary page,
from the latest results file, re-read when the results change (no stale status)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

from clitools import sourcedir
from smets_spec.conformance.results import CaseResult, Outcome, Results, save


def _text(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"(?s)<(script|style|svg)\b.*?</\1>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_repository_site_shows_status(built_site: Path) -> None:
    summary = _text(built_site / "conformance" / "index.html")
    assert "Target : reference models (smets_spec.reference) ( smets_spec.reference:target )" in summary
    assert re.search(r"Test cases : \d+ passed Results file", summary)
    assert "Failing tests (0)" in summary
    assert "Verified requirements (30)" in summary
    assert "<svg" in (built_site / "conformance" / "index.html").read_text(encoding="utf-8")
    pc06 = _text(built_site / "req" / "PC.06.html")
    assert "Conformance status" in pc06
    assert "pass : 2 of 2 test(s) passed" in pc06
    assert "CQ_MODEL_DEBT_PAYMENT_TYPE" in pc06
    im01 = _text(built_site / "req" / "IM.01.html")
    assert "not tested : no conformance test verifies IM.01" in im01
    models = _text(built_site / "models" / "reference-models.html")
    assert "class PrepaymentAccount" in models and "MOD_PREPAYMENT" in models
    questions = _text(built_site / "models" / "open-questions.html")
    assert "CQ_MODEL_PROFILE_MONTHS" in questions and "19 056" in questions


MINI_TESTS = """Conformance
===========

.. smets-conformance::

.. conftest:: Switch between modes
   :id: TST_MINI_SWITCH
   :test_ref: mini::test_switch
   :verifies: PC.01
"""


def _results(path: Path, outcome: Outcome, message: str = "") -> None:
    case = CaseResult(
        "TST_MINI_SWITCH",
        "mini.py::test_switch",
        "mini.py",
        1,
        "Switch between modes",
        ("PC.01",),
        outcome,
        message,
        ref="mini::test_switch",
    )
    save(Results(datetime.now(UTC), "mini:target", "mini target", 0.1, [case]), path)


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "smets_spec.cli",
            "--root",
            str(root),
            "build",
            "--out",
            str(root / "_build" / "html"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def _mini(tmp_path: Path) -> Path:
    """The mini project with a conformance page, and the pages requirement pages link to."""
    root = sourcedir(tmp_path, "mini")
    (root / "spec" / "conformance.rst").write_text(MINI_TESTS, encoding="utf-8")
    for doc in ("sections/pc", "sections/sp", "trace/verification"):
        path = root / "spec" / f"{doc}.rst"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f":orphan:\n\n{doc}\n{'=' * len(doc)}\n", encoding="utf-8")
    return root


def test_status_follows_the_latest_results(tmp_path: Path) -> None:
    root = _mini(tmp_path)
    results = root / "_build" / "conformance.json"
    _results(results, Outcome.PASSED)
    first = _build(root)
    assert first.returncode == 0, first.stderr
    assert re.search(r"conformance: results \d+ seconds old, against mini:target: 1 passed", first.stdout)
    page = root / "_build" / "html" / "req" / "PC.01.html"
    assert "pass : 1 of 1 test(s) passed in the run of" in _text(page)

    _results(results, Outcome.FAILED, "planted failure: 4 top-ups kept")
    second = _build(root)  # incremental: no source changed, only the results
    assert second.returncode == 0, second.stderr
    text = _text(page)
    assert "FAIL : 0 of 1 test(s) passed" in text and "planted failure: 4 top-ups kept" in text
    assert "Failing tests (1)" in _text(root / "_build" / "html" / "conformance.html")
