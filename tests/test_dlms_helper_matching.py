"""The DLMS/COSEM helper's matching (``smets_dlms_catalogue``) gives, byte for byte, the answer it
gave before its mask tests were asked once each and gurux's descriptions asked over the matched
rows only (issue 20: 0.5 s of CPU in a cold build at 2,000 requirements): gurux's plain
collection and the helper's first row selection and matching, kept here, against the helper as
it is, on the question a cold build of this repository's spec asks and on random codes. Run in a
process of its own: gurux-dlms (GPL-2.0-only) never loads beside smets_spec."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from smets_spec.corpus.load import load_spec
from smets_spec.protocols import catalogue
from smets_spec.protocols.assess import checks_request

ROOT = Path(__file__).resolve().parent.parent

_DRIVER = """
import json, sys
import smets_dlms_catalogue.__main__ as helper

request = json.load(sys.stdin)
now = json.dumps(helper.answer(request))

def rows_for(codes, c):  # the selection as it was (main at f97be11)
    if c not in helper._BY_C:
        helper._BY_C[c] = type(codes)(it for it in codes if codes.equalsMask(it.obis[2], c))
    return helper._BY_C[c]

def matches(codes, obis, ic):  # the matching as it was (main at f97be11)
    try:
        raw = codes.getBytes(obis)
    except (ValueError, IndexError):
        return []
    rows = helper._rows_for(codes, raw[2])
    found = []
    patterns = [it for it in rows if rows.equalsInterface(it, ic) and rows.equalsObisCode(it.obis, raw)]
    described = rows.find2(raw, ic) if patterns else []
    for it, desc in zip(patterns, described, strict=False):
        row = {"pattern": ".".join(it.obis), "classes": it.interfaces}
        found.append({**row, "description": desc.description})
    return found

helper._BY_C.clear()
helper._rows_for = rows_for
helper._matches = matches
plain = helper._collection
helper._collection = lambda: plain(remember=False)
before = json.dumps(helper.answer(request))
checked = json.loads(now)["check"]
matched = sum(bool(entry["any"]) for entry in checked)
print(json.dumps({"same": now == before, "size": len(now), "checked": len(checked), "matched": matched}))
"""


def _compared(request: dict[str, Any]) -> dict[str, Any]:
    if catalogue.installed(catalogue.DLMS_DIST) is None:
        pytest.skip("gurux-dlms not installed")
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_the_cold_build_question_gets_the_same_answer() -> None:
    request = checks_request(load_spec(ROOT / "spec", relative_to=ROOT))
    found = _compared(request)
    assert found["same"] is True
    assert found["checked"] == len(request["check"]) >= 10  # type: ignore[arg-type]
    assert found["size"] > 100_000  # the table's rows with it


def test_random_codes_get_the_same_answer() -> None:
    rng = random.Random(20)
    groups = [0, 1, 7, 9, 96, 97, 98, 99, 128, 255]
    codes = [".".join(str(rng.choice([*groups, rng.randrange(256)])) for _ in range(6)) for _ in range(150)]
    request = {
        "check": [[code, rng.choice([1, 3, 4, 5, 7, 8, 15, 70, 0])] for code in codes[:100]],
        "describe": [*codes[100:], "1.0.99.98.0.255"],
        "rows": False,
    }
    found = _compared(request)
    assert found["same"] is True
    assert found["checked"] == 100
    assert found["matched"] > 10  # codes the table has rows for, not only misses
