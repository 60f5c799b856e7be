"""In-process `Store` for the local stack and unit tests.

Every method runs without awaiting in between, so on one event loop each is atomic, like the Redis
commands and scripts it mirrors. Expired entries are dropped lazily when touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tollgate_common.stores.base import LimitDecision, StreamEntry, Window


@dataclass
class _Entry:
    value: bytes | int | set[str]
    expires_at: float | None


def _parse_id(stream_id: str, *, high: bool) -> tuple[int, int]:
    if stream_id == "-":
        return (0, 0)
    if stream_id == "+":
        return (2**63, 2**63)
    ms, sep, seq = stream_id.partition("-")
    if not sep:
        return (int(ms), 2**63 if high else 0)
    return (int(ms), int(seq))


class InMemoryStore:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._data: dict[str, _Entry] = {}
        self._streams: dict[str, list[tuple[tuple[int, int], dict[str, str]]]] = {}

    # helpers ---------------------------------------------------------------------------------
    def _live(self, key: str) -> _Entry | None:
        entry = self._data.get(key)
        if entry is not None and entry.expires_at is not None and entry.expires_at <= self._clock():
            del self._data[key]
            return None
        return entry

    def _expiry(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    @staticmethod
    def _type_error(key: str, expected: str) -> TypeError:
        return TypeError(f"key {key!r} does not hold {expected}")

    # values ----------------------------------------------------------------------------------
    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        if entry is None:
            return None
        if not isinstance(entry.value, bytes):
            raise self._type_error(key, "a value")
        return entry.value

    async def put(
        self, key: str, value: bytes, *, ttl: float | None = None, only_if_absent: bool = False
    ) -> bool:
        if only_if_absent and self._live(key) is not None:
            return False
        self._data[key] = _Entry(bytes(value), self._expiry(ttl))
        return True

    async def delete(self, key: str) -> bool:
        return self._live(key) is not None and self._data.pop(key, None) is not None

    async def take(self, key: str) -> bytes | None:
        value = await self.get(key)
        if value is not None:
            del self._data[key]
        return value

    async def ttl(self, key: str) -> float | None:
        entry = self._live(key)
        if entry is None or entry.expires_at is None:
            return None
        return entry.expires_at - self._clock()

    # counters --------------------------------------------------------------------------------
    def _count(self, key: str) -> int:
        entry = self._live(key)
        if entry is None:
            return 0
        if not isinstance(entry.value, int):
            raise self._type_error(key, "a counter")
        return entry.value

    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        entry = self._live(key)
        if entry is None:
            self._data[key] = _Entry(amount, self._expiry(ttl))
            return amount
        value = self._count(key) + amount
        entry.value = value
        return value

    async def hit(self, windows: Sequence[Window], cost: int = 1) -> LimitDecision:
        counts = tuple(self._count(window.key) for window in windows)
        for window, count in zip(windows, counts, strict=True):
            if count + cost > window.limit:
                remaining = await self.ttl(window.key)
                retry_after = window.seconds if remaining is None else remaining
                return LimitDecision(False, counts, window, retry_after)
        return LimitDecision(
            True,
            tuple([await self.incr(w.key, cost, ttl=w.seconds) for w in windows]),
        )

    # sets ------------------------------------------------------------------------------------
    def _set(self, key: str, *, create: bool = False) -> set[str] | None:
        entry = self._live(key)
        if entry is None:
            if not create:
                return None
            entry = self._data[key] = _Entry(set(), None)
        if not isinstance(entry.value, set):
            raise self._type_error(key, "a set")
        return entry.value

    async def set_add(self, key: str, *members: str, ttl: float | None = None) -> int:
        members_set = self._set(key, create=True)
        assert members_set is not None
        new = len(set(members) - members_set)
        members_set.update(members)
        if ttl is not None:
            self._data[key].expires_at = self._expiry(ttl)
        return new

    async def set_remove(self, key: str, *members: str) -> int:
        members_set = self._set(key)
        if members_set is None:
            return 0
        removed = len(members_set & set(members))
        members_set.difference_update(members)
        if not members_set:
            del self._data[key]
        return removed

    async def set_contains(self, key: str, member: str) -> bool:
        members_set = self._set(key)
        return members_set is not None and member in members_set

    async def set_members(self, key: str) -> set[str]:
        return set(self._set(key) or ())

    # streams ---------------------------------------------------------------------------------
    async def stream_append(
        self, stream: str, fields: Mapping[str, str], *, max_length: int | None = None
    ) -> str:
        entries = self._streams.setdefault(stream, [])
        now_ms = int(time.time() * 1000)
        if entries and entries[-1][0][0] >= now_ms:
            new_id = (entries[-1][0][0], entries[-1][0][1] + 1)
        else:
            new_id = (now_ms, 0)
        entries.append((new_id, dict(fields)))
        if max_length is not None and len(entries) > max_length:
            del entries[: len(entries) - max_length]
        return f"{new_id[0]}-{new_id[1]}"

    async def stream_extend_if_last(
        self,
        stream: str,
        entries: Sequence[Mapping[str, str]],
        *,
        last_id: str | None,
        max_length: int | None = None,
    ) -> list[str] | None:
        if not entries:
            return []
        last = await self.stream_last(stream)
        if (last.id if last is not None else None) != last_id:
            return None
        return [
            await self.stream_append(stream, fields, max_length=max_length) for fields in entries
        ]

    async def stream_range(
        self, stream: str, *, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[StreamEntry]:
        low, high = _parse_id(start, high=False), _parse_id(end, high=True)
        found = [
            StreamEntry(f"{sid[0]}-{sid[1]}", dict(fields))
            for sid, fields in self._streams.get(stream, [])
            if low <= sid <= high
        ]
        return found if count is None else found[:count]

    async def stream_last(self, stream: str) -> StreamEntry | None:
        entries = self._streams.get(stream)
        if not entries:
            return None
        sid, fields = entries[-1]
        return StreamEntry(f"{sid[0]}-{sid[1]}", dict(fields))

    async def stream_length(self, stream: str) -> int:
        return len(self._streams.get(stream, []))

    # lifecycle -------------------------------------------------------------------------------
    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
