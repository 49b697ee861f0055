"""``smets trace`` and ``smets check``: output, JSON and exit codes (small project and real spec)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smets_spec.cli import main
from smets_spec.corpus.load import Corpus
from smets_spec.corpus.schema import DataItem, Protocol, ProtocolObject, Requirement, Status

TRACE = Path(__file__).parent / "sourcedirs" / "trace"
ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *argv: str, root: Path = TRACE) -> tuple[int, str, str]:
    code = main(["--root", str(root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_trace_prints_the_chain_both_ways(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trace", "DAT_IMPORT")
    assert code == 0
    assert out.splitlines() == [
        "DAT_IMPORT  Import register",
        "    data item at spec/data.rst:12",
        "upstream (1):",
        "  └── used by ← ES_01  Import register",
        "downstream (2):",
        "  └── maps to → PO_DLMS_IMPORT  Import register (class 3)",
        "      └── carried by → PO_GBCS_ECS01A  ECS01a",
    ]


def test_trace_direction_depth_and_link_filters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trace", "PC_01", "--down", "--depth", "1", "--links", "verifies,depends_on")
    assert code == 0
    assert out.splitlines()[2:] == [
        "downstream (2):",
        "  ├── needed by ← PC_02  Show the balance",
        "  └── verified by ← TST_PREPAY  Prepayment switch test",
    ]
    code, out, _ = run(capsys, "trace", "PC_02", "--up")
    assert code == 0 and "upstream (1):" in out and "depends on → PC_01" in out and "downstream" not in out


def test_trace_json_gives_paths(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trace", "ES_01", "--down", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["id"], data["type"], data["location"]) == ("ES_01", "req", "spec/requirements.rst:36")
    reached = {r["id"]: r for r in data["downstream"]}
    assert set(reached) == {"DEV_ESME", "DAT_IMPORT", "TST_IMPORT", "PO_DLMS_IMPORT", "PO_GBCS_ECS01A"}
    assert reached["PO_GBCS_ECS01A"]["depth"] == 3
    assert (
        reached["PO_GBCS_ECS01A"]["via"]
        == "ES_01 -uses-> DAT_IMPORT -maps_to-> PO_DLMS_IMPORT -carried_by-> PO_GBCS_ECS01A"
    )
    assert reached["TST_IMPORT"]["path"] == [
        {"source": "ES_01", "link": "verifies", "target": "TST_IMPORT", "forward": False}
    ]
    assert "upstream" not in data


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("trace", "PC_1"), "no need 'PC_1' in the spec; did you mean PC_01"),
        (("trace", "PC_01", "--depth", "0"), "--depth 0: give 1 or more"),
        (("trace", "PC_01", "--links", "usses"), "unknown link type(s) usses; use one of mandatory_for"),
    ],
)
def test_trace_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err


def test_check_prints_figures_and_gaps_and_fails_on_policy_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check")
    assert code == 1
    lines = out.splitlines()
    assert "  verified by a test      2 (40%)" in lines
    assert "  both                    1 (20%)" in lines
    assert "  neither (unmapped)      2 (40%)" in lines
    assert (
        "spec/requirements.rst:17: error: approved requirement 'PC_02' has no conformance test "
        "[trace.approved-without-test]"
    ) in lines
    assert (
        "spec/requirements.rst:53: error: 'GS_01' :refines: withdrawn requirement 'PC_03' "
        "[trace.link-to-withdrawn]" in lines
    )
    assert lines[-1] == "3 error(s), 9 warning(s) by the policy in (default policy)"
    code, out, _ = run(capsys, "check", "--json")
    data = json.loads(out)
    assert code == 1 and (data["errors"], data["warnings"]) == (3, 9)
    assert data["figures"]["unmapped_items"] == ["DAT_TARIFF", "DAT_ORPHAN"]
    assert {g["key"]: g["tested"] for g in data["by_section"]} == {"PC": 1, "ES": 1, "GS": 0, "SP": 0}


def test_check_exit_code_follows_the_policy_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lenient = tmp_path / "lenient.toml"
    lenient.write_text(
        '[rules]\napproved-without-test = "warning"\nlink-to-withdrawn = "warning"\n'
        'data-item-unused = "off"\n'
    )
    code, out, _ = run(capsys, "check", "--policy", str(lenient))
    assert code == 0
    assert out.splitlines()[-1].startswith("0 error(s), 11 warning(s) by the policy in")
    broken = tmp_path / "broken.toml"
    broken.write_text('[rules]\ndata-item-unmaped = "error"\n')
    code, _, err = run(capsys, "check", "--policy", str(broken))
    assert code == 2
    assert "broken.toml:2: error: unknown rule 'data-item-unmaped' [smets.policy]" in err
    assert "did you mean 'data-item-unmapped'?" in err


def test_check_on_the_real_spec_reports_real_gaps(capsys: pytest.CaptureFixture[str], corpus: Corpus) -> None:
    code, out, _ = run(capsys, "check", "--json", root=ROOT)
    data = json.loads(out)
    assert data["policy"] == "policy.toml"
    assert code == (1 if data["errors"] or data["spec_errors"] else 0)
    assert data["figures"]["requirements"] == len(
        [r for r in corpus.requirements if r.status is not Status.WITHDRAWN]
    )
    # every item listed as unmapped really has no DLMS/COSEM or ZigBee SE object among its :maps_to:
    carriers = {
        o.id
        for o in corpus.of_type(ProtocolObject)
        if o.protocol in (Protocol.DLMS_COSEM, Protocol.ZIGBEE_SE)
    }
    items = {i.id: i for i in corpus.of_type(DataItem)}
    assert data["figures"]["unmapped_items"]
    for item_id in data["figures"]["unmapped_items"]:
        assert not set(items[item_id].maps_to) & carriers
    assert data["figures"]["unmapped"] == sum(1 for i in items.values() if not set(i.maps_to) & carriers)
    # every requirement reported without a test is verified by no conftest
    verified = {r for t in corpus.needs.values() for r in getattr(t, "verifies", ())}
    untested = {g["id"] for g in data["gaps"] if g["rule"] == "requirement-without-test"}
    assert untested == {
        r.id
        for r in corpus.requirements
        if r.id not in verified and r.status in (Status.DRAFT, Status.PROPOSED)
    }
    assert all(isinstance(corpus.needs[i], Requirement) for i in untested)
