"""auth's gRPC API. Errors leave as `TollgateError` (the common interceptor shapes them)."""

from __future__ import annotations

import logging
import time
from typing import Any

import grpc
from tollgate.v1 import auth_pb2, auth_pb2_grpc
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.tenants.registry import TenantRegistry

from tollgate_auth.api_keys import ApiKeys
from tollgate_auth.tokens import TokenService
from tollgate_auth.verifier import TokenVerifier

Context = grpc.aio.ServicerContext[Any, Any]
logger = logging.getLogger(__name__)


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(
        self,
        verifier: TokenVerifier,
        tokens: TokenService,
        api_keys: ApiKeys,
        registry: TenantRegistry,
    ) -> None:
        self.verifier = verifier
        self.tokens = tokens
        self.api_keys = api_keys
        self.registry = registry

    async def VerifyToken(
        self, request: auth_pb2.VerifyTokenRequest, context: Context
    ) -> auth_pb2.VerifyTokenResponse:
        return await self.verifier.verify(request.token, request.tenant, request.resource)

    async def GetTokenKeys(
        self, request: auth_pb2.GetTokenKeysRequest, context: Context
    ) -> auth_pb2.GetTokenKeysResponse:
        return auth_pb2.GetTokenKeysResponse(
            keys=[
                auth_pb2.TokenKey(key_id=key.key_id, algorithm="EdDSA", public_key=key.public_raw)
                for key in self.tokens.verification_keys.values()
            ],
            issuer_base=self.tokens.issuer_base,
            access_token_ttl_seconds=self.tokens.access_ttl,
        )

    async def ListRevocations(
        self, request: auth_pb2.ListRevocationsRequest, context: Context
    ) -> auth_pb2.ListRevocationsResponse:
        retention = self.tokens.access_ttl + 60
        store = self.tokens.store
        found = await store.revocations(after=request.after, since=time.time() - retention)
        cursor = found[-1].id if found else (request.after or await store.last_revocation_id())
        return auth_pb2.ListRevocationsResponse(
            revocations=[
                auth_pb2.Revocation(
                    tenant=item.tenant,
                    connection_id=item.connection_id,
                    subject=item.subject,
                    revoked_at=item.revoked_at,
                )
                for item in found
            ],
            cursor=cursor,
            retention_seconds=retention,
        )

    async def CreateApiKey(
        self, request: auth_pb2.CreateApiKeyRequest, context: Context
    ) -> auth_pb2.CreateApiKeyResponse:
        return await self.api_keys.create(request)

    async def ListApiKeys(
        self, request: auth_pb2.ListApiKeysRequest, context: Context
    ) -> auth_pb2.ListApiKeysResponse:
        return auth_pb2.ListApiKeysResponse(keys=await self.api_keys.list(request.tenant))

    async def RotateApiKey(
        self, request: auth_pb2.RotateApiKeyRequest, context: Context
    ) -> auth_pb2.CreateApiKeyResponse:
        return await self.api_keys.rotate(request.tenant, request.key_id)

    async def RevokeApiKey(
        self, request: auth_pb2.RevokeApiKeyRequest, context: Context
    ) -> auth_pb2.RevokeApiKeyResponse:
        await self.api_keys.revoke(request.tenant, request.key_id)
        return auth_pb2.RevokeApiKeyResponse()

    async def RevokeSubject(
        self, request: auth_pb2.RevokeSubjectRequest, context: Context
    ) -> auth_pb2.RevokeSubjectResponse:
        self.registry.require(request.tenant)
        subject = request.subject.strip().lower()
        if not subject:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "The subject is missing.", field="subject"
            )
        count = await self.tokens.revoke_subject(request.tenant, subject)
        return auth_pb2.RevokeSubjectResponse(revoked=count)

    async def RevokeTenant(
        self, request: auth_pb2.RevokeTenantRequest, context: Context
    ) -> auth_pb2.RevokeTenantResponse:
        # Not `registry.require`: the tenant may already be gone from the registry (a retried
        # deletion), and its tokens must go all the same.
        tenant = request.tenant.strip()
        if not tenant:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "The tenant is missing.", field="tenant"
            )
        grants = await self.tokens.revoke_tenant(tenant)
        api_keys = await self.api_keys.revoke_all(tenant)
        logger.info(
            "tenant revoked", extra={"tenant": tenant, "grants": grants, "api_keys": api_keys}
        )
        return auth_pb2.RevokeTenantResponse(grants_revoked=grants, api_keys_revoked=api_keys)
