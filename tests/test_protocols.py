"""``smets protocols``: catalogue checks, candidates and accept, against the real gurux-dlms and zigpy.

The catalogues come from the installed libraries (through their helper processes), so every
expected value below is what gurux-dlms 1.0.x's OBISCodes.txt and zigpy 2.x say.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from clitools import ROOT, build_argv, smets, write
from htmltools import table
from smets_spec.corpus.load import load, load_spec
from smets_spec.protocols import catalogue
from smets_spec.protocols.assess import KIND_TEXT, Kind, assess
from smets_spec.trace.gaps import default_policy, find_gaps

pytestmark = pytest.mark.skipif(
    catalogue.installed("gurux-dlms") is None or catalogue.installed("zigpy") is None,
    reason="the 'dlms' and 'zigbee' extras are not installed (pip install -e '.[test]')",
)

DEVICES = """Devices
=======

.. device:: Electricity smart metering equipment
   :id: DEV_ESME
   :firmware_upgradeable: true
   :installed_base: unknown
   :installed_base_source: no public figure

.. device:: Gas smart metering equipment
   :id: DEV_GSME
   :firmware_upgradeable: true
   :installed_base: unknown
   :installed_base_source: no public figure
"""

ITEMS = """Data
====

.. dataitem:: Reactive import register (total)
   :id: DAT_REACTIVE_IMPORT
   :data_type: decimal
   :unit: kvarh
   :held_by: DEV_ESME
   :mapping_evidence: unmapped

   Cumulative reactive energy imported.

.. dataitem:: Active import register
   :id: DAT_ACTIVE_IMPORT
   :data_type: decimal
   :unit: {unit}
   :held_by: DEV_ESME
   :maps_to: PO_ACTIVE
   :mapping_evidence: verified
   :mapping_source: a test vector

   Active energy imported.

.. dataitem:: Gas register
   :id: DAT_GAS
   :data_type: decimal
   :unit: m3
   :held_by: DEV_GSME
   :maps_to: PO_ZB_SUMM, PO_ZB_UOM
   :mapping_evidence: verified
   :mapping_source: a test vector

   Gas consumed.
"""

DLMS = """DLMS
====

.. protobj:: Active import register
   :id: PO_ACTIVE
   :protocol: dlms-cosem
   :interface_class: {ic}
   :obis: {obis}
   :evidence: verified
   :source: a test vector
"""

ZIGBEE = """ZigBee
======

.. protobj:: Current summation delivered
   :id: PO_ZB_SUMM
   :protocol: zigbee-se
   :cluster: 0x0702
   :attribute: {attribute}
   :zcl_name: current_summ_delivered
   :zcl_type: uint48
   :evidence: verified
   :source: a test vector

.. protobj:: Unit of measure
   :id: PO_ZB_UOM
   :protocol: zigbee-se
   :cluster: 0x0702
   :attribute: 0x0300
   :evidence: verified
   :source: a test vector
