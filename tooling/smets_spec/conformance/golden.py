"""A golden unit: the reference ESME served as a DLMS/COSEM device, with a test-rig channel.

Two listeners on the host given (127.0.0.1 by default):

* the DLMS/COSEM port, served by the wire front end (a separate process, see
  :mod:`.frontend`): it holds no state and asks this process for every value it sends;
  the objects are exactly those the spec maps for ESME (:func:`.cosem.mapped_objects`) that
  the reference model holds a value for and that the suite covers;
* the rig port: one JSON object per line, the protocol of :class:`..reference.bridge.Rig`
  (reset the meter, apply a load, let time pass, press a button, ...), what a test rig does
  to a real meter.

:class:`Fault` makes a deliberately faulty unit for testing the suite itself.
"""

from __future__ import annotations

import json
import socketserver
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..corpus.load import Corpus
from ..reference.bridge import ESME_ITEMS, Quantity, Rig
from . import cosem
from .frontend import FrontEnd, FrontEndError

FAULT_KINDS = ("wrong-scaler", "wrong-obis", "missing", "frozen")


@dataclass(frozen=True)
class Fault:
    """A deliberate defect: ``wrong-scaler`` (scaler one decade off), ``wrong-obis`` (served at
    another OBIS code), ``missing`` (not served), ``frozen`` (a register that does not advance)."""

    kind: str
    object_id: str

    @classmethod
    def parse(cls, text: str) -> Fault:
        kind, _, object_id = text.partition(":")
        if kind not in FAULT_KINDS or not object_id.startswith("PO_"):
            raise ValueError(
                f"fault '{text}': write it as KIND:PO_ID with KIND one of {', '.join(FAULT_KINDS)}"
            )
        return cls(kind, object_id)


def served_objects(corpus: Corpus) -> list[cosem.MappedObject]:
    """The spec's ESME objects that the reference model can serve and the suite covers."""
    return [
        o
        for o in cosem.mapped_objects(corpus, "DEV_ESME")
        if o.item_id in ESME_ITEMS and o.class_id not in cosem.NOT_COVERED and o.attributes
    ]


def _why_not_served(obj: cosem.MappedObject, fault: str | None) -> str:
    if fault == "missing":
        return "left out on purpose (fault: missing)"
    if obj.class_id in cosem.NOT_COVERED:
        return cosem.NOT_COVERED[obj.class_id]
    if obj.item_id not in ESME_ITEMS:
        return f"the reference model holds no {obj.item_id}"
    return "no attribute to serve"


def _other_obis(obis: str) -> str:
    head, _, tail = obis.rpartition(".")
    group_e = head.rsplit(".", 1)
    return f"{group_e[0]}.{(int(group_e[1]) + 1) % 256}.{tail}"


class GoldenUnit:
    """Start with :meth:`start` (or ``with``); ``dlms_port`` and ``rig_port`` are then known."""

    def __init__(
        self,
        corpus: Corpus,
        start: datetime,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rig_port: int | None = None,
        interface: str = "wrapper",
        faults: tuple[Fault, ...] = (),
        password: str | None = None,
    ) -> None:
        self.host, self.port, self.interface = host, port, interface
        self.password = password
        self.rig_port_wanted = rig_port if rig_port is not None else (port + 1 if port else 0)
        self.rig = Rig(start)
        self.faults = {f.object_id: f.kind for f in faults}
        known = {o.object_id for o in cosem.mapped_objects(corpus, "DEV_ESME")}
        unknown = sorted(set(self.faults) - known)
        if unknown:
            raise ValueError(f"fault names unknown DLMS/COSEM object(s) of ESME: {', '.join(unknown)}")
        self.objects = {
            o.object_id: o for o in served_objects(corpus) if self.faults.get(o.object_id) != "missing"
        }
        self.not_served = {
            o.object_id: _why_not_served(o, self.faults.get(o.object_id))
            for o in cosem.mapped_objects(corpus, "DEV_ESME")
            if o.object_id not in self.objects
        }
        self.front: FrontEnd | None = None
        self.rig_server: socketserver.ThreadingTCPServer | None = None
        self.dlms_port = 0
        self.rig_port = 0
        self.unsupported: dict[str, str] = {}

    # -- lifecycle
    def start(self) -> GoldenUnit:
        self.rig_server = _RigServer((self.host, self.rig_port_wanted), _rig_handler(self.rig))
        self.rig_port = int(self.rig_server.server_address[1])
        threading.Thread(target=self.rig_server.serve_forever, daemon=True).start()
        args = ["serve", "--host", self.host, "--port", str(self.port), "--interface", self.interface]
        if self.password is not None:
            args += ["--password", self.password]
        self.front = FrontEnd(args)
        try:
            self.front.send({"objects": [self._config(o) for o in self.objects.values()]})
            ready = self.front.receive()
        except FrontEndError:
            self.close()
            raise
        if ready.get("event") != "listening":
            self.close()
            raise FrontEndError(str(ready.get("message", ready)))
        self.dlms_port = int(ready["port"])
        self.unsupported = dict(ready.get("unsupported", {}))
        threading.Thread(target=self._answer_reads, daemon=True).start()
        return self

    def close(self) -> None:
        if self.front is not None:
            self.front.close(graceful=False)
            self.front = None
        if self.rig_server is not None:
            self.rig_server.shutdown()
            self.rig_server.server_close()
            self.rig_server = None

    def __enter__(self) -> GoldenUnit:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- serving
    def _config(self, obj: cosem.MappedObject) -> dict[str, Any]:
        obis = _other_obis(obj.obis) if self.faults.get(obj.object_id) == "wrong-obis" else obj.obis
        return {"key": obj.object_id, "class": obj.class_id, "obis": obis}

    def _answer_reads(self) -> None:
        front = self.front
        while front is not None:
            try:
                message = front.receive()
            except (FrontEndError, ValueError):
                return
            front.send(self.answer(str(message.get("key", "")), int(message.get("attribute", 0))))

    def answer(self, key: str, attribute: int) -> dict[str, Any]:
        """The state of object ``key`` for the front end (or an error it turns into a DLMS error)."""
        obj = self.objects.get(key)
        if obj is None:
            return {"error": f"no object {key}"}
        try:
            value = self.rig.item(obj.item_id)
            if self.faults.get(key) == "frozen" and isinstance(value, Quantity):
                value = replace(value, value=0.0)
            state = cosem.state(obj, value)
        except (KeyError, LookupError) as exc:
            return {"error": str(exc)}
        if self.faults.get(key) == "wrong-scaler" and "scaler" in state:
            state["scaler"] = int(state["scaler"]) + 1
        return {"state": state}


class _RigServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _rig_handler(rig: Rig) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for line in self.rfile:
                try:
                    message = json.loads(line)
                    answer = rig.handle(message if isinstance(message, dict) else {})
                except ValueError as exc:
                    answer = {"ok": False, "error": "ValueError", "message": f"not JSON: {exc}"}
                self.wfile.write((json.dumps(answer) + "\n").encode())
                self.wfile.flush()

    return Handler
