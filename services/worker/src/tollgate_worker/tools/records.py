"""``get_records`` and ``count_records``: read known records, count matching ones (one request)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from tollgate_worker.tools.arguments import Domain, FieldNames
from tollgate_worker.tools.base import ModelArguments, Tool, ToolContext, ToolResult
from tollgate_worker.tools.reading import as_list, check_batch, read_plan

RecordIds = Annotated[list[Annotated[int, Field(gt=0)]], Field(min_length=1)]


class GetRecordsArguments(ModelArguments):
    ids: RecordIds
    fields: FieldNames | None = None


class GetRecords(Tool[GetRecordsArguments]):
    name: ClassVar[str] = "get_records"
    operation: ClassVar[str] = "read"
    arguments = GetRecordsArguments

    async def run(self, context: ToolContext, arguments: GetRecordsArguments) -> ToolResult:
        check_batch(arguments.ids, context, "records")
        model = arguments.model
        plan, redacted = await read_plan(context, model, arguments.fields)
        ids = list(dict.fromkeys(arguments.ids))
        rows = as_list(
            await context.session.execute(model, "read", ids=ids, kwargs={"fields": plan.fields}),
            f"read on {model}",
        )
        data: dict[str, Any] = {"model": model, "records": plan.shape_all(rows)}
        if redacted:
            data["redacted_fields"] = redacted
        return ToolResult(data=data, record_count=len(rows))


class CountRecordsArguments(ModelArguments):
    domain: Domain = Field(default_factory=list)


class CountRecords(Tool[CountRecordsArguments]):
    name: ClassVar[str] = "count_records"
    operation: ClassVar[str] = "read"
    arguments = CountRecordsArguments

    async def run(self, context: ToolContext, arguments: CountRecordsArguments) -> ToolResult:
        count = await context.session.execute(
            arguments.model, "search_count", kwargs={"domain": arguments.domain}
        )
        if not isinstance(count, int):
            count = 0
        return ToolResult(data={"model": arguments.model, "count": count})
