"""``aggregate_records``: totals per group in one request — ``read_group`` on Odoo 17/18,
``formatted_read_group`` on 19 (where ``read_group`` is deprecated) — in one answer shape."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Final

from pydantic import Field
from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_worker.shaping.records import shape_value
from tollgate_worker.tools.arguments import Domain
from tollgate_worker.tools.base import ModelArguments, Tool, ToolContext, ToolResult
from tollgate_worker.tools.errors import unknown_field
from tollgate_worker.tools.reading import as_list

_GROUPBY: Final = re.compile(r"^([a-z_][a-z0-9_]*)(?::(day|week|month|quarter|year))?$")
_AGGREGATE: Final = re.compile(r"^([a-z_][a-z0-9_]*):(sum|avg|min|max|count|count_distinct)$")
_ORDER: Final = re.compile(r"^([a-z_][a-z0-9_]*(?::[a-z_]+)?|count)(\s+(asc|desc))?$", re.I)

GroupBy = Annotated[str, Field(pattern=_GROUPBY.pattern)]
Aggregate = Annotated[str, Field(pattern=_AGGREGATE.pattern)]


class AggregateRecordsArguments(ModelArguments):
    domain: Domain = Field(default_factory=list)
    groupby: list[GroupBy] = Field(default_factory=list, max_length=3)
    aggregates: list[Aggregate] = Field(default_factory=list, max_length=10)
    order: str | None = Field(default=None, max_length=100)
    limit: int | None = Field(default=None, ge=1, le=500)


class AggregateRecords(Tool[AggregateRecordsArguments]):
    name: ClassVar[str] = "aggregate_records"
    operation: ClassVar[str] = "read"
    arguments = AggregateRecordsArguments

    async def run(self, context: ToolContext, arguments: AggregateRecordsArguments) -> ToolResult:
        model = arguments.model
        schema = await context.fields(model)
        for spec in arguments.groupby:
            name = spec.split(":")[0]
            if name not in schema:
                raise unknown_field(model, name, schema, field="groupby")
        for spec in arguments.aggregates:
            name = spec.split(":")[0]
            if name not in schema:
                raise unknown_field(model, name, schema, field="aggregates")
        order = _check_order(arguments.order)
        version = await context.session.client.version(deadline=context.session.deadline)
        limit = arguments.limit or 80
        if version.major >= 19:
            kwargs: dict[str, Any] = {
                "domain": arguments.domain,
                "groupby": arguments.groupby,
                "aggregates": [*arguments.aggregates, "__count"],
                "limit": limit + 1,
            }
            if order:
                kwargs["order"] = (
                    order.replace("count", "__count", 1) if order.startswith("count") else order
                )
            rows = await context.session.execute(model, "formatted_read_group", kwargs=kwargs)
        else:
            kwargs = {
                "domain": arguments.domain,
                "fields": [*arguments.aggregates, "__count"],
                "groupby": arguments.groupby,
                "lazy": False,
                "limit": limit + 1,
            }
            if order:
                kwargs["orderby"] = _order_terms(order, legacy=True)
            rows = await context.session.execute(model, "read_group", kwargs=kwargs)
        groups = as_list(rows, f"grouping on {model}")
        has_more = len(groups) > limit
        shaped = [
            _shape_group(group, arguments.groupby, arguments.aggregates, schema, version.major)
            for group in groups[:limit]
            if isinstance(group, dict)
        ]
        data: dict[str, Any] = {"model": model, "groups": shaped, "count": len(shaped)}
        if has_more:
            data["more"] = f"more than {limit} groups — raise limit or narrow the domain"
        return ToolResult(data=data, record_count=len(shaped))


def _check_order(order: str | None) -> str:
    if not order:
        return ""
    terms = [term.strip() for term in order.split(",")]
    for term in terms:
        if not _ORDER.fullmatch(term):
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"{term!r} is not a group order (like 'amount_total:sum desc' or 'count desc').",
                field="order",
            )
    return ", ".join(terms)


def _order_terms(order: str, *, legacy: bool) -> str:
    """Our ``count`` as Odoo's ``__count``; read_group (legacy) orders an aggregate by the
    field's name (``amount_total desc``), formatted_read_group by the spec itself."""
    terms = []
    for term in order.split(","):
        head, _, direction = term.strip().partition(" ")
        if head == "count":
            head = "__count"
        elif legacy:
            head = head.split(":")[0]
        terms.append(f"{head} {direction}".strip())
    return ", ".join(terms)


def _shape_group(
    group: dict[str, Any],
    groupby: list[str],
    aggregates: list[str],
    schema: Any,
    major: int,
) -> dict[str, Any]:
    shaped: dict[str, Any] = {}
    for spec in groupby:
        name = spec.split(":")[0]
        info = schema.get(name)
        value = group.get(spec, group.get(name))
        if ":" in spec:
            # A date bucket: Odoo 19 gives [start, label], earlier versions the label.
            if isinstance(value, list) and len(value) == 2:
                value = value[1]
            shaped[spec] = value if value is not False else None
        else:
            shaped[spec] = shape_value(value, info.type if info is not None else "")
    for spec in aggregates:
        name = spec.split(":")[0]
        value = group.get(spec) if major >= 19 else group.get(name, group.get(spec))
        shaped[spec] = None if value is False else value
    count = group.get("__count")
    if count is None:
        count = next((v for k, v in group.items() if k.endswith("_count")), 0)
    shaped["count"] = count
    return shaped
