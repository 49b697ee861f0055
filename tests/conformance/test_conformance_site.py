"""The site shows live conformance status: on every requirement page and on the summary page,
from the latest results file, re-read when the results change (no stale status)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from clitools import build_argv, sourcedir
from htmltools import StubLinker
from smets_spec.conformance import live
from smets_spec.conformance.pages import conformance_page, status_panel
from smets_spec.conformance.results import CaseResult, Outcome, Results, save
from smets_spec.corpus.load import Corpus
from smets_spec.markup.panels import PANELS
from smets_spec.sphinx.site import HTML_DIRECTIVES


def _text(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"(?s)<(script|style|svg)\b.*?</\1>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_repository_site_shows_status(built_site: Path) -> None:
    summary = _text(built_site / "conformance" / "index.html")
    assert "Target : reference models (smets_spec.reference) ( smets_spec.reference:target )" in summary
    # the data-object tests are skipped in-process (they need a DLMS/COSEM target)
    assert re.search(r"Test cases : \d+ passed, 10 skipped Results file", summary)
    assert "Failing tests (0)" in summary
    assert "Verified requirements (36)" in summary  # 30, and 6 only the data-object tests verify
    assert "<svg" in (built_site / "conformance" / "index.html").read_text(encoding="utf-8")
    html = (built_site / "conformance" / "index.html").read_text(encoding="utf-8")
    assert '<h2>Verified requirements (36)<a class="headerlink" href="#verified-requirements-36"' in html
    assert (  # a row of the verified requirements, linked to the requirement's page and the model
        '<tr><td><a class="smets-ref" href="../req/PC_06.html" title="Payment history of debt payments and '
        'top-ups">PC_06 <span class="smets-title">Payment history of debt payments and top-ups</span></a>'
        "</td><td><strong>pass</strong></td><td>2/3</td><td>"
        '<a class="smets-ref" href="../models/reference-models.html#MOD_PREPAYMENT"'
    ) in html
    assert '<dt class="field-odd">Target<span class="colon">:</span></dt>' in html
    assert "Failing tests (0)" in summary and "None." in summary
    assert (
        "are open questions for consultation: see "
        '<a class="reference internal" href="../models/open-questions.html">'
        '<span class="doc">Open questions from the reference models</span></a>.</p>'
    ) in html
    pc06 = _text(built_site / "req" / "PC_06.html")
    assert "Conformance status" in pc06
    assert "pass : 2 of 3 test(s) passed" in pc06
    assert "CQ_MODEL_DEBT_PAYMENT_TYPE" in pc06
    pc06_html = (built_site / "req" / "PC_06.html").read_text(encoding="utf-8")
    assert (
        f'<td><a class="smets-ref" href="../conformance/tests/prepayment.html#{TOP_UPS}" '
        'title="The last five top-ups with amount, date and time: of 7 top-ups an hour apart, the last 5">'
    ) in pc06_html
    assert '<a class="smets-ref" href="../models/open-questions.html#CQ_MODEL_DEBT_PAYMENT_TYPE"' in pc06_html
    im01 = _text(built_site / "req" / "IM_01.html")
    assert "not tested : no conformance test verifies IM_01" in im01
    models = _text(built_site / "models" / "reference-models.html")
    assert "class PrepaymentAccount" in models and "MOD_PREPAYMENT" in models
    questions = _text(built_site / "models" / "open-questions.html")
    assert "CQ_MODEL_PROFILE_MONTHS" in questions and "19 056" in questions
    assert (
        '<td><a class="smets-ref" href="#CQ_MODEL_GRACE_PERIOD" title="PC_03: grace period">'
        'CQ_MODEL_GRACE_PERIOD <span class="smets-title">PC_03: grace period</span></a></td><td>'
        '<a class="smets-ref" href="../req/PC_03.html"'
    ) in (built_site / "models" / "open-questions.html").read_text(encoding="utf-8")


LINKER = StubLinker()
TOP_UPS = "TST_PREPAYMENT_TOP_UP_HISTORY_KEEPS_LAST_FIVE"
DEBTS = "TST_PREPAYMENT_DEBT_PAYMENT_HISTORY_KEEPS_LAST_TEN"


def _case(
    test_id: str, outcome: Outcome, message: str = "", verifies: tuple[str, ...] = ("PC_06",)
) -> CaseResult:
    name = test_id.lower()
    return CaseResult(test_id, f"suite/t.py::{name}", "suite/t.py", 1, test_id, verifies, outcome, message)


@pytest.fixture
def results_file(tmp_path: Path) -> Iterator[Path]:
    """A results file the renderers read (the previous one is restored afterwards)."""
    before = live.results_path()
    path = tmp_path / "conformance.json"
    live.set_results_path(path)
    yield path
    live.set_results_path(before)


def _save(path: Path) -> None:
    cases = [
        _case(TOP_UPS, Outcome.FAILED, "assert <5> == 4\n  & 1 more"),
        _case(DEBTS, Outcome.PASSED),
        _case("TST_NOT_IN_SPEC", Outcome.ERROR, "boom", ("PC_06", "XX.99")),
    ]
    save(
        Results(datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), "unit:target", "unit <target>", 1.25, cases), path
    )


def test_status_panel_html(corpus: Corpus, results_file: Path) -> None:
    assert PANELS["conformance-status"].html is status_panel
    _save(results_file)
    html = status_panel(corpus, "PC_06", LINKER)
    assert html.startswith(
        "<p><strong>FAIL</strong>: 1 of 4 test(s) passed in the run of 2025-01-02 03:04 UTC against "
        "unit &lt;target&gt;.</p>"
    )
    rows = re.findall(
        r'<tr><td><a class="smets-ref" href="([^"]+)".*?</a></td><td>(.*?)</td><td>(.*?)</td></tr>', html
    )
    assert rows == [  # by test id
        ("need:TST_DLMS_OBJECTS_OBJECT_OVER_THE_WIRE", "not run", ""),
        ("need:TST_NOT_IN_SPEC", "error", "boom"),
        (f"need:{DEBTS}", "passed", ""),
        (f"need:{TOP_UPS}", "failed", "assert &lt;5&gt; == 4<br>  &amp; 1 more"),
    ]
    assert "<th>Test</th><th>Result</th><th>Message</th>" in html
    assert html.endswith(
        '<p>Readings the reference models chose (open questions): <a class="smets-ref" '
        'href="need:CQ_MODEL_DEBT_PAYMENT_TYPE" title="PC_06, PC_04: debt payment type">'
        'CQ_MODEL_DEBT_PAYMENT_TYPE <span class="smets-title">PC_06, PC_04: debt payment type</span></a>.</p>'
    )
    assert status_panel(corpus, "IM_01", LINKER) == (
        "<p><em>not tested</em>: no conformance test verifies IM_01.</p>"
    )


def test_summary_page_html(corpus: Corpus, results_file: Path) -> None:
    assert HTML_DIRECTIVES["smets-conformance"] is conformance_page
    page = conformance_page(corpus, [], LINKER)
    assert (
        "Latest run\n----------\n.. raw:: html\n\n   "
        "<p>There are no results yet: run <code>smets conform</code>. "
        "Every requirement shows <em>not tested</em>.</p>" in page
    )
    assert "Failing tests (0)\n-----------------\n.. raw:: html\n\n   <p>None.</p>" in page
    assert "Out of step" not in page
    _save(results_file)
    page = conformance_page(corpus, [], LINKER)
    headings = re.findall(r"^(.+)\n-+$", page, flags=re.M)
    assert headings == [
        "Latest run",
        "By section",
        "By device (mandatory requirements)",
        "Failing tests (2)",
        "Protocol objects over the wire",
        "Verified requirements (37)",  # 36 the spec's tests verify, and XX.99 a result names
        "Out of step",
        "Open questions",
    ]
    assert "<p>unit &lt;target&gt; (<code>unit:target</code>)</p>" in page
    assert "<p>1.2 s</p>" in page and "<p>1 passed, 1 failed, 1 error</p>" in page
    assert "<p><code>conformance.json</code></p>" in page
    assert "<tr><td>PC</td><td>0</td><td>1</td><td>" in page  # the PC row of the counts by section
    assert (
        f"<tr><td><code>{TOP_UPS.lower()}</code></td><td>"
        '<a class="smets-ref" href="need:PC_06" title="Payment history of debt payments and top-ups">PC_06 '
        '<span class="smets-title">Payment history of debt payments and top-ups</span></a></td>'
        "<td>assert &lt;5&gt; == 4<br>  &amp; 1 more</td></tr>"
    ) in page
    assert '<td><code>tst_not_in_spec</code></td><td><a class="smets-ref" href="need:PC_06"' in page
    assert "</a>, XX.99</td><td>boom</td></tr>" in page  # a requirement the spec lacks, as written
    assert (
        '<td><strong>FAIL</strong></td><td>1/4</td><td><a class="smets-ref" href="need:MOD_PREPAYMENT"'
    ) in page
    assert "<tr><td>XX.99</td><td><strong>FAIL</strong></td><td>0/1</td><td></td></tr>" in page
    assert "</a></td><td><em>not tested</em></td><td>0/1</td><td>" in page
    assert (
        "<li><code>TST_NOT_IN_SPEC</code>: in the results, not in the spec "
        "(run <code>smets conform --write-spec</code>)</li>"
    ) in page
    assert re.search(
        r'<li><a class="smets-ref" href="need:TST_\w+" .*?</a>: in the spec, not in the results', page
    )
    # the sentence stays reST, so that its link shows the page's title (this corpus is read from the root)
    assert page.endswith("are open questions for consultation: see :doc:`/spec/models/open-questions`.\n")


def test_questions_page_html(corpus: Corpus) -> None:
    page = conformance_page(corpus, ["questions"], LINKER)
    assert page.startswith('.. raw:: html\n\n   <div class="smets-scroll"><table class="smets-list">')
    assert "<th>Question</th><th>About</th>" in page
    assert (
        '<tr><td><a class="smets-ref" href="need:CQ_MODEL_DEBT_PAYMENT_TYPE" '
        'title="PC_06, PC_04: debt payment type">CQ_MODEL_DEBT_PAYMENT_TYPE '
        '<span class="smets-title">PC_06, PC_04: debt payment type</span></a></td>'
        '<td><a class="smets-ref" href="need:PC_04"'
    ) in page


MINI_TESTS = """Conformance
===========

