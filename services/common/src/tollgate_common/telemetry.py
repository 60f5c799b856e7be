"""OpenTelemetry set-up, the OpenTelemetry way.

The SDK owns its environment: ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``…_TRACES_ENDPOINT``), ``OTEL_EXPORTER_OTLP_PROTOCOL``
(``grpc`` or ``http/protobuf``), ``OTEL_TRACES_EXPORTER`` (``otlp``, ``console`` or ``none``),
``OTEL_TRACES_SAMPLER`` (+ ``_ARG``), ``OTEL_PROPAGATORS`` and ``OTEL_SDK_DISABLED``.

A span exporter is created only when one is configured; without one, spans still get ids (for log
correlation and propagation) but are never exported, which costs next to nothing. Trace context
crosses every gRPC hop through the interceptors below, which the server bootstrap and the channel
factory install.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import grpc
from opentelemetry import propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.instrumentation import grpc as otel_grpc
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from tollgate_common.settings import CONFIG_ERROR_EXIT_STATUS, ConfigurationError

OTLP_PROTOCOLS = ("grpc", "http/protobuf")

_configured: TracerProvider | None = None


def _otlp_protocol(environ: Mapping[str, str]) -> str:
    protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"
    )
    protocol = protocol.strip().lower()
    if protocol not in OTLP_PROTOCOLS:
        raise ConfigurationError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r} is not supported; "
            f"use one of {', '.join(OTLP_PROTOCOLS)}"
        )
    return protocol


def exporter_from_env(environ: Mapping[str, str]) -> SpanExporter | None:
    """The span exporter ``OTEL_*`` asks for, or None when nothing is configured.

    Raises `ConfigurationError` naming the variable when the configuration cannot work.
    """
    names = [n.strip().lower() for n in environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",")]
    unknown = sorted(set(names) - {"otlp", "console", "none"})
    if unknown:
        raise ConfigurationError(
            f"OTEL_TRACES_EXPORTER: {', '.join(unknown)} not supported; use otlp, console or none"
        )
    if "none" in names:
        return None
    if "console" in names:
        return ConsoleSpanExporter()
    traces_endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    base_endpoint = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not (traces_endpoint or base_endpoint):
        return None
    # Imported lazily: a service without an endpoint never loads the OTLP protos or HTTP stack.
    # The endpoint is passed explicitly so ``environ`` decides it; headers, timeout and TLS
    # settings the exporters read from the process environment themselves.
    if _otlp_protocol(environ) == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter(endpoint=traces_endpoint or base_endpoint)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpExporter,
    )

    # Per the OTLP exporter spec, a signal-specific endpoint is used as is and the generic one
    # gets the signal's path appended.
    endpoint = traces_endpoint or f"{str(base_endpoint).rstrip('/')}/v1/traces"
    return HttpExporter(endpoint=endpoint)


def build_tracer_provider(
    default_service_name: str,
    *,
    span_processors: Sequence[SpanProcessor] = (),
    environ: Mapping[str, str] | None = None,
) -> TracerProvider:
    """A TracerProvider for this service; does not install it globally (tests use this directly).

    ``default_service_name`` applies only when ``OTEL_SERVICE_NAME`` does not name the service.
    The sampler comes from ``OTEL_TRACES_SAMPLER`` (parent-based always-on by default).
    """
    env = os.environ if environ is None else environ
    attributes: dict[str, Any] = {}
    if not env.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = default_service_name
    provider = TracerProvider(resource=Resource.create(attributes))
    exporter = exporter_from_env(env)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    for processor in span_processors:
        provider.add_span_processor(processor)
    return provider


def configure_telemetry(
    default_service_name: str,
    *,
    span_processors: Sequence[SpanProcessor] = (),
    environ: Mapping[str, str] | None = None,
) -> TracerProvider | None:
    """For ``__main__``: install the global TracerProvider and W3C propagation, once.

    Later calls return the first provider. Returns None when ``OTEL_SDK_DISABLED=true`` (the API's
    no-op tracer stays). An unusable ``OTEL_*`` value prints one line naming it and exits with
    status 2, like `tollgate_common.settings.load_settings`.
    """
    global _configured
    env = os.environ if environ is None else environ
    if _configured is not None:
        return _configured
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    try:
        provider = build_tracer_provider(
            default_service_name, span_processors=span_processors, environ=env
        )
    except ConfigurationError as error:
        print(f"{default_service_name}: invalid configuration: {error}", file=sys.stderr)
        raise SystemExit(CONFIG_ERROR_EXIT_STATUS) from None
    if not env.get("OTEL_PROPAGATORS"):
        propagate.set_global_textmap(
            CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
        )
    _configured = provider
    trace.set_tracer_provider(provider)
    return provider


def shutdown_telemetry() -> None:
    """Flush and stop exporting; called once when the service stops."""
    if _configured is not None:
        _configured.shutdown()


def get_tracer(name: str, tracer_provider: trace.TracerProvider | None = None) -> trace.Tracer:
    return trace.get_tracer(name, tracer_provider=tracer_provider)


# Probes and tooling, not work: Kubernetes' grpc probes would otherwise fill traces.
_UNTRACED_SERVICE_PREFIXES = ("grpc.health.v1.", "grpc.reflection.")


def _traced(details: grpc.HandlerCallDetails) -> bool:
    service = details.method.lstrip("/").partition("/")[0]
    return not service.startswith(_UNTRACED_SERVICE_PREFIXES)


def _is_write_style_stream(handler: grpc.RpcMethodHandler[Any, Any]) -> bool:
    behavior = handler.unary_stream or handler.stream_stream
    return behavior is not None and inspect.iscoroutinefunction(behavior)


class _TracingServerInterceptor(grpc.aio.ServerInterceptor):
    """OpenTelemetry's aio server interceptor, minus what it cannot handle.

    It iterates every streaming handler as an async generator, which breaks handlers that stream
    with ``await context.write()`` (grpc's own health ``Watch`` is one), so those are passed
    through untraced, as are health and reflection calls.
    """

    def __init__(self, tracer_provider: trace.TracerProvider | None) -> None:
        self._inner: grpc.aio.ServerInterceptor = otel_grpc.aio_server_interceptor(  # type: ignore[no-untyped-call]
            tracer_provider=tracer_provider
        )

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None or not _traced(handler_call_details) or _is_write_style_stream(handler):
            return handler

        async def resolved(
            _details: grpc.HandlerCallDetails,
        ) -> grpc.RpcMethodHandler[Any, Any] | None:
            return handler

        return await self._inner.intercept_service(resolved, handler_call_details)


def server_interceptor(
    tracer_provider: trace.TracerProvider | None = None,
) -> grpc.aio.ServerInterceptor:
    """Continues the caller's trace in a SERVER span for each incoming call."""
    return _TracingServerInterceptor(tracer_provider)


def client_interceptors(
    tracer_provider: trace.TracerProvider | None = None,
) -> list[grpc.aio.ClientInterceptor]:
    """A CLIENT span per outgoing call, with ``traceparent`` injected into its metadata."""
    interceptors: list[grpc.aio.ClientInterceptor] = otel_grpc.aio_client_interceptors(  # type: ignore[no-untyped-call]
        tracer_provider=tracer_provider
    )
    return interceptors


def current_trace_id() -> str | None:
    """The active trace id as 32 hex digits, or None outside a span (for audit records)."""
    context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else None


__all__ = [
    "build_tracer_provider",
    "client_interceptors",
    "configure_telemetry",
    "current_trace_id",
    "exporter_from_env",
    "get_tracer",
    "server_interceptor",
    "shutdown_telemetry",
]
