"""Shared-state stores: one interface (`Store`), in-memory and Redis implementations.

`open_store` picks the implementation from a URL: ``memory://`` or ``redis://host:port/db``
(``rediss://`` for TLS, ``unix://`` for a socket).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tollgate_common.stores.base import (
    LimitDecision,
    Store,
    StoreError,
    StoreUnavailable,
    StreamEntry,
    Window,
)
from tollgate_common.stores.memory import InMemoryStore
from tollgate_common.stores.redis_store import RedisStore

REDIS_SCHEMES = ("redis", "rediss", "unix")


def open_store(url: str, *, namespace: str = "") -> Store:
    """A store for ``url``; ``namespace`` prefixes every key (e.g. the service's name)."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return InMemoryStore()
    if scheme in REDIS_SCHEMES:
        return RedisStore.from_url(url, namespace=namespace)
    raise ValueError(f"unsupported store URL {url!r}: use memory:// or redis://host:port/db")


__all__ = [
    "InMemoryStore",
    "LimitDecision",
    "RedisStore",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StreamEntry",
    "Window",
    "open_store",
]
