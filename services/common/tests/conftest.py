from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from tollgate_common.stores import InMemoryStore, RedisStore, Store
from tollgate_common.testing import RedisServerUnavailable, redis_server


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A private redis-server for the whole session (each test uses its own key namespace)."""
    try:
        with redis_server() as url:
            yield url
    except RedisServerUnavailable as error:
        pytest.skip(f"real Redis tests need redis-server: {error}")


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield InMemoryStore()
        return
    url = request.getfixturevalue("redis_url")
    redis_store = RedisStore.from_url(url, namespace=f"test-{uuid.uuid4().hex}")
    try:
        yield redis_store
    finally:
        await redis_store.close()
