"""Fault injection: make the simulated Odoo slow, flaky or down, from flags or at run time.

Faults are what a reverse proxy in front of a struggling Odoo produces, so they are applied
in front of every route (health included) except the admin endpoint ``/_sim/faults``:

- ``latency_ms``: wait before handling each request;
- ``slow_ms``: send the status and headers at once but hold the body back this long;
- ``error_rate`` (0..1, drawn from a seeded RNG) and ``error_every`` (every Nth request):
  answer ``502 Bad Gateway`` instead of handling the request;
- ``down``: answer every request with ``502 Bad Gateway``.

The admin endpoint (``GET``/``PUT /_sim/faults``, JSON) answers loopback clients only.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_PATH = "/_sim/faults"
# Requests served so far (admin endpoints excluded): benchmarks count Odoo requests per call.
STATS_PATH = "/_sim/stats"
_BAD_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


class FaultConfigError(ValueError):
    """A fault setting that makes no sense; nothing is changed."""


@dataclass(frozen=True)
class FaultConfig:
    latency_ms: int = 0
    slow_ms: int = 0
    error_rate: float = 0.0
    error_every: int = 0
    down: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("latency_ms", "slow_ms", "error_every", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise FaultConfigError(f"{name} must be a non-negative integer, not {value!r}")
        rate = self.error_rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.0 <= rate <= 1.0:
            raise FaultConfigError(f"error_rate must be a number from 0 to 1, not {rate!r}")
        if not isinstance(self.down, bool):
            raise FaultConfigError(f"down must be true or false, not {self.down!r}")

    def updated(self, changes: dict[str, Any]) -> FaultConfig:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise FaultConfigError(
                f"unknown fault setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return replace(self, **changes)


class Faults:
    """The live fault settings and the deterministic decision of which request fails."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._rng = random.Random(self._config.seed)
        self._count = 0
        self.requests_served = 0

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)
            self._count = 0

    def should_fail(self) -> bool:
        """Whether the next request gets a 502; counts requests and draws from the seeded RNG."""
        with self._lock:
            config = self._config
            self._count += 1
            if config.down:
                return True
            if config.error_every and self._count % config.error_every == 0:
                return True
            return bool(config.error_rate) and self._rng.random() < config.error_rate


def _is_loopback(host: str | None) -> bool:
    return host is not None and (host.startswith("127.") or host in ("::1", "localhost"))


async def stats_endpoint(request: Request) -> Response:
    faults: Faults = request.app.state.faults
    client = request.client.host if request.client else None
    if not _is_loopback(client):
        return JSONResponse({"error": "the stats endpoint answers loopback only"}, 403)
    return JSONResponse({"requests": faults.requests_served})


async def admin_endpoint(request: Request) -> Response:
    faults: Faults = request.app.state.faults
    client = request.client.host if request.client else None
    if not _is_loopback(client):
        return JSONResponse({"error": "the fault admin endpoint answers loopback only"}, 403)
    if request.method == "PUT":
        try:
            changes = json.loads(await request.body())
            if not isinstance(changes, dict):
                raise FaultConfigError("expected a JSON object of fault settings")
            faults.configure(faults.config.updated(changes))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
    return JSONResponse(asdict(faults.config))


class FaultMiddleware:
    """ASGI middleware applying the current faults to every HTTP request but the admin one."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in (ADMIN_PATH, STATS_PATH):
            await self.app(scope, receive, send)
            return
        self.faults.requests_served += 1
        config = self.faults.config
        if config.latency_ms:
            await asyncio.sleep(config.latency_ms / 1000)
        if self.faults.should_fail():
            await _bad_gateway(send)
            return
        if not config.slow_ms:
            await self.app(scope, receive, send)
            return

        held_back = False

        async def slow_send(message: Message) -> None:
            nonlocal held_back
            if message["type"] == "http.response.body" and not held_back:
                held_back = True
                await asyncio.sleep(config.slow_ms / 1000)
            await send(message)

        await self.app(scope, receive, slow_send)


async def _bad_gateway(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 502,
            "headers": [
                (b"content-type", b"text/html"),
                (b"content-length", str(len(_BAD_GATEWAY_PAGE)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _BAD_GATEWAY_PAGE})
