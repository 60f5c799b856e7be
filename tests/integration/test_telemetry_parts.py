"""The telemetry parts in one process: metric names and labels (bounded), the Odoo HTTP spans,
the token-verification span, the front's request span continuing a trace from ``_meta``, and
`tollgate trace`'s waterfall."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, StatusCode, TraceFlags
from tollgate.v1 import common_pb2, policy_pb2
from tollgate_cli.trace import TraceNotFound, pick_trace, waterfall
from tollgate_common import metrics as tollgate_metrics
from tollgate_common import observe
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.http_tracing import trace_http_client
from tollgate_common.span_file import SpanRecord
from tollgate_front.request_tracing import TracedRequests


@pytest.fixture
def signals() -> Iterator[tuple[InMemorySpanExporter, InMemoryMetricReader, TracerProvider]]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    observe.use_tracer_provider(tracer_provider)
    tollgate_metrics.use_meter_provider(MeterProvider(metric_readers=[reader]))
    try:
        yield exporter, reader, tracer_provider
    finally:
        observe.use_tracer_provider(None)
        tollgate_metrics.use_meter_provider(None)


def _points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


def test_metric_names_and_labels_are_the_declared_ones(signals: Any) -> None:
    _, reader, _ = signals
    call = common_pb2.ToolCall(tool="search_records", model="res.partner", operation="read")
    observe.observe_tool_call("acme", call, policy_pb2.OUTCOME_SUCCESS, duration=0.01)
    request = policy_pb2.AuthorizeRequest(principal=common_pb2.Principal(tenant="acme"), call=call)
    observe.observe_decision(
        request,
        policy_pb2.AuthorizeResponse(decision=policy_pb2.DECISION_DENY, reason_code="rate_limited"),
    )
    observe.observe_audit_record(
        policy_pb2.RecordOutcomeRequest(principal=request.principal, outcome=2)
    )
    points = _points(reader)
    declared = {i.name: set(i.labels) for i in tollgate_metrics.INSTRUMENTS}
    assert set(points) <= set(declared)
    assert {"tollgate.tool.calls", "tollgate.tool.duration", "tollgate.policy.decisions"} <= set(
        points
    )
    assert points["tollgate.policy.rate_limited"][0].value == 1
    for name, found in points.items():
        for point in found:
            assert set(point.attributes) == declared[name], name


def test_prometheus_names_follow_the_otlp_translation() -> None:
    assert tollgate_metrics.prometheus_series(tollgate_metrics.TOOL_CALLS) == (
        "tollgate_tool_calls_total",
    )
    assert tollgate_metrics.prometheus_series(tollgate_metrics.TOOL_DURATION)[0] == (
        "tollgate_tool_duration_seconds_bucket"
    )
    assert tollgate_metrics.prometheus_series(tollgate_metrics.BREAKER_STATE) == (
        "tollgate_odoo_breaker_state",
    )


def test_cardinality_does_not_grow_with_records_or_arguments(signals: Any) -> None:
    _, reader, _ = signals
    for i in range(500):
        call = common_pb2.ToolCall(
            tool="get_records",
            model="res.partner",
            operation="read",
            record_ids=[i, i + 1],
            arguments_json=json.dumps({"domain": [["name", "=", f"user input {i}"]]}).encode(),
        )
        outcome = policy_pb2.OUTCOME_SUCCESS if i % 2 else policy_pb2.OUTCOME_ERROR
        error = None if i % 2 else ErrorCode.INVALID_ARGUMENT
        observe.observe_tool_call(
            "acme", call, outcome, duration=i / 1000, error=error, record_count=i
        )
    points = _points(reader)
    series = {tuple(sorted(p.attributes.items())) for p in points["tollgate.tool.calls"]}
    assert len(series) == 2  # (acme, get_records) x {success, error}
    values = {v for s in series for _, v in s}
    assert values == {"acme", "get_records", "success", "error"}


async def test_odoo_requests_are_client_spans_with_duration_and_errors(signals: Any) -> None:
    exporter, reader, _ = signals
    seen_headers: list[httpx.Headers] = []

    def odoo(request: httpx.Request) -> httpx.Response:
        seen_headers.append(request.headers)
        if request.url.path == "/down":
            return httpx.Response(503)
        if request.url.path == "/refused":
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={"result": 1})

    tracer = observe._tracer
    async with httpx.AsyncClient(
        base_url="http://odoo.test:8069", transport=httpx.MockTransport(odoo)
    ) as client:
        trace_http_client(client, tenant="acme")
        with tracer.start_as_current_span("worker call"):
            assert (await client.post("/jsonrpc", content=b'{"secret": "key"}')).status_code == 200
            assert (await client.post("/down")).status_code == 503
            with pytest.raises(httpx.ConnectError):
                await client.post("/refused")
    spans = {s.name: s for s in exporter.get_finished_spans()}
    ok = spans["POST /jsonrpc"]
    assert ok.kind == SpanKind.CLIENT
    assert ok.parent is not None
    assert ok.parent.span_id == spans["worker call"].context.span_id
    assert ok.attributes is not None
    assert ok.attributes["server.address"] == "odoo.test:8069"
    assert ok.attributes["http.response.status_code"] == 200
    assert "secret" not in json.dumps(dict(ok.attributes))
    assert spans["POST /down"].status.status_code == StatusCode.ERROR
    assert spans["POST /refused"].status.status_code == StatusCode.ERROR
    assert all("traceparent" in headers for headers in seen_headers)
    points = _points(reader)
    errors = {p.attributes["error"]: p.value for p in points["tollgate.odoo.request.errors"]}
    assert errors == {"http_5xx": 1, "connect": 1}
    durations = {p.attributes["outcome"]: p.count for p in points["tollgate.odoo.request.duration"]}
    assert durations == {"ok": 2, "error": 1}


class _Verifier:
    """Answers from its cache once it asked "auth" (a span it makes) about a token."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self.known: set[str] = set()
        self.tracer = tracer

    @observe.traced_token_verification
    async def verify(self, token: str, *, tenant: str, resource: str) -> str:
        if token in self.known:
            observe.token_answered_by("cache")
            return "principal"
        if token == "forged":  # an access token whose signature the front checks itself
            observe.token_answered_by("local")
            raise TollgateError(ErrorCode.UNAUTHENTICATED, "bad signature")
        # The span stands in for the RPC to auth.
        with observe.asking_auth(), self.tracer.start_as_current_span("VerifyToken"):
            if token == "bad":
                raise TollgateError(ErrorCode.UNAUTHENTICATED, "no")
        self.known.add(token)
        return "principal"


