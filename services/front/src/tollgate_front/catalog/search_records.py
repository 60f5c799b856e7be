"""``search_records``: find records of one model and read their fields in one call."""

from __future__ import annotations

from typing import Annotated

from mcp_types import CallToolResult

from tollgate_front.catalog.arguments import (
    CompanyIds,
    Cursor,
    Domain,
    FieldNames,
    Limit,
    ModelRef,
    Order,
)
from tollgate_front.catalog.base import (
    READ_ONLY,
    CatalogTool,
    ToolContext,
    call_worker,
    resolve,
    structured,
)
from tollgate_front.catalog.results import Page


async def search_records(
    ctx: ToolContext,
    model: ModelRef,
    domain: Domain | None = None,
    fields: FieldNames | None = None,
    limit: Limit | None = None,
    order: Order | None = None,
    cursor: Cursor | None = None,
    company_ids: CompanyIds | None = None,
) -> Annotated[CallToolResult, Page]:
    """Search records of an Odoo model. When has_more, call again with cursor=next_cursor."""
    target = resolve(ctx, model)
    arguments = {
        "model": target.model,
        "domain": target.and_domain(domain),
        "fields": fields,
        "limit": limit,
        "order": order,
        "cursor": cursor,
        "company_ids": company_ids,
    }
    result = await call_worker(ctx, "search_records", arguments, model=target.model)
    return structured(Page.model_validate(result))


TOOL = CatalogTool(fn=search_records, title="Search records", annotations=READ_ONLY)
