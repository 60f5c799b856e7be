"""``create_records``, ``update_records``, ``delete_records``."""

from __future__ import annotations

from typing import Annotated

from mcp_types import CallToolResult
from pydantic import Field

from tollgate_front.catalog.arguments import MAX_BATCH, CompanyIds, ModelRef, RecordIds, Values
from tollgate_front.catalog.base import (
    ADDITIVE,
    DELETES,
    OVERWRITES,
    CatalogTool,
    ToolContext,
    call_worker,
    resolve,
    structured,
)
from tollgate_front.catalog.results import Changed


class Created(Changed):
    urls: list[str] = Field(default_factory=list)


async def create_records(
    ctx: ToolContext,
    model: ModelRef,
    records: Annotated[list[Values], Field(min_length=1, max_length=MAX_BATCH)],
    company_ids: CompanyIds | None = None,
) -> Annotated[CallToolResult, Created]:
    """Create records (up to 100 per call); returns their ids."""
    target = resolve(ctx, model)
    arguments = {"model": target.model, "records": records, "company_ids": company_ids}
    result = await call_worker(ctx, "create_records", arguments, model=target.model)
    return structured(Created.model_validate(result))


class Updated(Changed):
    fields: list[str] = Field(default_factory=list)


async def update_records(
    ctx: ToolContext,
    model: ModelRef,
    ids: RecordIds,
    values: Values,
    company_ids: CompanyIds | None = None,
) -> Annotated[CallToolResult, Updated]:
    """Set the same field values on records."""
    target = resolve(ctx, model)
    arguments = {"model": target.model, "ids": ids, "values": values, "company_ids": company_ids}
    result = await call_worker(ctx, "update_records", arguments, model=target.model, record_ids=ids)
    return structured(Updated.model_validate(result))


async def delete_records(
    ctx: ToolContext,
    model: ModelRef,
    ids: RecordIds,
    company_ids: CompanyIds | None = None,
) -> Annotated[CallToolResult, Changed]:
    """Delete records. This cannot be undone."""
    target = resolve(ctx, model)
    arguments = {"model": target.model, "ids": ids, "company_ids": company_ids}
    result = await call_worker(ctx, "delete_records", arguments, model=target.model, record_ids=ids)
    return structured(Changed.model_validate(result))


CREATE_RECORDS = CatalogTool(fn=create_records, title="Create records", annotations=ADDITIVE)
UPDATE_RECORDS = CatalogTool(fn=update_records, title="Update records", annotations=OVERWRITES)
DELETE_RECORDS = CatalogTool(fn=delete_records, title="Delete records", annotations=DELETES)
