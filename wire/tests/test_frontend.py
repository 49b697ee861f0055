"""The two front-end programs end to end, driven the way the core drives them (JSON lines on a pipe).

The test plays the core: it answers the server's reads from a table and reads through the client.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

OBJECTS = [
    {"key": "IMPORT", "class": 3, "obis": "1-0:1.8.0.255"},
    {"key": "LOG", "class": 7, "obis": "0-0:99.98.0.255"},
    {"key": "CREDIT", "class": 112, "obis": "0-0:19.10.0.255"},
    {"key": "GBCS", "class": 9000, "obis": "0-0:94.44.2.0"},
]
STATES: dict[str, Any] = {
    "IMPORT": {"value": 6000, "type": "uint32", "scaler": 0, "unit": 30},
    "LOG": {
        "capture": [[8, "0-0:1.0.0.255", 2], [1, "0-0:96.11.0.255", 2]],
        "rows": [[{"datetime": "2024-01-15T03:00:00+00:00"}, "tamper"]],
    },
}


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "smets_dlms", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _say(process: subprocess.Popen[str], message: dict[str, Any]) -> None:
    assert process.stdin is not None
    process.stdin.write(json.dumps(message) + "\n")
    process.stdin.flush()


def _hear(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    heard: dict[str, Any] = json.loads(process.stdout.readline())
    return heard


@pytest.fixture(params=["wrapper", "hdlc"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, int, list[dict[str, Any]]]]:
    server = _start("serve", "--interface", request.param)
    _say(server, {"objects": OBJECTS})
    ready = _hear(server)
    asked: list[dict[str, Any]] = []

    def core() -> None:
        while server.poll() is None:
            try:
                message = _hear(server)
            except ValueError:
                return
            asked.append(message)
            state = STATES.get(message["key"])
            _say(server, {"state": state} if state else {"error": "no value"})

    threading.Thread(target=core, daemon=True).start()
    yield request.param, int(ready["port"]), asked
    server.terminate()
    server.wait(5)
    assert ready["unsupported"] == {"GBCS": "interface class 9000 is not implemented by gurux-dlms"}


def test_server_and_client(served: tuple[str, int, list[dict[str, Any]]]) -> None:
    interface, port, asked = served
    client = _start("client", "--host", "127.0.0.1", "--port", str(port), "--interface", interface)
    hello = _hear(client)
    assert hello["event"] == "associated"
    assert [3, "1-0:1.8.0.255", 0] in hello["objects"] and [7, "0-0:99.98.0.255", 1] in hello["objects"]

    def get(class_id: int, obis: str, attribute: int) -> dict[str, Any]:
        _say(client, {"class": class_id, "obis": obis, "attribute": attribute})
        return _hear(client)

    assert get(3, "1-0:1.8.0.255", 2) == {"ok": True, "type": "uint32", "value": 6000}
    assert get(3, "1-0:1.8.0.255", 3)["value"] == [0, 30]
    log = get(7, "0-0:99.98.0.255", 2)["value"]
    assert log == [[{"octets": "07e8010fff03000000000000"}, "tamper"]]
    assert get(112, "0-0:19.10.0.255", 2) == {"ok": False, "error": "the device answered error 11"}
    assert get(3, "1-0:9.9.9.255", 2)["ok"] is False
    assert {"op": "read", "key": "IMPORT", "attribute": 2} in asked
    assert client.stdin is not None
    client.stdin.close()
    assert client.wait(10) == 0


def test_client_cannot_associate() -> None:
    client = _start("client", "--host", "127.0.0.1", "--port", "1", "--timeout", "2")
    hello = _hear(client)
    assert hello["event"] == "error" and "cannot associate with 127.0.0.1:1" in hello["message"]
    assert client.wait(10) == 2
