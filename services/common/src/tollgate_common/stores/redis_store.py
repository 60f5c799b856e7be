"""`Store` on Redis (``redis.asyncio``), for production and the Redis contract tests.

Multi-key operations run as Lua scripts so each is one atomic round trip. Connection failures and
timeouts surface as `StoreUnavailable` quickly (short socket timeouts) so callers can fail closed
instead of hanging.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tollgate_common.stores.base import (
    LimitDecision,
    StoreError,
    StoreUnavailable,
    StreamEntry,
    Window,
)

# KEYS: the windows' keys. ARGV: cost, then limit and window length (ms) per key.
# Returns {1, count...} when counted, {0, index, pttl, count...} when the window at index refused.
_HIT_SCRIPT = """
local cost = tonumber(ARGV[1])
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = tonumber(redis.call('GET', key) or '0')
end
for i, key in ipairs(KEYS) do
  if counts[i] + cost > tonumber(ARGV[2 * i]) then
    local result = {0, i, redis.call('PTTL', key)}
    for j = 1, #counts do result[#result + 1] = counts[j] end
    return result
  end
end
local result = {1}
for i, key in ipairs(KEYS) do
  result[#result + 1] = redis.call('INCRBY', key, cost)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[2 * i + 1]) end
end
return result
"""

# KEYS[1]: counter. ARGV: amount, ttl in ms (0 for none). Sets the expiry only on creation.
_INCR_SCRIPT = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value == tonumber(ARGV[1]) and tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
"""

# KEYS[1]: stream. ARGV: expected last id ("" for an empty stream), max length (0 for none), then
# per entry its field count and field/value pairs. Returns the new ids, or nil when the last id is
# not the expected one (then nothing is appended).
_EXTEND_IF_LAST_SCRIPT = """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local last_id = ''
if #last > 0 then last_id = last[1][1] end
if last_id ~= ARGV[1] then return false end
local head = {KEYS[1]}
if tonumber(ARGV[2]) > 0 then
  head[#head + 1] = 'MAXLEN'
  head[#head + 1] = ARGV[2]
end
head[#head + 1] = '*'
local ids = {}
local i = 3
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local args = {unpack(head)}
  for j = i + 1, i + 2 * n do args[#args + 1] = ARGV[j] end
  ids[#ids + 1] = redis.call('XADD', unpack(args))
  i = i + 1 + 2 * n
end
return ids
"""

P = ParamSpec("P")
T = TypeVar("T")


def _translate_errors(
    method: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await method(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            raise StoreUnavailable(f"Redis is unavailable: {error}") from None
        except RedisError as error:
            raise StoreError(f"Redis error: {error}") from None

    return wrapper


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisStore:
    def __init__(self, client: redis.Redis, *, namespace: str = "") -> None:
        self._redis = client
        self._prefix = f"{namespace}:" if namespace else ""
        self._hit = client.register_script(_HIT_SCRIPT)
        self._incr = client.register_script(_INCR_SCRIPT)
        self._extend_if_last = client.register_script(_EXTEND_IF_LAST_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, namespace: str = "", timeout: float = 2.0) -> RedisStore:
        client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=30,
            decode_responses=False,
        )
        return cls(client, namespace=namespace)

    def _key(self, key: str) -> str:
        return self._prefix + key

    # values ----------------------------------------------------------------------------------
    @_translate_errors
    async def get(self, key: str) -> bytes | None:
        return _bytes(await self._redis.get(self._key(key)))

    @_translate_errors
    async def put(
        self, key: str, value: bytes, *, ttl: float | None = None, only_if_absent: bool = False
    ) -> bool:
        px = None if ttl is None else _ms(ttl)
        return bool(await self._redis.set(self._key(key), value, px=px, nx=only_if_absent))

    @_translate_errors
    async def delete(self, key: str) -> bool:
        return bool(await self._redis.delete(self._key(key)))

    @_translate_errors
    async def take(self, key: str) -> bytes | None:
        return _bytes(await self._redis.getdel(self._key(key)))

    @_translate_errors
    async def ttl(self, key: str) -> float | None:
        pttl = int(await self._redis.pttl(self._key(key)))
        return None if pttl < 0 else pttl / 1000

    # counters --------------------------------------------------------------------------------
    @_translate_errors
    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        ttl_ms = 0 if ttl is None else _ms(ttl)
        return int(await self._incr(keys=[self._key(key)], args=[amount, ttl_ms]))

    @_translate_errors
    async def hit(self, windows: Sequence[Window], cost: int = 1) -> LimitDecision:
        if not windows:
            return LimitDecision(True, ())
        args: list[int] = [cost]
        for window in windows:
            args += [window.limit, _ms(window.seconds)]
        result = [
            int(x) for x in await self._hit(keys=[self._key(w.key) for w in windows], args=args)
        ]
        if result[0] == 1:
            return LimitDecision(True, tuple(result[1:]))
        index, pttl, counts = result[1] - 1, result[2], tuple(result[3:])
        window = windows[index]
        retry_after = window.seconds if pttl < 0 else pttl / 1000
        return LimitDecision(False, counts, window, retry_after)

    # sets ------------------------------------------------------------------------------------
    @_translate_errors
    async def set_add(self, key: str, *members: str, ttl: float | None = None) -> int:
        if not members:
            return 0
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self._key(key), *members)
            if ttl is not None:
                pipe.pexpire(self._key(key), _ms(ttl))
            results = await pipe.execute()
        return int(results[0])

    @_translate_errors
    async def set_remove(self, key: str, *members: str) -> int:
        if not members:
            return 0
        return int(await self._redis.srem(self._key(key), *members))

    @_translate_errors
    async def set_contains(self, key: str, member: str) -> bool:
        return bool(await self._redis.sismember(self._key(key), member))

    @_translate_errors
    async def set_members(self, key: str) -> set[str]:
        return {_text(m) for m in await self._redis.smembers(self._key(key))}

    # streams ---------------------------------------------------------------------------------
    @_translate_errors
    async def stream_append(
        self, stream: str, fields: Mapping[str, str], *, max_length: int | None = None
    ) -> str:
        entry_id = await self._redis.xadd(
            self._key(stream), dict[Any, Any](fields), maxlen=max_length, approximate=False
        )
        return _text(entry_id)

    @_translate_errors
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
        args: list[str | int] = [last_id or "", max_length or 0]
        for fields in entries:
            args.append(len(fields))
            for name, value in fields.items():
                args += [name, value]
        ids = await self._extend_if_last(keys=[self._key(stream)], args=args)
        return None if ids is None else [_text(entry_id) for entry_id in ids]

    @staticmethod
    def _entries(raw: Any) -> list[StreamEntry]:
        return [
            StreamEntry(_text(entry_id), {_text(k): _text(v) for k, v in fields.items()})
            for entry_id, fields in raw
        ]

    @_translate_errors
    async def stream_range(
        self, stream: str, *, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[StreamEntry]:
        raw = await self._redis.xrange(self._key(stream), min=start, max=end, count=count)
        return self._entries(raw)

    @_translate_errors
    async def stream_last(self, stream: str) -> StreamEntry | None:
        entries = self._entries(await self._redis.xrevrange(self._key(stream), count=1))
        return entries[0] if entries else None

    @_translate_errors
    async def stream_length(self, stream: str) -> int:
        return int(await self._redis.xlen(self._key(stream)))

    # lifecycle -------------------------------------------------------------------------------
    @_translate_errors
    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
