"""The conformance suite over DLMS/COSEM: a golden unit on 127.0.0.1, `smets conform --target
dlms+tcp://...` against it, faulty units that fail exactly the expected tests, and the licence
boundary (the core never imports the GPL front end; it runs as its own process).

Skips only when the wire front end (wire/, installed by ./dev test) cannot run here.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clitools import ROOT
from clitools import smets as cli
from htmltools import StubLinker
from smets_spec.conformance.frontend import missing_reason
from smets_spec.conformance.golden import Fault, GoldenUnit
from smets_spec.conformance.results import load
from smets_spec.conformance.wirepage import protocol_section
from smets_spec.conformance.wiretarget import DlmsTarget, parse_target
from smets_spec.corpus.load import Corpus
from smets_spec.reference.interfaces import Register

REASON = missing_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"DLMS/COSEM front end unavailable: {REASON}")

START = "2024-01-15T00:00:00+00:00"
SERVE = [sys.executable, "-m", "smets_spec.cli", "--root", str(ROOT), "golden-unit", "serve"]
OBJECTS_TEST = "test_dlms_objects.py::test_object_over_the_wire"
SERVED = {
    "PO_DLMS_ACTIVE_IMPORT_REGISTER",
    "PO_DLMS_ACTIVE_EXPORT_REGISTER",
    "PO_DLMS_REACTIVE_EXPORT_REGISTER",
    "PO_DLMS_POWER_IMPORT_COLLECTION",
    "PO_DLMS_TARIFF_SWITCHING_TABLE",
    "PO_DLMS_ACCOUNT",
    "PO_DLMS_EVENT_LOG",
}
#: fault -> the cases it must fail (and no others): the data-object case of the object, and the
#: suite's tests that read that object through the adapter
FAULTS: dict[str, set[str]] = {
    "wrong-scaler:PO_DLMS_ACTIVE_EXPORT_REGISTER": {
        f"{OBJECTS_TEST}[PO_DLMS_ACTIVE_EXPORT_REGISTER]",
        "test_registers.py::test_active_export_register",
    },
    "wrong-obis:PO_DLMS_REACTIVE_EXPORT_REGISTER": {
        f"{OBJECTS_TEST}[PO_DLMS_REACTIVE_EXPORT_REGISTER]",
        "test_registers.py::test_reactive_export_register",
    },
    "missing:PO_DLMS_EVENT_LOG": {
        f"{OBJECTS_TEST}[PO_DLMS_EVENT_LOG]",
        "test_clock.py::test_all_timestamps_are_utc",
        "test_events.py::test_event_has_time_and_originating_device",
        "test_events.py::test_event_log_capacity_and_wrap_around",
        "test_events.py::test_remote_configuration_of_logs_alarms_thresholds",
        "test_supply.py::test_switch_action_configurable_per_event",
    },
    "frozen:PO_DLMS_ACTIVE_IMPORT_REGISTER": {
        f"{OBJECTS_TEST}[PO_DLMS_ACTIVE_IMPORT_REGISTER]",
        "test_registers.py::test_active_import_register",
        "test_supply.py::test_remote_disable_and_enable",
    },
}
ITEMS = {
    "PO_DLMS_ACTIVE_EXPORT_REGISTER": "DAT_ACTIVE_EXPORT_REGISTER",
    "PO_DLMS_REACTIVE_EXPORT_REGISTER": "DAT_REACTIVE_EXPORT_REGISTER",
    "PO_DLMS_EVENT_LOG": "DAT_EVENT_LOG",
    "PO_DLMS_ACTIVE_IMPORT_REGISTER": "DAT_ACTIVE_IMPORT_REGISTER",
}


def smets(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smets_spec.cli", "--root", str(ROOT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def conform_json(target: str, out: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    done = smets("conform", "--target", target, "--json", "--out", str(out), *extra)
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def short(nodeid: str) -> str:
    return nodeid.split("/")[-1]


def cases(data: dict[str, Any], outcome: str) -> set[str]:
    return {short(t["nodeid"]) for t in data["tests"] if t["outcome"] == outcome}


@pytest.fixture(scope="module")
def golden_cli() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`smets golden-unit serve --port 0` in its own process; its announced conform target."""
    process = subprocess.Popen(
        [*SERVE, "--port", "0", "--rig-port", "0", "--start", START],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    target = ""
    for line in process.stdout:
        if line.startswith("run the suite with: smets conform --target "):
            target = line.split("--target ", 1)[1].strip()
            break
    assert target.startswith("dlms+tcp://127.0.0.1:"), process.stderr.read() if process.stderr else ""
    yield process, target
    if process.poll() is None:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    code, data, _ = conform_json("smets_spec.reference:target", tmp_path_factory.mktemp("ref") / "r.json")
    assert code == 0
    return data


def test_front_end_pins_and_round_trip_in_their_own_process() -> None:
    """wire/tests (gurux defect pins, server and client programs) run in a separate interpreter."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT / "wire",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_golden_unit_passes_every_esme_test_over_the_wire(
    golden_cli: tuple[subprocess.Popen[str], str], in_process: dict[str, Any], tmp_path: Path, corpus: Corpus
) -> None:
    _process, target = golden_cli
    code, data, _ = conform_json(target, tmp_path / "wire.json")
    assert code == 0
    assert cases(data, "failed") == cases(data, "error") == set()
    skipped = {short(t["nodeid"]): t["message"] for t in data["tests"] if t["outcome"] == "skipped"}
    no_device = {
        n for n, m in skipped.items() if m.endswith(("the target has no GSME", "the target has no IHD"))
    }
    # every test the in-process run passes passes over the wire, except those needing a gas meter or display
    assert cases(in_process, "passed") - no_device <= cases(data, "passed")
    assert cases(in_process, "passed") - no_device
    objects_passed = {
        n.split("[")[1].rstrip("]") for n in cases(data, "passed") if n.startswith(OBJECTS_TEST)
    }
    assert objects_passed == SERVED
    not_covered = {n: m for n, m in skipped.items() if n.startswith(OBJECTS_TEST)}
    assert set(not_covered) == {
        f"{OBJECTS_TEST}[PO_DLMS_IMPORT_REGISTER_COLLECTION]",
        f"{OBJECTS_TEST}[PO_DLMS_STANDING_CHARGE]",
        f"{OBJECTS_TEST}[PO_DLMS_CURRENCY_UNIT]",
    }
    assert "GBCS security" in not_covered[f"{OBJECTS_TEST}[PO_DLMS_IMPORT_REGISTER_COLLECTION]"]
    assert data["target_name"].startswith("DLMS/COSEM device at 127.0.0.1:")
    assert data["duration_s"] < 30
    # the conformance page: per protocol object, verified over the wire and against which target
    html = protocol_section(corpus, load(tmp_path / "wire.json"), StubLinker())
    assert "7 of 10 DLMS/COSEM objects" in html and target in html
    row = html.split("PO_DLMS_EVENT_LOG</a>", 1)[1].split("</tr>", 1)[0]
    assert "class 7, 0-0:99.98.0.255, attribute 2" in row and "verified over the wire" in row
    row = html.split("PO_DLMS_CURRENCY_UNIT</a>", 1)[1].split("</tr>", 1)[0]
    assert "not verified</em>: class 9000 is a GBCS extended class" in row


def test_hdlc_framing_over_tcp(corpus: Corpus) -> None:
    """The golden unit and the adapter with HDLC frames instead of the wrapper (dlms+hdlc+tcp://)."""
    start = datetime.fromisoformat(START)
    with GoldenUnit(corpus, start, interface="hdlc") as unit:
        target = DlmsTarget(
            f"dlms+hdlc+tcp://127.0.0.1:{unit.dlms_port}?rig=127.0.0.1:{unit.rig_port}", corpus
        )
        try:
            meter = target.esme(start)
            meter.apply_load(2.0, 1.5)
            meter.advance(3 * 3600)
            assert meter.register(Register.ACTIVE_IMPORT) == pytest.approx(6.0)
            assert meter.register(Register.ACTIVE_EXPORT) == pytest.approx(4.5)
            assert target.log.reads[0].startswith("DS_09, ES_02, PC_07 -> DAT_ACTIVE_IMPORT_REGISTER")
            assert "(hdlc, client 16, server 1" in target.name
        finally:
            target.close()


def test_in_process_run_skips_the_data_object_tests(
    in_process: dict[str, Any], corpus: Corpus, tmp_path: Path
) -> None:
    skipped = {short(t["nodeid"]): t["message"] for t in in_process["tests"] if t["outcome"] == "skipped"}
    objects = {n for n in skipped if n.startswith(OBJECTS_TEST)}
    assert len(objects) == 10
    assert "does not speak DLMS/COSEM" in skipped[f"{OBJECTS_TEST}[PO_DLMS_EVENT_LOG]"]
    results_file = tmp_path / "ref.json"
    results_file.write_text(json.dumps(in_process), encoding="utf-8")
    html = protocol_section(corpus, load(results_file), StubLinker())
    assert "not against a DLMS/COSEM device" in html and "verified over the wire" not in html


def test_faulty_unit_fails_exactly_the_expected_tests(corpus: Corpus, tmp_path: Path) -> None:
    """One unit with all four faults (on different objects, whose expected failures do not overlap):
    the failures are exactly the union, and each names the object of its own fault."""
    expected = {case: fault.split(":")[1] for fault, found in FAULTS.items() for case in found}
    assert len(expected) == sum(len(found) for found in FAULTS.values())  # no overlap
    faults = tuple(Fault.parse(f) for f in FAULTS)
    with GoldenUnit(corpus, datetime.fromisoformat(START), faults=faults) as unit:
        target = f"dlms+tcp://127.0.0.1:{unit.dlms_port}?rig=127.0.0.1:{unit.rig_port}"
        code, data, _ = conform_json(target, tmp_path / "faulty.json")
    assert code == 1
    assert cases(data, "failed") | cases(data, "error") == set(expected)
    for test in data["tests"]:
        if test["outcome"] == "failed":
            object_id = expected[short(test["nodeid"])]
            # the message names the protocol object, its data item and the requirements that use it
            assert object_id in test["message"] and ITEMS[object_id] in test["message"], test["message"]
            assert " -> " in test["message"] and test["verifies"]
    assert cases(data, "passed") >= {
        f"{OBJECTS_TEST}[PO_DLMS_ACCOUNT]",
        "test_registers.py::test_reactive_import_register",
    }


def test_ctrl_c_stops_the_golden_unit(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*SERVE, "--port", "0", "--rig-port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    port = int(first.split(" on 127.0.0.1:")[1].split(",")[0])
    process.send_signal(signal.SIGINT)
    assert process.wait(10) == 0
    assert process.stderr is not None and process.stderr.read().strip() == "smets golden-unit: stopped"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connect_failure_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    done = cli(capsys, ROOT, "conform", "--target", f"dlms+tcp://127.0.0.1:{_closed_port()}")
    assert done.code == 2
    lines = done.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smets conform: cannot associate with 127.0.0.1:"), lines


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("dlms+tcp://127.0.0.1", "write it as dlms+tcp://HOST:PORT"),
        ("dlms+tcp://127.0.0.1:4059?colour=red", "unknown setting(s) colour"),
        ("dlms+tcp://127.0.0.1:4059?auth=high", "auth must be none or low"),
        ("dlms+serial:///dev/ttyUSB0", "the scheme must be one of dlms+tcp://, dlms+hdlc+tcp://"),
    ],
)
def test_bad_target_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], target: str, says: str
) -> None:
    done = cli(capsys, ROOT, "conform", "--target", target)
    assert done.code == 2
    lines = done.err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], lines


