"""One contract, run against the in-memory store and a real redis-server (see conftest)."""

from __future__ import annotations

import asyncio

import pytest
from tollgate_common.stores import (
    InMemoryStore,
    RedisStore,
    Store,
    StoreUnavailable,
    Window,
    open_store,
)
from tollgate_common.testing import free_port

# Expiry tests wait a little longer than these; they assert that something expired, never how fast.
SHORT_TTL = 0.05


async def expire() -> None:
    await asyncio.sleep(SHORT_TTL * 3)


async def test_values_put_get_delete(store: Store) -> None:
    assert await store.get("k") is None
    assert await store.put("k", b"v1")
    assert await store.get("k") == b"v1"
    assert await store.put("k", b"v2")
    assert await store.get("k") == b"v2"
    assert await store.delete("k")
    assert not await store.delete("k")
    assert await store.get("k") is None


async def test_put_only_if_absent(store: Store) -> None:
    assert await store.put("k", b"first", only_if_absent=True)
    assert not await store.put("k", b"second", only_if_absent=True)
    assert await store.get("k") == b"first"


async def test_values_expire(store: Store) -> None:
    await store.put("short", b"v", ttl=SHORT_TTL)
    await store.put("long", b"v", ttl=60)
    await store.put("forever", b"v")
    remaining = await store.ttl("long")
    assert remaining is not None
    assert 0 < remaining <= 60
    assert await store.ttl("forever") is None
    assert await store.ttl("missing") is None

    await expire()

    assert await store.get("short") is None
    assert await store.put("short", b"again", only_if_absent=True)
    assert await store.get("long") == b"v"


async def test_take_gives_a_value_to_exactly_one_of_many_concurrent_callers(store: Store) -> None:
    await store.put("code", b"single-use")

    results = await asyncio.gather(*(store.take("code") for _ in range(20)))

    assert [r for r in results if r is not None] == [b"single-use"]
    assert await store.get("code") is None


async def test_counters(store: Store) -> None:
    assert await store.incr("c") == 1
    assert await store.incr("c", 5) == 6
    assert await store.incr("t", ttl=SHORT_TTL) == 1
    assert await store.incr("t", ttl=60) == 2  # the ttl applies at creation only
    await expire()
    assert await store.incr("t", ttl=60) == 1
    assert await store.incr("c") == 7


async def test_hit_counts_in_every_window_until_one_is_full(store: Store) -> None:
    minute, day = Window("u:min", 2, 60), Window("u:day", 3, 86_400)

    first = await store.hit([minute, day])
    second = await store.hit([minute, day])
    refused = await store.hit([minute, day])

    assert (first.allowed, first.counts) == (True, (1, 1))
    assert (second.allowed, second.counts) == (True, (2, 2))
    assert not refused.allowed
    assert refused.exceeded == minute
    assert refused.counts == (2, 2)  # a refused hit is not counted anywhere
    assert 0 < refused.retry_after <= 60

    other_minute = Window("u2:min", 10, 60)
    assert (await store.hit([other_minute, day])).allowed
    denied_by_day = await store.hit([other_minute, day])
    assert denied_by_day.exceeded == day
    assert denied_by_day.counts == (1, 3)


async def test_hit_with_cost_and_window_reset(store: Store) -> None:
    window = Window("burst", 5, SHORT_TTL)

    assert (await store.hit([window], cost=4)).allowed
    assert not (await store.hit([window], cost=2)).allowed
    await expire()
    decision = await store.hit([window], cost=5)
    assert (decision.allowed, decision.counts) == (True, (5,))
    assert (await store.hit([])).allowed


async def test_concurrent_hits_never_exceed_the_limit(store: Store) -> None:
    window = Window("hot", 25, 60)

    decisions = await asyncio.gather(*(store.hit([window]) for _ in range(60)))

    assert sum(d.allowed for d in decisions) == 25
    assert await store.incr("hot", 0) == 25


