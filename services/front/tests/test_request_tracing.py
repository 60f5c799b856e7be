"""`/t/<tenant>/mcp` requests: in the client's trace, else in a root SERVER span; straight through
when nothing records."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from tollgate_front.request_tracing import TracedRequests

SCOPE = {"type": "http", "method": "POST", "headers": [], "path": "/t/acme/mcp"}


class Recorder:
    """An inner ASGI app that notes the callables it was given and answers 201."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.seen.append((receive, send))
        await receive()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b'{"jsonrpc":"2.0"}', "more_body": False}


async def send(message: Any) -> None:
    return None


async def test_with_a_no_op_tracer_the_request_passes_straight_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tollgate_front.request_tracing._tracer", trace.NoOpTracer())
    inner = Recorder()
    await TracedRequests(inner)(dict(SCOPE), receive, send)
    # Neither the body nor the answer went through the tracing wrappers.
    assert inner.seen == [(receive, send)]


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(
        "tollgate_front.request_tracing._tracer", provider.get_tracer("tollgate.front")
    )
    return exporter


async def test_without_trace_context_each_request_is_a_root_server_span(
    exporter: InMemorySpanExporter,
) -> None:
    inner = Recorder()
    await TracedRequests(inner)(dict(SCOPE), receive, send)
    (span,) = exporter.get_finished_spans()
    assert span.parent is None
    assert span.name == "POST /t/{tenant}/mcp"
    assert span.kind == trace.SpanKind.SERVER
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 201
    assert inner.seen[0] != (receive, send)


TRACE_ID, CLIENT_SPAN = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"


class ContextRecorder(Recorder):
    """Also notes the span context the request ran in."""

    def __init__(self) -> None:
        super().__init__()
        self.contexts: list[tuple[str, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        current = trace.get_current_span().get_span_context()
        self.contexts.append(
            (trace.format_trace_id(current.trace_id), trace.format_span_id(current.span_id))
        )
        await super().__call__(scope, receive, send)


async def test_a_request_with_a_traceparent_header_runs_in_the_client_s_span(
    exporter: InMemorySpanExporter,
) -> None:
    header = f"00-{TRACE_ID}-{CLIENT_SPAN}-01".encode()
    inner = ContextRecorder()
    scope = {**SCOPE, "headers": [(b"traceparent", header)]}
    await TracedRequests(inner)(scope, receive, send)
    assert exporter.get_finished_spans() == ()
    assert inner.contexts == [(TRACE_ID, CLIENT_SPAN)]
    assert inner.seen == [(receive, send)]  # the body was not read: the header said it all
    assert trace.get_current_span().get_span_context().is_valid is False  # detached again


async def test_a_malformed_traceparent_header_starts_a_trace_of_its_own(
    exporter: InMemorySpanExporter,
) -> None:
    inner = ContextRecorder()
    scope = {**SCOPE, "headers": [(b"traceparent", b"00-not-a-trace-context")]}
    await TracedRequests(inner)(scope, receive, send)
    (span,) = exporter.get_finished_spans()
    assert span.parent is None
    assert inner.contexts == [
        (trace.format_trace_id(span.context.trace_id), trace.format_span_id(span.context.span_id))
    ]
