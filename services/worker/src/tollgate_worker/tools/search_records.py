"""``search_records``: records of one model matching a domain, in one Odoo request when warm.

Asks for one record more than the limit, so the answer can say honestly whether more exist without
a separate count. The page is also cut to the answer budget; either way the answer carries
``next_cursor`` and says how many records it leaves out.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_worker.shaping.budget import fit, make_cursor, query_digest, read_cursor
from tollgate_worker.tools.arguments import Domain, FieldNames, Order
from tollgate_worker.tools.base import ModelArguments, Tool, ToolContext, ToolResult
from tollgate_worker.tools.reading import as_list, read_plan


class SearchRecordsArguments(ModelArguments):
    domain: Domain = Field(default_factory=list)
    fields: FieldNames | None = None
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)
    cursor: str | None = Field(default=None, max_length=200)
    order: Order | None = None


class SearchRecords(Tool[SearchRecordsArguments]):
    name: ClassVar[str] = "search_records"
    operation: ClassVar[str] = "read"
    arguments = SearchRecordsArguments

    async def run(self, context: ToolContext, arguments: SearchRecordsArguments) -> ToolResult:
        model = arguments.model
        limit = arguments.limit or context.limits.default_limit
        if limit > context.limits.max_limit:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"limit may be at most {context.limits.max_limit}.",
                hint="Page through the results with next_cursor.",
                field="limit",
            )
        digest = query_digest(model, arguments.domain, arguments.order)
        offset = arguments.offset
        if arguments.cursor:
            offset = read_cursor(arguments.cursor, digest)
        plan, redacted = await read_plan(context, model, arguments.fields)

        kwargs: dict[str, Any] = {
            "domain": arguments.domain,
            "fields": plan.fields,
            "offset": offset,
            "limit": limit + 1,
        }
        if arguments.order:
            kwargs["order"] = arguments.order
        rows = as_list(
            await context.session.execute(model, "search_read", kwargs=kwargs),
            f"search_read on {model}",
        )
        more_in_odoo = len(rows) > limit
        records = plan.shape_all(rows[:limit])
        shown = fit(records, context.limits.answer_budget)
        records = records[:shown]
        left_out = len(rows[:limit]) - shown
        has_more = more_in_odoo or left_out > 0
        data: dict[str, Any] = {
            "model": model,
            "records": records,
            "count": shown,
            "offset": offset,
            "has_more": has_more,
        }
        if has_more:
            data["next_cursor"] = make_cursor(offset + shown, digest)
            remaining = left_out + (1 if more_in_odoo else 0)
            data["more"] = (
                f"{remaining}{'+' if more_in_odoo else ''} more — call again with "
                "cursor=next_cursor"
            )
        if left_out:
            data["truncated"] = "answer size budget"
        if redacted:
            data["redacted_fields"] = redacted
        return ToolResult(data=data, record_count=shown)
