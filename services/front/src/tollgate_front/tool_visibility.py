"""``tools/list`` shows each caller only the tools the tenant's policy lets them use.

A middleware on the MCP server (so it applies to every protocol revision): after the SDK builds
the full list, policy's ``FilterTools`` decides what this caller sees, judging each tool with the
operation the catalog declares for it (so a read-only caller is not shown the write tools). If
policy cannot answer, the list request fails rather than showing tools the caller may not have.
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR
from tollgate_common.errors import TollgateError

from tollgate_front.caller import caller_of
from tollgate_front.catalog.operations import TOOL_OPERATIONS
from tollgate_front.runtime import FrontRuntime


async def filter_tools_by_policy(
    ctx: ServerRequestContext[FrontRuntime, Any], call_next: CallNext
) -> HandlerResult:
    result = await call_next(ctx)
    # Inside the chain the result is already the wire form: {"tools": [{"name": ...}, ...], ...}.
    if ctx.method != "tools/list" or not isinstance(result, dict):
        return result
    tools: list[dict[str, Any]] = result.get("tools", [])
    # A tool without a declared operation cannot be judged, so it is never shown.
    declared = {
        tool["name"]: TOOL_OPERATIONS[tool["name"]]
        for tool in tools
        if tool["name"] in TOOL_OPERATIONS
    }
    try:
        caller = caller_of(ctx.request)
        visible = await ctx.lifespan_context.gateway.visible_tools(caller, declared)
    except TollgateError as error:
        message = f"{error.message} {error.hint}".strip()
        raise MCPError(code=INTERNAL_ERROR, message=message) from None
    return {**result, "tools": [tool for tool in tools if tool["name"] in visible]}
