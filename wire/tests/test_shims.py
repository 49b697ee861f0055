"""Pins of the gurux-dlms 1.0.203 defects that smets_dlms/shims.py works around.

Each test asserts that the library still has the defect. When a release fixes one, its pin
fails: remove the workaround and the pin together.
"""

from __future__ import annotations

import inspect

import pytest
from gurux_dlms import (
    GXByteBuffer,
    GXDLMSClient,
    GXDLMSLNParameters,
    GXDLMSServer,
    GXReplyData,
    GXServerReply,
    ValueEventArgs,
)
from gurux_dlms.enums import Authentication, ErrorCode, InterfaceType
from gurux_dlms.GXDLMSLNCommandHandler import GXDLMSLNCommandHandler
from gurux_dlms.objects import GXDLMSAssociationLogicalName, GXDLMSRegister
from smets_dlms import shims


class _Bare(GXDLMSServer):  # the library's server with nothing of ours
    def __init__(self, interface: int = InterfaceType.WRAPPER) -> None:
        super().__init__(True, interface)


def _server_and_client() -> tuple[shims.ShimServer, GXDLMSClient, GXDLMSRegister]:
    register = GXDLMSRegister("1.0.1.8.0.255")
    register.value = 1234
    server = shims.ShimServer(InterfaceType.WRAPPER, [register], lambda target, attribute: None)
    client = GXDLMSClient(True, 16, 1, Authentication.NONE, None, InterfaceType.WRAPPER)
    return server, client, register


def _ask(server: shims.ShimServer, client: GXDLMSClient, frame: bytes) -> tuple[bytes, GXReplyData]:
    answer = server.answer(bytes(frame))
    assert answer is not None
    reply = GXReplyData()
    client.getData(GXByteBuffer(answer), reply, GXReplyData())
    return answer, reply


def test_defect_1_server_reply_lacks_accessors() -> None:
    for name in ("setReply", "getConnectionInfo", "getCount", "setCount"):
        assert not hasattr(GXServerReply, name), (
            f"gurux-dlms now has GXServerReply.{name}: drop it from ServerReply"
        )


def test_defect_2_get_handler_calls_notify_read_without_arguments() -> None:
    source = inspect.getsource(GXDLMSLNCommandHandler.getRequestNormal)
    assert "server.notifyRead()" in source and "server.onPostRead()" in source
    assert not hasattr(GXDLMSServer, "notifyRead")


def test_defect_3_initialize_appends_the_collection_as_one_item() -> None:
    server = _Bare()
    server.items.append(GXDLMSAssociationLogicalName())
    with pytest.raises(TypeError, match="GXDLMSObject"):
        server.initialize()


def test_defect_4_set_handler_members_are_ours() -> None:
    shims.patch_library()
    assert GXDLMSLNParameters.isMultipleBlocks is shims._is_multiple_blocks
    assert GXDLMSLNParameters.setStatus is shims._set_status
    assert ValueEventArgs.__iter__ is shims._iterate_one


def test_defect_4_a_set_is_denied_not_a_hardware_fault() -> None:
    server, client, register = _server_and_client()
    _associate(server, client)
    register.value = 99
    _answer, reply = _ask(server, client, client.write(register, 2)[0])
    assert reply.error == ErrorCode.READ_WRITE_DENIED


def _associate(server: shims.ShimServer, client: GXDLMSClient) -> None:
    _answer, reply = _ask(server, client, client.aarqRequest()[0])
    client.parseAareResponse(reply.data)


def test_defect_5_release_response_length_byte_is_wrong() -> None:
    server, client, _register = _server_and_client()
    _associate(server, client)
    reply = shims.ServerReply(bytearray(client.releaseRequest()[0]))
    server.handleRequest(reply)
    frame = bytes(reply.reply)
    content = len(frame) - shims.WRAPPER_HEADER - 2
    assert frame[shims.WRAPPER_HEADER] == shims.RLRE_TAG
    assert frame[shims.WRAPPER_HEADER + 1] != content, (
        "the RLRE length is right now: drop fix_release_response"
    )
    fixed = shims.fix_release_response(frame)
    assert fixed[shims.WRAPPER_HEADER + 1] == content and len(fixed) == len(frame)


def test_defect_6_is_skip_max_pdu_size_is_ours() -> None:
    shims.patch_library()
    assert isinstance(ValueEventArgs.__dict__.get("isSkipMaxPduSize"), property)
    assert "isSkipMaxPduSize" not in inspect.getsource(ValueEventArgs)


class _LibraryReportError(shims.ShimServer):
    reportError = GXDLMSServer.reportError  # noqa: N815 - the library's own, unshimmed


@pytest.mark.parametrize("kind", [_LibraryReportError, shims.ShimServer])
def test_defect_7_an_error_reply_fails_in_the_library(
    kind: type[shims.ShimServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while encoding a value (here defect 6, put back) must become an error reply."""
    server = kind(InterfaceType.WRAPPER, [GXDLMSRegister("1.0.1.8.0.255")], lambda target, attribute: None)
    client = GXDLMSClient(True, 16, 1, Authentication.NONE, None, InterfaceType.WRAPPER)
    _associate(server, client)
    monkeypatch.delattr(ValueEventArgs, "isSkipMaxPduSize")
    frame = bytes(client.getObjectsRequest())
    if kind is _LibraryReportError:
        with pytest.raises(AttributeError, match="position"):
            server.answer(frame)
    else:
        _answer, reply = _ask(server, client, frame)
        assert reply.error == ErrorCode.HARDWARE_FAULT


def test_defect_8_snrm_reads_the_missing_hdlc_setup() -> None:
    source = inspect.getsource(GXDLMSServer.handleSnrmRequest)
    assert "self.hdlc.maxInfoTX" in source and "setUInt8(2, len(self.replyData) - 3)" in source
    server = _Bare(InterfaceType.HDLC)
    assert server.hdlc is None


def test_reads_go_to_the_core_with_object_and_attribute() -> None:
    asked: list[tuple[str, int]] = []
    register = GXDLMSRegister("1.0.1.8.0.255")

    def on_read(target: GXDLMSRegister, attribute: int) -> None:
        asked.append((target.logicalName, attribute))
        target.value = 4321

    server = shims.ShimServer(InterfaceType.WRAPPER, [register], on_read)
    client = GXDLMSClient(True, 16, 1, Authentication.NONE, None, InterfaceType.WRAPPER)
    _associate(server, client)
    _answer, reply = _ask(server, client, client.read(GXDLMSRegister("1.0.1.8.0.255"), 2)[0])
    assert reply.value == 4321
    assert asked == [("1.0.1.8.0.255", 2)]
