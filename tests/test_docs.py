"""The user docs stay true to the code: commands, rules, examples and messages."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from clitools import ROOT, smets, sourcedir, write
from smets_spec.cli import build_parser
from smets_spec.corpus.diagnostics import Rule
from smets_spec.corpus.schema import DataItem, Device, Need, ProtocolObject, Requirement
from test_validation_rules import CASES

AUTHORING = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
CLI = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


#: The needs the examples link to but do not define.
SUPPORT = """Support
=======

.. device:: Gas smart metering equipment
   :id: DEV_GSME
   :firmware_upgradeable: true
   :installed_base: unknown
   :installed_base_source: no public figure

.. dataitem:: Meter balance
   :id: DAT_METER_BALANCE
   :data_type: decimal
   :mapping_evidence: unmapped
"""


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


def _subcommands() -> list[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(actions[0].choices)


def test_every_command_is_documented() -> None:
    commands = _subcommands()
    assert {"validate", "build", "new", "schema"} <= set(commands)
    missing = [c for c in commands if f"## `smets {c}`" not in CLI]
    assert missing == []


#: The modules that read and validate the spec (consultation and conformance rules have their own guides).
VALIDATION = (
    "corpus/load.py",
    "corpus/validate.py",
    "corpus/rstreader.py",
    "corpus/safety.py",
    "commands/build.py",
)


def test_every_validation_rule_is_documented() -> None:
    package = ROOT / "tooling" / "smets_spec"
    source = "\n".join((package / name).read_text(encoding="utf-8") for name in VALIDATION)
    used = [rule for rule in Rule if f"Rule.{rule.name}" in source]
    assert Rule.DUPLICATE_ID in used
    assert [r.value for r in used if f"### `{r.value}`" not in AUTHORING] == []


def test_example_messages_are_the_tested_ones() -> None:
    tested = "\n".join(
        line for _, expected in CASES.values() for text in expected for line in text.splitlines()
    )
    examples = [
        (line, nxt)
        for block in _blocks(AUTHORING, "text")
        for line, nxt in zip(block.splitlines(), [*block.splitlines()[1:], ""], strict=True)
        if line.startswith("spec/bad.rst:")
    ]
    assert len(examples) >= 12
    for line, fix in examples:
        assert line in tested.splitlines(), line
        assert fix in tested.splitlines(), fix


def test_rst_examples_are_valid_needs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = sourcedir(tmp_path, "mini")
    for name in ("requirements.rst", "devices.rst", "data.rst"):  # the examples bring PC_01, DEV_ESME, ...
        (root / "spec" / name).unlink()
    write(root, "spec/support.rst", SUPPORT)
    examples = _blocks(AUTHORING, "rst")
    assert len(examples) >= 4
    write(root, "spec/examples.rst", "Examples\n========\n\n" + "\n".join(examples))
    result = smets(capsys, root, "validate")
    assert result.err == ""
    assert result.code == 0
    assert re.match(r"\d+ needs read, 0 error\(s\)\n", result.out)


@pytest.mark.parametrize("model", [Requirement, Device, DataItem, ProtocolObject], ids=lambda m: m.directive)
def test_every_field_of_the_main_types_is_explained(model: type[Need]) -> None:
    assert [name for name in model.own_fields() if f":{name}:" not in AUTHORING] == []
