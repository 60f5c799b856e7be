"""Who presents a bearer token: OAuth access tokens checked locally, everything else by auth.

Access tokens are Ed25519-signed JWS (`tollgate_common.access_tokens`): the front checks the
signature with keys fetched from auth over gRPC, the issuer and the RFC 8707 audience (the tenant's
MCP URL), the expiry, the tenant's email allowlist, and a revocation view kept fresh by polling
auth's revocation feed every second or so — no network hop on the hot path. If the feed cannot be
read for a while the local answer is no longer trusted and auth is asked instead (fail safe).

API keys, dev keys and tokens whose credential is kept in auth's store go to auth
(``VerifyToken``); the answers are cached briefly by the token's hash, never the token itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from tollgate.v1 import auth_pb2, auth_pb2_grpc, common_pb2
from tollgate_common.access_tokens import (
    AccessTokenClaims,
    InvalidAccessToken,
    VerificationKey,
    email_allowed,
    looks_like_access_token,
    token_key_id,
    verify_access_token,
)
from tollgate_common.errors import ErrorCode, TollgateError, rpc_errors
from tollgate_common.observe import asking_auth, token_answered_by, traced_token_verification
from tollgate_common.tenants import TenantRegistry

logger = logging.getLogger(__name__)

# Seconds between two looks at auth's signing keys, and the shortest gap when an unknown key id
# forces an early look.
KEYS_REFRESH_SECONDS = 60.0
KEYS_MIN_GAP_SECONDS = 5.0
VERIFIED_CACHE_SIZE = 10_000

_REFUSED = TollgateError(ErrorCode.UNAUTHENTICATED, "The token is not valid for this tenant.")


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

    def drop_where(self, *, tenant: str, connection_id: str = "", subject: str = "") -> None:
        for digest in [
            digest
            for digest, entry in self._entries.items()
            if entry.principal.tenant == tenant
            and (
                (connection_id and entry.principal.connection_id == connection_id)
                or (subject and entry.principal.subject == subject)
            )
        ]:
            del self._entries[digest]

    def __len__(self) -> int:
        return len(self._entries)


class RevocationView:
    """Revoked connections and people, as read from auth's feed."""

    def __init__(self) -> None:
        self.connections: dict[tuple[str, str], float] = {}
        self.subjects: dict[tuple[str, str], float] = {}
        self.cursor = ""
        self.synced_at: float | None = None  # time.monotonic() of the last good read
        self.retention = 0.0

    def add(self, item: auth_pb2.Revocation) -> None:
        if item.connection_id:
            self.connections[(item.tenant, item.connection_id)] = item.revoked_at
        if item.subject:
            self.subjects[(item.tenant, item.subject)] = item.revoked_at

    def forget_before(self, moment: float) -> None:
        for table in (self.connections, self.subjects):
            for key in [key for key, at in table.items() if at < moment]:
                del table[key]

    def revokes(self, claims: AccessTokenClaims) -> bool:
        for table, key in (
            (self.connections, (claims.tenant, claims.connection_id)),
            (self.subjects, (claims.tenant, claims.subject)),
        ):
            revoked_at = table.get(key)
            if revoked_at is not None and claims.issued_at <= revoked_at:
                return True
        return False


