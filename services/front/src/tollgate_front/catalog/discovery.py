"""``list_models`` and ``describe_model``: what there is to work with."""

from __future__ import annotations

from typing import Annotated, Any

from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from tollgate_front.catalog.arguments import ModelRef
from tollgate_front.catalog.base import (
    READ_ONLY,
    CatalogTool,
    ToolContext,
    call_worker,
    caller,
    resolve,
    structured,
)
from tollgate_front.catalog.vocabulary import aliases_by_model


class ModelEntry(BaseModel):
    model: str
    name: str
    aliases: list[str] = Field(default_factory=list)


class ModelList(BaseModel):
    models: list[ModelEntry]
    count: int


async def list_models(
    ctx: ToolContext,
    search: Annotated[str, Field(max_length=64, description="Part of a name.")] | None = None,
) -> Annotated[CallToolResult, ModelList]:
    """List the models you can use, with this company's business words for them."""
    result = await call_worker(ctx, "list_models", {"search": search}, model="")
    aliases = aliases_by_model(caller(ctx).tenant)
    for entry in result.get("models", []):
        entry["aliases"] = aliases.get(entry.get("model"), [])
    return structured(ModelList.model_validate(result))


class ModelDescription(BaseModel):
    model: str
    fields: dict[str, dict[str, Any]]
    count: int
    hidden: str | None = None


async def describe_model(
    ctx: ToolContext,
    model: ModelRef,
    include_technical: bool = False,
) -> Annotated[CallToolResult, ModelDescription]:
    """Describe a model's fields: type, label, relation, required, readonly, selection values."""
    target = resolve(ctx, model)
    result = await call_worker(
        ctx,
        "describe_model",
        {"model": target.model, "include_technical": include_technical or None},
        model=target.model,
    )
    return structured(ModelDescription.model_validate(result))


LIST_MODELS = CatalogTool(fn=list_models, title="List models", annotations=READ_ONLY)
DESCRIBE_MODEL = CatalogTool(fn=describe_model, title="Describe a model", annotations=READ_ONLY)
