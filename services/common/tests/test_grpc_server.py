from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from tollgate_common.errors import ErrorCode, TollgateError, rpc_errors
from tollgate_common.grpc_channel import create_channel
from tollgate_common.grpc_server import BindError, GrpcServer, serve
from tollgate_common.settings import GrpcServerSettings
from tollgate_common.testing import ECHO_SERVICE, call_echo, echo_service, running_grpc_server


async def shout(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
    return text.upper()


async def test_port_zero_binds_a_free_port_and_serves() -> None:
    async with running_grpc_server(echo_service(shout), service_names=[ECHO_SERVICE]) as server:
        assert server.port > 0
        async with create_channel(server.address) as channel:
            assert await call_echo(channel, "hi") == "HI"


async def test_health_reports_serving_for_the_server_and_each_service() -> None:
    async with (
        running_grpc_server(echo_service(shout), service_names=[ECHO_SERVICE]) as server,
        create_channel(server.address) as channel,
    ):
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", ECHO_SERVICE):
            response = await health.Check(health_pb2.HealthCheckRequest(service=name))
            assert response.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND

        await server.set_serving(ECHO_SERVICE, False)
        response = await health.Check(health_pb2.HealthCheckRequest(service=ECHO_SERVICE))
        assert response.status == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_reflection_lists_the_services() -> None:
    async with (
        running_grpc_server(echo_service(shout), service_names=[ECHO_SERVICE]) as server,
        create_channel(server.address) as channel,
    ):
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        responses = [r async for r in stub.ServerReflectionInfo(iter([request]))]
    names = {s.name for s in responses[0].list_services_response.service}
    assert names == {
        ECHO_SERVICE,
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }


async def test_graceful_stop_finishes_in_flight_calls_and_refuses_new_ones() -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        entered.set()
        await release.wait()
        return f"done {text}"

    server = GrpcServer(echo_service(slow), service_names=[ECHO_SERVICE])
    await server.start()
    async with create_channel(server.address) as channel:
        in_flight = asyncio.create_task(call_echo(channel, "first"))
        await entered.wait()
        stopping = asyncio.create_task(server.stop(grace=30))
        await asyncio.sleep(0)  # let stop() begin refusing new calls
        release.set()
        assert await in_flight == "done first"
        await stopping

    async with create_channel(server.address) as channel:
        with pytest.raises(TollgateError) as caught, rpc_errors("echo"):
            await call_echo(channel, "second")
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert caught.value.message == "echo is unavailable."


async def test_a_port_in_use_is_a_clear_bind_error() -> None:
    async with running_grpc_server(echo_service(shout)) as first:
        second = GrpcServer(echo_service(shout), service_names=[], port=first.port)
        with pytest.raises(BindError, match=f"127.0.0.1:{first.port}"):
            await second.start()


async def test_serve_runs_until_sigterm_then_stops() -> None:
    started: asyncio.Future[GrpcServer] = asyncio.get_running_loop().create_future()
    settings = GrpcServerSettings(host="127.0.0.1", port=0, shutdown_grace=1)
    serving = asyncio.create_task(
        serve(
            echo_service(shout),
            settings,
            service_names=[ECHO_SERVICE],
            on_started=started.set_result,
        )
    )
    server = await started
    async with create_channel(server.address) as channel:
        assert await call_echo(channel, "up") == "UP"
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(serving, timeout=30)

    async with create_channel(server.address) as channel:
        with pytest.raises(TollgateError) as caught, rpc_errors("echo"):
            await call_echo(channel, "down")
    assert caught.value.code is ErrorCode.UNAVAILABLE


async def test_health_watch_streams_status_changes() -> None:
    async with (
        running_grpc_server(echo_service(shout), service_names=[ECHO_SERVICE]) as server,
        create_channel(server.address, default_deadline=30) as channel,
    ):
        watch = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(service=ECHO_SERVICE)
        )
        first = await watch.read()
        await server.set_serving(ECHO_SERVICE, False)
        second = await watch.read()
        watch.cancel()
    assert first.status == health_pb2.HealthCheckResponse.SERVING
    assert second.status == health_pb2.HealthCheckResponse.NOT_SERVING
