"""Workarounds for defects of gurux-dlms 1.0.203's server path, all in one place.

Each defect is pinned by a test in ``wire/tests/test_shims.py`` that asserts the defect is
still there in the library; when a release fixes one, its pin fails and the workaround can go.

1. ``GXServerReply`` lacks ``setReply``, ``getConnectionInfo``, ``getCount`` and ``setCount``,
   which ``GXDLMSServer.handleRequest`` calls: :class:`ServerReply` supplies them.
2. The GET-normal handler calls ``server.notifyRead()`` and ``server.onPostRead()`` without
   arguments (and ``GXDLMSServer`` defines no ``notifyRead``): :class:`ShimServer` remembers
   the attribute from ``onGetAttributeAccess`` and passes it on to ``on_read``.
3. ``GXDLMSServer.initialize`` appends the whole object collection as one item of an
   association's object list (a ``TypeError``): :func:`association_for` fills it first.
4. The SET-normal handler calls ``GXDLMSLNParameters.isMultipleBlocks``/``setStatus`` (absent)
   and iterates a ``ValueEventArgs`` with ``list(e)``: :func:`patch_library` adds them, so a
   SET gets a proper *read-write-denied* instead of *hardware-fault*.
5. The release response (RLRE) carries a wrong APDU length byte: :func:`fix_release_response`
   rewrites it in the wrapper frame.
6. Reading an association's object list (attribute 2) reads ``ValueEventArgs.isSkipMaxPduSize``,
   which does not exist (the attribute is ``skipMaxPduSize``): :func:`patch_library` adds it.
7. ``GXDLMSServer.reportError`` builds its reply with no data buffer and fails, so any error
   while answering drops the connection: :meth:`ShimServer.reportError` gives it an empty one,
   and a value the core cannot give is answered per attribute (``on_read`` raising
   ``LookupError`` becomes *object-unavailable*).
8. ``GXDLMSServer.handleSnrmRequest`` (HDLC) writes the UA's parameters from ``self.hdlc``,
   which is None unless an HDLC setup object was given (it means ``self.settings.hdlc``):
   :meth:`ShimServer.handleSnrmRequest` answers from the negotiated settings. The same method
   writes the UA's parameter-group length with ``setUInt8(2, length)``, value and index swapped
   (the signature is ``setUInt8(value, index)``), so the group length stays 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gurux_dlms import (
    GXDLMS,
    GXByteBuffer,
    GXDLMSLNParameters,
    GXDLMSServer,
    GXServerReply,
    ValueEventArgs,
)
from gurux_dlms._HDLCInfo import _HDLCInfo
from gurux_dlms.ConnectionState import ConnectionState
from gurux_dlms.enums import (
    AccessMode,
    Authentication,
    Command,
    ErrorCode,
    InterfaceType,
    MethodAccessMode,
    SourceDiagnostic,
)
from gurux_dlms.GXHdlcSettings import GXHdlcSettings
from gurux_dlms.objects import GXDLMSAssociationLogicalName

WRAPPER_HEADER = 8
RLRE_TAG = 0x63


class ServerReply(GXServerReply):  # type: ignore[misc]
    """Defect 1: the accessors ``GXDLMSServer.handleRequest`` calls."""

    def setReply(self, value: Any) -> None:  # noqa: N802 - the library's name
        self.reply = value

    def getConnectionInfo(self) -> Any:  # noqa: N802
        return self.connectionInfo

    def getCount(self) -> int:  # noqa: N802
        return int(self.count)

    def setCount(self, value: int) -> None:  # noqa: N802
        self.count = value


def _is_multiple_blocks(self: Any) -> bool:
    return bool(getattr(self, "multipleBlocks", False))


def _set_status(self: Any, value: int) -> None:
    self.status = value


def _iterate_one(self: Any) -> Iterator[Any]:
    yield self


def patch_library() -> None:
    """Defect 4: the members the SET handler expects (added only where missing)."""
    if not hasattr(GXDLMSLNParameters, "isMultipleBlocks"):
        GXDLMSLNParameters.isMultipleBlocks = _is_multiple_blocks
    if not hasattr(GXDLMSLNParameters, "setStatus"):
        GXDLMSLNParameters.setStatus = _set_status
    if not hasattr(ValueEventArgs, "__iter__"):
        ValueEventArgs.__iter__ = _iterate_one
    if not hasattr(ValueEventArgs, "isSkipMaxPduSize"):  # defect 6
        ValueEventArgs.isSkipMaxPduSize = property(lambda self: bool(self.skipMaxPduSize))


def association_for(objects: list[Any]) -> Any:
    """Defect 3: an association whose object list is filled before ``initialize`` sees it."""
    association = GXDLMSAssociationLogicalName()
    for item in [*objects, association]:
        association.objectList.append(item)
    return association


def fix_release_response(frame: bytes) -> bytes:
    """Defect 5: set the RLRE length byte of a wrapper frame to the length of its content."""
    is_wrapper = frame[:2] == b"\x00\x01"  # wrapper version 1; an HDLC frame starts with 0x7e
    if is_wrapper and len(frame) > WRAPPER_HEADER + 2 and frame[WRAPPER_HEADER] == RLRE_TAG:
        content = len(frame) - WRAPPER_HEADER - 2
        if frame[WRAPPER_HEADER + 1] != content and content < 0x80:
            return frame[: WRAPPER_HEADER + 1] + bytes([content]) + frame[WRAPPER_HEADER + 2 :]
    return frame


class ShimServer(GXDLMSServer):  # type: ignore[misc]
    """A read-only LN server whose reads go to ``on_read(target, attribute)`` (defect 2)."""

    def __init__(
        self,
        interface: int,
        objects: list[Any],
        on_read: Callable[[Any, int], None],
        password: str | None = None,
    ) -> None:
        super().__init__(True, interface)
        #: with a password, an association needs low-level authentication with it; without, any goes
        self.password = password
        patch_library()
        self._on_read = on_read
        self._pending: Any = None
        for item in objects:
            self.items.append(item)
        self.items.append(association_for(objects))
        self.initialize()

    # -- defect 2: called without arguments by the GET handler
    def notifyRead(self, *args: Any) -> None:  # noqa: N802
        pending, self._pending = self._pending, None
        if pending is not None:
            self.onPreRead([pending])

    def onPostRead(self, args: Any = None) -> None:  # noqa: N802
        return None

    # -- the library's abstract hooks
    def onGetAttributeAccess(self, arg: Any) -> int:  # noqa: N802
        self._pending = arg
        if isinstance(arg.target, GXDLMSAssociationLogicalName):
            return int(AccessMode.READ)
        return int(AccessMode.READ)

    def onGetMethodAccess(self, arg: Any) -> int:  # noqa: N802
        return int(MethodAccessMode.NO_ACCESS)

    def onPreRead(self, args: Any) -> None:  # noqa: N802
        for arg in args:
            if isinstance(arg.target, GXDLMSAssociationLogicalName):
                continue
            try:
                self._on_read(arg.target, int(arg.index))
            except LookupError:  # defect 7: answer this attribute with an error, keep the association
                arg.error = ErrorCode.UNAVAILABLE_OBJECT
                arg.handled = True
                arg.byteArray = True
                arg.value = bytearray()

    def reportError(self, command: int, error: int) -> Any:  # noqa: N802 - defect 7
        cmd = {
            Command.GET_REQUEST: Command.GET_RESPONSE,
            Command.SET_REQUEST: Command.SET_RESPONSE,
            Command.METHOD_REQUEST: Command.METHOD_RESPONSE,
        }.get(command, Command.NONE)
        self.replyData.clear()
        GXDLMS.getLNPdu(
            GXDLMSLNParameters(self.settings, 0, cmd, 1, None, GXByteBuffer(), error), self.replyData
        )
        if self.settings.interfaceType == InterfaceType.WRAPPER:
            return GXDLMS.getWrapperFrame(self.settings, command, self.replyData)
        return GXDLMS.getHdlcFrame(self.settings, 0, self.replyData)

    def onValidateAuthentication(self, authentication: Any, password: Any) -> int:  # noqa: N802
        if self.password is None:
            return int(SourceDiagnostic.NONE)
        if authentication != Authentication.LOW:
            return int(SourceDiagnostic.AUTHENTICATION_REQUIRED)
        given = bytes(password or b"")
        ok = given == self.password.encode()
        return int(SourceDiagnostic.NONE if ok else SourceDiagnostic.AUTHENTICATION_FAILURE)

    def isTarget(self, server_address: int, client_address: int) -> bool:  # noqa: N802
        return True

    def onFindObject(self, object_type: Any, sn: int, ln: str) -> None:  # noqa: N802
        return None

    def onPreWrite(self, args: Any) -> None:  # noqa: N802
        return None

    def onPostWrite(self, args: Any) -> None:  # noqa: N802
        return None

    def onPreAction(self, args: Any) -> None:  # noqa: N802
        return None

    def onPostAction(self, args: Any) -> None:  # noqa: N802
        return None

    def onPreGet(self, args: Any) -> None:  # noqa: N802
        return None

    def onPostGet(self, args: Any) -> None:  # noqa: N802
        return None

    def onConnected(self, info: Any) -> None:  # noqa: N802
        return None

    def onDisconnected(self, info: Any) -> None:  # noqa: N802
        return None

    def onInvalidConnection(self, info: Any) -> None:  # noqa: N802
        return None

    def handleSnrmRequest(self, data: Any) -> None:  # noqa: N802 - defect 8
        hdlc = self.settings.hdlc
        hdlc.maxInfoRX = GXHdlcSettings.DEFAULT_MAX_INFO_RX
        hdlc.maxInfoTX = GXHdlcSettings.DEFAULT_MAX_INFO_TX
        hdlc.windowSizeRX = GXHdlcSettings.DEFAULT_WINDOWS_SIZE_RX
        hdlc.windowSizeTX = GXHdlcSettings.DEFAULT_WINDOWS_SIZE_TX
        GXDLMS.parseSnrmUaResponse(data, hdlc)
        self.reset(True)
        reply = self.replyData
        for byte in (0x81, 0x80, 0):
            reply.setUInt8(byte)
        reply.setUInt8(_HDLCInfo.MAX_INFO_TX)
        GXDLMS.appendHdlcParameter(reply, hdlc.maxInfoTX)
        reply.setUInt8(_HDLCInfo.MAX_INFO_RX)
        GXDLMS.appendHdlcParameter(reply, hdlc.maxInfoRX)
        for tag, size in (
            (_HDLCInfo.WINDOW_SIZE_TX, hdlc.windowSizeTX),
            (_HDLCInfo.WINDOW_SIZE_RX, hdlc.windowSizeRX),
        ):
            reply.setUInt8(tag)
            reply.setUInt8(4)
            reply.setUInt32(size)
        reply.setUInt8(len(reply) - 3, 2)  # the library swaps value and index here
        self.settings.connected = ConnectionState.HDLC

    def answer(self, data: bytes) -> bytes | None:
        """The reply to the bytes a client sent, or None while a frame is incomplete."""
        reply = ServerReply(bytearray(data))
        self.handleRequest(reply)
        if not reply.reply:
            return None
        return fix_release_response(bytes(reply.reply))
