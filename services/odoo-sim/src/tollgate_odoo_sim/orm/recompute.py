"""Keeping stored computed fields up to date when the fields they depend on change.

Each ``@api.depends`` path of a stored computed field becomes a trigger on every field along
the path; a change walks the path backwards (many2one via reverse indexes, one2many via its
inverse, many2many via the link table) to find the records to recompute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import fields
from .fields import Field

if TYPE_CHECKING:
    from .models import Model
    from .registry import Registry

Hop = tuple[str, str]  # (model, relational field) followed forward from the computed model
Trigger = tuple[str, str, tuple[Hop, ...]]  # (computed model, computed field, hops)
Targets = dict[tuple[str, str], set[int]]

_MAX_ROUNDS = 10_000


def _triggers(registry: Registry) -> dict[tuple[str, str], list[Trigger]]:
    cached: dict[tuple[str, str], list[Trigger]] | None = registry.__dict__.get("_triggers")
    if cached is not None:
        return cached
    triggers: dict[tuple[str, str], list[Trigger]] = {}
    for model_name, cls in registry.models.items():
        for field in cls._fields.values():
            if not (field.compute and field.store):
                continue
            for path in field.depends:
                _register(registry, triggers, model_name, field.name, path.split("."))
    registry.__dict__["_triggers"] = triggers
    return triggers


def _register(
    registry: Registry,
    triggers: dict[tuple[str, str], list[Trigger]],
    model_name: str,
    field_name: str,
    path: list[str],
) -> None:
    current = model_name
    hops: list[Hop] = []
    for name in path:
        cls = registry.models.get(current)
        field = cls._fields.get(name) if cls is not None else None
        if field is None:
            return
        entry: Trigger = (model_name, field_name, tuple(hops))
        triggers.setdefault((current, name), []).append(entry)
        if not field.is_relational:
            return
        comodel = field.comodel_name  # type: ignore[attr-defined]
        hops.append((current, name))
        if isinstance(field, fields.One2many):
            triggers.setdefault((comodel, field.inverse_name), []).append(
                (model_name, field_name, tuple(hops))
            )
        current = comodel


def _walk_back(registry: Registry, hops: Sequence[Hop], ids: Iterable[int]) -> set[int]:
    current = set(ids)
    for model_name, name in reversed(hops):
        if not current:
            return current
        field = registry.models[model_name]._fields[name]
        table = registry.tables.get(model_name)
        if table is None:
            return set()
        if isinstance(field, fields.Many2one) and field.store and not field.related:
            index = table.reverse_index(name)
            current = {rid for target in current for rid in index.get(target, ())}
        elif isinstance(field, fields.One2many):
            rows = registry.tables[field.comodel_name].rows
            parents = (rows[c].get(field.inverse_name) for c in current if c in rows)
            current = {parent for parent in parents if parent}
        elif isinstance(field, fields.Many2many) and field.store:
            relation = registry.relation(field)
            current = {
                rid for target in current for rid in relation.linked(field.column2 or "", target)
            }
        else:
            current = _scan(registry, model_name, field, current)
    return current


def _scan(registry: Registry, model_name: str, field: Field, targets: set[int]) -> set[int]:
    from .values import raw_value

    env = registry.env(su=True)
    found: set[int] = set()
    for rid in registry.tables[model_name].rows:
        value = raw_value(env[model_name].browse(rid), field)
        linked = set(value) if isinstance(value, tuple) else {value}
        if linked & targets:
            found.add(rid)
    return found


def records_to_recompute(records: Model, names: Iterable[str]) -> Targets:
    """Which stored computed fields of which records depend on *names* of *records*."""
    registry = records.env.registry
    triggers = _triggers(registry)
    targets: Targets = {}
    for name in names:
        for model_name, field_name, hops in triggers.get((records._name or "", name), ()):
            ids = _walk_back(registry, hops, records._ids) if hops else set(records._ids)
            if ids:
                targets.setdefault((model_name, field_name), set()).update(ids)
    return targets


def recompute_after(
    records: Model, computed: Sequence[Field], names: set[str], extra: Targets | None = None
) -> None:
    """Recompute *computed* on *records* and everything depending on *names*, transitively."""
    env = records.env
    registry = env.registry
    todo: Targets = {}
    for field in computed:
        todo.setdefault((records._name or "", field.name), set()).update(records._ids)
    for key, ids in records_to_recompute(records, names).items():
        todo.setdefault(key, set()).update(ids)
    for key, ids in (extra or {}).items():
        todo.setdefault(key, set()).update(ids)
    rounds = 0
    while todo and rounds < _MAX_ROUNDS:
        rounds += 1
        (model_name, field_name), ids = next(iter(todo.items()))
        del todo[(model_name, field_name)]
        table = registry.tables.get(model_name)
        if table is None:
            continue
        live = tuple(sorted(rid for rid in ids if rid in table.rows))
        if not live:
            continue
        changed = _compute_and_store(registry, model_name, field_name, live)
        target = env(su=True)[model_name].browse(live)
        for key, more in records_to_recompute(target, changed).items():
            todo.setdefault(key, set()).update(more)


def _compute_and_store(
    registry: Registry, model_name: str, field_name: str, ids: tuple[int, ...]
) -> set[str]:
    from .values import run_compute

    env = registry.env(su=True, context={"active_test": False})
    records: Any = env[model_name].browse(ids)
    field = records._fields[field_name]
    registry.touch()
    run_compute(records, field)
    cache = env.cache.fresh(registry.generation)
    table = registry.tables[model_name]
    changed: set[str] = set()
    for sibling in records._fields.values():
        if sibling.compute != field.compute or not sibling.store:
            continue
        for rid in ids:
            value = cache.get((model_name, sibling.name, rid), sibling.empty())
            if isinstance(sibling, fields.Many2many):
                relation = registry.relation(sibling)
                current = relation.linked(sibling.column1 or "", rid)
                for old in current:
                    if old not in value:
                        relation.unlink(sibling.column1 or "", sibling.column2 or "", rid, old)
                for new in value:
                    relation.link(sibling.column1 or "", sibling.column2 or "", rid, new)
            elif table.rows[rid].get(sibling.name) != value:
                table.set_value(rid, sibling.name, value)
        changed.add(sibling.name)
    registry.touch()
    return changed
