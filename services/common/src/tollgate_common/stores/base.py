"""The shared-state store interface the services use, and its value types.

One interface, two implementations: `InMemoryStore` (local stack, unit tests) and `RedisStore`
(production). Both pass the same contract tests. Keys are plain strings; each store instance adds
its namespace prefix, so services sharing one Redis never see each other's keys.

Rate limits use fixed windows that start at a key's first hit and last ``seconds``: `Store.hit`
checks every window and counts the hit in all of them only if none would go over its limit, in
one atomic step (one round trip on Redis), so concurrent callers can never exceed a limit and a
refused call is never counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class StoreError(Exception):
    """The store failed; callers that must fail closed treat this as "cannot decide"."""


class StoreUnavailable(StoreError):
    """The store cannot be reached (Redis down, timeout)."""


@dataclass(frozen=True)
class Window:
    """A rate-limit window: at most ``limit`` hits on ``key`` per ``seconds``."""

    key: str
    limit: int
    seconds: float

    def __post_init__(self) -> None:
        if self.limit < 0 or self.seconds <= 0:
            raise ValueError(f"invalid window {self!r}: limit >= 0 and seconds > 0 required")


@dataclass(frozen=True)
class LimitDecision:
    """Outcome of `Store.hit`. ``counts`` are the windows' counts after the hit (before it when
    refused); ``exceeded`` is the first window that refused, with ``retry_after`` seconds until it
    resets."""

    allowed: bool
    counts: tuple[int, ...]
    exceeded: Window | None = None
    retry_after: float = 0.0


@dataclass(frozen=True)
class StreamEntry:
    id: str
    fields: Mapping[str, str]


@runtime_checkable
class Store(Protocol):
    """Shared state: values with TTL, single-use values, counters, sets and append-only streams."""

    # Values ---------------------------------------------------------------------------------
    async def get(self, key: str) -> bytes | None: ...

    async def put(
        self, key: str, value: bytes, *, ttl: float | None = None, only_if_absent: bool = False
    ) -> bool:
        """Store ``value`` (expiring after ``ttl`` seconds); with ``only_if_absent``, only when
        the key does not exist. True when stored."""
        ...

    async def delete(self, key: str) -> bool:
        """True when the key existed."""
        ...

    async def take(self, key: str) -> bytes | None:
        """Get and delete atomically: of many concurrent callers exactly one gets the value
        (single-use codes, refresh-token rotation)."""
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds until the key expires; None when it does not exist or never expires."""
        ...

    # Counters -------------------------------------------------------------------------------
    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        """Add ``amount`` and return the new value; ``ttl`` applies when the counter is created."""
        ...

    async def hit(self, windows: Sequence[Window], cost: int = 1) -> LimitDecision:
        """Count ``cost`` in every window unless one would exceed its limit (see module doc)."""
        ...

    # Sets -----------------------------------------------------------------------------------
    async def set_add(self, key: str, *members: str, ttl: float | None = None) -> int:
        """Add members (``ttl`` renews the whole set's expiry); returns how many were new."""
        ...

    async def set_remove(self, key: str, *members: str) -> int: ...

    async def set_contains(self, key: str, member: str) -> bool: ...

    async def set_members(self, key: str) -> set[str]: ...

    # Streams --------------------------------------------------------------------------------
    async def stream_append(
        self, stream: str, fields: Mapping[str, str], *, max_length: int | None = None
    ) -> str:
        """Append an entry and return its id (``<ms>-<seq>``, increasing); with ``max_length``
        the oldest entries beyond it are dropped."""
        ...

    async def stream_extend_if_last(
        self,
        stream: str,
        entries: Sequence[Mapping[str, str]],
        *,
        last_id: str | None,
        max_length: int | None = None,
    ) -> list[str] | None:
        """Append ``entries`` in order, all or none, only if the stream's last entry is still
        ``last_id`` (None: the stream is empty); returns their new ids, or None when another
        writer got there first (``[]`` when there is nothing to append). Lets several processes
        extend a hash chain (each entry naming its predecessor) without a lock, a whole batch in
        one round trip."""
        ...

    async def stream_range(
        self, stream: str, *, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[StreamEntry]:
        """Entries with ``start <= id <= end`` in order (``-``/``+`` mean first/last)."""
        ...

    async def stream_last(self, stream: str) -> StreamEntry | None: ...

    async def stream_length(self, stream: str) -> int: ...

    # Lifecycle ------------------------------------------------------------------------------
    async def ping(self) -> None:
        """Raise `StoreUnavailable` when the store cannot serve."""
        ...

    async def close(self) -> None: ...
