from __future__ import annotations

import asyncio

import pytest
from tollgate_worker.cache import TtlCache


async def test_concurrent_misses_share_one_load():
    cache: TtlCache[str, int] = TtlCache(max_entries=10, ttl=60)
    loads = 0
    release = asyncio.Event()

    async def load() -> int:
        nonlocal loads
        loads += 1
        await release.wait()
        return 42

    tasks = [asyncio.create_task(cache.get_or_load("k", load)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*tasks) == [42] * 5
    assert loads == 1
    assert await cache.get_or_load("k", load) == 42
    assert loads == 1


async def test_a_failed_load_is_shared_but_not_cached():
    cache: TtlCache[str, int] = TtlCache(max_entries=10, ttl=60)
    release = asyncio.Event()

    async def fail() -> int:
        await release.wait()
        raise LookupError("nope")

    tasks = [asyncio.create_task(cache.get_or_load("k", fail)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results)

    async def succeed() -> int:
        return 7

    assert await cache.get_or_load("k", succeed) == 7


async def test_a_cancelled_loader_lets_a_waiter_load_again():
    cache: TtlCache[str, int] = TtlCache(max_entries=10, ttl=60)
    started = asyncio.Event()

    async def hang() -> int:
        started.set()
        await asyncio.sleep(60)
        return 1

    async def quick() -> int:
        return 2

    loader = asyncio.create_task(cache.get_or_load("k", hang))
    await started.wait()
    waiter = asyncio.create_task(cache.get_or_load("k", quick))
    await asyncio.sleep(0)
    loader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loader
    assert await waiter == 2


def test_entries_expire_and_the_oldest_is_evicted(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("tollgate_worker.cache.time.monotonic", lambda: now[0])
    cache: TtlCache[str, int] = TtlCache(max_entries=2, ttl=10)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None
    now[0] += 11
    assert cache.get("a") is None
    assert len(cache) == 1
