"""OpenTelemetry set-up, the OpenTelemetry way: traces and metrics, configured by ``OTEL_*``.

The SDK owns its environment: ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``…_TRACES_ENDPOINT`` / ``…_METRICS_ENDPOINT``),
``OTEL_EXPORTER_OTLP_PROTOCOL`` (``grpc`` or ``http/protobuf``), ``OTEL_TRACES_EXPORTER`` and
``OTEL_METRICS_EXPORTER`` (``otlp``, ``console`` or ``none``), ``OTEL_TRACES_SAMPLER`` (+ ``_ARG``),
``OTEL_METRIC_EXPORT_INTERVAL``, ``OTEL_PROPAGATORS`` and ``OTEL_SDK_DISABLED``; logs (the audit
records) leave through ``OTEL_LOGS_EXPORTER`` / ``OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`` likewise.
Locally, ``TOLLGATE_TRACES_FILE`` names a JSON-lines file every finished span is appended to
(``tollgate dev`` sets it; ``tollgate trace`` reads it) unless ``OTEL_TRACES_EXPORTER`` is set and
does not list ``file``: an explicit exporter list is the whole list.

An exporter is created only when one is configured; without one, spans still get ids (for log
correlation and propagation) but are never exported, which costs next to nothing. Trace context
crosses every gRPC hop through the interceptors below, which the server bootstrap and the channel
factory install.
"""

from __future__ import annotations

import functools
import gc
import inspect
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, cast

import grpc
from opentelemetry import context as otel_context
from opentelemetry import metrics, propagate, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import Context
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased, Sampler
from opentelemetry.trace import SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from tollgate_common import metrics as tollgate_metrics
from tollgate_common.errors import TollgateError
from tollgate_common.settings import CONFIG_ERROR_EXIT_STATUS, ConfigurationError
from tollgate_common.span_file import JsonLinesSpanExporter

OTLP_PROTOCOLS = ("grpc", "http/protobuf")
EXPORTER_NAMES = ("otlp", "console", "none")
# Traces also know "file": the dev stack's JSON-lines file (TOLLGATE_TRACES_FILE).
TRACE_EXPORTER_NAMES = (*EXPORTER_NAMES, "file")

Signal = Literal["traces", "metrics", "logs"]
TRACES_FILE_VARIABLE = "TOLLGATE_TRACES_FILE"

_tracer_provider: TracerProvider | None = None
_meter_provider: MeterProvider | None = None
_logger_provider: LoggerProvider | None = None


@dataclass(frozen=True)
class OtlpTarget:
    protocol: str
    endpoint: str


def _exporter_names(environ: Mapping[str, str], signal: Signal) -> set[str]:
    variable = f"OTEL_{signal.upper()}_EXPORTER"
    names = {n.strip().lower() for n in environ.get(variable, "otlp").split(",") if n.strip()}
    known = TRACE_EXPORTER_NAMES if signal == "traces" else EXPORTER_NAMES
    unknown = sorted(names - set(known))
    if unknown:
        raise ConfigurationError(
            f"{variable}: {', '.join(unknown)} not supported; use {', '.join(known)}"
        )
    return names


def otlp_target(environ: Mapping[str, str], signal: Signal) -> OtlpTarget | None:
    """Where OTLP data of ``signal`` goes per the OTLP exporter spec, or None without endpoint.

    A signal-specific endpoint is used as is; for HTTP the generic one gets ``/v1/<signal>``.
    """
    specific = environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    generic = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not (specific or generic):
        return None
    protocol_variable = f"OTEL_EXPORTER_OTLP_{signal.upper()}_PROTOCOL"
    if not environ.get(protocol_variable):
        protocol_variable = "OTEL_EXPORTER_OTLP_PROTOCOL"
    protocol = environ.get(protocol_variable, "grpc").strip().lower()
    if protocol not in OTLP_PROTOCOLS:
        raise ConfigurationError(
            f"{protocol_variable}: {protocol!r} is not supported; "
            f"use one of {', '.join(OTLP_PROTOCOLS)}"
        )
    if specific:
        return OtlpTarget(protocol, specific)
    if protocol == "grpc":
        return OtlpTarget(protocol, str(generic))
    return OtlpTarget(protocol, f"{str(generic).rstrip('/')}/v1/{signal}")


