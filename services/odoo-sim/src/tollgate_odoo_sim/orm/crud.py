"""create / write / unlink / copy / default_get with Odoo's validation and error texts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import UserError, ValidationError
from . import fields
from .fields import Field
from .recompute import recompute_after, records_to_recompute
from .security import check_field_access, check_model_access, check_record_rules

if TYPE_CHECKING:
    from .models import Model

#: fields maintained by the ORM itself; values given by callers are ignored like Odoo does
MAGIC = ("id", "create_uid", "create_date", "write_uid", "write_date", "display_name")


def _check_unknown(model: Model, vals: Mapping[str, Any]) -> None:
    for key in vals:
        if key not in model._fields:
            raise ValueError(f"Invalid field {key!r} on model {model._name!r}")


def default_get(model: Model, fields_list: Sequence[str]) -> dict[str, Any]:
    """Defaults from ``default_<field>`` context keys, then each field's ``default``."""
    result: dict[str, Any] = {}
    context = model.env.context
    for name in fields_list:
        field = model._fields.get(name)
        if field is None:
            continue
        key = f"default_{name}"
        if key in context:
            result[name] = context[key]
            continue
        default = field.default
        if default is fields._UNSET:
            continue
        value = default(model) if callable(default) else default
        result[name] = _default_for_read(field, value, model)
    return result


def _default_for_read(field: Field, value: Any, model: Model) -> Any:
    """Defaults as ``default_get`` returns them: ids for relations, strings for dates."""
    if hasattr(value, "_ids"):
        if isinstance(field, fields.Many2one):
            return value._ids[0] if value._ids else False
        return [(6, 0, list(value._ids))]
    if isinstance(field, fields.Date | fields.Datetime):
        return field.convert_to_read(field.convert_to_write(value, model), model)
    return value


def _integrity_error(model: Model, field: Field) -> ValidationError:
    return ValidationError(
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. "
        "If possible, archive it instead.\n\n"
        f"Model: {model._description or model._name} ({model._name})\n"
        f"Field: {field.string} ({field.name})\n"
    )


def _foreign_key_error(model: Model, field: Field) -> ValidationError:
    table = (model._name or "").replace(".", "_")
    return ValidationError(
        "The operation cannot be completed: another model requires the record being deleted. "
        "If possible, archive it instead.\n\n"
        f"Model: {model._description or model._name} ({model._name})\n"
        f"Constraint: {table}_{field.name}_fkey\n"
    )


def _store_value(model: Model, field: Field, value: Any) -> Any:
    stored = field.convert_to_write(value, model)
    if isinstance(field, fields.Many2one) and stored:
        table = model.env.registry.tables.get(field.comodel_name)
        if table is not None and stored not in table.rows:
            raise _foreign_key_error(model, field)
    return stored


def _is_column(field: Field) -> bool:
    return (
        field.store
        and not field.related
        and not isinstance(field, fields.One2many | fields.Many2many)
    )


def create(model: Model, vals_list: Iterable[Mapping[str, Any]]) -> Any:
    """Atomic like one Odoo statement: a failure (constraint, bad value) leaves no trace."""
    with model.env.registry.transaction():
        return _create(model, vals_list)


def _create(model: Model, vals_list: Iterable[Mapping[str, Any]]) -> Any:
    env = model.env
    check_model_access(model, "create")
    registry = env.registry
    table = registry.tables[model._name or ""]
    now = fields.Datetime.now()
    vals_list = list(vals_list)
    created: list[int] = []
    provided: list[set[str]] = []
    for vals in vals_list:
        if not isinstance(vals, Mapping):
            raise TypeError(f"create() expects a dict of values, got {type(vals).__name__}")
        _check_unknown(model, vals)
        check_field_access(model, "write", vals)
        missing = [name for name in model._fields if name not in vals]
        full = {**default_get(model, missing), **vals}
        row: dict[str, Any] = {}
        for name, field in model._fields.items():
            if not _is_column(field) or name in MAGIC:
                continue
            row[name] = _store_value(model, field, full[name]) if name in full else field.empty()
        if model._log_access:
            row.update(create_uid=env.uid, write_uid=env.uid, create_date=now, write_date=now)
        new_id = table.allocate_id()
        table.insert(new_id, row)
        created.append(new_id)
        provided.append(set(full))
        record = model.browse(new_id)
        _write_non_columns(record, {k: v for k, v in full.items() if k in model._fields})
    records = model.browse(tuple(created))
    registry.touch()
    for record, names in zip(records, provided, strict=True):
        computed = [
            f for f in record._fields.values() if f.compute and f.store and f.name not in names
        ]
        recompute_after(record, computed, set(names) | {f.name for f in computed})
        _check_required(record)
        _run_constraints(record, set(names) | {f.name for f in computed})
    if not env.su:
        check_record_rules(records, "create")
    return records


