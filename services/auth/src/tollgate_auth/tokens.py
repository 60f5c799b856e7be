"""Grants and the tokens they issue: short-lived signed access tokens, rotating refresh tokens
with reuse detection, and revocation.

A grant is one OAuth connection (a client acting for a person at one tenant); its refresh tokens
form a family. Each refresh token works once: using it yields a new pair, and presenting a used one
again means it leaked, so the whole family is revoked (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2).

Where the tenant keeps credentials in the token (``credentialStorage: token``), nothing of the
credential stays at rest: the grant is stored without it, and the sealed credential rides in the
access token and in the refresh token (``tgr_<secret>.<key id>.<sealed>``), which auth knows only
by digest. With ``server`` storage the grant keeps the sealed credential and tokens carry none.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import time
from dataclasses import dataclass

from tollgate.v1 import common_pb2
from tollgate_common.access_tokens import (
    AccessTokenClaims,
    InvalidAccessToken,
    SigningKey,
    VerificationKey,
    email_allowed,
    sign_access_token,
    verify_access_token,
)
from tollgate_common.tenants.config import TenantConfig

from tollgate_auth.store import AuthStore, Grant, Identity, SealedValue

logger = logging.getLogger(__name__)

REFRESH_PREFIX = "tgr_"
NO_CREDENTIAL = SealedValue(key_id="", ciphertext="")


def _credential_in(refresh_token: str) -> SealedValue | None:
    """The sealed credential a token-storage refresh token carries, if any."""
    parts = refresh_token.split(".")
    if len(parts) != 3:
        return None
    try:
        ciphertext = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (binascii.Error, ValueError):
        return None
    return SealedValue(key_id=parts[1], ciphertext=base64.b64encode(ciphertext).decode())


class GrantRefused(Exception):
    """A token request cannot be granted; ``error`` is the OAuth error code."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str


def issuer_for(issuer_base: str, tenant: str) -> str:
    return f"{issuer_base}/t/{tenant}"