"""


def project(
    tmp: Path, unit: str = "kWh", ic: str = "3", obis: str = "1-0:1.8.0.255", attribute: str = "0x0000"
) -> Path:
    write(tmp, "conf.py", 'project = "t"\nextensions = ["smets_spec.sphinx"]\n')
    write(tmp, "spec/index.rst", "T\n=\n\n.. toctree::\n   :glob:\n\n   **\n")
    write(tmp, "spec/devices.rst", DEVICES)
    write(tmp, "spec/data/catalogue.rst", ITEMS.format(unit=unit))
    write(tmp, "spec/protocol/dlms.rst", DLMS.format(ic=ic, obis=obis))
    write(tmp, "spec/protocol/zigbee.rst", ZIGBEE.format(attribute=attribute))
    return tmp


def _errors(root: Path) -> list[str]:
    result = assess(load(root / "spec", relative_to=root))
    return [d.format() for d in result.diagnostics if d.severity.value == "error"]


def test_a_correct_spec_passes_every_catalogue_check(tmp_path: Path) -> None:
    assert _errors(project(tmp_path)) == []


def test_a_wrong_interface_class_is_an_error_with_what_the_catalogue_allows(tmp_path: Path) -> None:
    errors = _errors(project(tmp_path, ic="1"))
    assert len(errors) == 1
    assert errors[0].startswith("spec/protocol/dlms.rst:7: error: interface class 1 (data) is not allowed")
    assert "allows classes 3,4" in errors[0]
    assert "[smets.protocol-interface-class]" in errors[0]


def test_an_obis_code_outside_every_pattern_is_an_error(tmp_path: Path) -> None:
    errors = _errors(project(tmp_path, obis="1-0:200.8.0.255"))
    assert len(errors) == 1
    assert errors[0].startswith(
        "spec/protocol/dlms.rst:8: error: OBIS code 1-0:200.8.0.255 of 'PO_ACTIVE' matches no pattern"
    )
    assert "[smets.protocol-obis]" in errors[0]


def test_a_misspelled_zigbee_attribute_id_is_an_error_naming_the_right_one(tmp_path: Path) -> None:
    errors = _errors(project(tmp_path, attribute="0x0001"))
    assert len(errors) == 1
    assert errors[0].startswith("spec/protocol/zigbee.rst:8: error: 'PO_ZB_SUMM': zigpy")
    assert "names attribute 0x0001 'current_summ_received', not 'current_summ_delivered'" in errors[0]
    assert "'current_summ_delivered' is 0x0000" in errors[0]


def test_an_unknown_zigbee_attribute_is_an_error(tmp_path: Path) -> None:
    errors = _errors(project(tmp_path, attribute="0x7FF0"))
    assert len(errors) == 1 and "is not in cluster Metering (0x0702)" in errors[0]


def test_a_unit_mismatch_is_an_error_at_the_item(tmp_path: Path) -> None:
    errors = _errors(project(tmp_path, unit="kvarh"))
    assert len(errors) == 1
    assert errors[0].startswith(
        "spec/data/catalogue.rst:16: error: data item 'DAT_ACTIVE_IMPORT': unit kvarh, but gurux-dlms"
    )
    assert "active energy, import, total, unit Wh" in errors[0]
    assert "[smets.protocol-unit]" in errors[0]


def test_a_zigbee_unit_of_measure_must_offer_the_items_unit(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = root / "spec/data/catalogue.rst"
    path.write_text(path.read_text().replace(":unit: m3", ":unit: furlong"), encoding="utf-8")
    errors = _errors(root)
    assert len(errors) == 1 and "unit furlong is not a value of Metering UnitOfMeasure per zigpy" in errors[0]


def test_candidate_generation_finds_the_standard_register(tmp_path: Path) -> None:
    result = assess(load(project(tmp_path) / "spec", relative_to=tmp_path))
    item = next(a for a in result.items if a.item_id == "DAT_REACTIVE_IMPORT")
    assert item.kind is Kind.STANDARD_OBJECT
    assert [(c.obis, c.interface_class) for c in item.candidates] == [("1-0:3.8.0.255", 3)]
    assert item.candidates[0].rule.startswith("quantity: unit kvarh (reactive energy, import, total)")
    assert "Reactive power+ (QI+QII) Time integral 1" in item.candidates[0].says


def test_accepting_a_candidate_writes_the_expected_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    assert smets(capsys, root, "protocols", "baseline").code == 0
    result = smets(capsys, root, "protocols", "accept", "DAT_REACTIVE_IMPORT", "PO_DLMS_1_0_3_8_0_255_C3")
    assert result.code == 0, result.err
    version = catalogue.installed("gurux-dlms")
    item = (root / "spec/data/catalogue.rst").read_text().split(".. dataitem:: Active import register")[0]
    assert item.splitlines()[3:12] == [
        ".. dataitem:: Reactive import register (total)",
        "   :id: DAT_REACTIVE_IMPORT",
        "   :data_type: decimal",
        "   :unit: kvarh",
        "   :held_by: DEV_ESME",
        "   :maps_to: PO_DLMS_1_0_3_8_0_255_C3",
        "   :mapping_evidence: standard",
        "   :mapping_source: standard: IEC 62056-6-1 pattern "
        "1.0-64.1-20,21-40,41-60,61-80,82,84-92,100-107,124-126.8.0.255 "
        "(Ch. 0 Sum Li Reactive power+ (QI+QII) Time integral 1 Rate 0 (0 is total)), class 3, "
        f"via gurux-dlms {version} (gurux_dlms/OBISCodes.txt)",
        "",
    ]
    dlms = (root / "spec/protocol/dlms.rst").read_text()
    assert "   :id: PO_DLMS_1_0_3_8_0_255_C3\n   :protocol: dlms-cosem\n   :interface_class: 3\n" in dlms
    assert "   :obis: 1-0:3.8.0.255\n   :evidence: standard\n" in dlms
    after = smets(capsys, root, "protocols", "--format", "json")
    assert after.code == 0, after.err
    counts = json.loads(after.out)["counts"]
    assert counts["standard-mapped"] == 1 and counts["standard-object"] == 0
    assert json.loads(after.out)["since_baseline"] == [
        {"item_id": "DAT_REACTIVE_IMPORT", "before": "standard-object", "after": "standard-mapped"}
    ]


def test_accept_refuses_what_is_not_a_candidate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    before = (root / "spec/data/catalogue.rst").read_text()
    result = smets(capsys, root, "protocols", "accept", "DAT_REACTIVE_IMPORT", "PO_DLMS_1_0_1_8_0_255_C3")
    assert result.code == 1
    assert "is not a candidate for 'DAT_REACTIVE_IMPORT' (candidates: PO_DLMS_1_0_3_8_0_255_C3)" in result.err
    assert (root / "spec/data/catalogue.rst").read_text() == before


def test_without_the_libraries_the_checks_are_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalogue, "installed", lambda dist: None)
    result = assess(load(project(tmp_path, ic="1") / "spec", relative_to=tmp_path))
    notes = [d.message for d in result.diagnostics]
    assert notes == [
        "gurux-dlms is not installed: DLMS/COSEM catalogue checks and candidates skipped",
        "zigpy is not installed: ZigBee SE catalogue checks and candidates skipped",
    ]
    assert {f.status for f in result.findings if f.protocol != "gbcs"} == {"unchecked"}


def test_the_repository_spec_passes_and_every_item_is_assessed(capsys: pytest.CaptureFixture[str]) -> None:
    result = smets(capsys, ROOT, "protocols", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["total"] == 58 and sum(data["counts"].values()) == 58
    assert data["counts"]["verified"] == 9 and data["counts"]["secondary"] == 6
    assert [i["id"] for i in data["items"] if i["assessment"] == "not-assessed"] == []
    failing = {o["id"] for o in data["objects"] if o["status"] == "error"}
    assert failing == set()


def test_the_site_page_gives_the_same_counts_as_the_json(
    built_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(smets(capsys, ROOT, "protocols", "--format", "json").out)
    rows = table(built_site / "protocol" / "assessment.html", index=0)
    assert rows[1:] == [[KIND_TEXT[Kind(k)], str(v)] for k, v in data["counts"].items()]
    catalogue = (built_site / "data" / "catalogue.html").read_text(encoding="utf-8")
    assert catalogue.count('class="smets-need-meta smets-assessment"') == data["total"]


def test_a_type_mismatch_is_an_error_at_the_item(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = root / "spec/data/catalogue.rst"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(":data_type: decimal\n   :unit: m3", ":data_type: string\n   :unit: m3"),
        encoding="utf-8",
    )
    errors = _errors(root)
    assert len(errors) == 1
    assert errors[0].startswith(
        "spec/data/catalogue.rst:26: error: data item 'DAT_GAS': type string, but zigpy"
    )
    assert "types PO_ZB_SUMM (current_summ_delivered) as uint48 [smets.protocol-type]" in errors[0]


def test_the_gap_list_tells_no_standard_object_from_not_yet_assessed(tmp_path: Path) -> None:
    from conftest import copy_project

    root = copy_project(tmp_path)
    path = root / "spec/data/catalogue.rst"
    text = path.read_text(encoding="utf-8")
    start = text.index("   :id: DAT_DEVICE_CONFIGURATION")
    note = text.index("   :assessment: needs-extension\n", start)
    end = text.index("\n", text.index("   :assessment_note:", note)) + 1
    path.write_text(text[:note] + text[end:], encoding="utf-8")  # its assessment taken out
    corpus = load_spec(root / "spec", relative_to=root)
    gaps = {
        g.need_id: g.message for g in find_gaps(corpus, default_policy()) if g.rule == "data-item-unmapped"
    }
    assert gaps["DAT_DEVICE_CONFIGURATION"].endswith("is not yet assessed against DLMS/COSEM and ZigBee SE")
    assert gaps["DAT_GAS_6MIN_PROFILE"].endswith("has no standard object (needs a GB extension)")
    assert gaps["DAT_UTC_CLOCK"].endswith("has a standard object, not yet accepted as its mapping")
    assert "DAT_INSTANTANEOUS_COST" not in gaps  # assessed local-only: carried by no protocol by design


def test_a_failing_helper_is_one_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue._query_dlms.cache_clear()
    monkeypatch.setattr(catalogue, "DLMS_HELPER", "smets_no_such_helper")
    try:
        result = assess(load(project(tmp_path) / "spec", relative_to=tmp_path))
    finally:
        catalogue._query_dlms.cache_clear()
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert len(errors) == 1
    assert errors[0].message.startswith("helper 'smets_no_such_helper' failed (exit 1): ")
    assert errors[0].rule.value == "smets.protocol-catalogue"
    assert result.catalogues["gurux-dlms"] is None


def test_accepting_a_zigbee_candidate_writes_its_name_and_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    path = root / "spec/data/catalogue.rst"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n.. dataitem:: Battery status\n   :id: DAT_BATTERY\n   :data_type: integer\n"
        "   :held_by: DEV_GSME\n   :mapping_evidence: unmapped\n\n   Battery condition.\n",
        encoding="utf-8",
    )
    result = smets(capsys, root, "protocols", "accept", "DAT_BATTERY", "PO_ZB_0702_0201")
    assert result.code == 0, result.err
    zigbee = (root / "spec/protocol/zigbee.rst").read_text(encoding="utf-8")
    block = zigbee.split(".. protobj:: Metering attribute remaining_battery_life (uint8) (0x0702, 0x0201)\n")[
        1
    ]
    assert block.splitlines()[:8] == [
        "   :id: PO_ZB_0702_0201",
        "   :protocol: zigbee-se",
        "   :cluster: 0x0702",
        "   :attribute: 0x0201",
        "   :zcl_name: remaining_battery_life",
        "   :zcl_type: uint8",
        "   :evidence: standard",
        f"   :source: standard: ZCL Metering attribute remaining_battery_life (uint8), cluster 0x0702 "
        f"attribute 0x0201, via zigpy {catalogue.installed('zigpy')}",
    ]
    after = smets(capsys, root, "protocols", "--format", "json")
    assert after.code == 0, after.err  # the accepted object passes the catalogue checks
    assert json.loads(after.out)["counts"]["standard-mapped"] == 1


def test_a_register_scaler_unit_must_give_the_items_unit(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = root / "spec/protocol/dlms.rst"
    text = path.read_text(encoding="utf-8").replace(
        "   :evidence: verified", "   :scaler_unit: 0, Wh\n   :evidence: verified"
    )
    path.write_text(text, encoding="utf-8")
    errors = _errors(root)
    assert len(errors) == 1
    assert "unit kWh does not agree with PO_ACTIVE scaler_unit '0, Wh' (10^0 Wh)" in errors[0]
    path.write_text(text.replace("0, Wh", "3, Wh"), encoding="utf-8")
    assert _errors(root) == []


def test_an_obis_value_above_255_is_an_error_for_that_object_only(tmp_path: Path) -> None:
    errors = _errors(project(tmp_path, obis="1-0:999.8.0.255"))
    assert len(errors) == 1
    assert "OBIS code 1-0:999.8.0.255 of 'PO_ACTIVE' has a value group outside 0..255" in errors[0]


def test_a_zigbee_attribute_that_is_not_hex_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    errors = _errors(project(tmp_path, attribute="2, 3"))
    assert (
        len(errors) == 1
        and "ZigBee attribute '2, 3' of 'PO_ZB_SUMM' is not an id of the form 0xNNNN" in errors[0]
    )


def test_a_title_unlike_the_catalogues_name_gives_a_note(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = root / "spec/protocol/dlms.rst"
    path.write_text(
        path.read_text(encoding="utf-8").replace(":: Active import register", ":: Meter balance"),
        encoding="utf-8",
    )
    result = assess(load(root / "spec", relative_to=root))
    notes = [d.format() for d in result.diagnostics if d.severity.value == "note"]
    assert len(notes) == 1
    assert notes[0].startswith(
        "spec/protocol/dlms.rst:4: note: 'PO_ACTIVE' is titled 'Meter balance', but gurux-dlms"
    )
    assert "class 3 'register'" in notes[0]


def test_a_spec_with_errors_is_reported_not_assessed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    path = root / "spec/protocol/dlms.rst"
    path.write_text(
        path.read_text(encoding="utf-8").replace(":obis: 1-0:1.8.0.255", ":obis: one-eight"), encoding="utf-8"
    )
    result = smets(capsys, root, "protocols")
    assert result.code == 1 and result.out == ""
    assert "spec/protocol/dlms.rst:8: error:" in result.err
    assert "smets protocols: the spec has errors; fix them first (smets validate)" in result.err


def _since_baseline(root: Path) -> str:
    subprocess.run(build_argv(root, root / "out", "-j", "1"), check=True, capture_output=True)
    page = (root / "out" / "protocol" / "assessment.html").read_text(encoding="utf-8")
    return page.split("since-the-baseline", 1)[1][:600]


def test_the_assessment_page_follows_the_baseline_when_no_source_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The baseline file is no need of the corpus: recording, replacing or removing it alone
    draws the page again on an incremental build (its stamp, fingerprints.restamped_pages)."""
    monkeypatch.setenv("SMETS_CACHE_DIR", str(tmp_path / "cache"))
    root = project(tmp_path / "p")
    write(root, "spec/protocol/assessment.rst", "Assessment\n==========\n\n.. smets-assessment::\n")
    assert "No baseline yet" in _since_baseline(root)
    assert smets(capsys, root, "protocols", "baseline").code == 0
    assert "assessment has changed since the baseline" in _since_baseline(root)
    path = root / "spec" / "protocol" / "assessment-baseline.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["items"]["DAT_REACTIVE_IMPORT"] = "standard-mapped"
    path.write_text(json.dumps(data), encoding="utf-8")
    shown = _since_baseline(root)
    assert "DAT_REACTIVE_IMPORT" in shown and "standard-mapped" in shown
    path.unlink()
    assert "No baseline yet" in _since_baseline(root)
