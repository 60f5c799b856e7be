"""``search_records``: find records of one model and read their fields in one call."""

from __future__ import annotations

from typing import Annotated, Any

from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from tollgate_front.catalog.arguments import Cursor, Domain, FieldNames, Limit, ModelName, Order
from tollgate_front.catalog.base import (
    READ_ONLY,
    CatalogTool,
    ToolContext,
    call_worker,
    structured_result,
)


class SearchRecordsResult(BaseModel):
    model: str = Field(description="The model searched.")
    records: list[dict[str, Any]] = Field(
        description="The records of this page; many2one fields as {id, name}."
    )
    count: int = Field(description="Records in this page.")
    offset: int = Field(description="Records skipped before this page.")
    has_more: bool = Field(description="True when more records match after this page.")
    next_cursor: str | None = Field(
        default=None, description="Pass as cursor to get the next page, when has_more."
    )
    more: str | None = Field(default=None, description="How many more records there are.")
    truncated: str | None = Field(
        default=None, description="Why the page holds fewer records than asked, if it does."
    )
    redacted_fields: list[str] = Field(
        default_factory=list, description="Requested fields withheld by the tenant's policy."
    )


async def search_records(
    ctx: ToolContext,
    model: ModelName,
    domain: Domain | None = None,
    fields: FieldNames | None = None,
    limit: Limit | None = None,
    order: Order | None = None,
    cursor: Cursor | None = None,
) -> Annotated[CallToolResult, SearchRecordsResult]:
    """Search records of one Odoo model and read their fields, with your own Odoo access rights.

    Results come a page at a time; when has_more is true, call again with cursor=next_cursor.
    """
    arguments: dict[str, Any] = {"model": model, "domain": list(domain or [])}
    if cursor is not None:
        arguments["cursor"] = cursor
    if fields is not None:
        arguments["fields"] = fields
    if limit is not None:
        arguments["limit"] = limit
    if order is not None:
        arguments["order"] = order
    result = await call_worker(ctx, "search_records", arguments, model=model, operation="read")
    return structured_result(SearchRecordsResult.model_validate(result))


TOOL = CatalogTool(fn=search_records, title="Search records", annotations=READ_ONLY)
