"""``call_method``, ``post_message``, ``schedule_activity``: business actions on records.

Which methods ``call_method`` may run is the tenant's allowlist, enforced by policy before the call
reaches the worker (``ToolCall.method``); the worker still refuses private names, as Odoo does, and
keeps an answer readable: a window action becomes its type and name, anything large is summarized.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar, Final, Literal

from pydantic import Field
from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_worker.shaping.budget import json_size
from tollgate_worker.tools.base import ModelArguments, Tool, ToolContext, ToolResult
from tollgate_worker.tools.reading import check_batch
from tollgate_worker.tools.records import RecordIds

_METHOD: Final = re.compile(r"^[a-z][a-z0-9_]*$")


class CallMethodArguments(ModelArguments):
    method: str = Field(pattern=_METHOD.pattern, max_length=128)
    ids: RecordIds | None = None
    arguments: dict[str, Any] = Field(default_factory=dict)


def summarize(result: Any, budget: int) -> Any:
    if isinstance(result, dict) and isinstance(result.get("type"), str):
        action = {"action": result["type"]}
        for key in ("name", "res_model", "res_id", "url"):
            if result.get(key):
                action[key] = result[key]
        return action
    if json_size(result) > budget:
        return f"(a {type(result).__name__} of {json_size(result)} bytes, left out)"
    return result


class CallMethod(Tool[CallMethodArguments]):
    name: ClassVar[str] = "call_method"
    operation: ClassVar[str] = "execute"
    arguments = CallMethodArguments

    def check_authorized_as(
        self, arguments: CallMethodArguments, model: str, operation: str, method: str = ""
    ) -> None:
        super().check_authorized_as(arguments, model, operation, method)
        if method != arguments.method:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                "The call's method does not match the method in its arguments.",
                field="method",
            )

    async def run(self, context: ToolContext, arguments: CallMethodArguments) -> ToolResult:
        ids = list(dict.fromkeys(arguments.ids or []))
        check_batch(ids, context, "records")
        if context.dry_run:
            return ToolResult(
                data={"model": arguments.model, "method": arguments.method, "dry_run": True}
            )
        result = await context.session.execute(
            arguments.model,
            arguments.method,
            ids=ids if arguments.ids is not None else None,
            kwargs=arguments.arguments,
        )
        return ToolResult(
            data={
                "model": arguments.model,
                "method": arguments.method,
                "ids": ids,
                "result": summarize(result, context.limits.answer_budget),
            },
            record_count=len(ids),
        )


class PostMessageArguments(ModelArguments):
    id: int = Field(gt=0)
    body: str = Field(min_length=1, max_length=20_000)
    kind: Literal["note", "message"] = "note"


class PostMessage(Tool[PostMessageArguments]):
    name: ClassVar[str] = "post_message"
    operation: ClassVar[str] = "write"
    arguments = PostMessageArguments

    async def run(self, context: ToolContext, arguments: PostMessageArguments) -> ToolResult:
        subtype = "mail.mt_note" if arguments.kind == "note" else "mail.mt_comment"
        if context.dry_run:
            return ToolResult(data={"model": arguments.model, "id": arguments.id, "dry_run": True})
        message_id = await context.session.execute(
            arguments.model,
            "message_post",
            ids=[arguments.id],
            kwargs={"body": arguments.body, "message_type": "comment", "subtype_xmlid": subtype},
        )
        if isinstance(message_id, list):
            message_id = message_id[0] if message_id else None
        return ToolResult(
            data={
                "model": arguments.model,
                "id": arguments.id,
                "message_id": message_id,
                "kind": arguments.kind,
            },
            record_count=1,
        )


class ScheduleActivityArguments(ModelArguments):
    id: int = Field(gt=0)
    summary: str = Field(min_length=1, max_length=500)
    note: str = Field(default="", max_length=20_000)
    date_deadline: date | None = None
    activity_type: str = Field(default="mail.mail_activity_data_todo", max_length=128)
    user_id: int | None = Field(default=None, gt=0)


class ScheduleActivity(Tool[ScheduleActivityArguments]):
    name: ClassVar[str] = "schedule_activity"
    operation: ClassVar[str] = "write"
    arguments = ScheduleActivityArguments

    async def run(self, context: ToolContext, arguments: ScheduleActivityArguments) -> ToolResult:
        kwargs: dict[str, Any] = {
            "act_type_xmlid": arguments.activity_type,
            "summary": arguments.summary,
            "note": arguments.note,
        }
        if arguments.date_deadline is not None:
            kwargs["date_deadline"] = arguments.date_deadline.isoformat()
        if arguments.user_id is not None:
            kwargs["user_id"] = arguments.user_id
        if context.dry_run:
            return ToolResult(data={"model": arguments.model, "id": arguments.id, "dry_run": True})
        created = await context.session.execute(
            arguments.model, "activity_schedule", ids=[arguments.id], kwargs=kwargs
        )
        ids = created if isinstance(created, list) else [created]
        return ToolResult(
            data={"model": arguments.model, "id": arguments.id, "activity_ids": ids},
            record_count=1,
        )
