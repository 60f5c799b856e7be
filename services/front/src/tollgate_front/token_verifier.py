"""Bearer tokens checked by auth over gRPC, with a short cache keyed by the token's hash.

The SDK's ``TokenVerifier`` protocol verifies a token alone; Tollgate binds every token to one
tenant's MCP URL (RFC 8707), so verification here takes the tenant and the resource too. Only a
SHA-256 of the token is kept in memory, never the token itself.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass

from tollgate.v1 import auth_pb2, auth_pb2_grpc, common_pb2
from tollgate_common.errors import ErrorCode, TollgateError, rpc_errors


def token_digest(tenant: str, token: str) -> str:
    return hashlib.sha256(f"{tenant}\0{token}".encode()).hexdigest()


@dataclass(frozen=True)
class _Entry:
    principal: common_pb2.Principal
    expires_at: float  # time.monotonic()


# A cached principal is served only while it stays valid this much longer, so it cannot expire
# on its way from the cache to policy (which refuses expired principals).
EXPIRY_MARGIN_SECONDS = 10.0


class PrincipalCache:
    """Verified principals by token digest; bounded, oldest entry evicted first."""

    def __init__(
        self, *, max_ttl: float, max_size: int, expiry_margin: float = EXPIRY_MARGIN_SECONDS
    ) -> None:
        self.max_ttl = max_ttl
        self.max_size = max_size
        self.expiry_margin = expiry_margin
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def get(self, digest: str) -> common_pb2.Principal | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry.expires_at <= time.monotonic():
            del self._entries[digest]
            return None
        return entry.principal

    def put(self, digest: str, principal: common_pb2.Principal, ttl: float) -> None:
        ttl = min(ttl, self.max_ttl)
        if principal.expires_at:
            ttl = min(ttl, principal.expires_at - time.time() - self.expiry_margin)
        if ttl <= 0:
            return
        self._entries[digest] = _Entry(principal, time.monotonic() + ttl)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class AuthTokenVerifier:
    """Asks auth who presents ``token`` at ``tenant``'s MCP URL ``resource``."""

    def __init__(
        self, stub: auth_pb2_grpc.AuthServiceAsyncStub, *, timeout: float, cache: PrincipalCache
    ) -> None:
        self._stub = stub
        self._timeout = timeout
        self._cache = cache

    async def verify(self, token: str, *, tenant: str, resource: str) -> common_pb2.Principal:
        """The caller's principal; raises `TollgateError` (UNAUTHENTICATED when the token is
        not good for this tenant, UNAVAILABLE/DEADLINE_EXCEEDED when auth cannot answer)."""
        digest = token_digest(tenant, token)
        cached = self._cache.get(digest)
        if cached is not None:
            return cached
        request = auth_pb2.VerifyTokenRequest(token=token, tenant=tenant, resource=resource)
        with rpc_errors("The authentication service"):
            response = await self._stub.VerifyToken(request, timeout=self._timeout)
        principal = response.principal
        if principal.tenant != tenant:
            # Defence in depth: auth must never hand out another tenant's principal here.
            raise TollgateError(
                ErrorCode.UNAUTHENTICATED, f"This token is not valid for tenant {tenant!r}."
            )
        self._cache.put(digest, principal, response.cache_ttl_seconds)
        return principal
