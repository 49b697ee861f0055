"""``smets golden-unit serve``: the reference ESME as a DLMS/COSEM device on this machine.

* ``smets golden-unit serve --device ESME [--port 4059] [--host 127.0.0.1] [--rig-port N]
  [--interface wrapper|hdlc] [--password P] [--fault KIND:PO_ID ...]`` serves the objects the spec maps for
  ESME (IEC 62056-47 wrapper over TCP, or HDLC over TCP) backed by the reference model, and a
  test-rig port (default: the DLMS port + 1) through which ``smets conform`` drives the model.
  It runs until Ctrl-C (or SIGTERM) and then stops both listeners and the front end.

The protocol stack is the separate GPL front end ``smets-dlms`` (wire/), run as a child
process; see docs/licensing.md. Exit status: 0 stopped cleanly, 2 could not start.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from ..conformance.frontend import FrontEndError
from ..conformance.golden import FAULT_KINDS, Fault, GoldenUnit
from ..corpus.diagnostics import Reporter
from ..corpus.load import load_spec
from ..corpus.project import Project

#: the port IANA registered for DLMS/COSEM over TCP ("dlms-cosem", 4059/tcp)
DLMS_PORT = 4059


def _stop_on_term(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)


def cmd_serve(args: argparse.Namespace, project: Project) -> int:
    corpus = load_spec(project.spec, relative_to=project.root)
    if corpus.errors:
        Reporter(list(corpus.diagnostics)).print()
        sys.stderr.write("smets golden-unit: the spec has errors; fix them first (smets validate)\n")
        return 1
    try:
        faults = tuple(Fault.parse(f) for f in args.fault or ())
        start = datetime.fromisoformat(args.start) if args.start else datetime.now(UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise ValueError(f"--start {args.start}: give a UTC offset, e.g. 2024-01-15T00:00:00+00:00")
        unit = GoldenUnit(
            corpus,
            start,
            host=args.host,
            port=args.port,
            rig_port=args.rig_port,
            interface=args.interface,
            faults=faults,
            password=args.password,
        ).start()
    except (ValueError, OSError, FrontEndError) as exc:
        sys.stderr.write(f"smets golden-unit: cannot start: {exc}\n")
        return 2
    stop = threading.Event()
    _stop_on_term(stop)
    try:
        _announce(unit, args)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        unit.close()
    sys.stderr.write("smets golden-unit: stopped\n")
    return 0


def _announce(unit: GoldenUnit, args: argparse.Namespace) -> None:
    out = sys.stdout
    out.write(
        f"reference ESME serving DLMS/COSEM ({unit.interface}) on {unit.host}:{unit.dlms_port}, "
        f"test rig on {unit.host}:{unit.rig_port}\n"
    )
    for obj in unit.objects.values():
        fault = unit.faults.get(obj.object_id)
        out.write(
            f"  {obj.object_id}: class {obj.class_id}, {obj.obis}{f'  [fault: {fault}]' if fault else ''}\n"
        )
    for key, why in {**unit.not_served, **unit.unsupported}.items():
        out.write(f"  {key}: not served ({why})\n")
    scheme = "dlms+tcp" if unit.interface == "wrapper" else "dlms+hdlc+tcp"
    rig = "" if unit.rig_port == unit.dlms_port + 1 else f"?rig={unit.host}:{unit.rig_port}"
    out.write(f"run the suite with: smets conform --target {scheme}://{unit.host}:{unit.dlms_port}{rig}\n")
    out.write("Ctrl-C stops\n")
    out.flush()


def add_commands(sub: Any) -> None:
    golden = sub.add_parser("golden-unit", help="run a reference device as a protocol server (a golden unit)")
    actions = golden.add_subparsers(dest="golden_command", required=True, metavar="ACTION")
    serve = actions.add_parser("serve", help="serve the reference ESME over DLMS/COSEM until Ctrl-C")
    serve.add_argument(
        "--device", choices=["ESME"], default="ESME", help="device kind (only ESME speaks DLMS)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=DLMS_PORT, help=f"DLMS/COSEM TCP port (default {DLMS_PORT}; 0 = any free)"
    )
    serve.add_argument(
        "--rig-port", type=int, help="test-rig port (default: the DLMS port + 1; 0 = any free)"
    )
    serve.add_argument("--interface", choices=["wrapper", "hdlc"], default="wrapper", help="framing over TCP")
    serve.add_argument(
        "--fault",
        action="append",
        metavar="KIND:PO_ID",
        help=f"serve a deliberate defect, for testing a test suite ({', '.join(FAULT_KINDS)}); repeatable",
    )
    serve.add_argument(
        "--password", help="require low-level authentication with this password (default: accept any client)"
    )
    serve.add_argument("--start", help="true UTC time at which the meter starts (default: now)")
    serve.set_defaults(handler=cmd_serve)
