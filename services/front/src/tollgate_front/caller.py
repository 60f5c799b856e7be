"""Who is calling, at which tenant: established per HTTP request, read by every tool.

The HTTP layer stores a `Caller` in the ASGI scope before the MCP SDK sees the request; the SDK
hands tools the same Starlette request, so a tool finds its caller without any global state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from starlette.requests import Request
from tollgate.v1 import common_pb2
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.tenants import TenantConfig

SCOPE_KEY: Final = "tollgate.caller"


@dataclass(frozen=True)
class Caller:
    tenant: TenantConfig
    principal: common_pb2.Principal
    client_ip: str


def caller_of(request: Any) -> Caller:
    """The caller of the HTTP request an MCP message arrived in."""
    caller = request.scope.get(SCOPE_KEY) if isinstance(request, Request) else None
    if not isinstance(caller, Caller):
        # Only reachable when the MCP server is mounted without the tenant router.
        raise TollgateError(
            ErrorCode.UNAUTHENTICATED,
            "This request did not come through a tenant's MCP URL.",
            hint="Connect to /t/<tenant>/mcp.",
        )
    return caller
