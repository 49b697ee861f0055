"""The catalogue helpers write their answer in one write (``SMETS_HELPER_ONE_WRITE``): the same bytes
on stdout as :func:`json.dump` wrote piece by piece (each piece a system call where stdout is
unbuffered, as ``PYTHONUNBUFFERED=1`` makes it)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Any

import pytest

import smets_dlms_catalogue.__main__ as dlms_main
import smets_zigbee_catalogue.__main__ as zigbee_main

#: a DLMS question with every part the build asks: codes to check, codes to describe, the table
DLMS_REQUEST = {
    "check": [["1.0.1.8.0.255", 3], ["0.0.1.0.0.255", 8], ["1.0.99.1.0.255", 7]],
    "describe": ["1.0.3.8.0.255", "0.0.96.1.0.255"],
    "rows": True,
}
HELPERS = (("smets_dlms_catalogue", DLMS_REQUEST), ("smets_zigbee_catalogue", {}))


def _run(module: str, request: dict[str, Any], switch: str | None) -> bytes:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop(dlms_main.ONE_WRITE, None)
    if switch is not None:
        env[dlms_main.ONE_WRITE] = switch
    done = subprocess.run(
        [sys.executable, "-m", module],
        input=json.dumps(request).encode(),
        capture_output=True,
        env=env,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(("module", "request_"), HELPERS, ids=["dlms", "zigbee"])
def test_the_answer_is_the_same_bytes_both_ways(module: str, request_: dict[str, Any]) -> None:
    one = _run(module, request_, None)
    pieces = _run(module, request_, "off")
    assert one == pieces
    answer = json.loads(one)
    assert answer["library"] == ("gurux-dlms" if "dlms" in module else "zigpy")
    if "dlms" in module:
        assert [item["obis"] for item in answer["check"]] == [code for code, _ in DLMS_REQUEST["check"]]
        assert answer["check"][0]["matches"][0]["classes"] == "3,4"
        assert len(answer["table_rows"]) == answer["rows"] > 1000
    else:
        assert len(answer["clusters"]) > 50


class _Counted(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@pytest.mark.parametrize("main", [dlms_main, zigbee_main], ids=["dlms", "zigbee"])
def test_one_write_on_and_one_per_piece_off(main: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    found = {"library": "x", "rows": [{"pattern": f"1.0.{n}.8.0.255", "classes": [3, 4]} for n in range(50)]}
    counted = {}
    for switch in ("on", "off"):
        monkeypatch.setenv(main.ONE_WRITE, switch)
        out = _Counted()
        monkeypatch.setattr(sys, "stdout", out)
        main.write_answer(found)
        monkeypatch.undo()
        counted[switch] = (out.writes, out.getvalue())
    assert counted["on"][0] == 1
    assert counted["off"][0] > 500  # json.dump: every key, value and separator its own write
    assert counted["on"][1] == counted["off"][1] == json.dumps(found)
