"""The SERVER span around `/t/<tenant>/mcp` requests, and the way around it when nothing records."""

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


async def test_with_a_recording_tracer_each_request_is_a_server_span(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(
        "tollgate_front.request_tracing._tracer", provider.get_tracer("tollgate.front")
    )
    inner = Recorder()
    await TracedRequests(inner)(dict(SCOPE), receive, send)
    (span,) = exporter.get_finished_spans()
    assert span.name == "POST /t/{tenant}/mcp"
    assert span.kind == trace.SpanKind.SERVER
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 201
    assert inner.seen[0] != (receive, send)
