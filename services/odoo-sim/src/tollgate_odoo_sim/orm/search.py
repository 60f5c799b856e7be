"""Searching and sorting records through the domain engine (which owns what domains mean)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .. import domain as domains
from . import fields
from .values import field_domain, missing_error, raw_value

if TYPE_CHECKING:
    from .environment import Environment
    from .models import Model


class OrmSource:
    """The ORM's side of :class:`tollgate_odoo_sim.domain.DomainSource` for one environment."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.registry = env.registry
        self.major = env.version.major
        self._infos: dict[tuple[str, str], domains.FieldInfo | None] = {}
        self._readers: dict[tuple[str, str], Callable[[int], Any]] = {}
        self._visible: dict[str, list[int]] = {}

    def field_info(self, model: str, name: str) -> domains.FieldInfo | None:
        key = (model, name)
        if key not in self._infos:
            cls = self.registry.models.get(model)
            field = cls._fields.get(name) if cls is not None else None
            self._infos[key] = None if field is None else _info(field, self.env)
        return self._infos[key]

    def parent_field(self, model: str) -> str | None:
        cls = self.registry.models[model]
        parent = cls._parent_name
        return parent if parent in cls._fields else None

    def value(self, model: str, record_id: int, name: str) -> Any:
        if record_id not in self.registry.tables[model].rows:
            # reading a deleted record fails in Odoo too: ('id', 'parent_of', 999) does
            raise missing_error(self.env[model].browse(record_id))
        return self.column_getter(model, name)(record_id)

    def column_getter(self, model: str, name: str) -> Callable[[int], Any]:
        """The reader behind :meth:`value` for one column (saves a call per record)."""
        reader = self._readers.get((model, name))
        if reader is None:
            reader = self._readers[(model, name)] = self._reader(model, name)
        return reader

    def _reader(self, model: str, name: str) -> Callable[[int], Any]:
        """A fast per-column reader: the domain engine asks for one value at a time."""
        cls = self.registry.models[model]
        field = cls._fields[name]
        if field.store and not field.related and not isinstance(field, fields.X2MANY):
            rows_get = self.registry.tables[model].rows.get
            empty = field.empty()

            def read_column(record_id: int) -> Any:
                row = rows_get(record_id)
                return empty if row is None else row.get(name, empty)

            return read_column
        if isinstance(field, fields.One2many) and not field.related and not field.compute:
            index = self.registry.tables[field.comodel_name].reverse_index(field.inverse_name)

            def read_one2many(record_id: int) -> Any:
                return tuple(sorted(index.get(record_id, ())))

            return self._within_domain(cls, field, read_one2many)
        if isinstance(field, fields.Many2many) and field.store and not field.related:
            linked = self.registry.relation(field).linked
            column = field.column1 or ""

            def read_many2many(record_id: int) -> Any:
                return linked(column, record_id)

            return self._within_domain(cls, field, read_many2many)
        env = self.env(su=True)

        def read_computed(record_id: int) -> Any:
            return raw_value(cls(env, (record_id,)), field)

        return read_computed

    def _within_domain(
        self, cls: type[Model], field: fields.Field, read: Callable[[int], Any]
    ) -> Callable[[int], Any]:
        """*read* limited to the comodel records in the x2many field's ``domain=``: lines
        outside it are not part of the field, for searches as for reads."""
        domain = field_domain(cls(self.env, ()), field)
        if not domain:
            return read
        kept = set(filter_ids(self.env(su=True)[field.comodel_name], domain))  # type: ignore[attr-defined]

        def read_in_domain(record_id: int) -> Any:
            return tuple(i for i in read(record_id) if i in kept)

        return read_in_domain

    def ids(self, model: str) -> Iterable[int]:
        """Records a sub-search on *model* may see: its active_test and the user's read rules
        apply, as when Odoo searches the comodel of an x2many path."""
        visible = self._visible.get(model)
        if visible is None:
            visible = self._visible[model] = self._visible_ids(model)
        return visible

    def _visible_ids(self, model: str) -> list[int]:
        from .security import linked_filter, rule_filter

        records = self.env[model]
        rows = self.registry.tables[model].rows
        active = active_domain(records, [])
        ids = (
            list(rows)
            if not active
            else domains.evaluate(self, model, active, rows.keys(), version=self.major)
        )
        return linked_filter(records, "read", rule_filter(records, "read", ids))

    def name_search_ids(self, model: str, operator: str, value: Any) -> set[int]:
        rows = self.registry.tables[model].rows
        leaf = [("display_name", operator, value)]
        return set(domains.evaluate(self, model, leaf, rows.keys(), version=self.major))

    def search_domain(self, model: str, name: str, operator: str, value: Any) -> list[Any] | None:
        records = self.env[model]
        field = records._fields.get(name)
        if field is None or field.store or field.related:
            return None
        if name == "display_name":
            found: list[Any] | None = records._search_display_name(operator, value)
            return found
        method = field.declared.get("search")
        if not method:
            return None
        search = getattr(records, method) if isinstance(method, str) else method.__get__(records)
        return list(search(operator, value))

    def default_order(self, model: str) -> str:
        return self.registry.models[model]._order or "id"


def _info(field: fields.Field, env: Environment) -> domains.FieldInfo:
    relation = getattr(field, "comodel_name", None)
    ftype = field.type
    if field.related:
        from .values import related_target_field

        target = related_target_field(env[field.model_name], field)
        ftype = target.type
        relation = getattr(target, "comodel_name", None)
    return domains.FieldInfo(
        type=ftype,
        relation=relation,
        stored=field.store,
        searchable=field.searchable or field.name == "display_name",
    )


