"""``python -m smets_dlms client``: one DLMS/COSEM client association, driven by the core.

The connection settings come from the command line; the core sends GET requests (class,
OBIS, attribute) and gets the decoded values back as JSON (see :mod:`.protocol`).
"""

from __future__ import annotations

import socket
from typing import Any

from gurux_dlms import GXByteBuffer, GXDLMSClient, GXReplyData
from gurux_dlms.enums import Authentication, DataType, InterfaceType
from gurux_dlms.objects import GXDLMSObject

from . import objects, protocol

AUTHENTICATION = {"none": Authentication.NONE, "low": Authentication.LOW}
INTERFACES = {"wrapper": InterfaceType.WRAPPER, "hdlc": InterfaceType.HDLC}


class DlmsError(Exception):
    """The device answered with an error, or not at all."""


class Association:
    def __init__(self, host: str, port: int, settings: dict[str, Any], timeout: float) -> None:
        self.client = GXDLMSClient(
            True,
            int(settings["client_address"]),
            int(settings["server_address"]),
            AUTHENTICATION[settings["authentication"]],
            settings.get("password") or None,
            INTERFACES[settings["interface"]],
        )
        self.sock = socket.create_connection((host, port), timeout=timeout)

    def _exchange(self, frame: Any, reply: GXReplyData) -> None:
        """Send one frame and read until its answer is whole; ``reply`` accumulates across frames."""
        self.sock.sendall(bytes(frame))
        buffer = GXByteBuffer()
        while True:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise DlmsError("the device closed the connection")
            buffer.set(chunk)
            if self.client.getData(buffer, reply, GXReplyData()):
                break

    def request(self, frames: Any) -> GXReplyData:
        """Send one request (one or more frames), following blocks until the reply is whole."""
        if not isinstance(frames, list):
            frames = [frames]
        reply = GXReplyData()
        for frame in frames:
            reply = GXReplyData()
            self._exchange(frame, reply)
        while reply.isMoreData():
            self._exchange(self.client.receiverReady(reply), reply)
        if reply.error:
            raise DlmsError(f"the device answered error {reply.error}")
        return reply

    def associate(self) -> list[list[Any]]:
        snrm = self.client.snrmRequest()
        if snrm:
            self.client.parseUAResponse(self.request(snrm).data)
        self.client.parseAareResponse(self.request(self.client.aarqRequest()).data)
        found = self.client.parseObjects(self.request(self.client.getObjectsRequest()).data, False)
        return [[int(o.objectType), protocol.obis_text(o.logicalName), int(o.version)] for o in found]

    def get(self, class_id: int, obis: str, attribute: int) -> tuple[str, Any]:
        target = objects.make(class_id, obis) or GXDLMSObject()
        if target.logicalName != protocol.logical_name(obis):
            target.logicalName = protocol.logical_name(obis)
            target.objectType = class_id
        reply = self.request(self.client.read(target, attribute))
        raw = bytes(reply.data.array())
        if reply.value is None and raw[:1] in (b"\x01", b"\x02"):
            # gurux decodes an empty array or structure as None; the bytes say which it is
            return ("array" if raw[:1] == b"\x01" else "structure"), []
        return _type_name(reply.valueType), jsonable(reply.value)

    def release(self) -> None:
        try:
            self.request(self.client.releaseRequest())
            frame = self.client.disconnectRequest()
            if frame:
                self.sock.sendall(bytes(frame))
        except Exception:  # a failed release still ends the session; the values are read
            pass
        self.sock.close()


def _type_name(value_type: int) -> str:
    try:
        return DataType(value_type).name.lower()
    except ValueError:
        return str(value_type)


def jsonable(value: Any) -> Any:
    """A decoded DLMS value as plain JSON: octet strings as ``{"octets": hex}``."""
    if isinstance(value, bytes | bytearray):
        return {"octets": bytes(value).hex()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def run(host: str, port: int, settings: dict[str, Any], timeout: float) -> int:
    try:
        association = Association(host, port, settings, timeout)
        found = association.associate()
    except Exception as exc:  # gurux raises its own exception types too (e.g. a refused association)
        protocol.send({"event": "error", "message": f"cannot associate with {host}:{port}: {exc}"})
        return 2
    protocol.send({"event": "associated", "objects": found})
    while (message := protocol.receive()) is not None:
        try:
            kind, value = association.get(
                int(message["class"]), str(message["obis"]), int(message["attribute"])
            )
            protocol.send({"ok": True, "type": kind, "value": value})
        except (OSError, DlmsError, ValueError, KeyError) as exc:
            protocol.send({"ok": False, "error": str(exc) or type(exc).__name__})
        except Exception as exc:  # a library failure is this request's answer, not our end
            protocol.send({"ok": False, "error": f"gurux-dlms failed: {type(exc).__name__}: {exc}"})
    association.release()
    return 0
