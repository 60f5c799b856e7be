"""The front's ASGI application: ``/health`` and one MCP endpoint per tenant.

One `MCPServer` serves every tenant; the tenant and the caller travel with each HTTP request (see
`tollgate_front.caller`). The SDK's session manager runs stateless, so any replica serves any
request: protocol 2026-07-28 is stateless by design, and 2025-11-25 clients get no session id.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
from collections.abc import AsyncIterator

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from tollgate_common.tenants import TenantRegistry, tenant_source

from tollgate_front.backends import Backends
from tollgate_front.catalog import build_tools, register_resources_and_prompts
from tollgate_front.config import Settings
from tollgate_front.gateway import ToolGateway
from tollgate_front.oauth_discovery import PRM_PREFIX, ProtectedResourceMetadataEndpoint
from tollgate_front.policy_gate import ask_for_confirmation
from tollgate_front.request_tracing import TracedRequests, note_token_hit
from tollgate_front.runtime import FrontRuntime
from tollgate_front.tenant_endpoint import TenantMcpEndpoint, error_response, not_found
from tollgate_front.token_verifier import AuthTokenVerifier, PrincipalCache
from tollgate_front.tool_visibility import filter_tools_by_policy

INSTRUCTIONS = (
    "Tollgate connects you to one company's Odoo ERP as the signed-in user: you see and change "
    "only what that user may, under the company's policy. Start with list_models and "
    "describe_model; search_records, count_records and aggregate_records answer most questions; "
    "records carry a url to open them in Odoo. Read odoo://capabilities for the version, apps, "
    "companies and your context."
)


def _version() -> str:
    try:
        return importlib.metadata.version("tollgate-front")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "0"


def build_mcp_server(runtime: FrontRuntime) -> MCPServer[FrontRuntime]:
    @contextlib.asynccontextmanager
    async def lifespan(_server: MCPServer[FrontRuntime]) -> AsyncIterator[FrontRuntime]:
        yield runtime

    server: MCPServer[FrontRuntime] = MCPServer(
        "tollgate",
        title="Tollgate",
        instructions=INSTRUCTIONS,
        version=_version(),
        lifespan=lifespan,
        middleware=[note_token_hit, filter_tools_by_policy, ask_for_confirmation],
        tools=build_tools(),
    )
    register_resources_and_prompts(server)
    return server


def build_runtime(settings: Settings) -> FrontRuntime:
    """Everything the front holds; call inside the event loop that serves (gRPC channels)."""
    backends = Backends(
        auth_address=settings.auth_address,
        policy_address=settings.policy_address,
        auth_timeout=settings.auth_timeout,
        policy_timeout=settings.policy_timeout,
        tool_timeout=settings.tool_timeout,
    )
    registry = TenantRegistry(tenant_source(settings), poll_interval=settings.tenant_poll_interval)
    verifier = AuthTokenVerifier(
        backends.auth,
        timeout=settings.auth_timeout,
        cache=PrincipalCache(max_ttl=settings.token_cache_ttl, max_size=settings.token_cache_size),
        registry=registry,
    )
    gateway = ToolGateway(
        backends,
        policy_timeout=settings.policy_timeout,
        tool_timeout=settings.tool_timeout,
        outcome_batch_size=settings.outcome_batch_size,
        outcome_flush_delay=settings.outcome_flush_delay,
        outcome_max_pending=settings.outcome_max_pending,
    )
    registry.on_change(
        lambda tenants: backends.workers.retain_soon(t.worker.address for t in tenants.values())
    )
    return FrontRuntime(registry=registry, backends=backends, verifier=verifier, gateway=gateway)


class _TenantRoutes:
    """The ASGI app behind ``/t/{tenant}/mcp``; its endpoint exists only while the app runs."""

    def __init__(self) -> None:
        self.endpoint: TenantMcpEndpoint | None = None
        self.runtime: FrontRuntime | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.endpoint is None:
            response = error_response(503, "starting", "The gateway is starting; try again.")
            await response(scope, receive, send)
            return
        await self.endpoint(scope, receive, send)


def create_app(settings: Settings) -> Starlette:
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(settings.allowed_hosts),
        allowed_origins=list(settings.allowed_origins),
    )
    tenants = _TenantRoutes()

    async def health(_request: Request) -> Response:
        if tenants.runtime is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ok", "tenants": len(tenants.runtime.registry.names())})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        runtime = build_runtime(settings)
        server = build_mcp_server(runtime)
        # The SDK builds its session manager here; its handler is mounted under our own route.
        server.streamable_http_app(
            stateless_http=True,
            json_response=settings.json_response,
            transport_security=security,
            max_request_body_size=settings.max_request_bytes,
        )
        manager = server.session_manager
        try:
            async with runtime.registry, manager.run():
                await runtime.verifier.start()
                tenants.runtime = runtime
                tenants.endpoint = TenantMcpEndpoint(runtime, manager.handle_request, security)
                yield
        finally:
            tenants.endpoint = tenants.runtime = None
            await runtime.verifier.stop()
            await runtime.gateway.drain()
            await runtime.backends.close()

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/t/{tenant}/mcp", TracedRequests(tenants)),
            Route(
                PRM_PREFIX + "/t/{tenant}/mcp",
                ProtectedResourceMetadataEndpoint(
                    lambda: (
                        (tenants.runtime.registry, tenants.runtime.verifier)
                        if tenants.runtime is not None
                        else None
                    )
                ),
                methods=["GET"],
            ),
        ],
        exception_handlers={404: not_found},
        lifespan=lifespan,
    )