def source_for(model: Model) -> OrmSource:
    return OrmSource(model.env)


def active_domain(model: Model, domain: Sequence[Any]) -> list[Any]:
    """Odoo's implicit ``('active', '=', True)`` unless the domain or context asks otherwise."""
    active = "active" if "active" in model._fields else None
    if model._active_name:
        active = model._active_name
    if not active or not model.env.context.get("active_test", True):
        return list(domain)
    for item in domain:
        if isinstance(item, list | tuple) and len(item) == 3 and item[0] == active:
            return list(domain)
    return (
        [(active, "=", True), *domains.normalize(list(domain), version=model.env.version.major)]
        if domain
        else [(active, "=", True)]
    )


def filter_ids(model: Model, domain: Any, ids: Iterable[int] | None = None) -> list[int]:
    """Ids among *ids* (all rows when None) matching *domain*, no access check, no active_test."""
    if ids is None:
        ids = model.env.registry.tables[model._name].rows.keys()
    return list(
        domains.evaluate(
            source_for(model), model._name, domain, ids, version=model.env.version.major
        )
    )


def sort_records(model: Model, ids: list[int], order: str | None) -> list[int]:
    return list(domains.sort_ids(source_for(model), model._name or "", ids, order or model._order))


def search_ids(
    model: Model,
    domain: Any,
    offset: int = 0,
    limit: int | None = None,
    order: str | bool | None = None,
    operation: str = "read",
    count: bool = False,
) -> list[int]:
    """Odoo's ``_search``: access rights, record rules, active_test, domain, order, paging."""
    from .security import check_model_access, rule_domain

    major = model.env.version.major
    domains.normalize(domain, version=major)
    check_model_access(model, operation)
    # Odoo falls back to _order for any falsy order (odoo-client-lib sends order=False).
    if order is not None and order is not False and not isinstance(order, str):
        raise ValueError(f"Invalid 'order' specification: {order!r}")
    source = source_for(model)
    name = model._name
    full = active_domain(model, domain)
    rules = rule_domain(model, operation)
    if rules is not None:
        # the rules are trusted data: evaluated with the same engine, in one pass with the domain
        full = ["&", *domains.normalize(full or [], version=major), *rules]
    rows = model.env.registry.tables[name].rows
    allows = None if model.env.su else model._linked_access_filter(operation)
    start = int(offset or 0)
    # Odoo treats limit=0 (like None/False) as "no limit"
    stop = start + int(limit) if limit else None
    if not count and stop is not None and len(rows) >= _BIG:
        # A page of a big table: walk the table's cached order and stop at the page's end,
        # instead of testing every row and sorting the matches.
        matches = domains.compile_domain(source, name, full or [], version=major)
        page: list[int] = []
        for rid in _table_order(model, source, order or model._order):
            if matches(rid) and (allows is None or allows(rid)):
                page.append(rid)
                if len(page) == stop:
                    break
        return page[start:]
    ids = domains.evaluate(source, name, full or [], rows.keys(), version=major)
    if allows is not None:
        ids = [rid for rid in ids if allows(rid)]
    if count:
        return ids
    ids = _ordered(model, source, ids, order or model._order)
    return list(ids[start:stop])


_BIG = 2_000


def _ordered(model: Model, source: OrmSource, ids: list[int], order: str) -> list[int]:
    """Sort *ids*; large results reuse a cached order of the whole table (until the next write)."""
    if len(ids) < _BIG:
        return list(domains.sort_ids(source, model._name, ids, order))
    wanted = set(ids)
    return [rid for rid in _table_order(model, source, order) if rid in wanted]


def _table_order(model: Model, source: OrmSource, order: str) -> list[int]:
    """Every row of *model*'s table in *order*, cached until the next write."""
    name = model._name
    registry = model.env.registry
    cache: dict[tuple[str, str], tuple[int, list[int]]] = registry.__dict__.setdefault(
        "_order_cache", {}
    )
    hit = cache.get((name, order))
    if hit is None or hit[0] != registry.generation:
        everything = list(registry.tables[name].rows)
        hit = (registry.generation, list(domains.sort_ids(source, name, everything, order)))
        cache[(name, order)] = hit
    return hit[1]


def search(
    model: Model, domain: Any, offset: int = 0, limit: int | None = None, order: str | None = None
) -> Any:
    return model.browse(tuple(search_ids(model, domain, offset, limit, order)))


def rec_names_domain(model: Model, operator: str, value: Any) -> list[Any] | None:
    """Odoo's default ``_search_display_name``: the value compared to each of the model's
    ``_rec_names_search`` (or ``_rec_name``) fields, ORed, or ANDed for a negative operator.
    None when one of those fields cannot be searched (its computed value is matched then)."""
    names = list(model._rec_names_search or ())
    if not names:
        rec_name = model._rec_name_field()
        names = [rec_name] if rec_name else []
    if not names:
        return [domains.TRUE_LEAF]  # nothing to search by: Odoo restrains nothing
    for name in names:
        field = model._fields.get(name.partition(".")[0])
        if field is None or name == "display_name" or not field.searchable:
            return None
    negative = operator in domains.NEGATIVE_OPERATORS
    if operator.endswith("like") and not value and "=" not in operator:
        # "like ''" matches everything (and its negation nothing)
        return [domains.FALSE_LEAF if negative else domains.TRUE_LEAF]
    joiner = "&" if negative else "|"
    return [*[joiner] * (len(names) - 1), *[(name, operator, value) for name in names]]