async def test_sets(store: Store) -> None:
    assert await store.set_add("revoked", "a", "b") == 2
    assert await store.set_add("revoked", "b", "c") == 1
    assert await store.set_contains("revoked", "a")
    assert not await store.set_contains("revoked", "z")
    assert not await store.set_contains("missing", "a")
    assert await store.set_members("revoked") == {"a", "b", "c"}
    assert await store.set_remove("revoked", "a", "z") == 1
    assert await store.set_members("revoked") == {"b", "c"}
    assert await store.set_members("missing") == set()

    await store.set_add("temporary", "x", ttl=SHORT_TTL)
    await expire()
    assert not await store.set_contains("temporary", "x")


async def test_streams_append_in_order_and_read_ranges(store: Store) -> None:
    assert await store.stream_last("audit") is None
    ids = [await store.stream_append("audit", {"n": str(i), "who": "ann"}) for i in range(5)]

    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))
    assert len(set(ids)) == 5
    assert await store.stream_length("audit") == 5
    entries = await store.stream_range("audit")
    assert [e.id for e in entries] == ids
    assert [e.fields["n"] for e in entries] == ["0", "1", "2", "3", "4"]
    assert [e.id for e in await store.stream_range("audit", start=ids[1], end=ids[3])] == ids[1:4]
    assert [e.id for e in await store.stream_range("audit", count=2)] == ids[:2]
    last = await store.stream_last("audit")
    assert last is not None
    assert (last.id, dict(last.fields)) == (ids[-1], {"n": "4", "who": "ann"})


async def test_streams_trim_to_max_length(store: Store) -> None:
    for i in range(6):
        await store.stream_append("capped", {"n": str(i)}, max_length=3)

    assert [e.fields["n"] for e in await store.stream_range("capped")] == ["3", "4", "5"]


async def test_ping_and_close(store: Store) -> None:
    await store.ping()


def test_open_store_by_url() -> None:
    assert isinstance(open_store("memory://"), InMemoryStore)
    assert isinstance(open_store("redis://127.0.0.1:6379/0", namespace="auth"), RedisStore)
    with pytest.raises(ValueError, match="unsupported store URL"):
        open_store("postgres://db")


async def test_redis_namespaces_keep_services_apart(redis_url: str) -> None:
    auth, policy = (open_store(redis_url, namespace=n) for n in ("ns-auth", "ns-policy"))
    try:
        await auth.put("shared-name", b"auth's")
        assert await policy.get("shared-name") is None
    finally:
        await auth.close()
        await policy.close()


async def test_redis_down_is_store_unavailable() -> None:
    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    try:
        with pytest.raises(StoreUnavailable, match="Redis is unavailable"):
            await store.get("k")
        with pytest.raises(StoreUnavailable):
            await store.hit([Window("k", 1, 60)])
    finally:
        await store.close()


async def test_extend_if_last_lets_exactly_one_concurrent_writer_extend_the_chain(
    store: Store,
) -> None:
    first = await store.stream_extend_if_last("chain", [{"n": "0"}], last_id=None)
    assert first is not None
    assert await store.stream_extend_if_last("chain", [{"n": "x"}], last_id=None) is None

    attempts = await asyncio.gather(
        *(
            store.stream_extend_if_last("chain", [{"n": str(i)}, {"n": f"{i}b"}], last_id=first[0])
            for i in range(10)
        )
    )

    winners = [a for a in attempts if a is not None]
    assert len(winners) == 1
    entries = await store.stream_range("chain")
    assert [e.id for e in entries] == [*first, *winners[0]]
    won = entries[1].fields["n"]
    assert [dict(e.fields) for e in entries[1:]] == [{"n": won}, {"n": f"{won}b"}]


async def test_extend_if_last_appends_a_batch_in_order_and_trims(store: Store) -> None:
    ids = await store.stream_extend_if_last(
        "batch", [{"n": str(i), "k": "v"} for i in range(5)], last_id=None, max_length=3
    )
    assert ids is not None
    assert len(ids) == 5
    entries = await store.stream_range("batch")
    assert [e.id for e in entries] == ids[2:]
    assert [e.fields["n"] for e in entries] == ["2", "3", "4"]
    assert await store.stream_extend_if_last("batch", [], last_id="0-1") == []
