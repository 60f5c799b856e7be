"""read / search_read / fields_get / name_search: what Odoo returns, shaped the way it does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import fields
from .fields import Field
from .search import search_ids
from .security import check_field_access, check_model_access, field_allowed, rule_filter
from .values import raw_value, related_target_field, run_compute

if TYPE_CHECKING:
    from .models import Model


def _field_names(model: Model, names: Sequence[str] | None) -> list[str]:
    if not names:
        return [name for name, field in model._fields.items() if field_allowed(model, field)]
    if isinstance(names, str):
        names = [names]
    result: list[str] = []
    for name in names:
        if name not in model._fields:
            raise ValueError(f"Invalid field {name!r} on model {model._name!r}")
        if name not in result:
            result.append(name)
    check_field_access(model, "read", result)
    return result


def read(
    records: Model, names: Sequence[str] | None = None, load: str | None = "_classic_read"
) -> Any:
    check_model_access(records, "read")
    names = _field_names(records, names)
    registry = records.env.registry
    table = registry.tables[records._name or ""]
    existing = [rid for rid in dict.fromkeys(records._ids) if rid in table.rows]
    allowed = set(rule_filter(records, "read", existing))
    if len(allowed) != len(existing):
        records.browse(tuple(existing)).check_access_rule("read")
    if not records.env.su:
        records.browse(tuple(existing))._check_linked_access("read")
    return _read_rows(records.browse(tuple(existing)), names, load)


def _read_rows(records: Model, names: Sequence[str], load: str | None) -> list[dict[str, Any]]:
    """Format rows of records already checked for access."""
    sudo = records.sudo()
    for name in names:
        field = records._fields[name]
        if field.compute and not field.store and not field.related and records._ids:
            run_compute(records, field)
    plan = [(name, records._fields[name]) for name in names if name != "id"]
    rows = sudo.env.registry.tables[records._name or ""].rows
    classic = load == "_classic_read"
    result: list[dict[str, Any]] = []
    for rid in records._ids:
        row = rows[rid]
        record = records.browse(rid)
        values: dict[str, Any] = {"id": rid}
        for name, field in plan:
            if field.store and not field.related and not field.is_relational:
                value = row.get(name, field.empty())
            elif isinstance(field, fields.Many2one) and field.store and not field.related:
                value = row.get(name) or False
            else:
                value = raw_value(record, field)
            if isinstance(field, fields.Many2one) and not classic:
                values[name] = value or False
            else:
                values[name] = _read_value(record, field, value)
        result.append(values)
    return result


def _read_value(record: Model, field: Field, value: Any) -> Any:
    if field.related:
        target = related_target_field(record, field)
        return target.convert_to_read(value, record)
    return field.convert_to_read(value, record)


def search_read(
    model: Model,
    domain: Any = None,
    names: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
    **read_kwargs: Any,
) -> list[dict[str, Any]]:
    ids = search_ids(model, domain or [], offset, limit, order)
    # Odoo hands the extra keywords to _read_format(fnames, load), which takes nothing else
    for keyword in read_kwargs:
        if keyword != "load":
            raise TypeError(
                f"BaseModel._read_format() got an unexpected keyword argument {keyword!r}"
            )
    if not ids:
        return []
    records = model.browse(tuple(ids))
    load = read_kwargs.get("load", "_classic_read")
    check_field_access(model, "read", names or ())
    return _read_rows(records, _field_names(model, names), load)


def fields_get(
    model: Model, allfields: Sequence[str] | None = None, attributes: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    wanted = set(allfields) if allfields else None
    result: dict[str, dict[str, Any]] = {}
    for name, field in model._fields.items():
        if wanted is not None and name not in wanted:
            continue
        if not field_allowed(model, field):
            continue
        desc = describe(model, field)
        if attributes:
            desc = {key: value for key, value in desc.items() if key in attributes}
        result[name] = desc
    return result


def describe(model: Model, field: Field) -> dict[str, Any]:
    if not field.related:
        return field.description(model)
    target = related_target_field(model, field)
    desc = target.description(model)
    own = field.description(model)
    for key in (
        "string",
        "readonly",
        "store",
        "sortable",
        "related",
        "depends",
        "name",
        "groupable",
    ):
        if key in own:
            desc[key] = own[key]
    desc["required"] = field.required
    desc["searchable"] = True
    if not field.help:
        desc.pop("help", None) if "help" not in target.declared else None
    return desc


def name_search(
    model: Model, name: str, domain: Any, operator: str, limit: int | None
) -> list[list[Any]]:
    search_domain = list(domain or [])
    if name or operator not in ("ilike", "like", "=ilike", "=like"):
        # display_name stands for the model's _rec_names_search fields (see OrmSource)
        search_domain = [("display_name", operator, name), *search_domain]
    ids = search_ids(model, search_domain, 0, limit, None)
    sudo = model.sudo().browse(tuple(ids))
    return [[record.id, record.display_name] for record in sudo]