# The exporters are imported lazily: a service without an endpoint never loads the OTLP protos
# or the HTTP stack. Endpoints are passed explicitly so ``environ`` decides them; headers,
# timeouts and TLS settings the exporters read from the process environment themselves.


def exporter_from_env(environ: Mapping[str, str]) -> SpanExporter | None:
    """The span exporter ``OTEL_*`` asks for, or None when nothing is configured.

    Raises `ConfigurationError` naming the variable when the configuration cannot work.
    """
    names = _exporter_names(environ, "traces")
    if "none" in names:
        return None
    if "console" in names:
        return ConsoleSpanExporter()
    if "otlp" not in names:
        return None
    target = otlp_target(environ, "traces")
    if target is None:
        return None
    if target.protocol == "grpc":
        # The SDK's exporter with a faster encoder of the same messages.
        from tollgate_common.span_encoding import OtlpGrpcSpanExporter

        return OtlpGrpcSpanExporter(endpoint=target.endpoint)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpSpanExporter,
    )

    return HttpSpanExporter(endpoint=target.endpoint)


def traces_file_from_env(environ: Mapping[str, str]) -> Path | None:
    """The JSON-lines file spans are appended to: ``TOLLGATE_TRACES_FILE``, when set, unless
    ``OTEL_TRACES_EXPORTER`` is set without ``file`` (so ``otlp`` alone means OTLP alone)."""
    traces_file = environ.get(TRACES_FILE_VARIABLE, "").strip()
    if not traces_file:
        return None
    if environ.get("OTEL_TRACES_EXPORTER") and "file" not in _exporter_names(environ, "traces"):
        return None
    return Path(traces_file)


def metric_exporter_from_env(environ: Mapping[str, str]) -> MetricExporter | None:
    """The metric exporter ``OTEL_*`` asks for, or None (same rules as for spans)."""
    names = _exporter_names(environ, "metrics")
    if "none" in names:
        return None
    if "console" in names:
        return ConsoleMetricExporter()
    target = otlp_target(environ, "metrics")
    if target is None:
        return None
    if target.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as GrpcMetricExporter,
        )

        return GrpcMetricExporter(endpoint=target.endpoint)
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HttpMetricExporter,
    )

    return HttpMetricExporter(endpoint=target.endpoint)


def log_exporter_from_env(environ: Mapping[str, str]) -> LogRecordExporter | None:
    """The log exporter ``OTEL_*`` asks for (OTLP only; console logs are the JSON lines)."""
    names = _exporter_names(environ, "logs")
    if "none" in names or "otlp" not in names:
        return None
    target = otlp_target(environ, "logs")
    if target is None:
        return None
    if target.protocol == "grpc":
        from tollgate_common.span_encoding import OtlpGrpcLogExporter

        return OtlpGrpcLogExporter(endpoint=target.endpoint)
    from opentelemetry.exporter.otlp.proto.http._log_exporter import (
        OTLPLogExporter as HttpLogExporter,
    )

    return HttpLogExporter(endpoint=target.endpoint)


def build_logger_provider(
    default_service_name: str, *, environ: Mapping[str, str] | None = None
) -> LoggerProvider | None:
    """A LoggerProvider exporting OTLP log records (the audit trail), or None without exporter."""
    env = os.environ if environ is None else environ
    exporter = log_exporter_from_env(env)
    if exporter is None:
        return None
    provider = LoggerProvider(resource=build_resource(default_service_name))
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    return provider


def build_resource(default_service_name: str) -> Resource:
    """The service's resource: ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` (read by
    the SDK from the process environment) win over ``default_service_name``."""
    attributes: dict[str, Any] = {}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = default_service_name
    return Resource.create(attributes)


def default_sampler() -> Sampler:
    """Parent-based, keeping every call, even one a client marked "not sampled".

    Errors and denials must always be kept, and only the end of a trace knows it is one: the
    keep-or-drop decision belongs to the collector's tail sampling, so the services record all.
    A client's "not sampled" flag would otherwise silently drop a whole call.
    """
    return ParentBased(root=ALWAYS_ON, remote_parent_not_sampled=ALWAYS_ON)


