"""``render_report`` (a QWeb PDF) and ``export_records`` (one page of a large export).

The front turns a report into an MCP resource and drives an export page by page (reporting
progress between pages); the worker only ever handles one bounded page per call.
"""

from __future__ import annotations

import base64
import re
from typing import Any, ClassVar, Final

from pydantic import Field
from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_worker.odoo.reports import render_pdf
from tollgate_worker.tools.arguments import Domain, FieldNames, Order
from tollgate_worker.tools.base import ModelArguments, Tool, ToolContext, ToolResult
from tollgate_worker.tools.reading import as_list, check_batch, read_plan
from tollgate_worker.tools.records import RecordIds

_REPORT_NAME: Final = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")


class RenderReportArguments(ModelArguments):
    ids: RecordIds
    report: str | None = Field(default=None, pattern=_REPORT_NAME.pattern, max_length=128)


class RenderReport(Tool[RenderReportArguments]):
    name: ClassVar[str] = "render_report"
    operation: ClassVar[str] = "read"
    arguments = RenderReportArguments

    async def run(self, context: ToolContext, arguments: RenderReportArguments) -> ToolResult:
        check_batch(arguments.ids, context, "records")
        model = arguments.model
        reports = as_list(
            await context.session.execute(
                "ir.actions.report",
                "search_read",
                kwargs={
                    "domain": [["model", "=", model]],
                    "fields": ["report_name", "name"],
                    "order": "id",
                },
            ),
            "report search",
        )
        names = [str(row["report_name"]) for row in reports if isinstance(row, dict)]
        report = arguments.report or (names[0] if names else "")
        if not report or report not in names:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"{model} has no printable report {arguments.report!r}."
                if arguments.report
                else f"{model} has no printable report.",
                field="report",
                suggestions=names,
            )
        credential = context.session.credential
        version = await context.session.client.version(deadline=context.session.deadline)
        pdf = await render_pdf(
            context.session.client.transport,
            context.session.client.database,
            login=credential.login,
            api_key=credential.api_key,
            report_name=report,
            ids=list(dict.fromkeys(arguments.ids)),
            deadline=context.session.deadline,
            series=version.series,
        )
        filename = f"{report.rsplit('.', 1)[-1]}-{'-'.join(str(i) for i in arguments.ids[:5])}.pdf"
        return ToolResult(
            data={
                "model": model,
                "ids": list(arguments.ids),
                "report": report,
                "filename": filename,
                "mime_type": "application/pdf",
                "size": len(pdf),
                "data": base64.b64encode(pdf).decode(),
            },
            record_count=len(arguments.ids),
        )


class ExportRecordsArguments(ModelArguments):
    domain: Domain = Field(default_factory=list)
    fields: FieldNames | None = None
    order: Order | None = None
    offset: int = Field(default=0, ge=0)
    limit: int | None = Field(default=None, ge=1)
    with_total: bool = False


class ExportRecords(Tool[ExportRecordsArguments]):
    name: ClassVar[str] = "export_records"
    operation: ClassVar[str] = "read"
    arguments = ExportRecordsArguments

    async def run(self, context: ToolContext, arguments: ExportRecordsArguments) -> ToolResult:
        model = arguments.model
        page = min(arguments.limit or context.limits.export_page, context.limits.export_page)
        plan, redacted = await read_plan(context, model, arguments.fields)
        total = None
        if arguments.with_total:
            total = await context.session.execute(
                model, "search_count", kwargs={"domain": arguments.domain}
            )
        kwargs: dict[str, Any] = {
            "domain": arguments.domain,
            "fields": plan.fields,
            "offset": arguments.offset,
            "limit": page,
            "order": arguments.order or "id",
        }
        rows = as_list(
            await context.session.execute(model, "search_read", kwargs=kwargs),
            f"search_read on {model}",
        )
        data: dict[str, Any] = {
            "model": model,
            "fields": ["id", *plan.requested],
            "records": plan.shape_all(rows),
            "offset": arguments.offset,
            "next_offset": arguments.offset + len(rows) if len(rows) == page else None,
        }
        if total is not None:
            data["total"] = total
        if redacted:
            data["redacted_fields"] = redacted
        return ToolResult(data=data, record_count=len(rows))
