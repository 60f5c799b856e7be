"""``list_models`` and ``describe_model``: what there is to work with, compactly.

``describe_model`` leaves out what an assistant never needs (the ORM's bookkeeping, chatter and
activity internals) unless asked, and writes each field in few bytes: type, label, relation,
``required``/``readonly`` only when true, selection values.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from pydantic import Field

from tollgate_worker.models import is_business_model
from tollgate_worker.schema import FieldInfo
from tollgate_worker.tools.base import ModelArguments, Tool, ToolArguments, ToolContext, ToolResult

_BOOKKEEPING: Final = frozenset(
    {"create_uid", "create_date", "write_uid", "write_date", "__last_update", "display_name"}
)
_CHATTER_PREFIXES: Final = ("message_", "activity_", "website_message", "my_activity_")


class ListModelsArguments(ToolArguments):
    search: str | None = Field(default=None, max_length=64)
    include_technical: bool = False


class ListModels(Tool[ListModelsArguments]):
    name: ClassVar[str] = "list_models"
    operation: ClassVar[str] = "read"
    arguments = ListModelsArguments

    async def run(self, context: ToolContext, arguments: ListModelsArguments) -> ToolResult:
        entries = await context.models.models(context.session)
        needle = (arguments.search or "").lower()
        models = [
            {"model": entry.model, "name": entry.name}
            for entry in entries
            if (arguments.include_technical or is_business_model(entry.model))
            and (not needle or needle in entry.model or needle in entry.name.lower())
        ]
        return ToolResult(data={"models": models, "count": len(models)}, record_count=len(models))


class DescribeModelArguments(ModelArguments):
    include_technical: bool = False


def describe_field(info: FieldInfo) -> dict[str, Any]:
    described: dict[str, Any] = {"type": info.type, "label": info.string}
    if info.relation:
        described["relation"] = info.relation
    if info.required:
        described["required"] = True
    if info.readonly:
        described["readonly"] = True
    if not info.store:
        described["stored"] = False
    if info.selection:
        described["values"] = [value for value, _label in info.selection]
    return described


def is_technical_field(name: str) -> bool:
    return name in _BOOKKEEPING or name.startswith(_CHATTER_PREFIXES)


class DescribeModel(Tool[DescribeModelArguments]):
    name: ClassVar[str] = "describe_model"
    operation: ClassVar[str] = "read"
    arguments = DescribeModelArguments

    async def run(self, context: ToolContext, arguments: DescribeModelArguments) -> ToolResult:
        model = arguments.model
        schema = await context.fields(model)
        fields = {
            name: describe_field(info)
            for name, info in sorted(schema.items())
            if (arguments.include_technical or not is_technical_field(name))
            and not context.is_redacted(model, name)
        }
        data = {"model": model, "fields": fields, "count": len(fields)}
        hidden = len(schema) - len(fields)
        if hidden:
            data["hidden"] = f"{hidden} technical or withheld fields left out"
        return ToolResult(data=data, record_count=len(fields))
