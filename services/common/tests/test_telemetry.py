from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import subprocess
import sys
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
    OTLPMetricExporter as GrpcMetricExporter,
)
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.grpc_channel import create_channel
from tollgate_common.logging import configure_logging
from tollgate_common.settings import ConfigurationError
from tollgate_common.telemetry import (
    OtlpTarget,
    build_meter_provider,
    build_tracer_provider,
    current_trace_id,
    exporter_from_env,
    get_meter,
    metric_exporter_from_env,
    otlp_target,
    traces_file_from_env,
)
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
    # A call that succeeds has no CLIENT span: the callee's SERVER span hangs from the caller's.
    assert [s.name for s in client_spans.get_finished_spans()] == ["tools/call"]
    [server_call] = server_spans.get_finished_spans()
    assert server_call.name == f"/{ECHO_SERVICE}/Say"
    assert server_call.context.trace_id == trace_id
    assert server_call.parent is not None
    assert server_call.parent.span_id == root.get_span_context().span_id
    assert server_call.parent.is_remote
    assert server_call.resource.attributes["service.name"] == "policy"
    assert seen_in_handler == [trace.format_trace_id(trace_id)]
    lines = [json.loads(x) for x in log_stream.getvalue().splitlines()]
    [line] = [x for x in lines if x["logger"] == "tollgate_policy"]
    assert line["trace_id"] == trace.format_trace_id(trace_id)
    assert line["span_id"] == trace.format_span_id(server_call.context.span_id)


