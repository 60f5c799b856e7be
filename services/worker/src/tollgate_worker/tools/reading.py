"""What the read tools share: choosing fields (defaults, checks, redaction), planning reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_worker.odoo.errors import OdooProtocolError
from tollgate_worker.schema import ModelSchema
from tollgate_worker.shaping.defaults import default_fields
from tollgate_worker.shaping.records import ReadPlan, plan_read
from tollgate_worker.tools.base import ToolContext
from tollgate_worker.tools.errors import unknown_field


def check_fields(model: str, requested: Sequence[str], schema: ModelSchema) -> None:
    for name in requested:
        if name not in schema:
            raise unknown_field(model, name, schema, field="fields")


async def read_plan(
    context: ToolContext, model: str, requested: Sequence[str] | None
) -> tuple[ReadPlan, list[str]]:
    """How to read ``requested`` (or the default fields), and the fields policy withheld."""
    schema = await context.fields(model)
    if requested is None:
        names = default_fields(model, schema)
    else:
        check_fields(model, requested, schema)
        names = [name for name in requested if name != "id"]
    allowed = [name for name in names if not context.is_redacted(model, name)]
    redacted = [name for name in names if name not in allowed]
    return plan_read(model, schema, allowed, await context.links()), redacted


def as_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise OdooProtocolError(f"Odoo's {what} did not return a list.")
    return value


def check_batch(ids_or_rows: Sequence[Any], context: ToolContext, what: str) -> None:
    if len(ids_or_rows) > context.limits.max_batch:
        raise TollgateError(
            ErrorCode.INVALID_ARGUMENT,
            f"At most {context.limits.max_batch} {what} per call.",
            hint="Split the work into several calls.",
        )
