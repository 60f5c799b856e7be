"""Client channels and deadlines.

`create_channel` returns a ``grpc.aio`` channel with keepalive, bounded message sizes, the tracing
client interceptor (trace context crosses the hop) and a default deadline applied to every call
that does not set its own, so no call can hang forever.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, cast

import grpc
from opentelemetry import trace

from tollgate_common.telemetry import client_interceptors

# Tool results are bounded by the worker; 16 MiB leaves room for a large but legitimate batch.
MAX_MESSAGE_BYTES: Final = 16 * 1024 * 1024
DEFAULT_DEADLINE_SECONDS: Final = 10.0

_CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    # Detect a dead peer (e.g. a worker pod that vanished) within ~40 s even when idle.
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    # Reconnect quickly once a restarted peer is back.
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 5_000),
]


class _DefaultDeadline:
    """Sets ``timeout`` on calls that have none; shared by the four interceptor kinds."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def _with_deadline(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        if details.timeout is not None:
            return details
        return grpc.aio.ClientCallDetails(
            method=details.method,
            timeout=self.seconds,
            metadata=details.metadata,
            credentials=details.credentials,
            wait_for_ready=details.wait_for_ready,
        )

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        return await continuation(self._with_deadline(details), request)

    async def intercept_unary_stream(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        return await continuation(self._with_deadline(details), request)

    async def intercept_stream_unary(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, requests: Any
    ) -> Any:
        return await continuation(self._with_deadline(details), requests)

    async def intercept_stream_stream(
        self, continuation: Callable[..., Any], details: grpc.aio.ClientCallDetails, requests: Any
    ) -> Any:
        return await continuation(self._with_deadline(details), requests)


class DefaultDeadlineUnaryUnary(_DefaultDeadline, grpc.aio.UnaryUnaryClientInterceptor):
    pass


class DefaultDeadlineUnaryStream(_DefaultDeadline, grpc.aio.UnaryStreamClientInterceptor):
    pass


class DefaultDeadlineStreamUnary(_DefaultDeadline, grpc.aio.StreamUnaryClientInterceptor):
    pass


class DefaultDeadlineStreamStream(_DefaultDeadline, grpc.aio.StreamStreamClientInterceptor):
    pass


def default_deadline_interceptors(
    seconds: float, *, unary_unary: bool = True
) -> list[grpc.aio.ClientInterceptor]:
    """One per call kind; ``unary_unary=False`` leaves that kind to an interceptor that applies
    the deadline itself (the tracing one: each interceptor layer costs a coroutine per call)."""
    unary: list[grpc.aio.ClientInterceptor] = [DefaultDeadlineUnaryUnary(seconds)]
    return [
        *(unary if unary_unary else []),
        DefaultDeadlineUnaryStream(seconds),
        DefaultDeadlineStreamUnary(seconds),
        DefaultDeadlineStreamStream(seconds),
    ]


def create_channel(
    target: str,
    *,
    default_deadline: float = DEFAULT_DEADLINE_SECONDS,
    tracer_provider: trace.TracerProvider | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.aio.Channel:
    """An insecure ``grpc.aio`` channel to ``target`` (``host:port``); in-cluster traffic is
    plaintext behind NetworkPolicies.

    Create channels inside the event loop that uses them and close them with ``await
    channel.close()``.
    """
    return grpc.aio.insecure_channel(
        target,
        options=[*_CHANNEL_OPTIONS, *options],
        interceptors=[
            *client_interceptors(tracer_provider, default_deadline=default_deadline),
            *default_deadline_interceptors(default_deadline, unary_unary=False),
        ],
    )


def call_timeout(
    context: grpc.aio.ServicerContext[Any, Any] | None,
    default: float = DEFAULT_DEADLINE_SECONDS,
) -> float:
    """Timeout for a downstream call made while serving ``context``: the caller's remaining time
    when it set a deadline and that is shorter than ``default``, so deadlines propagate."""
    if context is None:
        return default
    # grpc's stubs say float, but it is None when the caller set no deadline.
    remaining = cast("float | None", context.time_remaining())
    if remaining is None:
        return default
    return max(0.0, min(default, remaining))