def build_tracer_provider(
    default_service_name: str,
    *,
    span_processors: Sequence[SpanProcessor] = (),
    environ: Mapping[str, str] | None = None,
) -> TracerProvider:
    """A TracerProvider for this service; does not install it globally (tests use this directly).

    The sampler comes from ``OTEL_TRACES_SAMPLER``; without it, `default_sampler`.
    """
    env = os.environ if environ is None else environ
    sampler = None if env.get("OTEL_TRACES_SAMPLER") else default_sampler()
    provider = TracerProvider(resource=build_resource(default_service_name), sampler=sampler)
    exporter = exporter_from_env(env)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    traces_file = traces_file_from_env(env)
    if traces_file is not None:
        provider.add_span_processor(BatchSpanProcessor(JsonLinesSpanExporter(traces_file)))
    for processor in span_processors:
        provider.add_span_processor(processor)
    return provider


def build_meter_provider(
    default_service_name: str,
    *,
    metric_readers: Sequence[MetricReader] = (),
    environ: Mapping[str, str] | None = None,
) -> MeterProvider:
    """A MeterProvider exporting periodically (``OTEL_METRIC_EXPORT_INTERVAL``) when an exporter
    is configured; not installed globally."""
    env = os.environ if environ is None else environ
    readers = list(metric_readers)
    exporter = metric_exporter_from_env(env)
    if exporter is not None:
        readers.append(PeriodicExportingMetricReader(exporter))
    return MeterProvider(resource=build_resource(default_service_name), metric_readers=readers)


def configure_telemetry(
    default_service_name: str,
    *,
    span_processors: Sequence[SpanProcessor] = (),
    metric_readers: Sequence[MetricReader] = (),
    environ: Mapping[str, str] | None = None,
) -> TracerProvider | None:
    """For ``__main__``: install the global tracer and meter providers and W3C propagation, once.

    Also freezes the objects start-up made (``gc.freeze``, see below), so call it once the
    service's modules are imported. Later calls return the first TracerProvider. Returns None
    when ``OTEL_SDK_DISABLED=true`` (the API's no-op tracer and meter stay). An unusable
    ``OTEL_*`` value prints one line naming it and exits with status 2, like
    `tollgate_common.settings.load_settings`.
    """
    global _tracer_provider, _meter_provider, _logger_provider
    env = os.environ if environ is None else environ
    if _tracer_provider is not None:
        return _tracer_provider
    # Spans queued for export outlive the young generations, so tracing makes full garbage
    # collections frequent, and each one rescans everything start-up imported (most of the
    # heap). Frozen, those objects are left out of every collection; done with tracing off too.
    gc.freeze()
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        # Tollgate's instruments on a no-op meter drop each value at once instead of counting
        # and queueing it for a collection that never comes; the API's globals stay as they are.
        tollgate_metrics.use_meter_provider(metrics.NoOpMeterProvider())
        return None
    try:
        tracer_provider = build_tracer_provider(
            default_service_name, span_processors=span_processors, environ=env
        )
        meter_provider = build_meter_provider(
            default_service_name, metric_readers=metric_readers, environ=env
        )
        logger_provider = build_logger_provider(default_service_name, environ=env)
    except ConfigurationError as error:
        print(f"{default_service_name}: invalid configuration: {error}", file=sys.stderr)
        raise SystemExit(CONFIG_ERROR_EXIT_STATUS) from None
    if not env.get("OTEL_PROPAGATORS"):
        propagate.set_global_textmap(
            CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
        )
    _tracer_provider, _meter_provider = tracer_provider, meter_provider
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    if logger_provider is not None:
        _logger_provider = logger_provider
        set_logger_provider(logger_provider)
    return tracer_provider


def shutdown_telemetry() -> None:
    """Flush and stop exporting; called once when the service stops."""
    if _tracer_provider is not None:
        _tracer_provider.shutdown()
    if _meter_provider is not None:
        _meter_provider.shutdown()
    if _logger_provider is not None:
        _logger_provider.shutdown()


def get_tracer(name: str, tracer_provider: trace.TracerProvider | None = None) -> trace.Tracer:
    return trace.get_tracer(name, tracer_provider=tracer_provider)


def get_meter(name: str, meter_provider: metrics.MeterProvider | None = None) -> metrics.Meter:
    return metrics.get_meter(name, meter_provider=meter_provider)


# Probes and tooling, not work: Kubernetes' grpc probes would otherwise fill traces.
_UNTRACED_SERVICE_PREFIXES = ("grpc.health.v1.", "grpc.reflection.")
_STATUS_CODE: Final = "rpc.grpc.status_code"
_TRACER_NAME: Final = "tollgate.grpc"


def _traced(method: str) -> bool:
    service = method.lstrip("/").partition("/")[0]
    return not service.startswith(_UNTRACED_SERVICE_PREFIXES)


