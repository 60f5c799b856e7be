"""``render_report`` (a PDF) and ``export_records`` (CSV or JSON), both returned as MCP resources
embedded in the result, so no file lingers on any replica."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Annotated, Any, Final, Literal

from mcp_types import (
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    TextContent,
    TextResourceContents,
)
from pydantic import BaseModel, Field

from tollgate_front.catalog.arguments import (
    CompanyIds,
    Domain,
    FieldNames,
    ModelRef,
    Order,
    RecordIds,
)
from tollgate_front.catalog.base import READ_ONLY, CatalogTool, ToolContext, call_worker, resolve

MAX_EXPORT_ROWS: Final = 50_000


class Report(BaseModel):
    model: str
    ids: list[int]
    report: str
    filename: str
    mime_type: str
    size: int
    uri: str


async def render_report(
    ctx: ToolContext,
    model: ModelRef,
    ids: RecordIds,
    report: Annotated[
        str, Field(max_length=128, description="Report name; default: the model's first.")
    ]
    | None = None,
) -> Annotated[CallToolResult, Report]:
    """Print records as a PDF (quotation, invoice...) returned as a resource. Odoo prints only
    for password sign-ins, not API keys."""
    target = resolve(ctx, model)
    result = await call_worker(
        ctx,
        "render_report",
        {"model": target.model, "ids": ids, "report": report},
        model=target.model,
        record_ids=ids,
    )
    pdf_base64 = str(result.pop("data", ""))
    uri = f"odoo://reports/{result['report']}/{','.join(str(i) for i in result['ids'])}"
    meta = Report.model_validate({**result, "uri": uri})
    return CallToolResult(
        content=[
            TextContent(
                type="text",
                text=f"{meta.filename}: {meta.size} bytes of PDF ({meta.report}).",
            ),
            EmbeddedResource(
                type="resource",
                resource=BlobResourceContents(
                    uri=uri, mime_type="application/pdf", blob=pdf_base64
                ),
            ),
        ],
        structured_content=meta.model_dump(mode="json"),
    )


class Export(BaseModel):
    model: str
    format: str
    rows: int
    total: int | None = None
    complete: bool
    uri: str


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        if "name" in value:
            return value["name"]
        if "count" in value:
            return value["count"]
    if value is None:
        return ""
    return value


def to_csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


async def export_records(
    ctx: ToolContext,
    model: ModelRef,
    domain: Domain | None = None,
    fields: FieldNames | None = None,
    order: Order | None = None,
    format: Literal["csv", "json"] = "csv",
    max_rows: Annotated[int, Field(ge=1, le=MAX_EXPORT_ROWS)] = 10_000,
    company_ids: CompanyIds | None = None,
) -> Annotated[CallToolResult, Export]:
    """Export many records as a CSV or JSON file (embedded resource), with progress."""
    target = resolve(ctx, model)
    arguments: dict[str, Any] = {
        "model": target.model,
        "domain": target.and_domain(domain),
        "fields": fields,
        "order": order,
        "company_ids": company_ids,
    }
    rows: list[dict[str, Any]] = []
    columns: list[str] = []
    total: int | None = None
    offset: int | None = 0
    while offset is not None and len(rows) < max_rows:
        page = await call_worker(
            ctx,
            "export_records",
            {
                **arguments,
                "offset": offset,
                "limit": min(500, max_rows - len(rows)),
                "with_total": True if offset == 0 else None,
            },
            model=target.model,
        )
        if total is None and isinstance(page.get("total"), int):
            total = page["total"]
        columns = columns or [*page.get("fields", []), "currency", "url"]
        rows.extend(page.get("records", []))
        offset = page.get("next_offset")
        await ctx.report_progress(
            len(rows), total, f"{len(rows)} of {total if total is not None else '?'} records"
        )
    columns = [c for c in columns if any(c in row for row in rows[:50])] or columns[:1]
    rows = rows[:max_rows]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    uri = f"odoo://exports/{target.model}/{stamp}.{format}"
    if format == "csv":
        text, mime = to_csv(columns, rows), "text/csv"
    else:
        text, mime = json.dumps(rows, ensure_ascii=False, default=str), "application/json"
    meta = Export(
        model=target.model,
        format=format,
        rows=len(rows),
        total=total,
        complete=total is None or len(rows) >= total,
        uri=uri,
    )
    summary = f"{meta.rows} {target.model} records exported as {format.upper()}"
    if not meta.complete:
        summary += f" (of {total}; raise max_rows or narrow the domain for the rest)"
    return CallToolResult(
        content=[
            TextContent(type="text", text=summary + "."),
            EmbeddedResource(
                type="resource", resource=TextResourceContents(uri=uri, mime_type=mime, text=text)
            ),
        ],
        structured_content=meta.model_dump(mode="json"),
    )


RENDER_REPORT = CatalogTool(fn=render_report, title="Render a report", annotations=READ_ONLY)
EXPORT_RECORDS = CatalogTool(fn=export_records, title="Export records", annotations=READ_ONLY)
