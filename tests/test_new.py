"""`smets new`: stubs with the next free id, written where their kind lives, from templates/new/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clitools import smets, sourcedir
from conftest import copy_project
from smets_spec.commands.new import next_prefixed_id, next_requirement_id
from smets_spec.corpus.load import Corpus, load_spec
from smets_spec.corpus.schema import DataItem, Requirement, Section, Status


def _corpus(*ids: str) -> Corpus:
    corpus = Corpus()
    for need_id in ids:
        corpus.needs[need_id] = Requirement(id=need_id, title="t")
    return corpus


@pytest.mark.parametrize(
    ("ids", "section", "expected"),
    [
        (("PC_01", "PC_02", "PC_11", "SP_2"), Section.PC, "PC_12"),
        (("SP_2", "SP_3", "SP_62"), Section.SP, "SP_63"),
        (("SP_2", "SP_9"), Section.SP, "SP_10"),
        (("DI_009", "DI_010"), Section.DI, "DI_011"),
        (("PC_01",), Section.IH, "IH_01"),
    ],
)
def test_next_requirement_id_keeps_the_section_style(
    ids: tuple[str, ...], section: Section, expected: str
) -> None:
    assert next_requirement_id(_corpus(*ids), section) == expected


def test_next_prefixed_id_is_free() -> None:
    corpus = Corpus()
    assert next_prefixed_id(corpus, DataItem, "Meter balance") == "DAT_METER_BALANCE"
    corpus.needs["DAT_METER_BALANCE"] = DataItem(id="DAT_METER_BALANCE", title="t")
    corpus.needs["DAT_METER_BALANCE_2"] = DataItem(id="DAT_METER_BALANCE_2", title="t")
    assert next_prefixed_id(corpus, DataItem, "meter-balance!") == "DAT_METER_BALANCE_3"


def _expected_next(corpus: Corpus, section: str) -> str:
    numbers = [n.id.split("_")[1] for n in corpus.requirements if n.id.startswith(section + "_")]
    width = max((len(n) for n in numbers if n.startswith("0")), default=1)
    return f"{section}_{max(int(n) for n in numbers) + 1:0{width}d}"


@pytest.mark.parametrize("section", ["PC", "SP"])
def test_new_requirement_in_the_real_spec(
    section: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_project(tmp_path)
    before = load_spec(root / "spec", relative_to=root)
    assert before.errors == 0
    reqs = [r for r in before.requirements if r.section == Section(section)]
    file = before.location(reqs[0].id).file
    new_id = _expected_next(before, section)
    old_text = (root / file).read_text(encoding="utf-8")

    result = smets(capsys, root, "new", "requirement", "--section", section.lower(), "--title", "Top up")
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith(f"{file}: added req {new_id}\n4 placeholder(s) to fill in;")

    text = (root / file).read_text(encoding="utf-8")
    assert text.startswith(old_text.rstrip("\n") + "\n")
    stub = text[len(old_text.rstrip("\n")) + 1 :]
    assert stub.startswith(
        f"\n.. req:: Top up\n   :id: {new_id}\n   :clause: {new_id.replace('_', '.')}\n"
        f"   :status: draft\n   :section: {section}\n"
    )
    assert "   :introduced: unreleased\n" in stub
    assert "   :impact: TODO\n   :mandatory_for: TODO\n" in stub  # nothing invented
    after = load_spec(root / "spec", relative_to=root)
    added = after[new_id]
    assert isinstance(added, Requirement)
    assert (added.status, added.section) == (Status.DRAFT, Section(section))
    assert (added.mandatory_for, added.impact) == ((), None)
    assert after.location(new_id).file == file
    validate = smets(capsys, root, "validate")
    assert validate.code == 1  # the stub cannot be published until its placeholders are replaced
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    reported = [line for line in validate.err.splitlines() if "[smets.placeholder]" in line]
    assert len(reported) == 4
    for line in reported:  # each at the line of its TODO
        where = int(line.split(":")[1])
        assert "TODO" in lines[where - 1], line
    assert all(line in result.out for line in reported)  # smets new printed the same list
    filled = "\n".join(lines) + "\n"
    filled = filled.replace(":impact: TODO", ":impact: firmware")
    filled = filled.replace(":mandatory_for: TODO", f":mandatory_for: {reqs[0].mandatory_for[0]}")
    filled = re.sub(r":applicability_basis: TODO.*", ":applicability_basis: editorial reading", filled)
    filled = re.sub(r"   TODO: what the smart.*", "   The meter shall accept a top up.", filled)
    (root / file).write_text(filled, encoding="utf-8")
    validate = smets(capsys, root, "validate")
    assert validate.code == 0, validate.err
    assert validate.out == f"{len(before) + 1} needs read, 0 error(s)\n"


def test_new_requirement_in_an_empty_section_gets_a_section_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sourcedir(tmp_path, "mini")
    result = smets(capsys, root, "new", "requirement", "--section", "IH", "--devices", "DEV_IHD")
    assert result.code == 0
    assert result.out.startswith("spec/sections/ih.rst: added req IH_01\n4 placeholder(s) to fill in;")
    assert (root / "spec/sections/ih.rst").read_text(encoding="utf-8") == (
        "IH: In-home display (IHD)\n"
        "=========================\n"
        "\n"
        ".. smets-section:: IH\n"
        "\n"
        ".. req:: TODO title\n"
        "   :id: IH_01\n"
        "   :clause: IH.01\n"
        "   :status: draft\n"
        "   :section: IH\n"
        "   :introduced: unreleased\n"
        "   :impact: TODO\n"
        "   :mandatory_for: DEV_IHD\n"
        "   :applicability_basis: TODO: where the applicability and impact come from (a source, or "
        '"editorial reading of ...")\n'
        "\n"
        "   TODO: what the smart metering system shall do, as one testable statement.\n"
    )
    validate = smets(capsys, root, "validate")
    assert validate.code == 1
    assert [line.split(": error:")[0] for line in validate.err.splitlines() if "placeholder" in line] == [
        "spec/sections/ih.rst:6",
        "spec/sections/ih.rst:12",
        "spec/sections/ih.rst:14",
        "spec/sections/ih.rst:16",
    ]


def test_new_requirement_print_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = sourcedir(tmp_path, "mini")
    before = {p: p.read_bytes() for p in (root / "spec").rglob("*") if p.is_file()}
    result = smets(capsys, root, "new", "requirement", "--section", "PC", "--print")
    assert result.code == 0
    assert result.out.startswith("\n.. req:: TODO title\n   :id: PC_03\n")
    assert {p: p.read_bytes() for p in (root / "spec").rglob("*") if p.is_file()} == before


def test_new_device_gets_its_own_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path)
    result = smets(capsys, root, "new", "device", "--title", "Test device")
    assert result.code == 0
    assert result.out.startswith(
        "spec/devices/test-device.rst: added device DEV_TEST_DEVICE\n2 placeholder(s)"
    )
    assert (root / "spec/devices/test-device.rst").read_text(encoding="utf-8") == (
        "Test device\n===========\n\n.. smets-device:: DEV_TEST_DEVICE\n\n"
        ".. device:: Test device\n   :id: DEV_TEST_DEVICE\n   :status: draft\n"
        "   :firmware_upgradeable: unknown\n   :installed_base: unknown\n   :installed_base_source: TODO\n\n"
        "   TODO: describe the device.\n"
    )
    validate = smets(capsys, root, "validate")
    assert validate.code == 1
    assert "spec/devices/test-device.rst:11: error: ':installed_base_source:' of 'DEV_TEST_DEVICE' is " in (
        validate.err
    )


@pytest.mark.parametrize(
    ("kind", "directive", "fill"),
    [
        ("data-item", "dataitem", {":data_type: TODO": ":data_type: decimal"}),
        (
            "protobj",
            "protobj",
            {
                ":protocol: TODO": ":protocol: gbcs\n   :use_case: ECS01a",
                ":evidence: TODO": ":evidence: secondary",
                ":source: TODO": ":source: the use case list of the test's own fixture",
            },
        ),
        ("term", "term", {}),
        ("refmodel", "refmodel", {":module: TODO": ":module: smets_spec.reference.clock:Clock"}),
    ],
)
def test_new_other_types(
    kind: str, directive: str, fill: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sourcedir(tmp_path, "mini")
    result = smets(capsys, root, "new", kind, "--title", "Sample item")
    assert result.code == 0
    match = re.match(rf"(spec/\S+): added {directive} (\S+)\n", result.out)
    assert match, result.out
    file, need_id = match[1], match[2]
    corpus = load_spec(root / "spec", relative_to=root)
    assert need_id in corpus and corpus.location(need_id).file == file
    assert need_id == corpus[need_id].prefix + "SAMPLE_ITEM"
    todo = [d for d in corpus.diagnostics if d.location.file == file]
    assert [f"{d.location}: {d.message}" for d in todo] == [
        line.split(": error: ")[0] + ": " + line.split(": error: ")[1].rsplit(" [", 1)[0]
        for line in result.out.splitlines()
        if ": error: " in line
    ]
    path = root / file
    text = path.read_text(encoding="utf-8")
    for old, new in fill.items():
        text = text.replace(old, new)
    assert re.search(r"\n   TODO: describe the .*\n", text)
    text = re.sub(r"\n   TODO: describe the .*\n", "\n   What it is, in the author's words.\n", text)
    path.write_text(text, encoding="utf-8")
    validate = smets(capsys, root, "validate")
    assert validate.code == 0, validate.err


def test_a_new_data_item_goes_into_the_catalogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = sourcedir(tmp_path, "mini")
    result = smets(capsys, root, "new", "dataitem", "--title", "Meter balance")
    assert result.out.startswith("spec/data.rst: added dataitem DAT_METER_BALANCE_2\n")
    assert "   :mapping_evidence: unmapped\n" in (root / "spec/data.rst").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("widget",),
            "smets new: error: unknown type 'widget'; use one of requirement, req, device, dataitem",
        ),
        (
            ("requirement", "--section", "XX"),
            "smets new: error: unknown section 'XX'; use one of IM, OP, DS, IN, PC",
        ),
        (("requirement",), "smets new: error: --section is required for a requirement (e.g. --section PC)"),
    ],
)
def test_new_usage_errors(
    args: tuple[str, ...], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sourcedir(tmp_path, "mini")
    result = smets(capsys, root, "new", *args)
    assert result.code == 2
    assert result.err.startswith(message)
    assert result.out == ""
    assert not (root / "spec" / "sections").exists()
