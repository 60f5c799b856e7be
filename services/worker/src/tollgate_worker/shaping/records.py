"""Odoo's raw values as a model reads them best.

- many2one ``[id, "name"]`` becomes ``{"id", "name"}``; x2many id lists become
  ``{"count", "ids"}`` with at most `X2MANY_IDS` ids;
- Odoo's ``False`` for an unset non-boolean field becomes ``null``;
- HTML becomes text, datetimes ISO 8601 in UTC (``2024-05-01T09:30:00Z``);
- monetary amounts stay numbers and the record says its ``currency`` (the code);
- binary fields are dropped unless the caller asked for them by name;
- every record gets ``url``, a working link to it in Odoo's web client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from tollgate_worker.schema import X2MANY_TYPES, ModelSchema, currency_field_of
from tollgate_worker.shaping.html_text import html_to_text
from tollgate_worker.shaping.links import RecordLinks

X2MANY_IDS: Final = 10


def iso_datetime(value: str) -> str:
    """Odoo's ``YYYY-MM-DD HH:MM:SS`` (always UTC) as ISO 8601."""
    if len(value) >= 19 and value[10] == " ":
        return f"{value[:10]}T{value[11:19]}Z"
    return value


def shape_value(value: Any, field_type: str) -> Any:
    if field_type == "boolean":
        return bool(value)
    if value is False or value is None:
        return None
    if field_type == "many2one" and isinstance(value, list | tuple) and len(value) == 2:
        return {"id": value[0], "name": value[1]}
    if field_type in X2MANY_TYPES and isinstance(value, list):
        return {"count": len(value), "ids": value[:X2MANY_IDS]}
    if field_type == "html" and isinstance(value, str):
        return html_to_text(value)
    if field_type == "datetime" and isinstance(value, str):
        return iso_datetime(value)
    return value


@dataclass(frozen=True)
class ReadPlan:
    """What to ask Odoo for (``fields``) and how to present it (``shape``)."""

    model: str
    schema: ModelSchema
    links: RecordLinks | None
    requested: tuple[str, ...]
    # Currency fields read only to label amounts: used, then left out of the answer.
    helpers: tuple[str, ...] = field(default=())
    currency_of: Mapping[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        return [*self.requested, *self.helpers]

    def shape(self, record: Mapping[str, Any]) -> dict[str, Any]:
        shaped: dict[str, Any] = {"id": record.get("id")}
        currency = None
        for name in self.requested:
            if name == "id" or name not in record:
                continue
            info = self.schema.get(name)
            shaped[name] = shape_value(record[name], info.type if info is not None else "")
            if currency is None and name in self.currency_of:
                currency = _currency_code(record.get(self.currency_of[name]))
        if currency is not None:
            shaped["currency"] = currency
        record_id = record.get("id")
        if self.links is not None and isinstance(record_id, int):
            shaped["url"] = self.links.record(self.model, record_id)
        return shaped

    def shape_all(self, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [self.shape(record) for record in records]


def _currency_code(value: Any) -> str | None:
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[1], str):
        return value[1]
    return None


def plan_read(
    model: str, schema: ModelSchema, requested: Sequence[str], links: RecordLinks | None
) -> ReadPlan:
    """Read ``requested`` fields plus the currency fields their amounts need."""
    currency_of: dict[str, str] = {}
    helpers: list[str] = []
    for name in requested:
        currency = currency_field_of(schema, name)
        if currency:
            currency_of[name] = currency
            if currency not in requested and currency not in helpers:
                helpers.append(currency)
    return ReadPlan(
        model=model,
        schema=schema,
        links=links,
        requested=tuple(requested),
        helpers=tuple(helpers),
        currency_of=currency_of,
    )
