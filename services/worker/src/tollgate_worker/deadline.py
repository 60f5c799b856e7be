"""The time a call has left, shared by every Odoo request the call makes."""

from __future__ import annotations

import time


class Deadline:
    """A point in (monotonic) time after which the call's answer is no longer awaited."""

    __slots__ = ("_expires_at",)

    def __init__(self, seconds: float) -> None:
        self._expires_at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (zero or negative once expired)."""
        return self._expires_at - time.monotonic()
