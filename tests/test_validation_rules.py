"""Every validation rule, fed as bad input through `smets validate` and `smets build`.

Each case writes one file, spec/bad.rst, into a copy of tests/sourcedirs/mini
(a valid project: three devices, two data items, a protocol object and three
requirements) and asserts every diagnostic exactly: file:line, message, rule
id and fix, and that nothing else is reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clitools import Result, smets, sourcedir, write
from smets_spec.corpus.schema import Requirement

DIRECTIVE_FIX = "write the text as reST; a table or figure the site needs is rendered by a smets-* directive"
CONFLICT_FIX = "resolve the conflict: keep the right text and delete the <<<<<<<, ======= and >>>>>>> lines"
HEAD = "Bad\n===\n\n"  # the first need of a case starts on line 4

REQ = """.. req:: {title}
   :id: {id}
   :status: proposed
   :section: PC
   :impact: firmware
"""

CASES: dict[str, tuple[str, list[str]]] = {
    "unknown field, close to a known one": (
        REQ.format(title="Typo", id="PC_03") + "   :mandatory-for: DEV_ESME\n",
        [
            "spec/bad.rst:9: error: unknown field ':mandatory-for:' on req 'PC_03' [smets.unknown-field]\n"
            "    fix: did you mean ':mandatory_for:'?",
            "spec/bad.rst:4: error: requirement 'PC_03' states no device applicability "
            "[smets.applicability]\n"
            "    fix: add ':mandatory_for:' and/or ':optional_for:' with the devices it binds (DEV_...)",
        ],
    ),
    "unknown field of another type": (
        REQ.format(title="Wrong type's field", id="PC_03")
        + "   :mandatory_for: DEV_ESME\n   :held_by: DEV_ESME\n",
        [
            "spec/bad.rst:10: error: unknown field ':held_by:' on req 'PC_03' [smets.unknown-field]\n"
            "    fix: ':held_by:' belongs to dataitem; a req takes: "
            + ", ".join(sorted(Requirement.own_fields())),
        ],
    ),
    "placeholders left by smets new": (
        ".. req:: TODO title\n   :id: PC_03\n   :status: draft\n   :section: PC\n   :impact: TODO\n"
        "   :mandatory_for: TODO\n\n   TODO: what the smart metering system shall do.\n",
        [
            "spec/bad.rst:8: error: ':impact:' of 'PC_03' is still the placeholder 'TODO' "
            "[smets.placeholder]\n"
            "    fix: write impact class of implementing it: hardware, firmware, configuration or "
            "back-office (one of hardware, firmware, configuration, back-office)",
            "spec/bad.rst:9: error: ':mandatory_for:' of 'PC_03' is still the placeholder 'TODO' "
            "[smets.placeholder]\n"
            "    fix: write devices this requirement binds as mandatory (ids of device, comma-separated)",
            "spec/bad.rst:4: error: the title of 'PC_03' is still a placeholder [smets.placeholder]\n"
            "    fix: write a short title (it names the item in every table and link)",
            "spec/bad.rst:11: error: the text of 'PC_03' is still a placeholder: TODO: what the smart "
            "metering system shall do. [smets.placeholder]\n"
            "    fix: replace the TODO line with the text itself (it is published as written)",
        ],
    ),
    "bad enum value": (
        REQ.format(title="Enum", id="PC_03").replace("proposed", "proposd") + "   :mandatory_for: DEV_ESME\n",
        [
            "spec/bad.rst:6: error: 'proposd' is not an allowed value of ':status:' on 'PC_03' [smets.enum]\n"
            "    fix: use one of 'draft', 'proposed', 'approved' or 'withdrawn'",
        ],
    ),
    "bad value in an enum list": (
        ".. dataitem:: Item\n   :id: DAT_X\n   :data_type: decimal\n   :mapping_evidence: unmapped\n"
        "   :access: supplier, landlord\n",
        [
            "spec/bad.rst:8: error: 'landlord' is not an allowed value of ':access:' on 'DAT_X' "
            "[smets.enum]\n"
            "    fix: use one of 'supplier', 'network-operator', 'other-user', 'dcc', 'consumer' or "
            "'installer'",
        ],
    ),
    "wrong type: yes/no-or-unknown and figure": (
        ".. device:: Meter\n   :id: DEV_X\n   :firmware_upgradeable: maybe\n   :installed_base: lots\n"
        "   :installed_base_source: none\n",
        [
            "spec/bad.rst:6: error: ':firmware_upgradeable:' value 'maybe' on 'DEV_X' is not true, false or "
            "'unknown' [smets.type]\n"
            "    fix: write true, false or 'unknown' (Can installed units take a remote "
            "firmware upgrade? true, false or unknown.)",
            "spec/bad.rst:7: error: ':installed_base:' value 'lots' on 'DEV_X' is not a number or 'unknown' "
            "[smets.type]\n    fix: write a number or 'unknown' (Units installed in GB, or 'unknown'.)",
        ],
    ),
    "wrong type: bool": (
        ".. ccomment:: A comment\n   :id: CC_X\n   :respondent: A respondent\n   :stale: perhaps\n",
        [
            "spec/bad.rst:7: error: ':stale:' value 'perhaps' on 'CC_X' is not true or false [smets.type]\n"
            "    fix: write true or false "
            "(True when the requirement changed after the workbook was exported.)",
        ],
    ),
    "wrong type: int and pattern": (
        ".. protobj:: Object\n   :id: PO_X\n   :protocol: dlms-cosem\n   :interface_class: seven\n"
        "   :obis: 1.8.0\n   :evidence: secondary\n   :source: a test\n",
        [
            "spec/bad.rst:7: error: ':interface_class:' value 'seven' on 'PO_X' is not a whole number "
            "[smets.type]\n    fix: write a whole number (DLMS/COSEM interface class id.)",
            "spec/bad.rst:8: error: ':obis:' value '1.8.0' on 'PO_X' does not match the pattern "
            r"^[0-9]{1,3}-[0-9]{1,3}:[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ [smets.type]"
            "\n    fix: write it as: DLMS/COSEM logical name (OBIS code) as A-B:C.D.E.F.",
        ],
    ),
    "link to a missing need": (
        REQ.format(title="Links", id="PC_03") + "   :mandatory_for: DEV_ESME\n   :uses: DAT_METER_BALANC\n",
        [
            "spec/bad.rst:10: error: 'PC_03' links to missing need 'DAT_METER_BALANC' in ':uses:' "
            "[smets.link-missing]\n    fix: did you mean 'DAT_METER_BALANCE'?",
        ],
    ),
    "link to a need of the wrong type": (
        REQ.format(title="Links", id="PC_03") + "   :mandatory_for: DEV_ESME\n   :refines: DEV_GSME\n",
        [
            "spec/bad.rst:10: error: 'PC_03' :refines: 'DEV_GSME' is a device, but :refines: takes "
            "requirement "
            "[smets.link-type]\n    fix: link a req here, or move 'DEV_GSME' to the right field",
        ],
    ),
    "a link given twice": (
        REQ.format(title="Links", id="PC_03") + "   :mandatory_for: DEV_ESME, DEV_IHD, DEV_ESME\n",
        [
            "spec/bad.rst:9: error: 'PC_03' lists 'DEV_ESME' more than once in ':mandatory_for:' "
            "[smets.consistency]\n    fix: remove the repeated 'DEV_ESME'",
        ],
    ),
    "requirement without device applicability": (
        REQ.format(title="Nobody", id="PC_03") + "   :not_applicable_for: DEV_IHD\n",
        [
            "spec/bad.rst:4: error: requirement 'PC_03' states no device applicability "
            "[smets.applicability]\n"
            "    fix: add ':mandatory_for:' and/or ':optional_for:' with the devices it binds (DEV_...)",
        ],
    ),
    "a device in two degree lists": (
        REQ.format(title="Two degrees", id="PC_03")
        + "   :mandatory_for: DEV_ESME\n   :optional_for: DEV_ESME\n",
        [
            "spec/bad.rst:10: error: requirement 'PC_03' gives device 'DEV_ESME' two degrees "
            "(:mandatory_for: and :optional_for:) [smets.applicability]\n"
            "    fix: keep the device in one of the two lists",
        ],
    ),
    "id not matching the type's pattern": (
        REQ.format(title="Bad id", id="PC-03") + "   :mandatory_for: DEV_ESME\n",
        [
            "spec/bad.rst:5: error: id 'PC-03' does not match the req id pattern "
            r"[A-Z]{2}_[0-9]{1,3}|SMETS_[0-9]{1,3}(?:_[0-9]{1,3})* "
            r"[smets.id]"
            "\n"
            r"    fix: rename it to match [A-Z]{2}_[0-9]{1,3}|SMETS_[0-9]{1,3}(?:_[0-9]{1,3})*",
        ],
    ),
    "a clause number written as the id": (
        REQ.format(title="Dotted id", id="PC" + ".03") + "   :mandatory_for: DEV_ESME\n",
        [
            "spec/bad.rst:5: error: id 'PC" + ".03' does not match the req id pattern "
            r"[A-Z]{2}_[0-9]{1,3}|SMETS_[0-9]{1,3}(?:_[0-9]{1,3})* [smets.id]"
            "\n    fix: write ':id: PC_03' and ':clause: PC.03' (the clause number is a field)",
        ],
    ),
    "clause number of another requirement": (
        REQ.format(title="Wrong clause", id="PC_03") + "   :clause: PC.04\n   :mandatory_for: DEV_ESME\n",
        [
            "spec/bad.rst:9: error: requirement 'PC_03' has clause 'PC.04', but its id stands for clause "
            "'PC.03' [smets.clause]\n"
            "    fix: write ':clause: PC.03', or give the need the id PC_04",
        ],
    ),
    "need without an id": (
        ".. term:: Smart meter\n   :abbreviation: SM\n",
        [
            "spec/bad.rst:4: error: term 'Smart meter' has no ':id:' [smets.id]\n"
            "    fix: add ':id:' (pattern TERM_[A-Z0-9_]+); `smets new term` finds a free one",
        ],
    ),
    "missing required field": (
        ".. req:: Incomplete\n   :id: PC_03\n   :section: PC\n   :mandatory_for: DEV_ESME\n",
        [
            "spec/bad.rst:4: error: req 'PC_03' lacks required field ':status:' [smets.required]\n"
            "    fix: add ':status:' (Lifecycle state of the item.)",
            "spec/bad.rst:4: error: req 'PC_03' lacks required field ':impact:' [smets.required]\n"
            "    fix: add ':impact:' (Impact class of implementing it: hardware, firmware, configuration or "
            "back-office.)",
        ],
    ),
    "data item marked unmapped but mapped": (
        ".. dataitem:: Item\n   :id: DAT_X\n   :data_type: decimal\n   :mapping_evidence: unmapped\n"
        "   :mapping_source: a test\n   :maps_to: PO_ACCOUNT\n",
        [
            "spec/bad.rst:7: error: data item 'DAT_X' is marked unmapped but maps to PO_ACCOUNT "
            "[smets.consistency]\n    fix: set ':mapping_evidence:' to verified or secondary, or remove "
            "':maps_to:'",
        ],
    ),
    "data item claiming a mapping it does not give": (
        ".. dataitem:: Item\n   :id: DAT_X\n   :data_type: decimal\n   :mapping_evidence: verified\n",
        [
            "spec/bad.rst:7: error: data item 'DAT_X' claims a verified mapping but maps to nothing "
            "[smets.consistency]\n"
            "    fix: add ':maps_to:' with the protocol objects, or set ':mapping_evidence: unmapped'",
        ],
    ),
    "data item mapped without a source": (
        ".. dataitem:: Item\n   :id: DAT_X\n   :data_type: decimal\n   :mapping_evidence: secondary\n"
        "   :maps_to: PO_ACCOUNT\n",
        [
            "spec/bad.rst:8: error: data item 'DAT_X' maps to protocol objects without a ':mapping_source:' "
            "[smets.consistency]\n    fix: cite where the mapping comes from in ':mapping_source:'",
        ],
    ),
    "DLMS object missing its OBIS code and class": (
        ".. protobj:: Object\n   :id: PO_X\n   :protocol: dlms-cosem\n   :evidence: secondary\n   :source: "
        "a test\n",
        [
            "spec/bad.rst:4: error: dlms-cosem object 'PO_X' lacks ':interface_class:' [smets.required]\n"
            "    fix: add ':interface_class:' from the cited source, or mark the data item unmapped",
            "spec/bad.rst:4: error: dlms-cosem object 'PO_X' lacks ':obis:' [smets.required]\n"
            "    fix: add ':obis:' from the cited source, or mark the data item unmapped",
        ],
    ),
    "ZigBee object missing its cluster, GBCS object its use case": (
        ".. protobj:: Object\n   :id: PO_X\n   :protocol: zigbee-se\n   :evidence: secondary\n   :source: "
        "a test\n"
        "\n.. protobj:: Use case\n   :id: PO_Y\n   :protocol: gbcs\n   :evidence: unmapped\n   :source: a "
        "test\n",
        [
            "spec/bad.rst:4: error: zigbee-se object 'PO_X' lacks ':cluster:' [smets.required]\n"
            "    fix: add ':cluster:' from the cited source, or mark the data item unmapped",
            "spec/bad.rst:10: error: gbcs object 'PO_Y' lacks ':use_case:' [smets.required]\n"
            "    fix: add ':use_case:' from the cited source, or mark the data item unmapped",
            "spec/bad.rst:13: error: protocol object 'PO_Y' cannot have evidence 'unmapped' "
            "[smets.consistency]\n"
            "    fix: use verified or secondary; a data item without a mapping has no protocol object",
        ],
    ),
    "option without the space after its colon": (
        REQ.format(title="Syntax", id="PC_03") + "   :mandatory_for:DEV_ESME\n",
        [
            "spec/bad.rst:9: error: ':mandatory_for:DEV_ESME' is not an option, but the option block has not "
            "ended [smets.syntax]\n    fix: write options as ':name: value' (a space after the second "
            "colon), "
            "and leave a blank line before the content",
            "spec/bad.rst:4: error: requirement 'PC_03' states no device applicability "
            "[smets.applicability]\n"
            "    fix: add ':mandatory_for:' and/or ':optional_for:' with the devices it binds (DEV_...)",
        ],
    ),
    "content without a blank line after the options": (
        REQ.format(title="Syntax", id="PC_03") + "   :mandatory_for: DEV_ESME\n   The meter shall.\n",
        [
            "spec/bad.rst:10: error: 'The meter shall.' is not an option, but the option block has not ended "
            "[smets.syntax]\n    fix: write options as ':name: value' (a space after the second colon), "
            "and leave a blank line before the content",
        ],
    ),
    "malformed option before the first option": (
        ".. req:: Syntax\n   :id PC_03\n   :status: proposed\n",
        [
            "spec/bad.rst:5: error: ':id PC_03' is not a valid option line [smets.syntax]\n"
            "    fix: write options as ':name: value' (a space after the second colon)",
            "spec/bad.rst:4: error: req 'Syntax :id PC_03' has no ':id:' [smets.id]\n"
            "    fix: add ':id:' (pattern [A-Z]{2}_[0-9]{1,3}|SMETS_[0-9]{1,3}(?:_[0-9]{1,3})*); "
            "`smets new req` finds a free one",
        ],
    ),
    "option given twice": (
        REQ.format(title="Twice", id="PC_03") + "   :mandatory_for: DEV_ESME\n   :impact: hardware\n",
        [
            "spec/bad.rst:10: error: option ':impact:' is given twice [smets.syntax]\n    fix: keep one line",
        ],
    ),
    "directive written with one colon": (
        ".. req: Not a need\n   :id: PC_03\n",
        [
            "spec/bad.rst:4: error: '.. req: Not a need' is not a req directive (docutils reads it as a "
            "comment) "
            "[smets.syntax]\n    fix: write '.. req:: Title' (two colons, then a space)",
        ],
    ),
    "raw HTML": (
        ".. raw:: html\n\n   <script>alert(1)</script>\n",
        [
            "spec/bad.rst:4: error: '.. raw::' is not allowed in spec sources: it publishes HTML as written, "
            "script included [smets.unsafe-markup]\n"
            "    fix: " + DIRECTIVE_FIX,
        ],
    ),
    "file inclusion": (
        ".. include:: /proc/self/environ\n\n.. list-table:: T\n   :url: https://example.org/t.csv\n",
        [
            "spec/bad.rst:4: error: '.. include::' is not allowed in spec sources: it reads a file of the "
            "build machine into the page [smets.unsafe-markup]\n"
            "    fix: " + DIRECTIVE_FIX,
            "spec/bad.rst:7: error: option ':url:' of 'list-table' reads a file or URL into the page "
            "[smets.unsafe-markup]\n    fix: put the data in the source itself",
        ],
    ),
    "a filter run as Python": (
        ".. needtable::\n   :filter: __import__('os').system('id')\n",
        [
            "spec/bad.rst:4: error: '.. needtable::' is not allowed in spec sources: it is a sphinx-needs "
            "directive that evaluates Python expressions or reads files or services [smets.unsafe-markup]\n"
            "    fix: " + DIRECTIVE_FIX,
        ],
    ),
    "a dynamic function in a title": (
        REQ.format(title="Copy [[copy('id')]]", id="PC_03") + "   :mandatory_for: DEV_ESME\n\n   Text.\n",
        [
            "spec/bad.rst:4: error: '[[...]]' in the title of 'PC_03' is a sphinx-needs dynamic function, "
            "run at build time [smets.unsafe-markup]\n    fix: write the value itself",
        ],
    ),
    "javascript link": (
        "See `the notice <javascript:alert(document.domain)>`_.\n",
        [
            "spec/bad.rst:4: error: link 'javascript:alert(document.domain)' uses a scheme the site does not "
            "publish (only http, https, mailto and relative links) [smets.unsafe-link]\n"
            "    fix: link an http(s) page, or write the text so that it is not a link "
            "(for example in ``code``)",
        ],
    ),
    "merge-conflict markers": (
        REQ.format(title="Conflict", id="PC_03")
        + "   :mandatory_for: DEV_ESME\n\n<<<<<<< HEAD\n   The ESME shall log.\n=======\n"
        "   The ESME shall record.\n>>>>>>> other\n",
        [
            f"spec/bad.rst:{line}: error: unresolved merge-conflict marker '{marker}' "
            "[smets.conflict-marker]\n"
            "    fix: " + CONFLICT_FIX
            for line, marker in ((11, "<<<<<<<"), (13, "======="), (15, ">>>>>>>"))
        ],
    ),
    "a body that lost its indentation": (
        REQ.format(title="Unindented", id="PC_03") + "   :mandatory_for: DEV_ESME\n\nThe ESME shall log.\n",
        [
            "spec/bad.rst:11: error: 'The ESME shall log.' follows the req 'Unindented' at its indentation, "
            "so it is not the req's text (the req has none) [smets.indentation]\n"
            "    fix: indent the text by 3 spaces, under the directive's options",
        ],
    ),
    "control character": (
        REQ.format(title="Bell", id="PC_03") + "   :mandatory_for: DEV_ESME\n\n   The ESME shall\x07 ring.\n",
        [
            "spec/bad.rst:11: error: control character U+0007 in the text (invisible; spreadsheets and XML "
            "refuse it) [smets.control-char]\n"
            "    fix: delete it (an editor's 'show invisibles' shows where it is)",
        ],
    ),
    "text longer than a spreadsheet cell": (
        REQ.format(title="Long", id="PC_03") + "   :mandatory_for: DEV_ESME\n\n   " + "word " * 6600 + "\n",
        [
            "spec/bad.rst:4: error: the text of 'PC_03' is 32,999 characters; a spreadsheet cell keeps "
            "32,767 (a consultation workbook would cut it) [smets.too-long]\n"
            "    fix: split it into several needs, or move detail into a referenced document",
        ],
    ),
    "a cycle of depends_on links": (
        REQ.format(title="A", id="PC_03")
        + "   :mandatory_for: DEV_ESME\n   :depends_on: PC_04\n\n   A.\n\n"
        + REQ.format(title="B", id="PC_04")
        + "   :mandatory_for: DEV_ESME\n   :depends_on: PC_03\n\n   B.\n",
        [
            "spec/bad.rst:10: error: ':depends_on:' links form a cycle: PC_03 -> PC_04 -> PC_03 "
            "[smets.link-cycle]\n"
            "    fix: remove the ':depends_on:' link that closes the cycle; "
            "no requirement can come before itself",
        ],
    ),
}


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    return sourcedir(tmp_path, "mini")


def _assert_exactly(result: Result, expected: list[str]) -> None:
    for text in expected:
        assert text + "\n" in result.err, f"missing:\n{text}\n--- got:\n{result.err}"
    assert f"{len(expected)} error(s), 0 warning(s)" in result.err, result.err
    assert result.code == 1


def test_the_mini_project_is_valid(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = smets(capsys, mini, "validate")
    assert (result.code, result.out, result.err) == (0, "9 needs read, 0 error(s)\n", "")


@pytest.mark.parametrize("case", list(CASES))
def test_rule(case: str, mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, expected = CASES[case]
    write(mini, "spec/bad.rst", HEAD + text)
    _assert_exactly(smets(capsys, mini, "validate"), expected)


def test_duplicate_id_points_back_at_the_first_definition(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        mini,
        "spec/zz-copy.rst",
        HEAD + REQ.format(title="Copy", id="PC_02") + "   :mandatory_for: DEV_ESME\n",
    )
    _assert_exactly(
        smets(capsys, mini, "validate"),
        [
            "spec/zz-copy.rst:4: error: duplicate id 'PC_02' [smets.duplicate-id]\n"
            "spec/requirements.rst:15: note: first defined here\n"
            "    fix: give this need a new id (`smets new` finds a free one) or remove the copy"
        ],
    )


def test_file_that_is_not_utf8(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (mini / "spec" / "latin1.rst").write_bytes(b"Tariffs\n=======\n\nPrice in \xa3 per kWh.\n")
    _assert_exactly(
        smets(capsys, mini, "validate"),
        [
            "spec/latin1.rst:4: error: file is not UTF-8 (invalid start byte: byte 0xa3 at offset 26) "
            "[smets.input]\n    fix: save the file as UTF-8 (for example: iconv -f cp1252 -t utf-8)"
        ],
    )


def test_json_output_carries_location_rule_and_fix(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        mini,
        "spec/bad.rst",
        HEAD + REQ.format(title="Links", id="PC_03") + "   :mandatory_for: DEV_ZZZZZZZZZZ\n",
    )
    result = smets(capsys, mini, "validate", "--json")
    assert result.code == 1
    data = json.loads(result.out)
    assert (data["needs"], data["errors"]) == (10, 1)
    assert data["diagnostics"] == [
        {
            "location": {"file": "spec/bad.rst", "line": 9},
            "severity": "error",
            "message": "'PC_03' links to missing need 'DEV_ZZZZZZZZZZ' in ':mandatory_for:'",
            "rule": "smets.link-missing",
            "fix": "define a device 'DEV_ZZZZZZZZZZ'",
            "related": None,
        }
    ]


def test_errors_in_every_file_are_all_reported_in_file_order(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(mini, "spec/b.rst", HEAD + REQ.format(title="B", id="PC_04"))
    write(mini, "spec/a.rst", HEAD + REQ.format(title="A", id="PC_03"))
    result = smets(capsys, mini, "validate")
    lines = [line for line in result.err.splitlines() if ": error: " in line]
    assert [line.split(": error:")[0] for line in lines] == ["spec/a.rst:4", "spec/b.rst:4"]
    assert result.code == 1


def test_validate_reads_a_needs_json_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needs = {
        "current_version": "1",
        "versions": {
            "1": {
                "needs": {
                    "PC_01": {
                        "id": "PC_01",
                        "type": "req",
                        "title": "T",
                        "docname": "sections/pc",
                        "doctype": ".rst",
                        "lineno": 7,
                        "status": "proposed",
                        "section": "PC",
                        "impact": "firmware",
                        "mandatory_for": ["DEV_GONE"],
                    }
                }
            }
        },
    }
    path = write(sourcedir(tmp_path, "mini"), "needs.json", json.dumps(needs))
    result = smets(capsys, path.parent, "validate", "--from", str(path))
    assert result.code == 1
    assert (
        "spec/sections/pc.rst:7: error: 'PC_01' links to missing need 'DEV_GONE' in ':mandatory_for:' "
        "[smets.link-missing]\n" in result.err
    )


def test_build_stops_on_a_spec_error_before_sphinx_runs(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(mini, "spec/bad.rst", HEAD + REQ.format(title="Nobody", id="PC_03"))
    result = smets(capsys, mini, "build", "--out-dir", str(mini / "out"))
    assert result.code == 1
    assert (
        "spec/bad.rst:4: error: requirement 'PC_03' states no device applicability [smets.applicability]\n"
        in (result.err)
    )
    assert result.err.endswith("smets build: the spec has errors; nothing was built\n")
    assert not (mini / "out").exists()


def test_build_refuses_a_conf_py_that_sets_the_derived_config(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = mini / "conf.py"
    lines = conf.read_text(encoding="utf-8").splitlines()
    conf.write_text("\n".join([*lines, "needs_types = []", "needs_id_regex = '.*'"]) + "\n", encoding="utf-8")
    result = smets(capsys, mini, "build", "--out-dir", str(mini / "out"))
    assert result.code == 1
    n = len(lines)
    assert (
        f"conf.py:{n + 1}: error: conf.py sets needs_types, which the extension derives from "
        "smets_spec/corpus/schema.py [smets.config]\n"
        "    fix: remove needs_types from conf.py; change the need types in schema.py instead\n"
        f"conf.py:{n + 2}: error: conf.py sets needs_id_regex" in result.err
    )
    assert not (mini / "out").exists()


def test_the_extension_raises_config_error_for_needs_types_in_conf_py() -> None:
    from sphinx.config import Config
    from sphinx.errors import ConfigError

    from smets_spec.sphinx import apply_needs_settings

    with pytest.raises(ConfigError, match=r"conf.py sets needs_types, .* remove needs_types from conf.py"):
        apply_needs_settings(None, Config({"needs_types": []}))  # type: ignore[arg-type]
    allowed = Config({"needs_build_json": True})
    apply_needs_settings(None, allowed)  # type: ignore[arg-type]
    assert [t["directive"] for t in allowed.needs_types][:4] == ["req", "device", "dataitem", "protobj"]
