"""What the front holds while it runs, shared by the HTTP layer and the MCP tools.

The MCP server's lifespan yields this object, so a tool reaches it as
``ctx.request_context.lifespan_context`` with its type intact.
"""

from __future__ import annotations

from dataclasses import dataclass

from tollgate_common.tenants import TenantRegistry

from tollgate_front.backends import Backends
from tollgate_front.gateway import ToolGateway
from tollgate_front.token_verifier import AuthTokenVerifier


@dataclass(frozen=True)
class FrontRuntime:
    registry: TenantRegistry
    backends: Backends
    verifier: AuthTokenVerifier
    gateway: ToolGateway
