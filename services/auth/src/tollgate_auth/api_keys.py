"""API-key connections for server-to-server use (CI jobs, Claude Code).

A key is ``tgk_<tenant>_<id>_<secret>``: the id finds the record, the secret is kept only as its
SHA-256 and compared in constant time. The key is returned once, at creation or rotation. The
Odoo credential the key acts with is checked through the worker and stored sealed.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import time

from tollgate.v1 import auth_pb2, common_pb2
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.tenants.config import TenantConfig
from tollgate_common.tenants.registry import TenantRegistry

from tollgate_auth.odoo_login import CredentialRefused, OdooLoginChecker
from tollgate_auth.store import ApiKeyRecord, AuthStore, digest

logger = logging.getLogger(__name__)

PREFIX = "tgk_"
_KEY = re.compile(r"^tgk_([a-z0-9-]+)_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{20,})$")
# How long the front may cache a verified API key: short, revocations also come by the feed.
API_KEY_CACHE_TTL = 30.0


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _new_id() -> str:
    return "".join(secrets.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(12))


def looks_like_api_key(token: str) -> bool:
    return token.startswith(PREFIX)


def _info(record: ApiKeyRecord) -> auth_pb2.ApiKeyInfo:
    return auth_pb2.ApiKeyInfo(
        key_id=record.key_id,
        tenant=record.tenant,
        subject=record.subject,
        email=record.email,
        name=record.name,
        odoo_login=record.odoo_login,
        allowed_tools=list(record.allowed_tools),
        allowed_models=list(record.allowed_models),
        expires_at=record.expires_at,
        created_at=record.created_at,
        rotated_at=record.rotated_at,
    )


class ApiKeys:
    def __init__(
        self, store: AuthStore, registry: TenantRegistry, checker: OdooLoginChecker
    ) -> None:
        self._store = store
        self._registry = registry
        self._checker = checker

    async def create(self, request: auth_pb2.CreateApiKeyRequest) -> auth_pb2.CreateApiKeyResponse:
        config = self._registry.require(request.tenant)
        subject = request.subject.strip()
        if not subject:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "Name who the key acts for (subject).", field="subject"
            )
        if request.expires_at and request.expires_at <= time.time():
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "The expiry is in the past.", field="expires_at"
            )
        try:
            identity = await self._checker.check(config, request.odoo_login, request.odoo_api_key)
        except CredentialRefused as error:
            raise TollgateError(
                ErrorCode.PERMISSION_DENIED, str(error), field="odoo_api_key"
            ) from None
        key_id = _new_id()
        secret = _new_secret()
        email = subject.lower() if "@" in subject else identity.email
        record = ApiKeyRecord(
            key_id=key_id,
            secret_digest=digest(secret),
            tenant=config.name,
            subject=f"key:{key_id}",
            email=email,
            name=request.name.strip() or subject,
            odoo_login=identity.odoo_login,
            credential=identity.credential,
            allowed_tools=tuple(request.allowed_tools),
            allowed_models=tuple(request.allowed_models),
            expires_at=request.expires_at,
            created_at=int(time.time()),
        )
        await self._store.save_api_key(record)
        logger.info("api key created", extra={"tenant": config.name, "key_id": key_id})
        return auth_pb2.CreateApiKeyResponse(
            api_key=f"{PREFIX}{config.name}_{key_id}_{secret}", info=_info(record)
        )

    async def list(self, tenant: str) -> list[auth_pb2.ApiKeyInfo]:
        self._registry.require(tenant)
        return [_info(record) for record in await self._store.api_keys(tenant)]

    async def _existing(self, tenant: str, key_id: str) -> ApiKeyRecord:
        self._registry.require(tenant)
        record = await self._store.api_key(tenant, key_id)
        if record is None:
            raise TollgateError(
                ErrorCode.NOT_FOUND, f"No API key {key_id!r} at tenant {tenant!r}.", field="key_id"
            )
        return record

    async def rotate(self, tenant: str, key_id: str) -> auth_pb2.CreateApiKeyResponse:
        record = await self._existing(tenant, key_id)
        secret = _new_secret()
        record = record.model_copy(
            update={"secret_digest": digest(secret), "rotated_at": int(time.time())}
        )
        await self._store.save_api_key(record)
        # Cached verifications of the old secret end with the connection's revocation.
        await self._store.record_revocation(tenant, connection_id=f"apikey:{key_id}")
        logger.info("api key rotated", extra={"tenant": tenant, "key_id": key_id})
        return auth_pb2.CreateApiKeyResponse(
            api_key=f"{PREFIX}{tenant}_{key_id}_{secret}", info=_info(record)
        )

    async def revoke(self, tenant: str, key_id: str) -> None:
        await self._existing(tenant, key_id)
        await self._store.delete_api_key(tenant, key_id)
        await self._store.record_revocation(tenant, connection_id=f"apikey:{key_id}")
        logger.info("api key revoked", extra={"tenant": tenant, "key_id": key_id})

    async def revoke_all(self, tenant: str) -> int:
        """Every API key of the tenant (it is being deleted); the number revoked."""
        records = await self._store.api_keys(tenant)
        for record in records:
            await self._store.delete_api_key(tenant, record.key_id)
            await self._store.record_revocation(tenant, connection_id=f"apikey:{record.key_id}")
        if records:
            logger.info("api keys revoked", extra={"tenant": tenant, "count": len(records)})
        return len(records)

    async def principal(self, config: TenantConfig, token: str) -> common_pb2.Principal | None:
        """The principal of a valid API key presented at ``config``'s tenant, else None."""
        match = _KEY.match(token)
        if match is None or match.group(1) != config.name:
            return None
        record = await self._store.api_key(config.name, match.group(2))
        if record is None:
            return None
        if not hmac.compare_digest(record.secret_digest, digest(match.group(3))):
            return None
        if record.expires_at and record.expires_at <= time.time():
            return None
        return common_pb2.Principal(
            tenant=config.name,
            subject=record.subject,
            email=record.email,
            odoo_login=record.odoo_login,
            connection_id=f"apikey:{record.key_id}",
            client_id=record.name,
            credential=record.credential.to_proto(),
            allowed_tools=list(record.allowed_tools),
            allowed_models=list(record.allowed_models),
            expires_at=record.expires_at or int(time.time() + API_KEY_CACHE_TTL),
        )
