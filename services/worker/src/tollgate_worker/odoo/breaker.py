"""A circuit breaker per tenant: a dead Odoo becomes a fast, clear error instead of a wait.

After ``threshold`` consecutive failures to reach Odoo the breaker opens: calls fail at once for
``cooldown`` seconds. Then one call is let through as a probe; its success closes the breaker, its
failure opens it again. Only failures to reach Odoo count: an Odoo error answer (access refused,
bad domain) proves Odoo is alive.
"""

from __future__ import annotations

import time
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(self, *, threshold: int = 5, cooldown: float = 10.0) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.threshold = threshold
        self.cooldown = cooldown
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._probing or time.monotonic() - self._opened_at < self.cooldown:
            return "open"
        return "half_open"

    def retry_after(self) -> float:
        """Seconds until a call will be let through again (0 when closed)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self.cooldown - (time.monotonic() - self._opened_at))

    def allow(self) -> bool:
        """True when a request may go out now; in half-open state only one probe at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open":
            self._probing = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self.threshold:
            self._opened_at = time.monotonic()
            self._probing = False
