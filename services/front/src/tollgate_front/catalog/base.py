"""What every tool shares: its context type, the call through the gateway, and error wording."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel
from starlette.requests import Request
from tollgate.v1 import common_pb2
from tollgate_common.errors import TollgateError

from tollgate_front.caller import caller_of
from tollgate_front.runtime import FrontRuntime

ToolContext = Context[FrontRuntime, Request]

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)


@dataclass(frozen=True)
class CatalogTool:
    """A tool function (typed parameters, docstring = description) and how clients see it."""

    fn: Callable[..., Any]
    title: str
    annotations: ToolAnnotations


def structured_result(result: BaseModel) -> CallToolResult:
    """The result as ``structuredContent`` plus the same JSON, compact, as text for clients
    that read only text (the SDK's default text would be indented: a third more tokens)."""
    return CallToolResult(
        content=[TextContent(type="text", text=result.model_dump_json())],
        structured_content=result.model_dump(mode="json"),
    )


def describe_error(error: TollgateError) -> str:
    """Plain words for the user and the AI: what went wrong, then what to do next."""
    parts = [_sentence(error.message)]
    if error.suggestions:
        parts.append("Did you mean: " + ", ".join(error.suggestions) + "?")
    if error.hint:
        parts.append(_sentence(error.hint))
    return " ".join(parts)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?:" else text + "."


async def call_worker(
    ctx: ToolContext, tool: str, arguments: dict[str, Any], *, model: str, operation: str
) -> dict[str, Any]:
    """Send one call through policy and the tenant's worker; errors become MCP tool errors."""
    call = common_pb2.ToolCall(
        tool=tool,
        arguments_json=json.dumps(arguments, separators=(",", ":")).encode(),
        model=model,
        operation=operation,
    )
    try:
        caller = caller_of(ctx.request_context.request)
        return await ctx.request_context.lifespan_context.gateway.execute(caller, call)
    except TollgateError as error:
        raise ToolError(describe_error(error)) from None
