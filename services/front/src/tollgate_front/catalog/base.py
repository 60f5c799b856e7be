"""What every tool shares: its context type, annotations, the call through the gateway, and
error wording."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel
from starlette.requests import Request
from tollgate.v1 import common_pb2
from tollgate_common.errors import TollgateError
from tollgate_common.tenants.spec import Operation

from tollgate_front.caller import Caller, caller_of
from tollgate_front.catalog.operations import operation_of
from tollgate_front.catalog.vocabulary import ResolvedModel, resolve_model
from tollgate_front.policy_gate import confirmation_of
from tollgate_front.runtime import FrontRuntime

ToolContext = Context[FrontRuntime, Request]


def _hints(*, read_only: bool, destructive: bool, idempotent: bool) -> ToolAnnotations:
    # openWorldHint is left to its default: the tools reach one external system, Odoo.
    return ToolAnnotations(
        read_only_hint=read_only, destructive_hint=destructive, idempotent_hint=idempotent
    )


READ_ONLY = _hints(read_only=True, destructive=False, idempotent=True)
# Adds records or messages; repeating it adds them again.
ADDITIVE = _hints(read_only=False, destructive=False, idempotent=False)
# Overwrites values; the same call twice leaves the same state.
OVERWRITES = _hints(read_only=False, destructive=True, idempotent=True)
# Deletes; the same call twice leaves the same state (the second finds nothing).
DELETES = _hints(read_only=False, destructive=True, idempotent=True)
# Runs a business action (confirm, post, cancel): may change anything, not safely repeatable.
ACTS = _hints(read_only=False, destructive=True, idempotent=False)


@dataclass(frozen=True)
class CatalogTool:
    """A tool function (typed parameters, docstring = description) and how clients see it."""

    fn: Callable[..., Any]
    title: str
    annotations: ToolAnnotations

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def operation(self) -> Operation:
        return operation_of(self.name)


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


def caller(ctx: ToolContext) -> Caller:
    try:
        return caller_of(ctx.request_context.request)
    except TollgateError as error:
        raise ToolError(describe_error(error)) from None


def resolve(ctx: ToolContext, name: str) -> ResolvedModel:
    """The model behind ``name`` (a model or a business word); a tool error when neither."""
    try:
        return resolve_model(caller(ctx).tenant, name)
    except TollgateError as error:
        raise ToolError(describe_error(error)) from None


def structured(result: BaseModel) -> CallToolResult:
    """The result as structuredContent and, for clients that read text, as compact JSON.

    Unset optional fields are left out; the SDK's own conversion would pretty-print the text,
    which roughly doubles what a model has to read. pydantic writes the same compact UTF-8 JSON
    as ``json.dumps(data, separators=(",", ":"), ensure_ascii=False)`` in a third of the time.
    """
    data = result.model_dump(mode="json", exclude_none=True)
    text = result.model_dump_json(exclude_none=True)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def compact(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments without the ones left unset, so the worker applies its own defaults."""
    return {key: value for key, value in arguments.items() if value is not None}


async def call_worker(
    ctx: ToolContext,
    tool: str,
    arguments: dict[str, Any],
    *,
    model: str,
    method: str = "",
    record_ids: Sequence[int] = (),
) -> dict[str, Any]:
    """Send one call through policy and the tenant's worker, asking for the operation ``tool``
    declares; errors become MCP tool errors."""
    call = common_pb2.ToolCall(
        tool=tool,
        arguments_json=json.dumps(compact(arguments), separators=(",", ":")).encode(),
        model=model,
        operation=operation_of(tool),
        method=method,
        record_ids=list(record_ids),
    )
    try:
        who = caller_of(ctx.request_context.request)
        gateway = ctx.request_context.lifespan_context.gateway
        return await gateway.execute(who, call, confirmation=confirmation_of(ctx))
    except TollgateError as error:
        raise ToolError(describe_error(error)) from None
