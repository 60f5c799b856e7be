"""The verified-token cache: bounded, never serving a principal about to expire."""

from __future__ import annotations

import time

from tollgate.v1 import common_pb2
from tollgate_front.token_verifier import PrincipalCache, token_digest


def principal(expires_in: float | None = None) -> common_pb2.Principal:
    expires_at = int(time.time() + expires_in) if expires_in is not None else 0
    return common_pb2.Principal(tenant="acme", subject="s", expires_at=expires_at)


def test_a_principal_is_cached_under_the_tokens_digest() -> None:
    cache = PrincipalCache(max_ttl=60, max_size=10)
    digest = token_digest("acme", "secret-token")
    assert "secret-token" not in digest
    cache.put(digest, principal(), ttl=30)
    assert cache.get(digest) == principal()
    assert cache.get(token_digest("globex", "secret-token")) is None


def test_a_principal_close_to_expiry_is_not_cached() -> None:
    cache = PrincipalCache(max_ttl=60, max_size=10, expiry_margin=10)
    cache.put("a", principal(expires_in=5), ttl=60)
    assert cache.get("a") is None
    cache.put("b", principal(expires_in=600), ttl=60)
    assert cache.get("b") is not None


def test_zero_ttl_means_no_cache() -> None:
    cache = PrincipalCache(max_ttl=0, max_size=10)
    cache.put("a", principal(), ttl=60)
    assert cache.get("a") is None


def test_the_oldest_entry_goes_first_when_full() -> None:
    cache = PrincipalCache(max_ttl=60, max_size=2)
    for key in ("a", "b", "c"):
        cache.put(key, principal(), ttl=60)
    assert cache.get("a") is None
    assert cache.get("b") is not None
    assert cache.get("c") is not None
    assert len(cache) == 2
