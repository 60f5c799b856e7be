"""auth's gRPC API. Errors leave as `TollgateError` (the common interceptor shapes them)."""

from __future__ import annotations

from typing import Any

import grpc
from tollgate.v1 import auth_pb2, auth_pb2_grpc

from tollgate_auth.verifier import TokenVerifier


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    async def VerifyToken(
        self, request: auth_pb2.VerifyTokenRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_pb2.VerifyTokenResponse:
        # API keys are bound to a tenant, not to a resource URL; OAuth tokens (RFC 8707) will
        # check request.resource against the tenant's endpoint.
        return self.verifier.verify(request.token, request.tenant)
