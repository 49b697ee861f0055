"""The protocol catalogue helpers end at once once their answer is written (``SMETS_HARD_EXIT``,
as ``smets build`` does), write it with one encoding call and pause their collector: the same
bytes on stdout as the helper that ends as any Python program does (``SMETS_HARD_EXIT=off``) and
as the library's answer written by ``json.dump`` (how the helpers wrote it before), exit status 0.
Each helper runs in a process of its own (GPL-2.0-only gurux, GPL-3.0 zigpy: never together,
never beside smets_spec)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smets_spec.corpus.load import load_spec
from smets_spec.protocols import answers, catalogue
from smets_spec.protocols.assess import checks_request

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], stdin: str, hard: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SMETS_HARD_EXIT"}
    if hard is not None:
        env["SMETS_HARD_EXIT"] = hard
    done = subprocess.run(
        [sys.executable, *args], input=stdin, capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_the_dlms_helper_answers_the_same_both_ways() -> None:
    if catalogue.installed(catalogue.DLMS_DIST) is None:
        pytest.skip("gurux-dlms not installed")
    request = json.dumps(checks_request(load_spec(ROOT / "spec", relative_to=ROOT)))
    hard = _run(["-m", catalogue.DLMS_HELPER], request, None)
    usual = _run(["-m", catalogue.DLMS_HELPER], request, "off")
    before = _run(
        [
            "-c",
            "import json, sys; from smets_dlms_catalogue.__main__ import answer; "
            "json.dump(answer(json.load(sys.stdin)), sys.stdout)",
        ],
        request,
        "off",
    )
    assert hard == usual == before
    asked = json.loads(request)
    assert answers.dlms_shape(json.loads(hard), len(asked["check"]), len(asked["describe"]))


def test_the_zigbee_helper_answers_the_same_both_ways() -> None:
    if catalogue.installed(catalogue.ZIGBEE_DIST) is None:
        pytest.skip("zigpy not installed")
    hard = _run(["-m", catalogue.ZIGBEE_HELPER], "", None)
    usual = _run(["-m", catalogue.ZIGBEE_HELPER], "", "no")
    before = _run(
        [
            "-c",
            "import json, sys; from smets_zigbee_catalogue.__main__ import dump; "
            "json.dump(dump(), sys.stdout)",
        ],
        "",
        "off",
    )
    assert hard == usual == before
    data = json.loads(hard)
    assert answers.zigbee_shape(data) and len(data["clusters"]) > 50
