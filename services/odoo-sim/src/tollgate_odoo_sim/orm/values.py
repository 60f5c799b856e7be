"""Reading one field of one record: stored columns, links, related paths and computed values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import MissingError
from . import fields
from .fields import Field

if TYPE_CHECKING:
    from .models import Model


def missing_error(record: Model) -> MissingError:
    return MissingError(
        "Record does not exist or has been deleted.\n"
        f"(Record: {record._name}({', '.join(map(str, record._ids))},), User: {record.env.uid})"
    )


def get_value(record: Model, field: Field) -> Any:
    """``record.field`` for business code: recordsets for relations, False/0 for unset."""
    if not record._ids:
        return field.convert_to_record(field.empty(), record)
    if len(record._ids) > 1:
        raise ValueError(f"Expected singleton: {record!r}")
    return field.convert_to_record(raw_value(record, field), record)


def raw_value(record: Model, field: Field) -> Any:
    """The stored-form value of *field* on the singleton *record*."""
    record_id = record._ids[0]
    if field.name == "id":
        return record_id
    if field.related:
        return _related_value(record, field)
    if field.compute and not field.store:
        return computed_value(record, field)
    registry = record.env.registry
    row = registry.tables[record._name].rows.get(record_id)
    if row is None:
        raise missing_error(record)
    if isinstance(field, fields.One2many | fields.Many2many):
        if isinstance(field, fields.One2many):
            index = registry.tables[field.comodel_name].reverse_index(field.inverse_name)
            linked = sorted(index.get(record_id, ()))
        else:
            linked = list(registry.relation(field).linked(field.column1 or "", record_id))
        domain = field_domain(record, field)
        if domain and linked:
            from .search import filter_ids

            linked = filter_ids(record.env[field.comodel_name], domain, linked)
        return _visible_in_order(record, field, linked)
    return row.get(field.name, field.empty())


def field_domain(model: Model, field: Field) -> list[Any]:
    """The domain a relational field applies on the server (Odoo's ``get_domain_list``): a
    list, or a callable's list; string domains are for the web client only."""
    domain = field.domain(model) if callable(field.domain) else field.domain
    return list(domain) if isinstance(domain, list | tuple) else []


def _visible_in_order(record: Model, field: Field, ids: list[int]) -> tuple[int, ...]:
    """x2many ids as Odoo reads them: comodel's active_test and the user's read rules
    applied (Odoo searches the comodel), in the comodel's order."""
    registry = record.env.registry
    comodel_name: str = field.comodel_name  # type: ignore[attr-defined]
    table = registry.tables[comodel_name]
    comodel = registry.models[comodel_name]
    if "active" in comodel._fields and record.env.context.get("active_test", True):
        ids = [i for i in ids if table.rows[i].get("active")]
    if ids and not record.env.su:
        from .security import linked_filter, rule_filter

        lines = record.env[comodel_name]
        ids = linked_filter(lines, "read", rule_filter(lines, "read", ids))
    if len(ids) > 1 and comodel._order != "id":
        from .search import sort_records

        ids = sort_records(record.env[comodel_name], ids, comodel._order)
    return tuple(ids)


def _related_value(record: Model, field: Field) -> Any:
    path = (field.related or "").split(".")
    target: Any = record
    for name in path[:-1]:
        target = getattr(target.sudo(), name)
        if len(target) != 1:
            target = target[:1]
        if not target:
            return target._fields[path[-1]].empty()
    last = target._fields[path[-1]]
    return raw_value(target.sudo(), last)


def related_target_field(record: Model, field: Field) -> Field:
    """The field at the end of a related path (gives type, selection and relation)."""
    model: Any = type(record)
    names = (field.related or "").split(".")
    for name in names[:-1]:
        model = record.env.registry.models[model._fields[name].comodel_name]
    result: Field = model._fields[names[-1]]
    return result


def computed_value(record: Model, field: Field) -> Any:
    env = record.env
    cache = env.cache.fresh(env.registry.generation)
    key = (record._name, field.name, record._ids[0])
    if key not in cache:
        run_compute(record, field)
    return cache.get(key, field.empty())


def compute_fields_of(record: Model, field: Field) -> list[Field]:
    """All fields computed by the same method as *field* (one method may set several fields)."""
    return [f for f in record._fields.values() if f.compute == field.compute]


def run_compute(records: Model, field: Field) -> None:
    """Run *field*'s compute method on *records*; assignments land in the env cache."""
    env = records.env
    cache = env.cache.fresh(env.registry.generation)
    targets = compute_fields_of(records, field)
    keys = {(records._name, f.name) for f in targets}
    table = env.registry.tables.get(records._name)
    if table is not None:
        missing = tuple(rid for rid in records._ids if rid not in table.rows)
        if missing:
            raise missing_error(records.browse(missing))
    for f in targets:
        for rid in records._ids:
            cache.setdefault((records._name, f.name, rid), f.empty())
    added = keys - env.cache.computing
    env.cache.computing |= added
    try:
        if callable(field.compute):
            field.compute(records)
        else:
            getattr(records, str(field.compute))()
    finally:
        env.cache.computing -= added


def set_value(record: Model, field: Field, value: Any) -> None:
    env = record.env
    if (record._name, field.name) in env.cache.computing:
        cache = env.cache.fresh(env.registry.generation)
        stored = to_cache(record, field, value)
        for rid in record._ids:
            cache[(record._name, field.name, rid)] = stored
        return
    record.write({field.name: value})


def to_cache(record: Model, field: Field, value: Any) -> Any:
    """Normalise a value assigned by business code (recordsets to ids, strings to dates)."""
    if isinstance(field, fields.Many2one):
        if hasattr(value, "_ids"):
            return value._ids[0] if value._ids else False
        return value or False
    if isinstance(field, fields.One2many | fields.Many2many):
        if hasattr(value, "_ids"):
            return tuple(value._ids)
        if isinstance(value, list | tuple) and all(isinstance(v, int) for v in value):
            return tuple(value)
        return tuple(value or ())
    if isinstance(field, fields.Selection):
        return value if value is not None else False
    return field.convert_to_write(value, record)