def _check_required(record: Model) -> None:
    row = record.env.registry.tables[record._name or ""].rows[record._ids[0]]
    for name, field in record._fields.items():
        if not field.required or not _is_column(field) or field.type == "boolean":
            continue
        value = row.get(name)
        if value is False or value is None or (value == "" and field.type != "char"):
            raise _integrity_error(record, field)


def _run_constraints(records: Model, names: set[str]) -> None:
    _check_company(records, names)
    for watched, method_name in records._constraint_methods:
        if names.intersection(watched):
            getattr(records, method_name)()


def _check_company(records: Model, names: set[str]) -> None:
    """Odoo's ``_check_company``: relations marked ``check_company`` must share the company."""
    if not records._check_company_auto or "company_id" not in records._fields:
        return
    checked = [
        f
        for f in records._fields.values()
        if f.check_company and f.is_relational and (f.name in names or "company_id" in names)
    ]
    if not checked:
        return
    problems: list[str] = []
    for record in records.sudo():
        company = record.company_id
        if not company:
            continue
        for field in checked:
            targets = getattr(record, field.name)
            if "company_id" not in targets._fields:
                continue
            wrong = targets.filtered(lambda t, c=company: t.company_id and t.company_id != c)
            if wrong:
                values = ", ".join(str(name) for name in wrong.mapped("display_name"))
                problems.append(
                    f"- {record.display_name!r} belongs to company {company.display_name!r} and "
                    f"{field.string!r} ({field.name}: {values}) belongs to another company."
                )
    if problems:
        raise UserError("Incompatible companies on records:\n" + "\n".join(problems[:5]))


def _write_non_columns(record: Model, vals: Mapping[str, Any]) -> None:
    """x2many commands, related write-through and inverse methods of computed fields."""
    for name, value in vals.items():
        field = record._fields[name]
        if name in MAGIC:
            continue
        if field.related:
            _write_related(record, field, value)
        elif field.compute and not field.store:
            if field.inverse:
                _call_inverse(record, field, value)
        elif isinstance(field, fields.One2many | fields.Many2many):
            apply_x2many(record, field, value)


def _write_related(record: Model, field: Field, value: Any) -> None:
    path = (field.related or "").split(".")
    target: Any = record.sudo()
    for hop in path[:-1]:
        target = getattr(target, hop)
    if target:
        target.write({path[-1]: value})


def _call_inverse(record: Model, field: Field, value: Any) -> None:
    from .values import to_cache

    env = record.env
    cache = env.cache.fresh(env.registry.generation)
    cache[(record._name or "", field.name, record._ids[0])] = to_cache(record, field, value)
    key = (record._name or "", field.name)
    env.cache.computing.add(key)
    try:
        inverse = field.inverse
        if callable(inverse):
            inverse(record)
        else:
            getattr(record, str(inverse))()
    finally:
        env.cache.computing.discard(key)


def _command_list(value: Any) -> list[Any]:
    if value is None or value is False:
        return [(5, 0, 0)]
    if hasattr(value, "_ids"):
        return [(6, 0, list(value._ids))]
    if not isinstance(value, list | tuple):
        raise ValueError(f"Wrong value for x2many field: {value!r}")
    if value and all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        return [(6, 0, list(value))]
    return list(value)


