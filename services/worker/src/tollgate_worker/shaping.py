"""Turning Odoo's raw records into answers a model reads easily, and choosing default fields.

Kept deliberately small for now: many2one becomes ``{id, name}``, Odoo's ``False`` for an unset
non-boolean field becomes ``null``, x2many stay id lists. Later shaping (HTML to text, amounts with
currency, record links, size budgets) belongs here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from tollgate_worker.schema import ModelSchema

# The fields a person looks at first, in order; the defaults are those the model has.
_DEFAULT_CANDIDATES: Final = (
    "name",
    "display_name",
    "default_code",
    "email",
    "phone",
    "partner_id",
    "state",
    "date",
    "date_order",
    "invoice_date",
    "amount_total",
    "list_price",
    "currency_id",
    "user_id",
    "stage_id",
    "company_id",
)
MAX_DEFAULT_FIELDS: Final = 8


def default_fields(schema: ModelSchema) -> list[str]:
    """A handful of telling fields when the caller named none (Odoo would return all of them)."""
    chosen = [name for name in _DEFAULT_CANDIDATES if name in schema]
    if "name" in chosen and "display_name" in chosen:
        chosen.remove("display_name")
    return chosen[:MAX_DEFAULT_FIELDS] or ["display_name"]


def shape_value(value: Any, field_type: str) -> Any:
    if field_type == "boolean":
        return bool(value)
    if value is False or value is None:
        return None
    if field_type == "many2one" and isinstance(value, list | tuple) and len(value) == 2:
        return {"id": value[0], "name": value[1]}
    return value


def shape_record(record: Mapping[str, Any], schema: ModelSchema) -> dict[str, Any]:
    shaped: dict[str, Any] = {}
    for name, value in record.items():
        info = schema.get(name)
        shaped[name] = shape_value(value, info.type if info is not None else "")
    return shaped


def shape_records(
    records: Iterable[Mapping[str, Any]], schema: ModelSchema
) -> list[dict[str, Any]]:
    return [shape_record(record, schema) for record in records]
