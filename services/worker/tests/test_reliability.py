"""Retries only for idempotent requests on connection failures; the circuit breaker."""

from __future__ import annotations

import httpx
import pytest
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.breaker import CircuitBreaker
from tollgate_worker.odoo.errors import OdooUnavailable
from tollgate_worker.odoo.transport import OdooTransport, PoolLimits


class Flaky:
    """Fails the first ``failures`` requests with a connection error, then answers 200."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.seen = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if self.seen <= self.failures:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"result": True})


def transport_for(handler: Flaky, **limits: float) -> OdooTransport:
    return OdooTransport(
        "http://odoo.test",
        limits=PoolLimits(**limits),  # type: ignore[arg-type]
        transport=httpx.MockTransport(handler),
    )


async def test_a_read_is_sent_again_after_a_connection_failure() -> None:
    flaky = Flaky(failures=1)
    transport = transport_for(flaky)
    response = await transport.post(
        "/jsonrpc", b"{}", content_type="application/json", deadline=Deadline(5), idempotent=True
    )
    assert response.status_code == 200
    assert flaky.seen == 2
    await transport.aclose()


async def test_a_write_is_never_sent_twice() -> None:
    flaky = Flaky(failures=1)
    transport = transport_for(flaky)
    with pytest.raises(OdooUnavailable):
        await transport.post(
            "/jsonrpc", b"{}", content_type="application/json", deadline=Deadline(5)
        )
    assert flaky.seen == 1
    await transport.aclose()


async def test_the_breaker_opens_and_fails_fast_then_probes() -> None:
    flaky = Flaky(failures=3)
    transport = transport_for(flaky, breaker_threshold=3, breaker_cooldown=0.05)
    for _ in range(3):
        with pytest.raises(OdooUnavailable):
            await transport.post("/x", b"", content_type="text/plain", deadline=Deadline(5))
    assert transport.breaker.state == "open"
    with pytest.raises(OdooUnavailable) as fast:
        await transport.post("/x", b"", content_type="text/plain", deadline=Deadline(5))
    assert "stopped calling it" in fast.value.message
    assert flaky.seen == 3  # the open breaker sent nothing
    breaker = transport.breaker
    breaker._opened_at = (breaker._opened_at or 0) - 1  # the cooldown is over
    response = await transport.post("/x", b"", content_type="text/plain", deadline=Deadline(5))
    assert response.status_code == 200
    assert transport.breaker.state == "closed"
    await transport.aclose()


def test_a_failed_probe_opens_the_breaker_again() -> None:
    breaker = CircuitBreaker(threshold=1, cooldown=0.0)
    breaker.record_failure()
    assert breaker.allow()  # half-open: one probe
    breaker.record_failure()
    assert breaker._opened_at is not None
    breaker.record_success()
    assert breaker.state == "closed"
