from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.protobuf import wrappers_pb2
from tollgate.v1 import common_pb2
from tollgate_common.errors import ErrorCode, TollgateError, abort, from_rpc_error, rpc_errors
from tollgate_common.grpc_channel import call_timeout, create_channel
from tollgate_common.testing import call_echo, echo_service, free_port, running_grpc_server

LIMITED = TollgateError(
    ErrorCode.RATE_LIMITED,
    "You have made 60 calls this minute, the limit for your account.",
    hint="Wait before calling again.",
    field="tool",
    retry_after=12.5,
    suggestions=["search_records", "read_record"],
)


async def call_failing(behavior: Any, *, deadline: float | None = None) -> TollgateError:
    async with (
        running_grpc_server(echo_service(behavior)) as server,
        create_channel(server.address) as channel,
    ):
        with pytest.raises(TollgateError) as caught, rpc_errors("policy"):
            await call_echo(channel, "x", deadline=deadline)
    return caught.value


def same_error(a: TollgateError, b: TollgateError) -> bool:
    fields = ("code", "message", "hint", "field", "retry_after", "suggestions")
    return all(getattr(a, name) == getattr(b, name) for name in fields)


async def test_a_raised_error_crosses_the_wire_with_all_its_fields() -> None:
    async def refuse(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        raise LIMITED

    received = await call_failing(refuse)

    assert same_error(received, LIMITED)


async def test_abort_helper_sends_the_same_structured_status() -> None:
    async def refuse(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        await abort(context, LIMITED)

    received = await call_failing(refuse)

    assert same_error(received, LIMITED)


async def test_status_code_and_detail_on_the_wire() -> None:
    async def refuse(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        raise LIMITED

    async with (
        running_grpc_server(echo_service(refuse)) as server,
        create_channel(server.address) as channel,
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call_echo(channel, "x")
    raw = caught.value
    assert raw.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert raw.details() == LIMITED.message
    detail = LIMITED.to_detail()
    assert detail.reason == common_pb2.ERROR_REASON_RATE_LIMITED
    assert from_rpc_error(raw).code is ErrorCode.RATE_LIMITED


async def test_an_unexpected_exception_becomes_internal_without_its_text() -> None:
    async def crash(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        raise KeyError("password=hunter2 in some internal structure")

    async with (
        running_grpc_server(echo_service(crash)) as server,
        create_channel(server.address) as channel,
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call_echo(channel, "x")
    raw = caught.value
    assert raw.code() == grpc.StatusCode.INTERNAL
    assert "hunter2" not in (raw.details() or "")
    assert "Traceback" not in (raw.details() or "")
    error = from_rpc_error(raw, "policy")
    assert error.code is ErrorCode.INTERNAL
    assert error.message == "An internal error occurred."


async def test_a_plain_grpc_abort_passes_through_as_its_category() -> None:
    async def plain(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        await context.abort(grpc.StatusCode.NOT_FOUND, "internal table xyz missing")

    received = await call_failing(plain)

    assert received.code is ErrorCode.NOT_FOUND
    assert received.message == "policy failed."


async def test_a_slow_peer_gives_a_clear_deadline_error() -> None:
    async def hang(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        await asyncio.Event().wait()
        return text

    received = await call_failing(hang, deadline=0.05)

    assert received.code is ErrorCode.DEADLINE_EXCEEDED
    assert received.message == "policy did not answer in time."
    assert received.hint


async def test_the_channel_applies_its_default_deadline_to_calls_without_one() -> None:
    async def hang(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        await asyncio.Event().wait()
        return text

    async with (
        running_grpc_server(echo_service(hang)) as server,
        create_channel(server.address, default_deadline=0.05) as channel,
    ):
        with pytest.raises(TollgateError) as caught, rpc_errors("worker"):
            await call_echo(channel, "x")
    assert caught.value.code is ErrorCode.DEADLINE_EXCEEDED


async def test_a_peer_that_is_down_gives_a_clear_unavailable_error() -> None:
    async with create_channel(f"127.0.0.1:{free_port()}") as channel:
        with pytest.raises(TollgateError) as caught, rpc_errors("the acme worker"):
            await call_echo(channel, "x")
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert caught.value.message == "the acme worker is unavailable."


async def test_call_timeout_propagates_the_callers_remaining_deadline() -> None:
    seen: list[float] = []

    async def measure(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        seen.append(call_timeout(context, default=30.0))
        return text

    async with (
        running_grpc_server(echo_service(measure)) as server,
        create_channel(server.address, default_deadline=5.0) as channel,
    ):
        await call_echo(channel, "x")
        await call_echo(channel, "x", deadline=60.0)
    # The caller's 5 s deadline, not the 30 s default (gRPC rounds it, so no exact bound).
    assert 0 < seen[0] < 10.0
    assert seen[1] == 30.0
    assert call_timeout(None, default=7.0) == 7.0


def test_every_code_maps_to_a_proto_reason_and_back() -> None:
    for code in ErrorCode:
        error = TollgateError(code, "m")
        assert TollgateError.from_detail(error.to_detail()).code is code
        assert isinstance(code.status_code, grpc.StatusCode)
    proto_reasons = {
        name.removeprefix("ERROR_REASON_")
        for name in common_pb2.ErrorReason.keys()  # noqa: SIM118 - an EnumTypeWrapper is not iterable
        if name != "ERROR_REASON_UNSPECIFIED"
    }
    assert proto_reasons == {code.value for code in ErrorCode}


async def test_errors_in_streaming_handlers_are_structured_too() -> None:
    async def count_then_refuse(
        request: wrappers_pb2.StringValue, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[wrappers_pb2.StringValue]:
        yield wrappers_pb2.StringValue(value="1")
        raise LIMITED

    def register(server: grpc.aio.Server) -> None:
        handler = grpc.unary_stream_rpc_method_handler(
            count_then_refuse,
            request_deserializer=wrappers_pb2.StringValue.FromString,
            response_serializer=wrappers_pb2.StringValue.SerializeToString,
        )
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler("tollgate.test.Stream", {"Count": handler}),)
        )

    received: list[str] = []
    async with (
        running_grpc_server(register) as server,
        create_channel(server.address) as channel,
    ):
        count = channel.unary_stream(
            "/tollgate.test.Stream/Count",
            request_serializer=wrappers_pb2.StringValue.SerializeToString,
            response_deserializer=wrappers_pb2.StringValue.FromString,
        )

        async def read_all() -> None:
            async for item in count(wrappers_pb2.StringValue()):
                received.append(item.value)

        with pytest.raises(TollgateError) as caught, rpc_errors("policy"):
            await read_all()
    assert received == ["1"]
    assert same_error(caught.value, LIMITED)
