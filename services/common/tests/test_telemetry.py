from __future__ import annotations

import io
import json
import logging
from typing import Any

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from tollgate_common.grpc_channel import create_channel
from tollgate_common.logging import configure_logging
from tollgate_common.telemetry import build_tracer_provider, current_trace_id, exporter_from_env
from tollgate_common.testing import ECHO_SERVICE, call_echo, echo_service, running_grpc_server


def provider_with_memory(service: str) -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = build_tracer_provider(
        service, span_processors=[SimpleSpanProcessor(exporter)], environ={}
    )
    return provider, exporter


async def test_trace_context_crosses_a_real_grpc_hop() -> None:
    server_provider, server_spans = provider_with_memory("policy")
    client_provider, client_spans = provider_with_memory("front")
    seen_in_handler: list[str | None] = []
    log_stream = io.StringIO()
    configure_logging("policy", stream=log_stream)

    async def handle(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        seen_in_handler.append(current_trace_id())
        logging.getLogger("tollgate_policy").info("deciding")
        return text

    try:
        async with (
            running_grpc_server(
                echo_service(handle), service_names=[ECHO_SERVICE], tracer_provider=server_provider
            ) as server,
            create_channel(server.address, tracer_provider=client_provider) as channel,
        ):
            tracer = client_provider.get_tracer("test")
            with tracer.start_as_current_span("tools/call") as root:
                await call_echo(channel, "x")
    finally:
        configure_logging("policy", stream=io.StringIO())
        for handler in list(logging.getLogger().handlers):
            if handler.get_name() == "tollgate-json":
                logging.getLogger().removeHandler(handler)

    trace_id = root.get_span_context().trace_id
    [client_call] = [
        s for s in client_spans.get_finished_spans() if s.kind == trace.SpanKind.CLIENT
    ]
    [server_call] = server_spans.get_finished_spans()
    assert client_call.name == server_call.name == f"/{ECHO_SERVICE}/Say"
    assert client_call.context.trace_id == server_call.context.trace_id == trace_id
    assert client_call.parent is not None
    assert client_call.parent.span_id == root.get_span_context().span_id
    assert server_call.parent is not None
    assert server_call.parent.span_id == client_call.context.span_id
    assert server_call.parent.is_remote
    assert server_call.resource.attributes["service.name"] == "policy"
    assert client_call.resource.attributes["service.name"] == "front"
    assert seen_in_handler == [trace.format_trace_id(trace_id)]
    lines = [json.loads(x) for x in log_stream.getvalue().splitlines()]
    [line] = [x for x in lines if x["logger"] == "tollgate_policy"]
    assert line["trace_id"] == trace.format_trace_id(trace_id)
    assert line["span_id"] == trace.format_span_id(server_call.context.span_id)


def test_no_exporter_without_configuration() -> None:
    assert exporter_from_env({}) is None
    assert exporter_from_env({"OTEL_TRACES_EXPORTER": "otlp"}) is None
    assert (
        exporter_from_env(
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_TRACES_EXPORTER": "none"}
        )
        is None
    )


def test_otlp_exporter_when_an_endpoint_is_configured() -> None:
    exporter = exporter_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"})
    assert isinstance(exporter, OTLPSpanExporter)
    exporter.shutdown()
    assert isinstance(exporter_from_env({"OTEL_TRACES_EXPORTER": "console"}), ConsoleSpanExporter)


def test_otel_service_name_wins_over_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    assert build_tracer_provider("worker").resource.attributes["service.name"] == "worker"

    monkeypatch.setenv("OTEL_SERVICE_NAME", "worker-acme")
    provider = build_tracer_provider("worker")
    assert provider.resource.attributes["service.name"] == "worker-acme"