def _is_write_style_stream(handler: grpc.RpcMethodHandler[Any, Any]) -> bool:
    behavior = handler.unary_stream or handler.stream_stream
    return behavior is not None and inspect.iscoroutinefunction(behavior)


@functools.cache
def _rpc_attributes(method: str) -> Mapping[str, str]:
    """The semantic-convention attributes of a call to ``method`` (``/pkg.Service/Method``),
    built once per method; the SDK copies them into each span."""
    service, _, name = method.lstrip("/").partition("/")
    return MappingProxyType({"rpc.system": "grpc", "rpc.service": service, "rpc.method": name})


def _mark_failed(span: trace.Span, code: grpc.StatusCode, error_code: str = "") -> None:
    span.set_attribute(_STATUS_CODE, code.value[0])
    if error_code:
        span.set_attribute("tollgate.error.code", error_code)
    span.set_status(StatusCode.ERROR, error_code or code.name)


def _end_server_span(
    span: trace.Span, context: grpc.aio.ServicerContext[Any, Any], error: BaseException | None
) -> None:
    """Status of a finished call: what the servicer set (``errors.abort`` marks the span with
    the Tollgate error code itself), or what an escaping exception stands for."""
    if isinstance(span, ReadableSpan) and span.status.status_code != StatusCode.ERROR:
        # grpc's stubs say StatusCode, but it is None until the servicer sets one.
        code = cast("grpc.StatusCode | None", context.code()) or grpc.StatusCode.OK
        if isinstance(error, TollgateError):
            _mark_failed(span, error.code.status_code, error.code.value)
        elif error is not None and not isinstance(error, grpc.aio.AbortError):
            _mark_failed(span, grpc.StatusCode.INTERNAL, type(error).__name__)
        elif code != grpc.StatusCode.OK:
            _mark_failed(span, code)
        else:
            span.set_attribute(_STATUS_CODE, code.value[0])
    span.end()


