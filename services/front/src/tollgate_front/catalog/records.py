"""``get_records``, ``count_records`` and ``aggregate_records``: read by id, count, total."""

from __future__ import annotations

from typing import Annotated, Any

from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from tollgate_front.catalog.arguments import CompanyIds, Domain, FieldNames, ModelRef, RecordIds
from tollgate_front.catalog.base import (
    READ_ONLY,
    CatalogTool,
    ToolContext,
    call_worker,
    resolve,
    structured,
)
from tollgate_front.catalog.results import Records


async def get_records(
    ctx: ToolContext,
    model: ModelRef,
    ids: RecordIds,
    fields: FieldNames | None = None,
    company_ids: CompanyIds | None = None,
) -> Annotated[CallToolResult, Records]:
    """Read records by id."""
    target = resolve(ctx, model)
    arguments = {"model": target.model, "ids": ids, "fields": fields, "company_ids": company_ids}
    result = await call_worker(ctx, "get_records", arguments, model=target.model, record_ids=ids)
    return structured(Records.model_validate(result))


class Count(BaseModel):
    model: str
    count: int


async def count_records(
    ctx: ToolContext,
    model: ModelRef,
    domain: Domain | None = None,
    company_ids: CompanyIds | None = None,
) -> Annotated[CallToolResult, Count]:
    """Count the records matching a domain."""
    target = resolve(ctx, model)
    arguments = {
        "model": target.model,
        "domain": target.and_domain(domain),
        "company_ids": company_ids,
    }
    result = await call_worker(ctx, "count_records", arguments, model=target.model)
    return structured(Count.model_validate(result))


GroupBy = Annotated[
    list[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*(:(day|week|month|quarter|year))?$")]],
    Field(max_length=3, description="Dates as field:month (day..year)."),
]
Aggregates = Annotated[
    list[
        Annotated[
            str,
            Field(pattern=r"^[a-z_][a-z0-9_]*:(sum|avg|min|max|count|count_distinct)$"),
        ]
    ],
    Field(max_length=10, description="A count per group is always given."),
]


class Groups(BaseModel):
    model: str
    groups: list[dict[str, Any]]
    count: int
    more: str | None = None


async def aggregate_records(
    ctx: ToolContext,
    model: ModelRef,
    groupby: GroupBy | None = None,
    aggregates: Aggregates | None = None,
    domain: Domain | None = None,
    order: Annotated[str, Field(max_length=100, description="e.g. 'amount_total:sum desc'.")]
    | None = None,
    limit: Annotated[int, Field(ge=1, le=500)] | None = None,
    company_ids: CompanyIds | None = None,
) -> Annotated[CallToolResult, Groups]:
    """Totals per group (e.g. sales per customer per month) computed by Odoo."""
    target = resolve(ctx, model)
    arguments = {
        "model": target.model,
        "domain": target.and_domain(domain),
        "groupby": groupby,
        "aggregates": aggregates,
        "order": order,
        "limit": limit,
        "company_ids": company_ids,
    }
    result = await call_worker(ctx, "aggregate_records", arguments, model=target.model)
    return structured(Groups.model_validate(result))


GET_RECORDS = CatalogTool(fn=get_records, title="Get records", annotations=READ_ONLY)
COUNT_RECORDS = CatalogTool(fn=count_records, title="Count records", annotations=READ_ONLY)
AGGREGATE_RECORDS = CatalogTool(
    fn=aggregate_records, title="Aggregate records", annotations=READ_ONLY
)
