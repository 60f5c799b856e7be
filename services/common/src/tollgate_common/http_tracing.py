"""Spans and metrics for a worker's HTTP requests to Odoo, as an ``httpx`` transport wrapper.

`trace_http_client` slips `TracedTransport` under a client's own transport, so the pool, TLS and
limits the client was built with stay exactly as they were; every request then gets a CLIENT span
(child of the worker's gRPC server span) and feeds the Odoo duration and error metrics. Trace
context is injected into the request headers, so an instrumented Odoo joins the trace.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from opentelemetry import propagate

from tollgate_common.metrics import meters
from tollgate_common.observe import odoo_request_span, odoo_status_error


class TracedTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, *, tenant: str) -> None:
        self._inner = inner
        self._tenant = tenant

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        server = f"{url.host}:{url.port}" if url.port else url.host
        with odoo_request_span(self._tenant, request.method, url.path, server) as span:
            propagate.inject(request.headers)
            response = await self._inner.handle_async_request(request)
            odoo_status_error(span, self._tenant, response.status_code)
            return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def trace_http_client(client: httpx.AsyncClient, *, tenant: str) -> None:
    """Trace every request ``client`` sends (call once, right after building the client).

    httpx offers no public hook around the whole request, so the client's default transport
    (``_transport``, stable since httpx 0.18) is wrapped in place.
    """
    inner: httpx.AsyncBaseTransport = client._transport
    if not isinstance(inner, TracedTransport):
        client._transport = TracedTransport(inner, tenant=tenant)


def instrument_odoo_client(
    client: httpx.AsyncClient, *, tenant: str, breaker_state: Callable[[], str]
) -> None:
    """The worker's one line: trace ``client``'s requests and report the breaker's state."""
    trace_http_client(client, tenant=tenant)
    meters().watch_breaker(tenant, breaker_state)


__all__ = ["TracedTransport", "instrument_odoo_client", "trace_http_client"]
