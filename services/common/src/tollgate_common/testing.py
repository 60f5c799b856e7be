"""Test helpers for every Tollgate package: free ports, a throwaway Redis, in-process gRPC servers.

Plain context managers (no pytest import) so any test suite can wrap them in fixtures.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

import grpc
from google.protobuf import wrappers_pb2
from opentelemetry import trace

from tollgate_common.grpc_server import GrpcServer, RegisterServicers


class RedisServerUnavailable(RuntimeError):
    """``redis-server`` is not installed or did not start; tests should skip with this reason."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (another process may still take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RedisServerUnavailable(f"redis-server exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.02)
    raise RedisServerUnavailable(f"redis-server did not listen on {host}:{port} in {timeout} s")


@contextlib.contextmanager
def redis_server(*, timeout: float = 10.0) -> Iterator[str]:
    """Start a private ``redis-server`` on a free loopback port without persistence; yields its
    ``redis://`` URL and stops it afterwards. Raises `RedisServerUnavailable` when it cannot."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisServerUnavailable("redis-server is not installed (apt-get install redis-server)")
    host = "127.0.0.1"
    with tempfile.TemporaryDirectory(prefix="tollgate-redis-") as workdir:
        for _attempt in range(3):
            port = free_port(host)
            process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    host,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    workdir,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait_for_port(host, port, process, timeout)
            except RedisServerUnavailable:
                process.kill()
                process.wait()
                continue  # most likely the port was taken in between; try another
            try:
                yield f"redis://{host}:{port}/0"
            finally:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            return
    raise RedisServerUnavailable("redis-server did not start (three attempts)")


@contextlib.asynccontextmanager
async def running_grpc_server(
    register: RegisterServicers,
    *,
    service_names: Sequence[str] = (),
    tracer_provider: trace.TracerProvider | None = None,
) -> AsyncIterator[GrpcServer]:
    """A real ``grpc.aio`` server on 127.0.0.1 and a free port, built like production's
    (health, reflection, interceptors); stopped without grace on exit."""
    server = GrpcServer(
        register,
        service_names=service_names,
        host="127.0.0.1",
        port=0,
        tracer_provider=tracer_provider,
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop(grace=None)


# A tiny real gRPC service for tests of interceptors, errors, deadlines and tracing:
# "/tollgate.test.Echo/Say" takes and returns a StringValue; each test supplies its behaviour.
ECHO_SERVICE = "tollgate.test.Echo"
EchoBehavior = Callable[[str, grpc.aio.ServicerContext[Any, Any]], Awaitable[str]]


def echo_service(behavior: EchoBehavior) -> RegisterServicers:
    async def say(
        request: wrappers_pb2.StringValue, context: grpc.aio.ServicerContext[Any, Any]
    ) -> wrappers_pb2.StringValue:
        return wrappers_pb2.StringValue(value=await behavior(request.value, context))

    handler = grpc.method_handlers_generic_handler(
        ECHO_SERVICE,
        {
            "Say": grpc.unary_unary_rpc_method_handler(
                say,
                request_deserializer=wrappers_pb2.StringValue.FromString,
                response_serializer=wrappers_pb2.StringValue.SerializeToString,
            )
        },
    )

    def register(server: grpc.aio.Server) -> None:
        server.add_generic_rpc_handlers((handler,))

    return register


async def call_echo(channel: grpc.aio.Channel, text: str, *, deadline: float | None = None) -> str:
    """Call the echo service; ``deadline`` is the gRPC timeout in seconds (None: the channel's)."""
    method = channel.unary_unary(
        f"/{ECHO_SERVICE}/Say",
        request_serializer=wrappers_pb2.StringValue.SerializeToString,
        response_deserializer=wrappers_pb2.StringValue.FromString,
    )
    response: wrappers_pb2.StringValue = await method(
        wrappers_pb2.StringValue(value=text), timeout=deadline
    )
    return response.value