async def test_each_call_of_a_method_gets_its_own_span_in_its_callers_trace() -> None:
    # The traced handler is built once per method; every call must still be its own span.
    server_provider, server_spans = provider_with_memory("policy")
    client_provider, _ = provider_with_memory("front")

    async def handle(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        return text

    async with (
        running_grpc_server(
            echo_service(handle), service_names=[ECHO_SERVICE], tracer_provider=server_provider
        ) as server,
        create_channel(server.address, tracer_provider=client_provider) as channel,
    ):
        roots: list[trace.SpanContext] = []
        for text in ("a", "b", "c"):
            with client_provider.get_tracer("test").start_as_current_span("call") as root:
                await call_echo(channel, text)
            roots.append(root.get_span_context())
    calls = server_spans.get_finished_spans()
    assert [(s.context.trace_id, s.parent.span_id if s.parent else None) for s in calls] == [
        (r.trace_id, r.span_id) for r in roots
    ]
    assert len({s.context.span_id for s in calls}) == 3


async def test_calls_from_one_span_and_from_its_child_each_carry_their_own_parent() -> None:
    # The client reuses the headers it injected for the same context; a new span is a new one.
    server_provider, server_spans = provider_with_memory("worker")
    client_provider, _ = provider_with_memory("front")

    async def handle(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        return text

    tracer = client_provider.get_tracer("test")
    async with (
        running_grpc_server(
            echo_service(handle), service_names=[ECHO_SERVICE], tracer_provider=server_provider
        ) as server,
        create_channel(server.address, tracer_provider=client_provider) as channel,
    ):
        with tracer.start_as_current_span("tools/call") as root:
            await call_echo(channel, "policy")
            await call_echo(channel, "worker")
            with tracer.start_as_current_span("retry") as child:
                await call_echo(channel, "again")
            await call_echo(channel, "last")
    parents = [s.parent.span_id if s.parent else None for s in server_spans.get_finished_spans()]
    root_id, child_id = root.get_span_context().span_id, child.get_span_context().span_id
    assert parents == [root_id, root_id, child_id, root_id]


def test_no_exporter_without_configuration() -> None:
    assert exporter_from_env({}) is None
    assert exporter_from_env({"OTEL_TRACES_EXPORTER": "otlp"}) is None
    assert (
        exporter_from_env(
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_TRACES_EXPORTER": "none"}
        )
        is None
    )


def test_the_traces_file_unless_an_explicit_exporter_list_leaves_it_out() -> None:
    dev = {"TOLLGATE_TRACES_FILE": "/tmp/state/traces.jsonl"}
    assert traces_file_from_env({}) is None
    assert str(traces_file_from_env(dev)) == "/tmp/state/traces.jsonl"
    assert str(traces_file_from_env({**dev, "OTEL_TRACES_EXPORTER": "otlp,file"})).endswith(
        ".jsonl"
    )
    assert traces_file_from_env({**dev, "OTEL_TRACES_EXPORTER": "otlp"}) is None
    assert traces_file_from_env({**dev, "OTEL_TRACES_EXPORTER": "none"}) is None
    # "file" alone: the file and no OTLP, even with an endpoint.
    only_file = {**dev, "OTEL_TRACES_EXPORTER": "file", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c"}
    assert exporter_from_env(only_file) is None
    assert traces_file_from_env(only_file) is not None
    with pytest.raises(ConfigurationError, match=r"^OTEL_METRICS_EXPORTER: file not supported"):
        metric_exporter_from_env({"OTEL_METRICS_EXPORTER": "file"})


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


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """A minimal OTLP/gRPC trace receiver."""

    def __init__(self) -> None:
        self.requests: list[trace_service_pb2.ExportTraceServiceRequest] = []

    async def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: Any
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        self.requests.append(request)
        return trace_service_pb2.ExportTraceServiceResponse()


async def test_spans_reach_an_otlp_collector_when_an_endpoint_is_set() -> None:
    collector = Collector()

    def register(server: grpc.aio.Server) -> None:
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)

    async with running_grpc_server(register) as server:
        provider = build_tracer_provider(
            "worker",
            environ={"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{server.address}"},
        )
        with provider.get_tracer("test").start_as_current_span("odoo call"):
            pass
        # The batch exporter sends from its own thread with a blocking client; keep the loop free.
        await asyncio.to_thread(provider.shutdown)

    [request] = collector.requests
    [resource_spans] = request.resource_spans
    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert attributes["service.name"] == "worker"
    assert [s.name for s in resource_spans.scope_spans[0].spans] == ["odoo call"]


def test_metrics_are_configured_like_traces() -> None:
    assert metric_exporter_from_env({}) is None
    grpc_exporter = metric_exporter_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"})
    assert isinstance(grpc_exporter, GrpcMetricExporter)
    grpc_exporter.shutdown()
    assert otlp_target(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        },
        "metrics",
    ) == OtlpTarget("http/protobuf", "http://c:4318/v1/metrics")
    assert otlp_target(
        {
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://m:9/custom",
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf",
        },
        "metrics",
    ) == OtlpTarget("http/protobuf", "http://m:9/custom")
    with pytest.raises(ConfigurationError, match=r"^OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'udp'"):
        otlp_target(
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c",
                "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "udp",
            },
            "metrics",
        )

    reader = InMemoryMetricReader()
    provider = build_meter_provider("policy", metric_readers=[reader], environ={})
    get_meter("tollgate_policy", provider).create_counter("tollgate.policy.decisions").add(
        2, {"tollgate.decision": "allow"}
    )
    data = reader.get_metrics_data()
    assert data is not None
    [resource_metrics] = data.resource_metrics
    assert resource_metrics.resource.attributes["service.name"] == "policy"
    [metric] = resource_metrics.scope_metrics[0].metrics
    assert metric.name == "tollgate.policy.decisions"
    provider.shutdown()


def test_http_protocol_and_unusable_settings() -> None:
    http = exporter_from_env(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        }
    )
    assert type(http).__module__.startswith("opentelemetry.exporter.otlp.proto.http")
    assert http is not None
    assert http._endpoint == "http://127.0.0.1:4318/v1/traces"  # type: ignore[attr-defined]
    http.shutdown()

    with pytest.raises(ConfigurationError, match=r"^OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json'"):
        exporter_from_env(
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            }
        )
    with pytest.raises(ConfigurationError, match=r"^OTEL_TRACES_EXPORTER: zipkin"):
        exporter_from_env({"OTEL_TRACES_EXPORTER": "zipkin"})


