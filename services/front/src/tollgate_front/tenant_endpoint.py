"""``/t/<tenant>/mcp``: find the tenant, check Host/Origin, authenticate, then hand over to MCP.

Each step answers on its own when it fails, before the MCP SDK sees the request: an unknown tenant
gets a JSON 404, a foreign Host or Origin a 4xx (DNS-rebinding protection), a missing or invalid
token a 401 with ``WWW-Authenticate``, and an auth service that cannot answer a 503.
"""

from __future__ import annotations

import logging
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send
from tollgate.v1 import common_pb2
from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_front.caller import SCOPE_KEY, Caller
from tollgate_front.oauth_discovery import unauthorized
from tollgate_front.runtime import FrontRuntime
from tollgate_front.token_verifier import token_digest

logger = logging.getLogger(__name__)

# Auth failing to answer is not the caller's fault: 503, never 401 (which would send a client
# into a needless re-login).
_BACKEND_TROUBLE = (ErrorCode.UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED, ErrorCode.INTERNAL)


def error_response(
    status: int, error: str, message: str, *, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _access_token(principal: common_pb2.Principal, digest: str, resource: str) -> AccessToken:
    """The SDK's view of the caller, so its per-credential checks (session ownership) apply."""
    return AccessToken(
        token=digest,
        client_id=principal.client_id or principal.connection_id or principal.subject,
        scopes=[],
        expires_at=principal.expires_at or None,
        resource=resource,
        subject=principal.subject,
    )


class TenantMcpEndpoint:
    """The ASGI endpoint mounted at ``/t/{tenant}/mcp``; ``mcp_app`` is the SDK's handler."""

    def __init__(
        self,
        runtime: FrontRuntime,
        mcp_app: ASGIApp,
        security: TransportSecuritySettings,
    ) -> None:
        self._runtime = runtime
        self._mcp_app = mcp_app
        self._security = TransportSecurityMiddleware(security)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._admit(scope, receive)
        if response is not None:
            await response(scope, receive, send)
            return
        await self._mcp_app(scope, receive, send)

    async def _admit(self, scope: Scope, receive: Receive) -> Response | None:
        """None when the request may go on (its `Caller` then sits in the scope)."""
        request = Request(scope, receive)
        name = str(request.path_params.get("tenant", ""))
        tenant = self._runtime.registry.get(name)
        if tenant is None:
            return error_response(
                404,
                "unknown_tenant",
                f"There is no tenant named {name!r} here. Check the MCP URL (/t/<tenant>/mcp).",
            )
        rejected = await self._security.validate_request(request, is_post=False)
        if rejected is not None:
            return rejected
        token = _bearer_token(request)
        if token is None:
            return unauthorized(tenant.endpoint, "A bearer token is required", token_given=False)
        digest = token_digest(tenant.name, token)
        try:
            principal = await self._runtime.verifier.verify(
                token, tenant=tenant.name, resource=tenant.endpoint, digest=digest
            )
        except TollgateError as error:
            if error.code in _BACKEND_TROUBLE:
                logger.warning(
                    "token verification failed", extra={"tenant": name, "error": error.message}
                )
                return error_response(
                    503,
                    "temporarily_unavailable",
                    f"{error.message} Try again in a moment.",
                    headers={"Retry-After": "1"},
                )
            return unauthorized(
                tenant.endpoint,
                "The token is invalid, expired or not for this tenant",
                token_given=True,
            )
        client = request.client
        caller = Caller(tenant=tenant, principal=principal, client_ip=client.host if client else "")
        scope[SCOPE_KEY] = caller
        scope["user"] = AuthenticatedUser(_access_token(principal, digest, tenant.endpoint))
        return None


def not_found(request: Request, exc: Any) -> Response:
    return error_response(
        404, "not_found", f"Nothing at {request.url.path}. MCP lives at /t/<tenant>/mcp."
    )
