"""Deciding who presents a bearer token at a tenant, and sealing their Odoo credential.

Three kinds of token: OAuth access tokens (signed JWS, see `tollgate_auth.tokens`), API-key
connections (`tollgate_auth.api_keys`) and, on the local stack, dev API keys
(`tollgate_auth.dev_keys`). Every refusal is the same vague UNAUTHENTICATED answer, whatever the
reason, so a caller learns nothing about other tenants' keys.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Mapping

from tollgate.v1 import auth_pb2, common_pb2
from tollgate_common.access_tokens import InvalidAccessToken, looks_like_access_token
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.odoo_credentials import OdooCredential, seal_odoo_credential
from tollgate_common.tenants.registry import TenantRegistry

from tollgate_auth.api_keys import API_KEY_CACHE_TTL, ApiKeys, looks_like_api_key
from tollgate_auth.dev_keys import DevKey
from tollgate_auth.odoo_login import WorkerKeys
from tollgate_auth.tokens import TokenService

logger = logging.getLogger(__name__)

_REFUSED = TollgateError(
    ErrorCode.UNAUTHENTICATED,
    "The token is not valid for this tenant.",
    hint="Check the API key and the tenant in the MCP URL, or reconnect.",
)


class TokenVerifier:
    def __init__(
        self,
        registry: TenantRegistry,
        dev_keys: Mapping[bytes, DevKey],
        *,
        cache_ttl: float,
        worker_keys: WorkerKeys,
        tokens: TokenService,
        api_keys: ApiKeys,
    ) -> None:
        self._registry = registry
        self._dev_keys = dict(dev_keys)
        self.cache_ttl = cache_ttl
        self._worker_keys = worker_keys
        self._tokens = tokens
        self._api_keys = api_keys

    async def verify(
        self, token: str, tenant: str, resource: str = ""
    ) -> auth_pb2.VerifyTokenResponse:
        if not tenant:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "The tenant is missing.", field="tenant"
            )
        config = self._registry.require(tenant)
        if looks_like_access_token(token):
            try:
                principal = await self._tokens.principal(
                    config, token, audience=resource or config.endpoint
                )
            except InvalidAccessToken as error:
                logger.info("token refused", extra={"tenant": tenant, "reason": str(error)})
                raise _REFUSED from None
            ttl = max(0.0, principal.expires_at - time.time())
            return auth_pb2.VerifyTokenResponse(principal=principal, cache_ttl_seconds=ttl)
        if looks_like_api_key(token):
            found = await self._api_keys.principal(config, token)
            if found is None:
                logger.info("token refused", extra={"tenant": tenant, "reason": "api_key"})
                raise _REFUSED
            return auth_pb2.VerifyTokenResponse(
                principal=found, cache_ttl_seconds=min(self.cache_ttl, API_KEY_CACHE_TTL)
            )
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
                self._worker_keys.for_tenant(config),
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
