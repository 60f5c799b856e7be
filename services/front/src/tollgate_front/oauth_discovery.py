"""OAuth discovery for MCP clients: RFC 9728 protected-resource metadata for each tenant's MCP
URL, and the ``401`` whose ``WWW-Authenticate`` header points at it.

A client that gets 401 from ``https://mcp.example.com/t/acme/mcp`` reads
``https://mcp.example.com/.well-known/oauth-protected-resource/t/acme/mcp``, learns that tokens
come from acme's issuer at auth (``<issuer_base>/t/acme``), and starts the OAuth flow there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from tollgate_common.errors import TollgateError
from tollgate_common.tenants import TenantRegistry

from tollgate_front.token_verifier import AuthTokenVerifier

logger = logging.getLogger(__name__)

PRM_PREFIX = "/.well-known/oauth-protected-resource"
SCOPES = ("mcp",)


def resource_metadata_url(endpoint: str) -> str:
    """Where the metadata of the resource ``endpoint`` lives (RFC 9728 §3.1)."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}{PRM_PREFIX}{parts.path}"


def unauthorized(endpoint: str, description: str, *, token_given: bool) -> Response:
    """401 with a challenge naming the resource metadata (RFC 9728 §5.1, RFC 6750 §3)."""
    challenge = (
        f'Bearer realm="tollgate", resource_metadata="{resource_metadata_url(endpoint)}", '
        f'scope="{" ".join(SCOPES)}"'
    )
    if token_given:
        # Our own descriptions never contain quotes or backslashes.
        challenge += f', error="invalid_token", error_description="{description}"'
    return JSONResponse(
        {"error": "invalid_token", "message": description},
        status_code=401,
        headers={"WWW-Authenticate": challenge},
    )


def protected_resource_metadata(
    endpoint: str, tenant: str, authorization_server: str
) -> dict[str, Any]:
    return {
        "resource": endpoint,
        "authorization_servers": [authorization_server],
        "scopes_supported": list(SCOPES),
        "bearer_methods_supported": ["header"],
        "resource_name": f"Tollgate: {tenant}'s Odoo",
    }


class ProtectedResourceMetadataEndpoint:
    """``GET /.well-known/oauth-protected-resource/t/{tenant}/mcp``; ``parts`` gives the tenant
    registry and the token verifier while the app runs (None while it starts)."""

    def __init__(
        self, parts: Callable[[], tuple[TenantRegistry, AuthTokenVerifier] | None]
    ) -> None:
        self._parts = parts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.respond(Request(scope, receive))
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        parts = self._parts()
        if parts is None:
            return JSONResponse(
                {"error": "starting", "message": "The gateway is starting; try again."},
                status_code=503,
            )
        registry, verifier = parts
        name = str(request.path_params.get("tenant", ""))
        tenant = registry.get(name)
        if tenant is None:
            return JSONResponse(
                {"error": "unknown_tenant", "message": f"There is no tenant named {name!r} here."},
                status_code=404,
            )
        try:
            issuer = await verifier.authorization_server(tenant.name)
        except TollgateError as error:
            logger.warning("cannot reach auth for metadata", extra={"error": error.message})
            return JSONResponse(
                {"error": "temporarily_unavailable", "message": "Try again in a moment."},
                status_code=503,
                headers={"Retry-After": "1"},
            )
        return JSONResponse(
            protected_resource_metadata(tenant.endpoint, tenant.name, issuer),
            headers={"Cache-Control": "public, max-age=300"},
        )