def test_settings_from_a_config_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "meter.toml"
    config.write_text(
        '[dlms]\nclient = 32\nserver = 17\nauth = "low"\nrig = "127.0.0.1:7000"\n', encoding="utf-8"
    )
    settings = parse_target(f"dlms+hdlc+tcp://127.0.0.1:4059?config={config}")
    assert (settings.interface, settings.client, settings.server, settings.auth) == ("hdlc", 32, 17, "low")
    assert settings.rig == ("127.0.0.1", 7000)
    port = _closed_port()
    done = cli(
        capsys, ROOT, "conform", "--target", f"dlms+tcp://127.0.0.1:{port}", "--dlms-config", str(config)
    )
    assert done.code == 2 and f"cannot associate with 127.0.0.1:{port}" in done.err
    bad = tmp_path / "bad.toml"
    bad.write_text("[dlms]\nbaud = 9600\n", encoding="utf-8")
    done = cli(capsys, ROOT, "conform", "--target", "dlms+tcp://127.0.0.1:4059", "--dlms-config", str(bad))
    assert done.code == 2 and "unknown setting(s) baud" in done.err


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_core_never_imports_the_gpl_front_end(corpus: Corpus) -> None:
    forbidden = {"gurux_dlms", "gurux_net", "gurux_common", "smets_dlms"}
    for path in (ROOT / "tooling" / "smets_spec").rglob("*.py"):
        assert not _imported_roots(path) & forbidden, path
    with GoldenUnit(corpus, datetime(2024, 1, 15, tzinfo=UTC)) as unit:
        assert unit.dlms_port
    assert not forbidden & {name.split(".")[0] for name in sys.modules}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--fault", "bogus:PO_X"), "write it as KIND:PO_ID"),
        (("--fault", "missing:PO_NOPE"), "unknown DLMS/COSEM object(s) of ESME: PO_NOPE"),
        (("--start", "2024-01-15T00:00:00"), "give a UTC offset"),
    ],
)
def test_golden_unit_refuses_bad_options(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], says: str
) -> None:
    done = cli(capsys, ROOT, "golden-unit", "serve", "--port", "0", *args)
    assert done.code == 2 and done.out == ""
    lines = done.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smets golden-unit: cannot start: ") and says in lines[0]