def apply_x2many(record: Model, field: Field, value: Any) -> None:
    """Apply Odoo's x2many commands ``(0, 0, vals)``, ``(6, 0, ids)``... to *record*."""
    comodel = record.env[field.comodel_name]  # type: ignore[attr-defined]
    record_id = record._ids[0]
    for command in _command_list(value):
        if not isinstance(command, list | tuple) or not command:
            raise ValueError(f"Invalid x2many command {command!r} for field {field}")
        code = command[0]
        arg = command[1] if len(command) > 1 else 0
        payload = command[2] if len(command) > 2 else None
        if code == 0:
            vals = dict(payload or {})
            if isinstance(field, fields.One2many):
                vals[field.inverse_name] = record_id
                comodel.create(vals)
            else:
                _link(record, field, comodel.create(vals).id)
        elif code == 1:
            comodel.browse(arg).write(dict(payload or {}))
        elif code == 2:
            comodel.browse(arg).unlink()
        elif code == 3:
            _unlink_one(record, field, comodel.browse(arg))
        elif code == 4:
            _link(record, field, arg)
        elif code == 5:
            for current in _current(record, field):
                _unlink_one(record, field, comodel.browse(current))
        elif code == 6:
            wanted = list(payload or [])
            for current in _current(record, field):
                if current not in wanted:
                    _unlink_one(record, field, comodel.browse(current))
            for target in wanted:
                _link(record, field, target)
        else:
            raise ValueError(f"Invalid x2many command {command!r} for field {field}")


def _current(record: Model, field: Field) -> tuple[int, ...]:
    from .values import raw_value

    result: tuple[int, ...] = raw_value(record.with_context(active_test=False), field)
    return result


def _link(record: Model, field: Field, target: int) -> None:
    registry = record.env.registry
    if not isinstance(target, int) or target not in registry.tables[field.comodel_name].rows:  # type: ignore[attr-defined]
        raise _foreign_key_error(record, field)
    if isinstance(field, fields.One2many):
        record.env[field.comodel_name].browse(target).write({field.inverse_name: record._ids[0]})
    elif isinstance(field, fields.Many2many):
        registry.relation(field).link(
            field.column1 or "", field.column2 or "", record._ids[0], target
        )


def _unlink_one(record: Model, field: Field, target: Model) -> None:
    if isinstance(field, fields.One2many):
        inverse = target._fields[field.inverse_name]
        if inverse.required or getattr(inverse, "ondelete", "") == "cascade":
            target.unlink()
        else:
            target.write({field.inverse_name: False})
    elif isinstance(field, fields.Many2many):
        relation = record.env.registry.relation(field)
        relation.unlink(field.column1 or "", field.column2 or "", record._ids[0], target._ids[0])


def write(records: Model, vals: Mapping[str, Any]) -> bool:
    """Atomic like one Odoo statement: a failure (constraint, bad value) leaves no trace."""
    with records.env.registry.transaction():
        return _write(records, vals)


def _write(records: Model, vals: Mapping[str, Any]) -> bool:
    env = records.env
    if not isinstance(vals, Mapping):
        raise TypeError(f"write() expects a dict of values, got {type(vals).__name__}")
    check_model_access(records, "write")
    _check_unknown(records, vals)
    check_field_access(records, "write", vals)
    check_record_rules(records, "write")
    registry = env.registry
    table = registry.tables[records._name or ""]
    missing = [rid for rid in records._ids if rid not in table.rows]
    if missing:
        raise _missing_on_write(records, missing)
    names = {name for name in vals if name not in MAGIC}
    columns = {
        name: _store_value(records, records._fields[name], vals[name])
        for name in names
        if _is_column(records._fields[name])
    }
    before = records_to_recompute(records, names)
    now = fields.Datetime.now()
    for rid in records._ids:
        for name, value in columns.items():
            table.set_value(rid, name, value)
        if records._log_access:
            table.set_value(rid, "write_uid", env.uid)
            table.set_value(rid, "write_date", now)
    for record in records:
        _write_non_columns(
            record, {k: vals[k] for k in names if not _is_column(records._fields[k])}
        )
    registry.touch()
    recompute_after(records, [], names, extra=before)
    for record in records:
        _check_required(record)
    _run_constraints(records, names)
    return True


def _missing_on_write(records: Model, missing: list[int]) -> UserError:
    from ..exceptions import MissingError

    return MissingError(
        "One of the records you are trying to modify has already been deleted "
        f"(Document type: {records._description or records._name}).\n\n"
        f"(Records: {missing[:6]}, User: {records.env.uid})"
    )


