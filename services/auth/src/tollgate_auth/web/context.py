"""What the HTTP endpoints share, and small helpers they all use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from tollgate_common.stores import Store, Window
from tollgate_common.tenants.registry import TenantRegistry

from tollgate_auth.clients import ClientDirectory
from tollgate_auth.odoo_login import OdooLoginChecker
from tollgate_auth.sso import SsoClient
from tollgate_auth.store import AuthStore
from tollgate_auth.tokens import TokenService

SCOPES_SUPPORTED = ("mcp", "offline_access")
DEFAULT_SCOPE = "mcp"
PENDING_TTL_SECONDS = 15 * 60.0


@dataclass
class Limits:
    code_ttl: float
    login_per_minute: int
    login_per_ip_per_minute: int
    registrations_per_ip_per_hour: int


@dataclass
class WebContext:
    registry: TenantRegistry
    store: AuthStore
    clients: ClientDirectory
    tokens: TokenService
    checker: OdooLoginChecker
    limits: Limits
    secure_cookies: bool
    sso: dict[str, SsoClient] = field(default_factory=dict)

    @property
    def raw_store(self) -> Store:
        return self.store.raw

    def issuer(self, tenant: str) -> str:
        return self.tokens.issuer(tenant)

    def endpoint(self, tenant: str, path: str) -> str:
        return f"{self.issuer(tenant)}/{path}"

    async def allow(self, *windows: Window) -> float:
        """0 when the hit is allowed, else the seconds to wait."""
        decision = await self.raw_store.hit(windows)
        return 0.0 if decision.allowed else max(1.0, decision.retry_after)


def oauth_error(
    error: str, description: str, status: int = 400, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def metadata(context: WebContext, tenant: str) -> dict[str, Any]:
    """RFC 8414 authorization server metadata of one tenant's issuer."""
    return {
        "issuer": context.issuer(tenant),
        "authorization_endpoint": context.endpoint(tenant, "authorize"),
        "token_endpoint": context.endpoint(tenant, "token"),
        "registration_endpoint": context.endpoint(tenant, "register"),
        "revocation_endpoint": context.endpoint(tenant, "revoke"),
        "scopes_supported": list(SCOPES_SUPPORTED),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "client_id_metadata_document_supported": True,
        "authorization_response_iss_parameter_supported": True,
    }