.. smets-conformance::

.. conftest:: Switch between modes
   :id: TST_MINI_SWITCH
   :test_ref: mini::test_switch
   :verifies: PC_01
"""


def _results(path: Path, outcome: Outcome, message: str = "") -> None:
    case = CaseResult(
        "TST_MINI_SWITCH",
        "mini.py::test_switch",
        "mini.py",
        1,
        "Switch between modes",
        ("PC_01",),
        outcome,
        message,
        ref="mini::test_switch",
    )
    save(Results(datetime.now(UTC), "mini:target", "mini target", 0.1, [case]), path)


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        build_argv(root, root / "_build" / "html"),
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
    results = root / "_build" / "html" / ".smets" / "conformance.json"
    _results(results, Outcome.PASSED)
    first = _build(root)
    assert first.returncode == 0, first.stderr
    assert re.search(r"conformance: results \d+ seconds old, against mini:target: 1 passed", first.stdout)
    page = root / "_build" / "html" / "req" / "PC_01.html"
    assert "pass : 1 of 1 test(s) passed in the run of" in _text(page)

    _results(results, Outcome.FAILED, "planted failure: 4 top-ups kept")
    second = _build(root)  # incremental: no source changed, only the results
    assert second.returncode == 0, second.stderr
    text = _text(page)
    assert "FAIL : 0 of 1 test(s) passed" in text and "planted failure: 4 top-ups kept" in text
    assert "<td>failed</td><td>planted failure: 4 top-ups kept</td>" in page.read_text(encoding="utf-8")
    assert "Failing tests (1)" in _text(root / "_build" / "html" / "conformance.html")
