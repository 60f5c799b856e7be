"""The one pooled HTTP client a worker keeps for its tenant's Odoo.

Every protocol client sends its requests through `OdooTransport`, which holds a single
``httpx.AsyncClient`` (keep-alive connections, bounded pool), gives each request what is left of the
call's deadline, counts requests, and turns transport failures into
`OdooUnavailable`/`OdooTimeout` with a message naming Odoo's address, never a Python exception text.

Reliability: an idempotent request (a read) that fails on the connection itself (refused, reset,
closed keep-alive) is sent once more while the deadline allows; a write never is, since Odoo may
have run it. A `CircuitBreaker` shared by all calls turns a dead Odoo into an immediate error.
"""

from __future__ import annotations

import http.cookiejar
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

import httpx
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.breaker import CircuitBreaker
from tollgate_worker.odoo.connections import PooledTransport
from tollgate_worker.odoo.errors import OdooProtocolError, OdooTimeout, OdooUnavailable

USER_AGENT: Final = "tollgate-worker/0.1"
# Statuses with which a reverse proxy or load balancer says "Odoo is not there right now".
_UNAVAILABLE_STATUSES: Final = frozenset({502, 503, 504})
# Failures of the connection itself: the request may be sent again if it is idempotent.
_CONNECTION_ERRORS: Final = (
    httpx.ConnectError,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)
READ_RETRIES: Final = 1
_URL_CACHE_SIZE: Final = 256


class _RetryableFailure(Exception):
    """The connection failed before an answer came (internal to this module)."""


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
    breaker_threshold: int = 5
    breaker_cooldown: float = 10.0


def _proxy_configured() -> bool:
    """Whether the environment names an HTTP proxy, which only httpx's own transport honours."""
    return bool(urllib.request.getproxies_environment())


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
        pool_limits = httpx.Limits(
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive,
            keepalive_expiry=limits.keepalive_expiry,
        )
        if transport is None and not _proxy_configured():
            transport = PooledTransport(limits=pool_limits, verify=verify_tls)
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"User-Agent": USER_AGENT},
            limits=pool_limits,
            timeout=httpx.Timeout(10.0, connect=limits.connect_timeout),
            verify=verify_tls,
            transport=transport,
            follow_redirects=False,
            # One client serves every user: never keep a cookie (an Odoo session) between calls.
            cookies=http.cookiejar.CookieJar(
                http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
            ),
        )
        self.breaker = CircuitBreaker(
            threshold=limits.breaker_threshold, cooldown=limits.breaker_cooldown
        )
        # Requests sent over the life of the transport; tests and benchmarks read it.
        self.requests_sent = 0
        self._urls: dict[str, httpx.URL] = {}

    def _url(self, path: str) -> httpx.URL:
        """The absolute URL of ``path``, parsed once: httpx would join it to the base each time."""
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()  # JSON-2 paths name models and methods: keep the map bounded
            url = self._urls[path] = httpx.URL(self.base_url + path)
        return url

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The pooled client, for instrumentation hooks; send requests with `post`/`get`."""
        return self._client

    async def post(
        self,
        path: str,
        content: bytes,
        *,
        content_type: str,
        deadline: Deadline,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
    ) -> httpx.Response:
        """POST ``content`` to ``path`` in the time left; raise `OdooTimeout`/`OdooUnavailable`.

        ``idempotent`` requests (reads) are retried once on a connection failure.
        """
        request_headers = {"Content-Type": content_type}
        if headers:
            request_headers.update(headers)
        attempts = 1 + (READ_RETRIES if idempotent else 0)
        for attempt in range(attempts):
            try:
                return await self._send(path, content, request_headers, deadline)
            except _RetryableFailure:
                if attempt + 1 < attempts and deadline.remaining() > 0:
                    continue
                raise OdooUnavailable(f"Odoo at {self.base_url} cannot be reached.") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _admit(self, deadline: Deadline) -> float:
        """Check the deadline and the breaker, count the request and return its timeout."""
        timeout = deadline.remaining()
        if timeout <= 0:
            raise OdooTimeout("No time was left to call Odoo before the deadline.")
        if not self.breaker.allow():
            raise OdooUnavailable(
                f"Odoo at {self.base_url} failed repeatedly; Tollgate stopped calling it for "
                f"{self.breaker.retry_after():.0f} s.",
                retry_after=max(1.0, self.breaker.retry_after()),
            )
        self.requests_sent += 1
        count = _current_count.get()
        if count is not None:
            count.value += 1
        return timeout

    async def _send(
        self, path: str, content: bytes, headers: dict[str, str], deadline: Deadline
    ) -> httpx.Response:
        timeout = self._admit(deadline)
        try:
            response = await self._client.post(
                self._url(path),
                content=content,
                headers=headers,
                timeout=httpx.Timeout(timeout, connect=min(timeout, self._connect_timeout)),
            )
        except httpx.ConnectTimeout:
            self.breaker.record_failure()
            raise OdooTimeout(
                f"Odoo at {self.base_url} did not accept a connection in time."
            ) from None
        except httpx.TimeoutException:
            # A slow answer is no sign of a dead server: the breaker is left alone.
            raise OdooTimeout(f"Odoo at {self.base_url} did not answer in time.") from None
        except _CONNECTION_ERRORS:
            self.breaker.record_failure()
            raise _RetryableFailure() from None
        except httpx.TransportError:
            self.breaker.record_failure()
            raise OdooUnavailable(f"Odoo at {self.base_url} cannot be reached.") from None
        return self._settle(response)

    async def get(
        self, path: str, *, deadline: Deadline, cookies: Mapping[str, str]
    ) -> httpx.Response:
        """GET ``path`` (an HTTP route such as a report) with session ``cookies``; a read."""
        timeout = self._admit(deadline)
        cookie_header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        try:
            response = await self._client.get(
                httpx.URL(self.base_url + path),
                headers={"Cookie": cookie_header},
                timeout=httpx.Timeout(timeout, connect=min(timeout, self._connect_timeout)),
            )
        except httpx.TimeoutException:
            raise OdooTimeout(f"Odoo at {self.base_url} did not answer in time.") from None
        except httpx.TransportError:
            self.breaker.record_failure()
            raise OdooUnavailable(f"Odoo at {self.base_url} cannot be reached.") from None
        return self._settle(response)

    def _settle(self, response: httpx.Response) -> httpx.Response:
        """Tell the breaker how the request went; a proxy's "Odoo is down" status is a failure."""
        if response.status_code in _UNAVAILABLE_STATUSES:
            self.breaker.record_failure()
            raise OdooUnavailable(
                f"Odoo at {self.base_url} is unavailable (HTTP {response.status_code})."
            )
        self.breaker.record_success()
        return response

    def unexpected(self, response: httpx.Response, what: str) -> OdooProtocolError:
        """The error for an answer that is not what an Odoo server sends to ``what``."""
        return OdooProtocolError(
            f"{self.base_url}{response.request.url.path} did not answer like Odoo to {what} "
            f"(HTTP {response.status_code})."
        )

    async def aclose(self) -> None:
        await self._client.aclose()
