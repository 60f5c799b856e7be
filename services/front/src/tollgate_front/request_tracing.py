"""Each HTTP request to ``/t/<tenant>/mcp`` continues the client's trace, or starts one.

The MCP SDK opens its own span per JSON-RPC message (``tools/call search_records``), parented on
the ``traceparent`` in the request's ``_meta`` when there is one, else on the current context.
Token verification runs before the SDK sees the request, so it needs a parent in the same trace:
the client's ``traceparent`` header or, when the client only put trace context in ``_meta`` (the
SDK client does), that one. The body of a POST is read once here and handed on untouched. With
the client's context the request runs in it and gets no span of its own (it would only repeat
the MCP span, at a tenth of tracing's cost); without any, a SERVER span for the HTTP request is
the root that verification and the MCP span hang from. Either way everything the front does for
a call lands in one trace. With no tracer provider that records (``OTEL_SDK_DISABLED=true``) the
request passes straight through.
"""

from __future__ import annotations

import json
from typing import Any, Final

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tollgate_common.observe import token_hit_event

_tracer = trace.get_tracer("tollgate.front")
ROUTE: Final = "/t/{tenant}/mcp"
# A body larger than this is not searched for trace context (the SDK still gets all of it).
_PEEK_LIMIT: Final = 256 * 1024


_NO_OP_PROVIDERS: Final = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)


def _can_record(tracer: trace.Tracer) -> bool:
    """False for the API's no-op tracer, which is what the global one stays with
    ``OTEL_SDK_DISABLED=true``: it starts no span and ignores any parent, so finding the
    client's trace context would be wasted work."""
    if isinstance(tracer, trace.NoOpTracer):
        return False
    if isinstance(tracer, trace.ProxyTracer):
        return not isinstance(trace.get_tracer_provider(), _NO_OP_PROVIDERS)
    return True


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _meta_context(body: bytes) -> Context | None:
    if b"traceparent" not in body:
        return None
    try:
        message = json.loads(body)
    except ValueError:
        return None
    params = message.get("params") if isinstance(message, dict) else None
    meta = params.get("_meta") if isinstance(params, dict) else None
    if not isinstance(meta, dict) or not isinstance(meta.get("traceparent"), str):
        return None
    carrier = {k: v for k, v in meta.items() if k in ("traceparent", "tracestate")}
    return _valid(propagate.extract(carrier))


def _valid(context: Context) -> Context | None:
    """``context`` when it holds a usable span context (a malformed ``traceparent`` does not)."""
    return context if trace.get_current_span(context).get_span_context().is_valid else None


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    body = bytearray()
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body.extend(message.get("body", b""))
        if not message.get("more_body") or len(body) > _PEEK_LIMIT:
            break
    return messages, bytes(body)


class TracedRequests:
    """ASGI wrapper; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _can_record(_tracer):
            await self._app(scope, receive, send)
            return
        headers = _headers(scope)
        context = _valid(propagate.extract(headers)) if "traceparent" in headers else None
        if context is None and scope.get("method") == "POST":
            messages, body = await _read_body(receive)
            context = _meta_context(body)
            receive = _replay(messages, receive)
        if context is not None:
            token = otel_context.attach(context)
            try:
                await self._app(scope, receive, send)
            finally:
                otel_context.detach(token)
            return
        await self._root_span(scope, receive, send)

    async def _root_span(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = str(scope.get("method", "GET"))
        status: dict[str, int] = {}

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        with _tracer.start_as_current_span(
            f"{method} {ROUTE}",
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "http.route": ROUTE},
        ) as span:
            await self._app(scope, receive, send_status)
            code = status.get("code", 0)
            span.set_attribute("http.response.status_code", code)
            if code >= 500:
                span.set_status(StatusCode.ERROR)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Any:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def note_token_hit(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Server middleware, inside the SDK's span for each message: a token this request found in
    the cache (or checked locally) while running in the client's context shows as an event
    there (``token.cache_hit``), since verification made no span of its own."""
    token_hit_event()
    return await call_next(ctx)