class AuthTokenVerifier:
    """Asks itself, or auth, who presents ``token`` at ``tenant``'s MCP URL ``resource``."""

    def __init__(
        self,
        stub: auth_pb2_grpc.AuthServiceAsyncStub,
        *,
        timeout: float,
        cache: PrincipalCache,
        registry: TenantRegistry | None = None,
        sync_interval: float = 1.0,
        max_staleness: float = 10.0,
    ) -> None:
        self._stub = stub
        self._timeout = timeout
        self._cache = cache
        self._registry = registry
        self._sync_interval = sync_interval
        self._max_staleness = max_staleness
        self._keys: dict[str, VerificationKey] = {}
        self._keys_fetched = -KEYS_REFRESH_SECONDS
        self.issuer_base: str | None = None
        self.revocations = RevocationView()
        # Claims of tokens whose signature was checked, by token_digest(tenant, token) (the
        # audience is in the claims): the signature is checked once
        # per token; expiry, revocation and the allowlist on every call.
        self._verified: OrderedDict[str, AccessTokenClaims] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    # background refresh --------------------------------------------------------------------
    async def start(self) -> None:
        with contextlib.suppress(TollgateError):
            await self.refresh_keys()
        with contextlib.suppress(TollgateError):
            await self.sync_revocations()
        self._task = asyncio.create_task(self._run(), name="token-verifier-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._sync_interval)
            try:
                await self.sync_revocations()
                if time.monotonic() - self._keys_fetched > KEYS_REFRESH_SECONDS:
                    await self.refresh_keys()
            except TollgateError as error:
                logger.warning(
                    "cannot refresh token state from auth", extra={"error": error.message}
                )

    async def refresh_keys(self) -> None:
        with rpc_errors("The authentication service"):
            answer = await self._stub.GetTokenKeys(
                auth_pb2.GetTokenKeysRequest(), timeout=self._timeout
            )
        self._keys = {
            key.key_id: VerificationKey(key.key_id, key.public_key)
            for key in answer.keys
            if key.algorithm == "EdDSA"
        }
        self.issuer_base = answer.issuer_base
        self._keys_fetched = time.monotonic()

    async def sync_revocations(self) -> None:
        view = self.revocations
        with rpc_errors("The authentication service"):
            answer = await self._stub.ListRevocations(
                auth_pb2.ListRevocationsRequest(after=view.cursor), timeout=self._timeout
            )
        for item in answer.revocations:
            view.add(item)
            self._cache.drop_where(
                tenant=item.tenant, connection_id=item.connection_id, subject=item.subject
            )
        view.cursor = answer.cursor
        view.retention = answer.retention_seconds
        view.forget_before(time.time() - answer.retention_seconds)
        view.synced_at = time.monotonic()

    def _fresh(self) -> bool:
        synced = self.revocations.synced_at
        return synced is not None and time.monotonic() - synced <= self._max_staleness

    # verification --------------------------------------------------------------------------
    @traced_token_verification
    async def verify(
        self, token: str, *, tenant: str, resource: str, digest: str | None = None
    ) -> common_pb2.Principal:
        """The caller's principal; raises `TollgateError` (UNAUTHENTICATED when the token is
        not good for this tenant, UNAVAILABLE/DEADLINE_EXCEEDED when auth cannot answer).
        ``digest`` is ``token_digest(tenant, token)`` when the caller has it already (the
        token is then hashed once per request)."""
        if digest is None:
            digest = token_digest(tenant, token)
        if looks_like_access_token(token) and self._fresh() and self.issuer_base is not None:
            # Said first: a refusal from the local check is the local check's.
            token_answered_by("local")
            principal = await self._verify_locally(token, digest, tenant=tenant, resource=resource)
            if principal is not None:
                return principal
        cached = self._cache.get(digest)
        if cached is not None:
            token_answered_by("cache")
            return cached
        request = auth_pb2.VerifyTokenRequest(token=token, tenant=tenant, resource=resource)
        with asking_auth(), rpc_errors("The authentication service"):
            response = await self._stub.VerifyToken(request, timeout=self._timeout)
        principal = response.principal
        if principal.tenant != tenant:
            # Defence in depth: auth must never hand out another tenant's principal here.
            raise TollgateError(
                ErrorCode.UNAUTHENTICATED, f"This token is not valid for tenant {tenant!r}."
            )
        self._cache.put(digest, principal, response.cache_ttl_seconds)
        return principal

    async def _verify_locally(
        self, token: str, digest: str, *, tenant: str, resource: str
    ) -> common_pb2.Principal | None:
        """The principal, or None when only auth can tell (credential kept in its store)."""
        claims = self._verified.get(digest)
        # The claims were checked for one audience: a tenant whose MCP URL changed since is
        # checked again.
        if claims is None or claims.audience != resource or claims.expires_at <= time.time():
            claims = await self._check_signature(token, tenant=tenant, resource=resource)
            self._verified[digest] = claims
            while len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        if claims.tenant != tenant or self.revocations.revokes(claims):
            logger.info("token refused", extra={"tenant": tenant, "reason": "revoked"})
            raise _REFUSED
        config = self._registry.get(tenant) if self._registry is not None else None
        if config is not None and not email_allowed(claims.email, config.access.allowed_emails):
            logger.info("token refused", extra={"tenant": tenant, "reason": "not_allowed"})
            raise _REFUSED
        if claims.credential is None:
            return None
        return common_pb2.Principal(
            tenant=tenant,
            subject=claims.subject,
            email=claims.email,
            odoo_login=claims.odoo_login,
            connection_id=claims.connection_id,
            client_id=claims.client_id,
            credential=claims.credential,
            expires_at=claims.expires_at,
        )

    async def _check_signature(
        self, token: str, *, tenant: str, resource: str
    ) -> AccessTokenClaims:
        try:
            if token_key_id(token) not in self._keys and (
                time.monotonic() - self._keys_fetched > KEYS_MIN_GAP_SECONDS
            ):
                await self.refresh_keys()
            return verify_access_token(
                token, self._keys, issuer=f"{self.issuer_base}/t/{tenant}", audience=resource
            )
        except InvalidAccessToken as error:
            logger.info("token refused", extra={"tenant": tenant, "reason": str(error)})
            raise _REFUSED from None

    async def authorization_server(self, tenant: str) -> str:
        """The issuer a tenant's tokens come from (for protected-resource metadata)."""
        if self.issuer_base is None:
            await self.refresh_keys()
        return f"{self.issuer_base}/t/{tenant}"
