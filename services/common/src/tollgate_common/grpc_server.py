"""Bootstrap for a ``grpc.aio`` server: bind, health, reflection, interceptors, graceful stop.

A service passes a callback that adds its servicers and the full names of the services it serves
(``worker_pb2.DESCRIPTOR.services_by_name["Worker"].full_name``). The server adds grpc's own health
service (SERVING for "" and for each name, NOT_SERVING while it drains) and reflection, and installs
the tracing and structured-error interceptors, so servicers never hand-write either.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Self, TypeAlias

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry import trace

from tollgate_common.errors import ErrorInterceptor
from tollgate_common.grpc_channel import MAX_MESSAGE_BYTES
from tollgate_common.settings import GrpcServerSettings
from tollgate_common.telemetry import server_interceptor

logger = logging.getLogger(__name__)

RegisterServicers = Callable[[grpc.aio.Server], None]
RpcHandler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"

_SERVER_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    # Accept the channel factory's keepalive pings, even on idle connections.
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.max_ping_strikes", 0),
    # A second process on the same port must fail to start, not silently share the traffic.
    ("grpc.so_reuseport", 0),
]


class _WrapOncePerMethod(grpc.aio.ServerInterceptor):
    """Runs ``wrappers`` (interceptors that only wrap the method's handler, the same way for
    every call) once per method and reuses the handler they made, instead of building new
    closures and handlers on every call. Outermost first, as in ``grpc.aio.server``."""

    def __init__(self, wrappers: Sequence[grpc.aio.ServerInterceptor]) -> None:
        self._wrappers = tuple(wrappers)
        self._made: dict[str, tuple[RpcHandler, RpcHandler | None]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[RpcHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> RpcHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        made = self._made.get(method)
        if made is not None and made[0] is handler:
            return made[1]
        wrapped: RpcHandler | None = handler
        for wrapper in reversed(self._wrappers):
            wrapped = await wrapper.intercept_service(_resolved(wrapped), handler_call_details)
        self._made[method] = (handler, wrapped)
        return wrapped


def _resolved(
    handler: RpcHandler | None,
) -> Callable[[grpc.HandlerCallDetails], Awaitable[RpcHandler | None]]:
    async def resolve(_details: grpc.HandlerCallDetails) -> RpcHandler | None:
        return handler

    return resolve


class BindError(RuntimeError):
    """The server could not listen on the configured address."""


class GrpcServer:
    """One ``grpc.aio`` server; use ``async with`` or `start`/`stop`."""

    def __init__(
        self,
        register: RegisterServicers,
        *,
        service_names: Sequence[str],
        host: str = "127.0.0.1",
        port: int = 0,
        tracer_provider: trace.TracerProvider | None = None,
        interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    ) -> None:
        self._register = register
        self.service_names = tuple(service_names)
        self.host = host
        self._requested_port = port
        self._tracer_provider = tracer_provider
        self._extra_interceptors = tuple(interceptors)
        self.health = health.aio.HealthServicer()
        self._server: grpc.aio.Server | None = None
        self._port: int | None = None

    @classmethod
    def from_settings(
        cls,
        settings: GrpcServerSettings,
        register: RegisterServicers,
        *,
        service_names: Sequence[str],
        tracer_provider: trace.TracerProvider | None = None,
    ) -> GrpcServer:
        return cls(
            register,
            service_names=service_names,
            host=settings.host,
            port=settings.port,
            tracer_provider=tracer_provider,
        )

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for); only after `start`."""
        if self._port is None:
            raise RuntimeError("the server is not started")
        return self._port

    @property
    def address(self) -> str:
        """``host:port`` a client on this machine can dial."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "[::]", "::") else self.host
        return f"{host}:{self.port}"

    async def start(self) -> int:
        """Bind, register everything and start serving; returns the bound port."""
        if self._server is not None:
            raise RuntimeError("the server is already started")
        server = grpc.aio.server(
            interceptors=[
                _WrapOncePerMethod([server_interceptor(self._tracer_provider), ErrorInterceptor()]),
                *self._extra_interceptors,
            ],
            options=_SERVER_OPTIONS,
        )
        self._register(server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        reflection.enable_server_reflection(
            [*self.service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], server
        )
        bind_to = f"{self.host}:{self._requested_port}"
        try:
            port = server.add_insecure_port(bind_to)
        except RuntimeError as error:
            raise BindError(f"cannot listen on {bind_to}: {error}") from None
        if port == 0:
            raise BindError(f"cannot listen on {bind_to}")
        await server.start()
        self._server, self._port = server, port
        for name in ("", *self.service_names):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        logger.info("gRPC server listening", extra={"address": f"{self.host}:{port}"})
        return port

    async def set_serving(self, service_name: str, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        await self.health.set(service_name, status)

    async def stop(self, grace: float | None = 5.0) -> None:
        """Report NOT_SERVING, refuse new calls and give in-flight ones ``grace`` seconds."""
        server = self._server
        if server is None:
            return
        await self.health.enter_graceful_shutdown()
        await server.stop(grace)
        self._server = None
        logger.info("gRPC server stopped")

    async def wait_for_termination(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop(grace=None)


async def wait_for_stop_signal() -> signal.Signals:
    """Wait until SIGTERM or SIGINT arrives; returns which one."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[signal.Signals] = loop.create_future()
    stop_signals = (signal.SIGTERM, signal.SIGINT)

    def on_signal(sig: signal.Signals) -> None:
        if not received.done():
            received.set_result(sig)

    for sig in stop_signals:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        return await received
    finally:
        for sig in stop_signals:
            loop.remove_signal_handler(sig)


async def serve(
    register: RegisterServicers,
    settings: GrpcServerSettings,
    *,
    service_names: Sequence[str],
    on_started: Callable[[GrpcServer], None] | None = None,
) -> None:
    """Run a server until SIGTERM/SIGINT, then stop it gracefully.

    In-flight calls get ``settings.shutdown_grace`` seconds; health reports NOT_SERVING meanwhile.
    """
    server = GrpcServer.from_settings(settings, register, service_names=service_names)
    await server.start()
    if on_started is not None:
        on_started(server)
    sig = await wait_for_stop_signal()
    logger.info("stopping on signal", extra={"signal": sig.name})
    await server.stop(settings.shutdown_grace)
