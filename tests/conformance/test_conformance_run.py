"""`smets conform` end to end: the reference models pass, the faulty meter's failures are traced to
exactly the requirement ids it breaks, unknown ids stop the run with file:line, and the spec's
model, test and question needs are checked against the code."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_reference_models import NAMED

from clitools import ROOT
from smets_spec.conformance import sync
from smets_spec.conformance.results import load
from smets_spec.conformance.runner import SUITE_DIR
from smets_spec.corpus.load import load_spec
from smets_spec.corpus.schema import ConformanceTest
from smets_spec.reference.registry import load_registry

FAULTY = frozenset({"PC_06", "OP_05", "OP_08", "DI_01"})
FAULTY_CASES = {
    "test_clock.py::test_clock_within_half_a_second_per_day[esme]",
    "test_events.py::test_event_log_capacity_and_wrap_around",
    "test_prepayment.py::test_top_up_history_keeps_last_five",
    "test_supply.py::test_restoration_needs_local_intervention",
    "test_supply.py::test_top_up_after_credit_cut_needs_local_intervention",
}


def smets(*args: str, root: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real command in a fresh process (it runs pytest itself)."""
    return subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _run(tmp: Path, *extra: str) -> tuple[int, dict[str, Any], Path]:
    out = tmp / "conformance.json"
    done = smets("conform", "--json", "--out", str(out), *extra)
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout), out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    return _run(tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    return _run(tmp_path_factory.mktemp("faulty"), "--target", "tests.conformance.faulty_meter:target")


def test_reference_models_pass_every_named_requirement(reference: tuple[int, dict[str, Any], Path]) -> None:
    code, data, out = reference
    assert code == 0
    assert data["summary"]["failed"] == data["summary"]["error"] == 0
    # every case passes but the data-object cases, skipped in-process (they need a DLMS/COSEM target)
    skipped = [t["nodeid"] for t in data["tests"] if t["outcome"] != "passed"]
    assert skipped and all("test_object_over_the_wire[PO_DLMS_" in n for n in skipped)
    assert data["summary"]["passed"] + len(skipped) == len(data["tests"]) >= len(NAMED)
    assert {req for req, status in data["requirements"].items() if status == "pass"} == NAMED
    assert data["target"] == "smets_spec.reference:target"
    assert load(out).summary() == data["summary"]  # the file holds what was printed


def test_faulty_meter_failures_traced_to_requirements(faulty: tuple[int, dict[str, Any], Path]) -> None:
    code, data, _ = faulty
    assert code == 1
    failed = [t for t in data["tests"] if t["outcome"] == "failed"]
    assert {t["nodeid"].split("/")[-1] for t in failed} == FAULTY_CASES
    assert {req for req, status in data["requirements"].items() if status == "fail"} == FAULTY
    assert {req for req, status in data["requirements"].items() if status == "pass"} == NAMED - FAULTY
    messages = {t["verifies"][0]: t["message"] for t in failed}
    assert "0.864 s off after 24 h" in messages["OP_05"]
    assert "keeps 4 top-ups" in messages["PC_06"]
    assert "holds 50 events, fewer than 100" in messages["DI_01"]
    assert "without local intervention" in messages["OP_08"]


def test_faulty_meter_text_report_names_the_ids(tmp_path: Path) -> None:
    done = smets(
        "conform",
        "--target",
        "tests.conformance.faulty_meter:target",
        "-k",
        "top_up_history",
        "--out",
        str(tmp_path / "r.json"),
    )
    assert done.returncode == 1
    assert "FAIL PC_06: TST_PREPAYMENT_TOP_UP_HISTORY_KEEPS_LAST_FIVE" in done.stdout
    assert "requirements: 0 pass, 1 fail: PC_06" in done.stdout
    assert done.stderr == ""


def test_unknown_requirement_id_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    test_file = tmp_path / "test_house.py"
    test_file.write_text(
        "import pytest\n\n\n"
        '@pytest.mark.verifies("PC_01", "PC_99")\n'
        "def test_bad():\n    pass\n\n\n"
        "def test_unmarked():\n    pass\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(test_file),
            "-p",
            "smets_spec.conformance.plugin",
            "--smets-spec",
            str(ROOT / "spec"),
            "-c",
            "/dev/null",
            "--disable-plugin-autoload",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 4  # pytest's usage error: nothing ran
    output = done.stdout + done.stderr
    assert (
        "test_house.py:4: error: test 'test_bad' verifies unknown requirement 'PC_99' [smets.conformance]"
        in output
    )
    assert "test_house.py:9: error: test 'test_unmarked' names no requirement it verifies" in output


def test_generated_needs_agree_with_the_code(reference: tuple[int, dict[str, Any], Path]) -> None:
    """The committed spec/models and spec/conformance needs are what the code generates now."""
    _, _, out = reference
    models, questions = load_registry()
    tests = sync.suite_tests(load(out).cases)
    corpus = load_spec(ROOT / "spec", relative_to=ROOT)
    assert sync.check(corpus, ROOT, models, questions, tests, SUITE_DIR) == []
    assert sync.stale_files(ROOT / "spec", models, questions, tests) == []
    assert len(tests) == len({t.id for t in tests}) == len(corpus.of_type(ConformanceTest))


def test_check_reports_spec_and_code_disagreements(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(ROOT / "conf.py", root / "conf.py")
    shutil.copytree(ROOT / "spec", root / "spec", ignore=shutil.ignore_patterns("req"))
    models_rst = root / "spec" / "models" / "reference-models.rst"
    original = models_rst.read_text(encoding="utf-8")
    models_rst.write_text(
        original.replace(
            ":implements: PC_01, PC_02, PC_03, PC_04, PC_05, PC_06,",
            ":implements: PC_01, PC_02, PC_03, PC_04, PC_05,",
        ),
        encoding="utf-8",
    )
    (root / "spec" / "conformance" / "tests" / "clock.rst").unlink()
    line = (
        original.splitlines().index("   :implements: PC_01, PC_02, PC_03, PC_04, PC_05, PC_06, PC_10, PC_11")
        + 1
    )

    done = smets("conform", "--check", root=root)
    assert done.returncode == 1
    assert (
        f"spec/models/reference-models.rst:{line}: error: 'MOD_PREPAYMENT' has :implements: "
        "PC_01, PC_02, PC_03, PC_04, PC_05, PC_10, PC_11, but the code ("
    ) in done.stderr
    assert "prepayment.py:" in done.stderr and "[smets.conformance]" in done.stderr
    clock_source = (SUITE_DIR / "test_clock.py").read_text(encoding="utf-8").splitlines()
    test_line = clock_source.index('@pytest.mark.verifies("OP_02")') + 1  # where the test starts
    assert f"test_clock.py:{test_line}: error: test 'TST_CLOCK_ALL_TIMESTAMPS_ARE_UTC'" in done.stderr
    assert "fix: run `smets conform --write-spec` and commit the result" in done.stderr

    assert smets("conform", "--write-spec", root=root).returncode == 0
    assert models_rst.read_text(encoding="utf-8") == original
    assert smets("conform", "--check", root=root).returncode == 0


def test_an_object_no_requirement_uses_is_not_a_broken_test(tmp_path: Path) -> None:
    """A DLMS/COSEM object whose data item no requirement uses yet (a new mapping) gives no test
    case: there is no requirement for it to verify. It used to stop the suite at collection
    (exit 4), and with it every `smets build` of the spec."""
    from conftest import copy_project

    root = copy_project(tmp_path)
    with (root / "spec" / "protocol" / "dlms.rst").open("a", encoding="utf-8") as dlms:
        dlms.write(
            "\n.. protobj:: Unused register\n   :id: PO_DLMS_UNUSED_REGISTER\n   :protocol: dlms-cosem\n"
            "   :interface_class: 3\n   :obis: 1-0:2.8.0.255\n   :attribute: 2\n   :evidence: secondary\n"
            "   :source: test\n\n   A register no requirement uses.\n"
        )
    with (root / "spec" / "data" / "catalogue.rst").open("a", encoding="utf-8") as catalogue:
        catalogue.write(
            "\n.. dataitem:: Unused energy\n   :id: DAT_UNUSED_ENERGY\n   :data_type: decimal\n"
            "   :unit: kWh\n   :access: supplier\n   :held_by: DEV_ESME\n"
            "   :maps_to: PO_DLMS_UNUSED_REGISTER\n"
            "   :mapping_evidence: secondary\n   :mapping_source: test\n\n   Energy no requirement uses.\n"
        )
    result = subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(root), "conform", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "names no requirement it verifies" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