class TokenService:
    def __init__(
        self,
        store: AuthStore,
        signing_keys: list[SigningKey],
        *,
        issuer_base: str,
        access_ttl: float,
    ) -> None:
        self.store = store
        self._signing = signing_keys[0]
        self.verification_keys: dict[str, VerificationKey] = {
            key.key_id: key.verification_key for key in signing_keys
        }
        self.issuer_base = issuer_base
        self.access_ttl = access_ttl

    def issuer(self, tenant: str) -> str:
        return issuer_for(self.issuer_base, tenant)

    async def start_grant(
        self,
        config: TenantConfig,
        *,
        client_id: str,
        scope: str,
        resource: str,
        identity: Identity,
        grant_id: str,
    ) -> TokenPair:
        in_token = config.access.credential_storage == "token"
        grant = Grant(
            grant_id=grant_id,
            tenant=config.name,
            client_id=client_id,
            scope=scope,
            resource=resource,
            identity=identity.model_copy(update={"credential": NO_CREDENTIAL})
            if in_token
            else identity,
            created_at=time.time(),
        )
        await self.store.save_grant(grant)
        return await self._issue(config, grant, identity.credential)

    async def refresh(
        self, config: TenantConfig, refresh_token: str, *, client_id: str, resource: str
    ) -> TokenPair:
        grant_id, reused = await self.store.take_refresh_token(refresh_token)
        if reused is not None:
            logger.warning(
                "refresh token reused: revoking its family",
                extra={"tenant": config.name, "connection_id": reused},
            )
            await self.revoke_grant(config.name, reused)
            raise GrantRefused("invalid_grant", "The refresh token was already used.")
        grant = await self.store.grant(grant_id) if grant_id else None
        if grant is None or grant.tenant != config.name:
            raise GrantRefused("invalid_grant", "The refresh token is invalid or revoked.")
        if grant.client_id != client_id:
            await self.revoke_grant(config.name, grant.grant_id)
            raise GrantRefused("invalid_grant", "The refresh token belongs to another client.")
        if resource and resource != grant.resource:
            raise GrantRefused("invalid_target", "The resource differs from the grant's.")
        if not email_allowed(grant.identity.email, config.access.allowed_emails):
            await self.revoke_grant(config.name, grant.grant_id)
            raise GrantRefused("invalid_grant", "This person may no longer connect.")
        revoked_at = await self._revoked_at(config.name, grant.identity.subject)
        if revoked_at is not None and grant.created_at <= revoked_at:
            raise GrantRefused("invalid_grant", "The grant was revoked.")
        credential = _credential_in(refresh_token) or grant.identity.credential
        if not credential.ciphertext:
            raise GrantRefused("invalid_grant", "The refresh token carries no credential.")
        return await self._issue(config, grant, credential)

    async def _issue(
        self, config: TenantConfig, grant: Grant, credential: SealedValue
    ) -> TokenPair:
        now = int(time.time())
        in_token = config.access.credential_storage == "token"
        claims = AccessTokenClaims(
            issuer=self.issuer(config.name),
            audience=grant.resource,
            tenant=config.name,
            subject=grant.identity.subject,
            email=grant.identity.email,
            odoo_login=grant.identity.odoo_login,
            client_id=grant.client_id,
            connection_id=grant.grant_id,
            token_id=secrets.token_urlsafe(12),
            issued_at=now,
            expires_at=now + int(self.access_ttl),
            scope=grant.scope,
            credential=credential.to_proto() if in_token else None,
        )
        refresh_token = REFRESH_PREFIX + secrets.token_urlsafe(32)
        if in_token:
            sealed = base64.urlsafe_b64encode(base64.b64decode(credential.ciphertext))
            refresh_token += f".{credential.key_id}.{sealed.rstrip(b'=').decode()}"
        await self.store.add_refresh_token(refresh_token, grant.grant_id)
        return TokenPair(
            access_token=sign_access_token(self._signing, claims),
            refresh_token=refresh_token,
            expires_in=int(self.access_ttl),
            scope=grant.scope,
        )

    async def revoke_grant(self, tenant: str, grant_id: str) -> None:
        grant = await self.store.delete_grant(grant_id)
        if grant is not None or grant_id:
            await self.store.record_revocation(tenant, connection_id=grant_id)

    async def revoke_subject(self, tenant: str, subject: str) -> int:
        grants = await self.store.subject_grants(tenant, subject)
        for grant_id in grants:
            await self.store.delete_grant(grant_id)
        await self.store.mark_subject_revoked(tenant, subject, time.time())
        await self.store.record_revocation(tenant, subject=subject)
        return len(grants)

    async def revoke_tenant(self, tenant: str) -> int:
        """Every grant of the tenant; the mark also refuses what the grant index missed (grants
        made before it existed) and whatever a tenant re-created under the same name inherits."""
        await self.store.mark_tenant_revoked(tenant, time.time())
        grants = await self.store.tenant_grants(tenant)
        for grant_id in grants:
            await self.revoke_grant(tenant, grant_id)
        return len(grants)

    async def _revoked_at(self, tenant: str, subject: str) -> float | None:
        """When the person's (or the whole tenant's) tokens were last revoked, if ever."""
        marks = [
            await self.store.subject_revoked_at(tenant, subject),
            await self.store.tenant_revoked_at(tenant),
        ]
        return max((mark for mark in marks if mark is not None), default=None)

    async def revoke_token(self, config: TenantConfig, token: str, *, client_id: str) -> None:
        """RFC 7009: revoke the grant behind an access or refresh token of ``client_id``;
        unknown tokens are ignored."""
        grant_id: str | None = None
        if token.startswith(REFRESH_PREFIX):
            grant_id, reused = await self.store.take_refresh_token(token)
            grant_id = grant_id or reused
        else:
            try:
                claims = self.check_access_token(config, token, audience=config.endpoint)
            except InvalidAccessToken:
                return
            grant_id = claims.connection_id
        if not grant_id:
            return
        grant = await self.store.grant(grant_id)
        if grant is not None and grant.client_id != client_id:
            return
        await self.revoke_grant(config.name, grant_id)

    def check_access_token(
        self, config: TenantConfig, token: str, *, audience: str
    ) -> AccessTokenClaims:
        claims = verify_access_token(
            token, self.verification_keys, issuer=self.issuer(config.name), audience=audience
        )
        if claims.tenant != config.name:
            raise InvalidAccessToken("token for another tenant")
        return claims

    async def principal(
        self, config: TenantConfig, token: str, *, audience: str
    ) -> common_pb2.Principal:
        """The principal of a valid, unrevoked access token (the authoritative check, with the
        store; the front does the same locally from the revocation feed)."""
        claims = self.check_access_token(config, token, audience=audience)
        grant = await self.store.grant(claims.connection_id)
        if grant is None:
            raise InvalidAccessToken("token revoked")
        revoked_at = await self._revoked_at(config.name, claims.subject)
        if revoked_at is not None and claims.issued_at <= revoked_at:
            raise InvalidAccessToken("token revoked")
        if not email_allowed(claims.email, config.access.allowed_emails):
            raise InvalidAccessToken("person not allowed")
        return common_pb2.Principal(
            tenant=config.name,
            subject=claims.subject,
            email=claims.email,
            odoo_login=claims.odoo_login,
            connection_id=claims.connection_id,
            client_id=claims.client_id,
            credential=claims.credential or grant.identity.credential.to_proto(),
            expires_at=claims.expires_at,
        )