def run_configure(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """configure_telemetry installs process-wide state, so it runs in a child process."""
    script = (
        "from opentelemetry import metrics, trace\n"
        "from tollgate_common.telemetry import configure_telemetry\n"
        "provider = configure_telemetry('front')\n"
        "assert configure_telemetry('other') is provider\n"
        "meter_provider = type(metrics.get_meter_provider()).__name__\n"
        "with trace.get_tracer('t').start_as_current_span('s') as span:\n"
        "    print(type(provider).__name__, meter_provider, span.get_span_context().is_valid)\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_configure_telemetry_installs_the_provider_once() -> None:
    result = run_configure({})
    assert (result.returncode, result.stdout.strip()) == (0, "TracerProvider MeterProvider True")

    disabled = run_configure({"OTEL_SDK_DISABLED": "true"})
    assert (disabled.returncode, disabled.stdout.strip()) == (
        0,
        "NoneType _ProxyMeterProvider False",
    )


def test_configure_telemetry_exits_with_one_line_on_bad_otel_settings() -> None:
    result = run_configure(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "carrier"}
    )

    assert result.returncode == 2
    assert result.stderr == (
        "front: invalid configuration: OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier' is not supported; "
        "use one of grpc, http/protobuf\n"
    )


async def test_health_probes_are_not_traced() -> None:
    server_provider, server_spans = provider_with_memory("policy")

    async with (
        running_grpc_server(
            echo_service(lambda text, context: asyncio.sleep(0, text)),
            service_names=[ECHO_SERVICE],
            tracer_provider=server_provider,
        ) as server,
        create_channel(server.address) as channel,
    ):
        await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        await call_echo(channel, "x")

    assert [span.name for span in server_spans.get_finished_spans()] == [f"/{ECHO_SERVICE}/Say"]


async def test_a_call_outside_any_trace_has_no_client_span_and_the_server_span_is_the_root() -> (
    None
):
    server_provider, server_spans = provider_with_memory("policy")
    client_provider, client_spans = provider_with_memory("front")

    async with (
        running_grpc_server(
            echo_service(lambda text, context: asyncio.sleep(0, text)),
            service_names=[ECHO_SERVICE],
            tracer_provider=server_provider,
        ) as server,
        create_channel(server.address, tracer_provider=client_provider) as channel,
    ):
        assert await call_echo(channel, "background poll") == "background poll"

    assert client_spans.get_finished_spans() == ()
    [server_call] = server_spans.get_finished_spans()
    assert server_call.parent is None
    assert server_call.kind == trace.SpanKind.SERVER
    assert server_call.attributes == {
        "rpc.system": "grpc",
        "rpc.service": ECHO_SERVICE,
        "rpc.method": "Say",
        "rpc.grpc.status_code": 0,
    }


async def test_failed_calls_mark_both_spans_with_the_status_and_the_tollgate_code() -> None:
    server_provider, server_spans = provider_with_memory("worker")
    client_provider, client_spans = provider_with_memory("front")

    async def handle(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        if text == "invalid":
            raise TollgateError(ErrorCode.INVALID_ARGUMENT, "no such field")
        if text == "aborted":
            await context.abort(grpc.StatusCode.NOT_FOUND, "gone")
        if text == "set code":
            context.set_code(grpc.StatusCode.FAILED_PRECONDITION)
            return text
        raise RuntimeError("a bug")

    async with (
        running_grpc_server(
            echo_service(handle), service_names=[ECHO_SERVICE], tracer_provider=server_provider
        ) as server,
        create_channel(server.address, tracer_provider=client_provider) as channel,
    ):
        with client_provider.get_tracer("test").start_as_current_span("tools/call") as root:
            for text in ("invalid", "aborted", "set code", "bug"):
                with pytest.raises(grpc.aio.AioRpcError):
                    await call_echo(channel, text)

    def summary(spans: Any) -> list[tuple[Any, ...]]:
        return [
            (
                s.attributes.get("rpc.grpc.status_code"),
                s.attributes.get("tollgate.error.code"),
                s.status.status_code.name,
            )
            for s in spans
            if s.kind != trace.SpanKind.INTERNAL
        ]

    assert summary(server_spans.get_finished_spans()) == [
        (3, "INVALID_ARGUMENT", "ERROR"),
        (5, None, "ERROR"),
        (9, None, "ERROR"),
        (13, "INTERNAL", "ERROR"),
    ]
    assert summary(client_spans.get_finished_spans()) == [
        (3, None, "ERROR"),
        (5, None, "ERROR"),
        (9, None, "ERROR"),
        (13, None, "ERROR"),
    ]
    # Recorded after the fact, each failed call's CLIENT span still starts before the callee's
    # SERVER span and ends after it; both hang from the caller's span.
    clients = [s for s in client_spans.get_finished_spans() if s.kind == trace.SpanKind.CLIENT]
    servers = server_spans.get_finished_spans()
    for client, server in zip(clients, servers, strict=True):
        assert client.name == server.name == f"/{ECHO_SERVICE}/Say"
        assert client.start_time is not None
        assert server.start_time is not None
        assert client.end_time is not None
        assert server.end_time is not None
        assert client.start_time < server.start_time
        assert server.end_time < client.end_time
        for span in (client, server):
            assert span.parent is not None
            assert span.parent.span_id == root.get_span_context().span_id


async def test_a_call_nobody_answers_is_a_failed_client_span() -> None:
    client_provider, client_spans = provider_with_memory("front")
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{unused.getsockname()[1]}"
    async with create_channel(address, tracer_provider=client_provider) as channel:
        with (
            client_provider.get_tracer("test").start_as_current_span("tools/call"),
            pytest.raises(grpc.aio.AioRpcError) as raised,
        ):
            await call_echo(channel, "x", deadline=2)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    [client] = [s for s in client_spans.get_finished_spans() if s.kind == trace.SpanKind.CLIENT]
    assert client.name == f"/{ECHO_SERVICE}/Say"
    assert client.status.status_code.name == "ERROR"
    assert client.attributes is not None
    assert client.attributes["rpc.grpc.status_code"] == grpc.StatusCode.UNAVAILABLE.value[0]


async def test_context_crosses_the_hop_even_with_the_sdk_disabled() -> None:
    """OTEL_SDK_DISABLED leaves the API's no-op tracer: no spans, but a caller's trace id still
    reaches the callee (its logs and audit records carry it)."""
    seen: list[str | None] = []

    async def handle(text: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
        seen.append(current_trace_id())
        return text

    noop = trace.NoOpTracerProvider()
    caller = trace.SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=trace.TraceFlags(1))
    async with (
        running_grpc_server(
            echo_service(handle), service_names=[ECHO_SERVICE], tracer_provider=noop
        ) as server,
        create_channel(server.address, tracer_provider=noop) as channel,
    ):
        with trace.use_span(trace.NonRecordingSpan(caller)):
            await call_echo(channel, "x")
        await call_echo(channel, "y")

    assert seen == [trace.format_trace_id(0xABC), None]


@pytest.mark.parametrize("disabled", ["false", "true"])
def test_configure_telemetry_freezes_what_start_up_built(disabled: str) -> None:
    script = (
        "import gc\n"
        "from tollgate_common.telemetry import configure_telemetry\n"
        "assert gc.get_freeze_count() == 0\n"
        "configure_telemetry('worker')\n"
        "print(gc.get_freeze_count() > 1000)\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "OTEL_SDK_DISABLED": disabled},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "True"), result.stderr