def test_golden_unit_port_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli(capsys, ROOT, "golden-unit", "serve", "--port", str(port), "--rig-port", "0")
    assert done.code == 2
    assert (
        done.err
        == f"smets golden-unit: cannot start: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )


def test_without_the_front_end_the_core_says_how_to_install_it(tmp_path: Path) -> None:
    """A Python without smets_dlms (the core installed alone): one line with the fix, exit 2."""
    bare = tmp_path / "bare-python"
    bare.write_text(f'#!/bin/sh\nexec "{sys.executable}" -I -S "$@"\n', encoding="utf-8")
    bare.chmod(0o755)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "smets_spec.cli",
            "--root",
            str(ROOT),
            "conform",
            "--target",
            "dlms+tcp://127.0.0.1:1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "SMETS_DLMS_PYTHON": str(bare)},
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "the DLMS/COSEM front end 'smets_dlms' is not installed" in lines[0]
    assert "pip install -e wire/" in lines[0]


def test_wire_error_name_matches_the_plugin() -> None:
    from smets_spec.conformance.plugin import WIRE_ERROR
    from smets_spec.conformance.wiretarget import WireError

    assert f"{WireError.__module__}.{WireError.__qualname__}: " == WIRE_ERROR


def test_low_level_authentication(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    """A golden unit with a password associates with it only (low-level authentication)."""
    start = datetime.fromisoformat(START)
    with GoldenUnit(corpus, start, password="12345678") as unit:
        base = f"dlms+tcp://127.0.0.1:{unit.dlms_port}?rig=127.0.0.1:{unit.rig_port}"
        target = DlmsTarget(f"{base}&auth=low&password=12345678", corpus)
        try:
            meter = target.esme(start)
            meter.apply_load(1.0)
            meter.advance(3600)
            assert meter.register(Register.ACTIVE_IMPORT) == pytest.approx(1.0)
        finally:
            target.close()
        for wrong in ("&auth=low&password=87654321", ""):
            done = cli(capsys, ROOT, "conform", "--target", base + wrong)
            assert done.code == 2 and "cannot associate with 127.0.0.1:" in done.err, done.err
