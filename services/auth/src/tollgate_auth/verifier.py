"""Deciding who presents a bearer token at a tenant, and sealing their Odoo credential.

Only dev API keys exist for now (see `tollgate_auth.dev_keys`); OAuth access tokens and stored
API-key connections plug in here as further token kinds. Every refusal is the same vague
UNAUTHENTICATED answer, whatever the reason, so a caller learns nothing about other tenants' keys.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Mapping

from tollgate.v1 import auth_pb2, common_pb2
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.odoo_credentials import OdooCredential, seal_odoo_credential
from tollgate_common.sealing import KeyFormatError, SealingPublicKey
from tollgate_common.tenants.config import TenantConfig
from tollgate_common.tenants.registry import TenantRegistry

from tollgate_auth.dev_keys import DevKey

logger = logging.getLogger(__name__)

_REFUSED = TollgateError(
    ErrorCode.UNAUTHENTICATED,
    "The token is not valid for this tenant.",
    hint="Check the API key and the tenant in the MCP URL, or reconnect.",
)


class TokenVerifier:
    def __init__(
        self, registry: TenantRegistry, dev_keys: Mapping[bytes, DevKey], *, cache_ttl: float
    ) -> None:
        self._registry = registry
        self._dev_keys = dict(dev_keys)
        self.cache_ttl = cache_ttl
        self._public_keys: dict[str, SealingPublicKey] = {}

    def verify(self, token: str, tenant: str) -> auth_pb2.VerifyTokenResponse:
        if not tenant:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "The tenant is missing.", field="tenant"
            )
        config = self._registry.require(tenant)
        key = self._find(token)
        if key is None or key.tenant != tenant:
            logger.info(
                "token refused",
                extra={"tenant": tenant, "reason": "unknown" if key is None else "other_tenant"},
            )
            raise _REFUSED
        principal = common_pb2.Principal(
            tenant=tenant,
            subject=key.subject,
            email=key.email,
            odoo_login=key.odoo_login,
            connection_id=f"devkey:{key.key_id}",
            client_id=key.name or "dev-api-key",
            credential=seal_odoo_credential(
                self._worker_key(config),
                OdooCredential(login=key.odoo_login, api_key=key.odoo_api_key),
                tenant=tenant,
            ),
            expires_at=int(time.time() + self.cache_ttl),
        )
        return auth_pb2.VerifyTokenResponse(principal=principal, cache_ttl_seconds=self.cache_ttl)

    def _find(self, token: str) -> DevKey | None:
        """The dev key ``token`` is, if any.

        Looked up by the token's SHA-256, so lookup time tells nothing about stored keys; the final
        comparison is constant-time all the same.
        """
        if not token:
            return None
        digest = hashlib.sha256(token.encode()).digest()
        key = self._dev_keys.get(digest)
        if key is None or not hmac.compare_digest(key.key_hash, digest):
            return None
        return key

    def _worker_key(self, config: TenantConfig) -> SealingPublicKey:
        encoded = config.worker.public_key
        key = self._public_keys.get(encoded)
        if key is None:
            try:
                key = SealingPublicKey.from_base64(encoded)
            except KeyFormatError:
                # Fail closed: without the worker's key no credential can be handed out.
                logger.error("tenant has no valid worker public key", extra={"tenant": config.name})
                raise TollgateError(
                    ErrorCode.UNAVAILABLE,
                    f"Tenant {config.name!r} is not ready: its worker key is not configured.",
                    hint="Ask an administrator to check the tenant's worker.",
                ) from None
            self._public_keys[encoded] = key
        return key