class _TracingServerInterceptor(grpc.aio.ServerInterceptor):
    """One SERVER span per incoming unary call, continuing the caller's trace from metadata.

    Our own rather than OpenTelemetry's gRPC instrumentation: that one proxies every servicer
    context, parses the peer address and builds its attributes on each call, which was a large
    share of the cost of tracing. Streaming handlers, health and reflection pass untraced (only
    unary methods do work here; grpc's health ``Watch`` streams with ``context.write``).
    """

    def __init__(self, tracer_provider: trace.TracerProvider | None) -> None:
        self._tracer = trace.get_tracer(_TRACER_NAME, tracer_provider=tracer_provider)
        self._handlers: dict[
            str, tuple[grpc.RpcMethodHandler[Any, Any], grpc.RpcMethodHandler[Any, Any]]
        ] = {}

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        # grpc looks the handler up anew for every call; deciding and wrapping once per method
        # spares each call the checks, a closure and a handler.
        method = handler_call_details.method
        cached = self._handlers.get(method)
        if cached is None or cached[0] is not handler:
            cached = (handler, self._wrapped(handler, method))
            self._handlers[method] = cached
        return cached[1]

    def _wrapped(
        self, handler: grpc.RpcMethodHandler[Any, Any], method: str
    ) -> grpc.RpcMethodHandler[Any, Any]:
        """``handler`` traced, or as it is when it is not a traced unary coroutine."""
        if handler.unary_unary is None or not _traced(method):
            return handler
        if not inspect.iscoroutinefunction(handler.unary_unary):
            return handler
        traced: grpc.RpcMethodHandler[Any, Any] = grpc.unary_unary_rpc_method_handler(
            self._traced(handler.unary_unary, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
        return traced

    def _traced(self, behavior: Callable[..., Any], method: str) -> Callable[..., Any]:
        tracer, attributes = self._tracer, _rpc_attributes(method)
        # The propagators are installed at start-up (configure_telemetry), before any call.
        fields = frozenset(propagate.get_global_textmap().fields)

        async def traced(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            carrier = {k: v for k, v in context.invocation_metadata() or () if k in fields}
            parent = propagate.extract(carrier) if carrier else None
            span = tracer.start_span(
                method, context=parent, kind=SpanKind.SERVER, attributes=attributes
            )
            token = otel_context.attach(trace.set_span_in_context(span, parent))
            error: BaseException | None = None
            try:
                return await behavior(request, context)
            except BaseException as exc:
                error = exc
                raise
            finally:
                otel_context.detach(token)
                _end_server_span(span, context, error)

        return traced


def server_interceptor(
    tracer_provider: trace.TracerProvider | None = None,
) -> grpc.aio.ServerInterceptor:
    """Continues the caller's trace in a SERVER span for each incoming call."""
    return _TracingServerInterceptor(tracer_provider)


# The last context injected and its headers, shared by every channel's interceptor: the front
# calls policy and then the worker (two channels) from the same span, and injecting is a pure
# function of the context.
_last_injected: tuple[Context, tuple[tuple[str, str], ...]] | None = None


def _trace_headers(current: Context) -> tuple[tuple[str, str], ...]:
    global _last_injected
    last = _last_injected
    if last is not None and last[0] is current:
        return last[1]
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=current)
    headers = tuple(carrier.items())
    _last_injected = (current, headers)
    return headers


class _TracingClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """The caller's trace context (``traceparent``) in the metadata of each outgoing unary call,
    and the channel's default deadline for a call that sets none (one interceptor, not two).

    A call that succeeds gets no CLIENT span: the callee's SERVER span, parented on the caller's
    span, already shows the hop, and a CLIENT span that only repeats it cost a tenth of all
    tracing's CPU. A call that fails (a status other than OK, a deadline, no answer) is recorded
    as a CLIENT span after the fact, from its real start, so a trace shows which hop failed even
    when the callee never saw the call.
    """

    def __init__(
        self, tracer_provider: trace.TracerProvider | None, default_deadline: float | None
    ) -> None:
        self._tracer = trace.get_tracer(_TRACER_NAME, tracer_provider=tracer_provider)
        self._default_deadline = default_deadline

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Awaitable[Any]],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        details = client_call_details
        timeout = details.timeout if details.timeout is not None else self._default_deadline
        current_context = otel_context.get_current()
        current = trace.get_current_span(current_context)
        if not current.get_span_context().is_valid:
            # Outside any trace (background polls, batched audit writes): the callee's SERVER
            # span starts its own.
            return await continuation(_with_timeout(details, timeout), request)
        # Also for a trace not kept here (or with the SDK off): the callee must know.
        metadata = grpc.aio.Metadata(*details.metadata) if details.metadata else grpc.aio.Metadata()
        for key, value in _trace_headers(current_context):
            metadata[key] = value  # replaces a caller's own trace header, as inject does
        outgoing = grpc.aio.ClientCallDetails(
            details.method, timeout, metadata, details.credentials, details.wait_for_ready
        )
        if not current.is_recording():
            return await continuation(outgoing, request)
        started = time.time_ns()
        try:
            call = await continuation(outgoing, request)
            code = await call.code()
        except grpc.aio.AioRpcError as error:
            self._failed(details, started, error.code(), "")
            raise
        except BaseException as error:
            self._failed(details, started, None, type(error).__name__)
            raise
        if code != grpc.StatusCode.OK:
            self._failed(details, started, code, "")
        return call

    def _failed(
        self,
        details: grpc.aio.ClientCallDetails,
        started: int,
        code: grpc.StatusCode | None,
        error_type: str,
    ) -> None:
        # Typed str, but grpc passes bytes (grpc/grpc#31092).
        raw = cast("str | bytes", details.method)
        method = raw.decode() if isinstance(raw, bytes) else raw
        span = self._tracer.start_span(
            method, kind=SpanKind.CLIENT, attributes=_rpc_attributes(method), start_time=started
        )
        if code is not None:
            _mark_failed(span, code)
        else:
            span.set_status(StatusCode.ERROR, error_type)
        span.end()


def _with_timeout(
    details: grpc.aio.ClientCallDetails, timeout: float | None
) -> grpc.aio.ClientCallDetails:
    if timeout == details.timeout:
        return details
    return grpc.aio.ClientCallDetails(
        details.method, timeout, details.metadata, details.credentials, details.wait_for_ready
    )


def client_interceptors(
    tracer_provider: trace.TracerProvider | None = None, *, default_deadline: float | None = None
) -> list[grpc.aio.ClientInterceptor]:
    """The caller's ``traceparent`` in each outgoing unary call's metadata, a CLIENT span for a
    call that failed; ``default_deadline`` also becomes the timeout of a unary call that sets
    none."""
    return [_TracingClientInterceptor(tracer_provider, default_deadline)]


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