async def test_token_verification_asking_auth_is_a_span_and_a_cache_hit_an_event(
    signals: Any,
) -> None:
    exporter, reader, provider = signals
    verifier = _Verifier(provider.get_tracer("test"))
    tool_call = provider.get_tracer("test")
    with tool_call.start_as_current_span("request"):
        await verifier.verify("tok-1", tenant="acme", resource="r")
        await verifier.verify("tok-1", tenant="acme", resource="r")
        with pytest.raises(TollgateError):
            await verifier.verify("bad", tenant="acme", resource="r")
        with pytest.raises(TollgateError):
            await verifier.verify("forged", tenant="acme", resource="r")
    spans = {s.name: s for s in exporter.get_finished_spans()}
    verifications = [s for s in exporter.get_finished_spans() if s.name == "tollgate.verify_token"]
    # Asked auth twice (one answer, one refusal) and refused one token locally (a span made
    # after the fact, under the request); the cache hit made no span.
    assert len(verifications) == 3
    assert [dict(s.attributes or {})["tollgate.token.source"] for s in verifications] == [
        "auth",
        "auth",
        "local",
    ]
    assert [dict(s.attributes or {})["tollgate.token.result"] for s in verifications] == [
        "ok",
        "refused",
        "refused",
    ]
    assert verifications[2].parent is not None
    assert verifications[2].parent.span_id == spans["request"].context.span_id
    started, ended = verifications[2].start_time, verifications[2].end_time
    assert started is not None
    assert ended is not None
    assert started < ended
    # The network call runs inside the verification span; the hit is an event on the request.
    rpc = [s for s in exporter.get_finished_spans() if s.name == "VerifyToken"]
    assert [s.parent.span_id for s in rpc if s.parent] == [
        s.context.span_id for s in verifications[:2]
    ]
    assert [e.name for e in spans["request"].events] == ["token.cache_hit"]
    assert verifications[1].status.status_code == StatusCode.UNSET  # a refusal is no fault
    assert "tok-1" not in repr([dict(s.attributes or {}) for s in verifications])
    counted = {
        (p.attributes["result"], p.attributes["source"]): p.value
        for p in _points(reader)["tollgate.token.verifications"]
    }
    assert counted == {
        ("ok", "auth"): 1,
        ("ok", "cache"): 1,
        ("refused", "auth"): 1,
        ("refused", "local"): 1,
    }


async def test_a_token_hit_in_the_clients_context_is_an_event_on_the_message_span(
    signals: Any,
) -> None:
    exporter, _, provider = signals
    verifier = _Verifier(provider.get_tracer("test"))
    verifier.known.add("tok-1")
    client = SpanContext(0xA1, 0xB2, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))

    async def request() -> None:
        # As the front handles one HTTP request: verification, then the MCP SDK's span with
        # the front's middleware inside it.
        with trace.use_span(NonRecordingSpan(client)):
            await verifier.verify("tok-1", tenant="acme", resource="r")
            with provider.get_tracer("mcp").start_as_current_span("tools/call search_records"):
                observe.token_hit_event()

    await asyncio.create_task(request())
    (tool,) = exporter.get_finished_spans()
    assert [e.name for e in tool.events] == ["token.cache_hit"]

    # Another request (its own task and context) does not inherit the hit.
    async def other() -> None:
        with provider.get_tracer("mcp").start_as_current_span("tools/call other"):
            observe.token_hit_event()

    await asyncio.create_task(other())
    assert [s.events for s in exporter.get_finished_spans() if s.name == "tools/call other"] == [()]


