"""``create_records``, ``update_records``, ``delete_records``: checked before Odoo sees them.

Field names are checked against the model (nearest names suggested), fields the tenant's policy
withholds are refused, and a list of ids for a to-many field becomes Odoo's "set these" command.
With policy's dry-run obligation nothing is sent: the answer says what would have happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import Field
from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_worker.schema import X2MANY_TYPES, ModelSchema
from tollgate_worker.tools.base import ModelArguments, Tool, ToolContext, ToolResult
from tollgate_worker.tools.errors import unknown_field
from tollgate_worker.tools.reading import check_batch
from tollgate_worker.tools.records import RecordIds

Values = Annotated[dict[str, Any], Field(min_length=1)]
# Odoo's Command.set: replace the relation's records with these ids.
_SET = 6


def odoo_values(
    model: str, values: Mapping[str, Any], schema: ModelSchema, context: ToolContext
) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for name, value in values.items():
        info = schema.get(name)
        if info is None:
            raise unknown_field(model, name, schema, field="values")
        if context.is_redacted(model, name):
            raise TollgateError(
                ErrorCode.POLICY_DENIED,
                f"The tenant's policy does not allow writing {model}.{name}.",
                field=name,
            )
        if info.readonly and info.type not in X2MANY_TYPES and not info.store:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"{model}.{name} is computed and cannot be written.",
                field=name,
            )
        if (
            info.type in X2MANY_TYPES
            and isinstance(value, list)
            and all(isinstance(item, int) and not isinstance(item, bool) for item in value)
        ):
            value = [[_SET, 0, value]]
        elif (
            info.type == "many2one" and isinstance(value, dict) and isinstance(value.get("id"), int)
        ):
            value = value["id"]
        converted[name] = value
    return converted


class CreateRecordsArguments(ModelArguments):
    records: list[Values] = Field(min_length=1)


class CreateRecords(Tool[CreateRecordsArguments]):
    name: ClassVar[str] = "create_records"
    operation: ClassVar[str] = "create"
    arguments = CreateRecordsArguments

    async def run(self, context: ToolContext, arguments: CreateRecordsArguments) -> ToolResult:
        check_batch(arguments.records, context, "records")
        model = arguments.model
        schema = await context.fields(model)
        rows = [odoo_values(model, values, schema, context) for values in arguments.records]
        if context.dry_run:
            return ToolResult(data={"model": model, "ids": [], "dry_run": True, "count": len(rows)})
        created = await context.session.execute(model, "create", kwargs={"vals_list": rows})
        ids = created if isinstance(created, list) else [created]
        links = await context.links()
        data: dict[str, Any] = {"model": model, "ids": ids, "count": len(ids)}
        if links is not None:
            data["urls"] = [links.record(model, i) for i in ids if isinstance(i, int)]
        return ToolResult(data=data, record_count=len(ids))


class UpdateRecordsArguments(ModelArguments):
    ids: RecordIds
    values: Values


class UpdateRecords(Tool[UpdateRecordsArguments]):
    name: ClassVar[str] = "update_records"
    operation: ClassVar[str] = "write"
    arguments = UpdateRecordsArguments

    async def run(self, context: ToolContext, arguments: UpdateRecordsArguments) -> ToolResult:
        check_batch(arguments.ids, context, "records")
        model = arguments.model
        schema = await context.fields(model)
        values = odoo_values(model, arguments.values, schema, context)
        ids = list(dict.fromkeys(arguments.ids))
        if not context.dry_run:
            await context.session.execute(model, "write", ids=ids, kwargs={"vals": values})
        data = {"model": model, "ids": ids, "count": len(ids), "fields": sorted(values)}
        if context.dry_run:
            data["dry_run"] = True
        return ToolResult(data=data, record_count=len(ids))


class DeleteRecordsArguments(ModelArguments):
    ids: RecordIds


class DeleteRecords(Tool[DeleteRecordsArguments]):
    name: ClassVar[str] = "delete_records"
    operation: ClassVar[str] = "unlink"
    arguments = DeleteRecordsArguments

    async def run(self, context: ToolContext, arguments: DeleteRecordsArguments) -> ToolResult:
        check_batch(arguments.ids, context, "records")
        ids = list(dict.fromkeys(arguments.ids))
        if not context.dry_run:
            await context.session.execute(arguments.model, "unlink", ids=ids)
        data: dict[str, Any] = {"model": arguments.model, "ids": ids, "count": len(ids)}
        if context.dry_run:
            data["dry_run"] = True
        return ToolResult(data=data, record_count=len(ids))
