"""``python -m smets_dlms serve``: a DLMS/COSEM server whose every value comes from the core.

One TCP listener (stdlib ``socketserver``, bound to the host given, port 0 = ephemeral); each
connection gets its own gurux server (its own association), all reading through one pipe to the
core, one request at a time. gurux-net is not used: its server binds ``gethostname()`` when no
host is given and offers no way to learn the port chosen for port 0.
"""

from __future__ import annotations

import os
import socketserver
import sys
import threading
from typing import Any

from gurux_dlms.enums import InterfaceType

from . import objects, protocol
from .shims import ShimServer

INTERFACES = {"wrapper": InterfaceType.WRAPPER, "hdlc": InterfaceType.HDLC}


class Bridge:
    """The pipe to the core: asks for the state of an object before the library encodes it."""

    def __init__(self, config: list[dict[str, Any]]) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.keys: dict[tuple[int, str], str] = {}
        self.served: list[str] = []
        self.unsupported: dict[str, str] = {}
        for entry in config:
            made = objects.make(int(entry["class"]), str(entry["obis"]))
            if made is None:
                self.unsupported[str(entry["key"])] = (
                    f"interface class {entry['class']} is not implemented by gurux-dlms"
                )
                continue
            self.served.append(str(entry["key"]))
            self.keys[(int(entry["class"]), made.logicalName)] = str(entry["key"])

    def fresh_objects(self) -> list[Any]:
        made = [objects.make(int(e["class"]), str(e["obis"])) for e in self.config]
        return [m for m in made if m is not None]

    def read(self, target: Any, attribute: int) -> None:
        key = self.keys.get((int(target.objectType), target.logicalName))
        if key is None:
            return
        with self.lock:
            protocol.send({"op": "read", "key": key, "attribute": attribute})
            answer = protocol.receive()
        if answer is None:
            raise ConnectionError("the core closed the pipe")
        if "state" in answer:
            objects.apply(target, answer["state"])
        else:
            raise LookupError(str(answer.get("error", "no state")))


def _handler(bridge: Bridge, interface: int, password: str | None) -> type[socketserver.BaseRequestHandler]:
    class Connection(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            server = ShimServer(interface, bridge.fresh_objects(), bridge.read, password)
            while True:
                try:
                    data = self.request.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                reply = server.answer(data)
                if reply:
                    self.request.sendall(reply)

    return Connection


class _Listener(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(host: str, port: int, interface: str, password: str | None = None) -> int:
    first = protocol.receive()
    if first is None or not isinstance(first.get("objects"), list):
        sys.stderr.write("smets-dlms serve: expected {'objects': [...]} on standard input\n")
        return 2
    bridge = Bridge(first["objects"])
    try:
        listener = _Listener((host, port), _handler(bridge, INTERFACES[interface], password))
    except OSError as exc:
        protocol.send({"event": "error", "message": f"cannot listen on {host}:{port}: {exc.strerror}"})
        return 2
    with listener:
        thread = threading.Thread(target=listener.serve_forever, daemon=True)
        thread.start()
        protocol.send(
            {
                "event": "listening",
                "port": listener.server_address[1],
                "served": bridge.served,
                "unsupported": bridge.unsupported,
            }
        )
        # the pipe is read only by Bridge.read from now on; the core stops this process with
        # SIGTERM, and if the core dies without doing so, this process follows it
        parent = os.getppid()
        while thread.is_alive() and os.getppid() == parent:
            thread.join(0.5)
        listener.shutdown()
    return 0
