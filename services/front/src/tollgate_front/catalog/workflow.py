"""``call_method``, ``post_message``, ``schedule_activity``: business actions and chatter."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult
from pydantic import BaseModel, Field
from tollgate_common.tenants import TenantConfig

from tollgate_front.catalog.arguments import CompanyIds, ModelRef, RecordId, RecordIds
from tollgate_front.catalog.base import (
    ACTS,
    ADDITIVE,
    CatalogTool,
    ToolContext,
    call_worker,
    caller,
    resolve,
    structured,
)


def method_allowed(tenant: TenantConfig, model: str, method: str) -> bool:
    allowed = tenant.policy.methods
    return method in allowed or f"{model}.{method}" in allowed


class MethodResult(BaseModel):
    model: str
    method: str
    ids: list[int] = Field(default_factory=list)
    result: Any = None
    dry_run: bool = False


async def call_method(
    ctx: ToolContext,
    model: ModelRef,
    method: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=128)],
    ids: RecordIds | None = None,
    arguments: dict[str, Any] | None = None,
    company_ids: CompanyIds | None = None,
) -> Annotated[CallToolResult, MethodResult]:
    """Run an allowed business method on records, e.g. sale.order action_confirm."""
    target = resolve(ctx, model)
    tenant = caller(ctx).tenant
    if not method_allowed(tenant, target.model, method):
        allowed = ", ".join(tenant.policy.methods) or "none"
        raise ToolError(
            f"This company does not allow calling {target.model}.{method}. "
            f"Methods allowed: {allowed}."
        )
    payload = {
        "model": target.model,
        "method": method,
        "ids": ids,
        "arguments": arguments,
        "company_ids": company_ids,
    }
    result = await call_worker(
        ctx,
        "call_method",
        payload,
        model=target.model,
        method=method,
        record_ids=ids or (),
    )
    return structured(MethodResult.model_validate(result))


class Posted(BaseModel):
    model: str
    id: int
    message_id: int | None = None
    kind: str = "note"
    dry_run: bool = False


async def post_message(
    ctx: ToolContext,
    model: ModelRef,
    id: RecordId,
    body: Annotated[str, Field(min_length=1, max_length=20_000)],
    kind: Annotated[
        Literal["note", "message"], Field(description="note: internal; message: to followers.")
    ] = "note",
) -> Annotated[CallToolResult, Posted]:
    """Post a note or a message in a record's chatter."""
    target = resolve(ctx, model)
    arguments = {"model": target.model, "id": id, "body": body, "kind": kind}
    result = await call_worker(ctx, "post_message", arguments, model=target.model, record_ids=[id])
    return structured(Posted.model_validate(result))


class Scheduled(BaseModel):
    model: str
    id: int
    activity_ids: list[int] = Field(default_factory=list)
    dry_run: bool = False


async def schedule_activity(
    ctx: ToolContext,
    model: ModelRef,
    id: RecordId,
    summary: Annotated[str, Field(min_length=1, max_length=500)],
    date_deadline: date | None = None,
    note: Annotated[str, Field(max_length=20_000)] | None = None,
    user_id: Annotated[int, Field(gt=0, description="Assignee; default: you.")] | None = None,
    activity_type: Annotated[
        str, Field(max_length=128, description="XML id, default mail.mail_activity_data_todo.")
    ]
    | None = None,
) -> Annotated[CallToolResult, Scheduled]:
    """Schedule an activity (to-do, call, meeting...) on a record."""
    target = resolve(ctx, model)
    arguments = {
        "model": target.model,
        "id": id,
        "summary": summary,
        "date_deadline": date_deadline.isoformat() if date_deadline else None,
        "note": note,
        "user_id": user_id,
        "activity_type": activity_type,
    }
    result = await call_worker(
        ctx, "schedule_activity", arguments, model=target.model, record_ids=[id]
    )
    return structured(Scheduled.model_validate(result))


CALL_METHOD = CatalogTool(fn=call_method, title="Call a method", annotations=ACTS)
POST_MESSAGE = CatalogTool(fn=post_message, title="Post a message", annotations=ADDITIVE)
SCHEDULE_ACTIVITY = CatalogTool(
    fn=schedule_activity, title="Schedule an activity", annotations=ADDITIVE
)