async def test_the_front_request_continues_a_trace_given_only_in_meta(
    signals: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    exporter, _, provider = signals
    monkeypatch.setattr(
        "tollgate_front.request_tracing._tracer", provider.get_tracer("tollgate.front")
    )
    trace_id, parent = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "x", "_meta": {"traceparent": f"00-{trace_id}-{parent}-01"}},
        }
    ).encode()
    received: list[bytes] = []
    inner_trace: list[tuple[str, str]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            received.append(message["body"])
            if not message.get("more_body"):
                break
        current = trace.get_current_span().get_span_context()
        inner_trace.append(
            (trace.format_trace_id(current.trace_id), trace.format_span_id(current.span_id))
        )
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    chunks = [body[:10], body[10:]]

    async def receive() -> dict[str, Any]:
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: Any) -> None:
        return None

    scope = {"type": "http", "method": "POST", "headers": [], "path": "/t/acme/mcp"}
    await TracedRequests(app)(scope, receive, send)
    # The request runs in the client's span (the MCP span will hang from it), with none of its own.
    assert exporter.get_finished_spans() == ()
    assert inner_trace == [(trace_id, parent)]
    assert b"".join(received) == body  # the body read for _meta is handed on untouched


def _span(name: str, span_id: str, parent: str, start: int, end: int, **attrs: Any) -> SpanRecord:
    return SpanRecord(
        trace_id="ab" * 16 if not attrs.pop("other", False) else "cd" * 16,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        service=attrs.pop("service", "front"),
        kind="SERVER",
        start=start,
        end=end,
        status=attrs.pop("status", "UNSET"),
        attributes=attrs,
    )


def test_trace_waterfall_nests_children_and_picks_the_last_call() -> None:
    spans = [
        _span("tools/call a", "01", "ff", 0, 10_000_000, **{"mcp.method.name": "tools/call"}),
        _span("Authorize", "02", "01", 1_000_000, 2_000_000, service="policy"),
        _span("POST /jsonrpc", "03", "02", 1_200_000, 1_800_000, service="worker"),
        _span(
            "tools/call b",
            "11",
            "",
            50_000_000,
            60_000_000,
            other=True,
            **{"mcp.method.name": "tools/call"},
        ),
    ]
    assert {s.span_id for s in pick_trace(spans, "last")} == {"11"}
    chosen = pick_trace(spans, "abab")
    text = waterfall(chosen).splitlines()
    assert text[0].startswith(f"trace {'ab' * 16}  10.0 ms  3 spans")
    assert text[1].startswith("tools/call a")
    assert text[2].startswith("  Authorize")
    assert text[3].startswith("    POST /jsonrpc")
    assert "+     1.0 ms      1.0 ms" in text[2]
    with pytest.raises(TraceNotFound):
        pick_trace(spans, "ee")
    with pytest.raises(TraceNotFound):
        pick_trace([], "last")


def test_by_default_a_call_is_kept_even_when_the_client_says_not_sampled() -> None:
    from opentelemetry.sdk.trace.sampling import Decision
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
    from tollgate_common.telemetry import build_tracer_provider

    remote = SpanContext(1, 2, is_remote=True, trace_flags=TraceFlags(0))
    context = trace.set_span_in_context(NonRecordingSpan(remote))

    def decision(environ: dict[str, str]) -> Decision:
        sampler = build_tracer_provider("front", environ=environ).sampler
        return sampler.should_sample(context, 1, "tools/call").decision

    assert decision({}) == Decision.RECORD_AND_SAMPLE
    # An explicit OTEL_TRACES_SAMPLER is the SDK's, with its usual meaning.
    assert decision({"OTEL_TRACES_SAMPLER": "parentbased_always_on"}) == Decision.DROP


def test_approvals_pending_goes_up_once_per_request_and_down_when_decided(signals: Any) -> None:
    _, reader, _ = signals
    request = policy_pb2.AuthorizeRequest(
        principal=common_pb2.Principal(tenant="acme"),
        call=common_pb2.ToolCall(tool="delete_records"),
    )
    waiting = policy_pb2.AuthorizeResponse(
        decision=policy_pb2.DECISION_APPROVAL_REQUIRED, approval_id="ap-1"
    )
    observe.observe_decision(request, waiting)
    observe.observe_decision(request, waiting)  # the same call repeated: the same request
    (pending,) = _points(reader)["tollgate.approvals.pending"]
    assert pending.value == 1
    observe.observe_approval_decided("acme", "ap-1", approved=True)
    observe.observe_approval_decided("acme", "ap-1", approved=True)  # not counted twice
    points = _points(reader)
    assert points["tollgate.approvals.pending"][0].value == 0
    assert {p.attributes["result"]: p.value for p in points["tollgate.approvals.decided"]} == {
        "approved": 2
    }
