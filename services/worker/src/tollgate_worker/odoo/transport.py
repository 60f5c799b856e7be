"""The one pooled HTTP client a worker keeps for its tenant's Odoo.

Every protocol client sends its requests through `OdooTransport`, which holds a single
``httpx.AsyncClient`` (keep-alive connections, bounded pool), gives each request what is left of the
call's deadline, counts requests, and turns transport failures into
`OdooUnavailable`/`OdooTimeout` with a message naming Odoo's address, never a Python exception text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

import httpx
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.errors import OdooProtocolError, OdooTimeout, OdooUnavailable

USER_AGENT: Final = "tollgate-worker/0.1"
# Statuses with which a reverse proxy or load balancer says "Odoo is not there right now".
_UNAVAILABLE_STATUSES: Final = frozenset({502, 503, 504})


class RequestCount:
    """How many requests the current call sent to Odoo (see `count_requests`)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


# Per call, not per transport: concurrent calls share the transport, each runs in its own context.
_current_count: ContextVar[RequestCount | None] = ContextVar("odoo_request_count", default=None)


@contextmanager
def count_requests() -> Iterator[RequestCount]:
    """Count the Odoo requests sent inside the block by this task."""
    count = RequestCount()
    token = _current_count.set(count)
    try:
        yield count
    finally:
        _current_count.reset(token)


@dataclass(frozen=True)
class PoolLimits:
    max_connections: int = 50
    max_keepalive: int = 20
    keepalive_expiry: float = 60.0
    connect_timeout: float = 2.0


class OdooTransport:
    """Sends requests to one Odoo server; create once per process, close on shutdown."""

    def __init__(
        self,
        base_url: str,
        *,
        limits: PoolLimits | None = None,
        verify_tls: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        limits = limits or PoolLimits()
        self.base_url = base_url.rstrip("/")
        self._connect_timeout = limits.connect_timeout
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive,
                keepalive_expiry=limits.keepalive_expiry,
            ),
            timeout=httpx.Timeout(10.0, connect=limits.connect_timeout),
            verify=verify_tls,
            transport=transport,
            follow_redirects=False,
        )
        # Requests sent over the life of the transport; tests and benchmarks read it.
        self.requests_sent = 0

    async def post(
        self,
        path: str,
        content: bytes,
        *,
        content_type: str,
        deadline: Deadline,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST ``content`` to ``path`` in the time left; raise `OdooTimeout`/`OdooUnavailable`."""
        timeout = deadline.remaining()
        if timeout <= 0:
            raise OdooTimeout("No time was left to call Odoo before the deadline.")
        request_headers = {"Content-Type": content_type}
        if headers:
            request_headers.update(headers)
        self.requests_sent += 1
        count = _current_count.get()
        if count is not None:
            count.value += 1
        try:
            response = await self._client.post(
                path,
                content=content,
                headers=request_headers,
                timeout=httpx.Timeout(timeout, connect=min(timeout, self._connect_timeout)),
            )
        except httpx.TimeoutException:
            raise OdooTimeout(f"Odoo at {self.base_url} did not answer in time.") from None
        except httpx.TransportError:
            raise OdooUnavailable(f"Odoo at {self.base_url} cannot be reached.") from None
        if response.status_code in _UNAVAILABLE_STATUSES:
            raise OdooUnavailable(
                f"Odoo at {self.base_url} is unavailable (HTTP {response.status_code})."
            )
        return response

    def unexpected(self, response: httpx.Response, what: str) -> OdooProtocolError:
        """The error for an answer that is not what an Odoo server sends to ``what``."""
        return OdooProtocolError(
            f"{self.base_url}{response.request.url.path} did not answer like Odoo to {what} "
            f"(HTTP {response.status_code})."
        )

    async def aclose(self) -> None:
        await self._client.aclose()
