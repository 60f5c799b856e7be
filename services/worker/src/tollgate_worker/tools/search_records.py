"""``search_records``: records of one model matching a domain, in one Odoo request when warm.

Asks for one record more than the limit, so the answer can say honestly whether more exist
(``has_more`` and the ``next_offset`` to continue from) without a separate count.
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from pydantic import Field
from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_worker.odoo.errors import OdooProtocolError
from tollgate_worker.schema import ModelSchema
from tollgate_worker.shaping import default_fields, shape_records
from tollgate_worker.tools.arguments import Domain, FieldNames, ModelName, Order
from tollgate_worker.tools.base import Tool, ToolArguments, ToolContext, ToolResult


class SearchRecordsArguments(ToolArguments):
    model: ModelName
    domain: Domain = Field(default_factory=list)
    fields: FieldNames | None = None
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)
    order: Order | None = None


def check_fields(model: str, requested: list[str], schema: ModelSchema) -> None:
    unknown = [name for name in requested if name not in schema]
    if unknown:
        suggestions = difflib.get_close_matches(unknown[0], list(schema), n=3, cutoff=0.6)
        raise TollgateError(
            ErrorCode.INVALID_ARGUMENT,
            f"{model} has no field {unknown[0]!r}.",
            hint="Use describe_model to list the fields." if not suggestions else "",
            field="fields",
            suggestions=suggestions,
        )


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
                hint="Page through the results with offset.",
                field="limit",
            )
        schema = await context.schemas.fields(context.session, model)
        if arguments.fields is None:
            requested = default_fields(schema)
        else:
            check_fields(model, arguments.fields, schema)
            requested = arguments.fields
        fields = [name for name in requested if not context.is_redacted(model, name)]
        redacted = [name for name in requested if name not in fields]

        kwargs: dict[str, Any] = {
            "domain": arguments.domain,
            "fields": fields,
            "offset": arguments.offset,
            "limit": limit + 1,
        }
        if arguments.order:
            kwargs["order"] = arguments.order
        records = await context.session.execute(model, "search_read", kwargs=kwargs)
        if not isinstance(records, list):
            raise OdooProtocolError(f"Odoo's search_read on {model} did not return a list.")

        has_more = len(records) > limit
        page = records[:limit]
        data: dict[str, Any] = {
            "model": model,
            "records": shape_records(page, schema),
            "count": len(page),
            "offset": arguments.offset,
            "limit": limit,
            "has_more": has_more,
            "next_offset": arguments.offset + limit if has_more else None,
        }
        if redacted:
            data["redacted_fields"] = redacted
        return ToolResult(data=data, record_count=len(page))
