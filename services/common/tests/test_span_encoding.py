"""`SpanEncoder` and `LogEncoder` must produce exactly what the SDK's own OTLP encoders do."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import (
    InMemoryLogRecordExporter,
    LogRecordExportResult,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    StatusCode,
    TraceFlags,
    TraceState,
    set_span_in_context,
    use_span,
)
from tollgate_common.span_encoding import (
    LogEncoder,
    OtlpGrpcLogExporter,
    OtlpGrpcSpanExporter,
    SpanEncoder,
)
from tollgate_common.testing import running_grpc_server


def finished_spans() -> tuple[ReadableSpan, ...]:
    exporter = InMemorySpanExporter()
    spans: list[ReadableSpan] = []
    for service in ("front", "policy"):
        provider = TracerProvider(
            resource=Resource.create({"service.name": service}, schema_url="https://s/1")
        )
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        grpc_tracer = provider.get_tracer("tollgate.grpc")
        scoped = provider.get_tracer(
            "tollgate", "1.0", schema_url="https://s/2", attributes={"a": 1}
        )
        remote = SpanContext(
            0x0AF7651916CD43DD8448EB211C80319C,
            0xB7AD6B7169203331,
            is_remote=True,
            trace_flags=TraceFlags(1),
            trace_state=TraceState([("vendor", "x1"), ("other", "y")]),
        )
        with grpc_tracer.start_as_current_span(
            "/tollgate.v1.PolicyService/Authorize",
            context=set_span_in_context(NonRecordingSpan(remote)),
            kind=SpanKind.SERVER,
            attributes={"rpc.system": "grpc", "rpc.service": "tollgate.v1.PolicyService"},
        ) as server:
            server.set_attribute("rpc.grpc.status_code", 0)
            with scoped.start_as_current_span("tools/call search_records") as call:
                call.set_attributes(
                    {
                        "tollgate.record_count": 7,
                        "negative": -3,
                        "big": 2**62,
                        "ratio": 0.25,
                        "flag": True,
                        "same-as-flag": 1,
                        "names": ("a", "b"),
                        "counts": [1, 2],
                        "empty": "",
                        "unicode": "Zürich ✓",
                    }
                )
                call.add_event("token.cache_hit")
                call.add_event("with attributes", {"k": "v", "n": 2})
                call.set_status(StatusCode.ERROR, "POLICY_DENIED")
            with scoped.start_as_current_span("ok", links=[Link(remote, {"l": "x"})]) as linked:
                linked.set_status(StatusCode.OK)
        with grpc_tracer.start_as_current_span("", kind=SpanKind.CLIENT):
            pass
        with grpc_tracer.start_as_current_span("producer", kind=SpanKind.PRODUCER):
            pass
    spans.extend(exporter.get_finished_spans())
    return tuple(spans)


def test_the_request_is_the_sdk_s_own() -> None:
    spans = finished_spans()
    encoder = SpanEncoder()
    assert encoder.encode(spans) == encode_spans(spans)
    # Again, now from the cache of encoded attributes.
    assert encoder.encode(spans) == encode_spans(spans)
    assert encoder.encode(spans).SerializeToString() == encode_spans(spans).SerializeToString()
    assert encoder.encode(()) == encode_spans(())


def test_an_attribute_the_sdk_cannot_encode_is_skipped_like_the_sdk_does(caplog: Any) -> None:
    spans = list(finished_spans())
    odd = spans[0]
    odd._attributes = {**dict(odd.attributes or {}), "odd": object()}  # type: ignore[attr-defined]
    expected = encode_spans(spans)
    assert SpanEncoder().encode(spans) == expected
    assert "odd" in caplog.text


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self) -> None:
        self.requests: list[trace_service_pb2.ExportTraceServiceRequest] = []

    async def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: Any
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        self.requests.append(request)
        return trace_service_pb2.ExportTraceServiceResponse()


async def test_the_exporter_sends_it_over_otlp_grpc() -> None:
    collector = Collector()

    def register(server: grpc.aio.Server) -> None:
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)

    async with running_grpc_server(register) as server:
        provider = TracerProvider(resource=Resource.create({"service.name": "worker"}))
        exporter = OtlpGrpcSpanExporter(endpoint=f"http://{server.address}")
        provider.add_span_processor(BatchSpanProcessor(exporter))
        with provider.get_tracer("t").start_as_current_span("POST /jsonrpc", attributes={"a": "b"}):
            pass
        await asyncio.to_thread(provider.shutdown)

    [request] = collector.requests
    [resource_spans] = request.resource_spans
    [span] = resource_spans.scope_spans[0].spans
    assert (span.name, span.attributes[0].key, span.attributes[0].value.string_value) == (
        "POST /jsonrpc",
        "a",
        "b",
    )


def finished_log_records() -> tuple[ReadableLogRecord, ...]:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create({"service.name": "policy"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    audit = provider.get_logger("tollgate.audit")
    call = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    with use_span(NonRecordingSpan(call)):
        audit.emit(
            LogRecord(
                severity_number=SeverityNumber.INFO,
                severity_text="INFO",
                body="audit",
                attributes={
                    "tollgate.audit.tenant": "acme",
                    "tollgate.audit.id": "1767225600000-0",
                    "tollgate.audit.payload": "",
                    "tollgate.audit.record_count": 3,
                },
            )
        )
    # Outside any span, with no severity, a structured body and an event name.
    provider.get_logger("other", "2.0").emit(
        LogRecord(body={"k": ["v", 1]}, attributes={"flag": True}, event_name="e")
    )
    return exporter.get_finished_logs()


def test_log_records_encode_as_the_sdk_does() -> None:
    records = finished_log_records()
    encoder = LogEncoder()
    assert encoder.encode(records) == encode_logs(records)
    assert encoder.encode(records) == encode_logs(records)
    assert encoder.encode(()) == encode_logs(())


async def test_the_log_exporter_sends_it_over_otlp_grpc() -> None:
    received: list[logs_service_pb2.ExportLogsServiceRequest] = []

    class Logs(logs_service_pb2_grpc.LogsServiceServicer):
        async def Export(self, request: Any, context: Any) -> Any:
            received.append(request)
            return logs_service_pb2.ExportLogsServiceResponse()

    def register(server: grpc.aio.Server) -> None:
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(Logs(), server)

    async with running_grpc_server(register) as server:
        exporter = OtlpGrpcLogExporter(endpoint=f"http://{server.address}")
        result = await asyncio.to_thread(exporter.export, finished_log_records())
        exporter.shutdown()

    assert result == LogRecordExportResult.SUCCESS
    [request] = received
    assert request.resource_logs
    first = request.resource_logs[0].scope_logs[0].log_records[0]
    assert (first.body.string_value, first.trace_id.hex()[-3:]) == ("audit", "abc")