def unlink(records: Model) -> bool:
    """Atomic like one Odoo statement: a failure (constraint, bad value) leaves no trace."""
    with records.env.registry.transaction():
        return _unlink(records)


def _unlink(records: Model) -> bool:
    env = records.env
    if not records._ids:
        return True
    check_model_access(records, "unlink")
    check_record_rules(records, "unlink")
    registry = env.registry
    name = records._name or ""
    table = registry.tables[name]
    existing = records.browse(
        tuple(rid for rid in dict.fromkeys(records._ids) if rid in table.rows)
    )
    if not existing:
        return True
    for method_name in _ondelete_methods(records):
        getattr(existing, method_name)()
    affected = records_to_recompute(existing, set(existing._fields))
    ids = set(existing._ids)
    for other_name, other in registry.models.items():
        for field in other._fields.values():
            if (
                isinstance(field, fields.Many2one)
                and field.comodel_name == name
                and _is_column(field)
            ):
                _apply_ondelete(env, other_name, field, ids)
            if isinstance(field, fields.Many2many) and _is_column_m2m(field):
                relation = registry.relation(field)
                if field.comodel_name == name:
                    for rid in ids:
                        relation.drop(field.column2 or "", field.column1 or "", rid)
                if other_name == name:
                    for rid in ids:
                        relation.drop(field.column1 or "", field.column2 or "", rid)
    for rid in existing._ids:
        table.delete(rid)
    registry.drop_xmlids(name, ids)
    registry.touch()
    recompute_after(existing.browse(()), [], set(), extra=affected)
    return True


def _is_column_m2m(field: fields.Many2many) -> bool:
    return field.store and not field.related and not field.compute


def _ondelete_methods(records: Model) -> list[str]:
    return [
        attr
        for attr in dir(type(records))
        if getattr(getattr(type(records), attr, None), "_ondelete", False)
    ]


def _apply_ondelete(env: Any, model_name: str, field: fields.Many2one, ids: set[int]) -> None:
    table = env.registry.tables.get(model_name)
    if table is None:
        return
    index = table.reverse_index(field.name)
    referencing = sorted(
        {rid for target in ids for rid in index.get(target, ())}
        - (ids if model_name == field.comodel_name else set())
    )
    if not referencing:
        return
    model = env(su=True)[model_name]
    if field.ondelete == "cascade":
        model.browse(tuple(referencing)).unlink()
    elif field.ondelete == "restrict" or field.required:
        raise ValidationError(
            "The operation cannot be completed: another model requires the record being deleted. "
            "If possible, archive it instead.\n\n"
            f"Model: {model._description or model_name} ({model_name})\n"
            f"Constraint: {model_name.replace('.', '_')}_{field.name}_fkey\n"
        )
    else:
        for rid in referencing:
            table.set_value(rid, field.name, False)


def copy_data(records: Model, default: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    from .values import raw_value

    result: list[dict[str, Any]] = []
    for record in records:
        vals: dict[str, Any] = {}
        for name, field in record._fields.items():
            if (
                name in MAGIC
                or not field.copy
                or field.related
                or (field.compute and not field.store)
            ):
                continue
            if default and name in default:
                continue
            value = raw_value(record, field)
            if isinstance(field, fields.One2many):
                lines = record.env[field.comodel_name].browse(value)
                vals[name] = [(0, 0, data) for data in lines.copy_data({field.inverse_name: False})]
                for line_vals in vals[name]:
                    line_vals[2].pop(field.inverse_name, None)
            elif isinstance(field, fields.Many2many):
                vals[name] = [(6, 0, list(value))]
            else:
                vals[name] = value
        vals.update(default or {})
        result.append(vals)
    return result


def copy(records: Model, default: Mapping[str, Any] | None = None) -> Any:
    if default is not None and not isinstance(default, Mapping):
        raise TypeError("copy() default must be a dict")
    check_model_access(records, "read")
    check_record_rules(records, "read")
    new = records.browse(())
    for record in records:
        (vals,) = record.copy_data(dict(default or {}))
        new |= record.create(vals)
    return new
