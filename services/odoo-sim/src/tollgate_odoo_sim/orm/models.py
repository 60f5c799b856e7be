"""The Model base class: declarations (class attributes) and recordsets (instances).

A class written by business code is a *declaration*. The registry combines all declarations of one
``_name`` (the first one plus every ``_inherit`` extension, in order) into one built class per
registry; instances of that class are recordsets bound to an Environment. The heavy lifting of
the public methods lives in the sibling modules (crud, reading, grouping, security) so that this
file stays about recordset mechanics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..exceptions import AccessError
from . import api
from .declarations import remember
from .fields import Field

if TYPE_CHECKING:
    from .environment import Environment


class Model:
    """Base class of every business model (Odoo's ``models.Model``)."""

    _name: ClassVar[str] = ""
    _inherit: ClassVar[str | Sequence[str]] = ()
    _description: ClassVar[str | None] = None
    _order: ClassVar[str] = "id"
    _rec_name: ClassVar[str | None] = None
    _rec_names_search: ClassVar[Sequence[str] | None] = None
    _parent_name: ClassVar[str] = "parent_id"
    _parent_store: ClassVar[bool] = False
    _check_company_auto: ClassVar[bool] = False
    _abstract: ClassVar[bool] = False
    _transient: ClassVar[bool] = False
    _auto: ClassVar[bool] = True
    _log_access: ClassVar[bool] = True
    _table: ClassVar[str | None] = None
    _sql_constraints: ClassVar[Sequence[tuple[str, str, str]]] = ()
    _active_name: ClassVar[str | None] = None

    # set on built classes by the registry
    _fields: ClassVar[dict[str, Field]] = {}
    _constraint_methods: ClassVar[list[tuple[tuple[str, ...], str]]] = []

    env: Environment
    _ids: tuple[int, ...]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("_registry_built", False) and cls.__module__ != __name__:
            remember(cls)

    def __init__(self, env: Environment, ids: tuple[int, ...] = ()) -> None:
        self.env = env
        self._ids = ids

    # -- declaration helpers ---------------------------------------------------------------------

    @classmethod
    def _inherits_list(cls) -> list[str]:
        inherit = cls.__dict__.get("_inherit", ())
        if isinstance(inherit, str):
            return [inherit]
        return list(inherit)

    # -- recordset basics ------------------------------------------------------------------------

    @property
    def ids(self) -> list[int]:
        return list(self._ids)

    @property
    def id(self) -> int | bool:
        if not self._ids:
            return False
        self.ensure_one()
        return self._ids[0]

    @property
    def _uid(self) -> int:
        return self.env.uid

    @property
    def _context(self) -> dict[str, Any]:
        return self.env.context

    def __len__(self) -> int:
        return len(self._ids)

    def __bool__(self) -> bool:
        return bool(self._ids)

    def __iter__(self) -> Iterator[Any]:
        cls = type(self)
        for record_id in self._ids:
            yield cls(self.env, (record_id,))

    def __contains__(self, item: object) -> bool:
        return (
            isinstance(item, Model)
            and item._name == self._name
            and set(item._ids) <= set(self._ids)
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return self._name == other._name and set(self._ids) == set(other._ids)

    def __hash__(self) -> int:
        return hash((self._name, frozenset(self._ids)))

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return getattr(self, key)
        if isinstance(key, slice):
            return self.browse(self._ids[key])
        return self.browse((self._ids[key],))

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def __or__(self, other: Model) -> Any:
        return self.browse(tuple(dict.fromkeys(self._ids + other._ids)))

    def __add__(self, other: Model) -> Any:
        return self.browse(self._ids + other._ids)

    def __and__(self, other: Model) -> Any:
        keep = set(other._ids)
        return self.browse(tuple(i for i in dict.fromkeys(self._ids) if i in keep))

    def __sub__(self, other: Model) -> Any:
        drop = set(other._ids)
        return self.browse(tuple(i for i in self._ids if i not in drop))

    def __repr__(self) -> str:
        return f"{self._name}{self._ids!r}"

    def browse(self, ids: int | Iterable[int] | None = None) -> Any:
        if ids is None or ids is False:
            ids = ()
        elif isinstance(ids, int):
            ids = (ids,)
        return type(self)(self.env, tuple(ids))

    def ensure_one(self) -> Any:
        if len(self._ids) != 1:
            raise ValueError(f"Expected singleton: {self!r}")
        return self

    def with_env(self, env: Environment) -> Any:
        return type(self)(env, self._ids)

    def sudo(self, flag: bool = True) -> Any:
        return self.with_env(self.env(su=flag))

    def with_user(self, user: int | Model) -> Any:
        uid = user if isinstance(user, int) else int(user.id)
        return self.with_env(self.env(user=uid, su=False))

    def with_context(self, *args: Any, **kwargs: Any) -> Any:
        context = dict(args[0]) if args else dict(self.env.context)
        context.update(kwargs)
        return self.with_env(self.env(context=context))

    def with_company(self, company: int | Model) -> Any:
        company_id = company if isinstance(company, int) else int(company.id)
        allowed = [company_id] + [
            cid for cid in self.env.context.get("allowed_company_ids", []) if cid != company_id
        ]
        return self.with_context(allowed_company_ids=allowed)

    def mapped(self, func: str | Callable[[Any], Any]) -> Any:
        if isinstance(func, str):
            recs: Any = self
            for name in func.split("."):
                field = recs._fields[name]
                values = [rec._get_field(field) for rec in recs]
                if field.is_relational:
                    comodel = self.env[field.comodel_name]
                    ids: list[int] = []
                    for value in values:
                        ids.extend(value._ids)
                    recs = comodel.browse(tuple(dict.fromkeys(ids)))
                else:
                    return values
            return recs
        results = [func(rec) for rec in self]
        if results and all(isinstance(r, Model) for r in results):
            first: Model = results[0]
            ids = []
            for r in results:
                ids.extend(r._ids)
            return first.browse(tuple(dict.fromkeys(ids)))
        return results

    def filtered(self, func: str | Callable[[Any], Any]) -> Any:
        if isinstance(func, str):
            path = func
            return self.browse(tuple(rec.id for rec in self if any(rec.mapped(path))))
        return self.browse(tuple(rec.id for rec in self if func(rec)))

    def filtered_domain(self, domain: list[Any]) -> Any:
        from .search import filter_ids

        kept = set(filter_ids(self, domain, self._ids))
        return self.browse(tuple(i for i in self._ids if i in kept))

    def sorted(self, key: str | Callable[[Any], Any] | None = None, reverse: bool = False) -> Any:
        from .search import sort_records

        if key is None or isinstance(key, str):
            ids = sort_records(self, list(self._ids), key or self._order)
            if reverse:
                ids.reverse()
            return self.browse(tuple(ids))
        return self.browse(tuple(rec.id for rec in sorted(self, key=key, reverse=reverse)))

    def _get_field(self, field: Field) -> Any:
        from .values import get_value

        return get_value(self, field)

    def _set_field(self, field: Field, value: Any) -> None:
        from .values import set_value

        set_value(self, field, value)

    # -- public ORM methods (RPC callable); bodies live in the sibling modules -----------------

    @api.model
    def search(
        self,
        domain: Any,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> Any:
        from .search import search

        return search(self, domain or [], offset=offset, limit=limit, order=order)

    @api.model
    def search_count(self, domain: Any, limit: int | None = None) -> int:
        from .search import search_ids

        ids = search_ids(self, domain or [], count=True)
        return len(ids) if limit is None or limit is False else min(len(ids), int(limit))

    @api.model
    def search_fetch(
        self,
        domain: Any,
        field_names: Sequence[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> Any:
        return self.search(domain, offset=offset, limit=limit, order=order)

    @api.model
    def search_read(
        self,
        domain: Any = None,
        fields: Sequence[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        **read_kwargs: Any,
    ) -> list[dict[str, Any]]:
        from .reading import search_read

        return search_read(self, domain, fields, offset, limit, order, **read_kwargs)

    def read(self, fields: Sequence[str] | None = None, load: str | None = "_classic_read") -> Any:
        from .reading import read

        return read(self, fields, load)

    @api.model
    def fields_get(
        self, allfields: Sequence[str] | None = None, attributes: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        from .reading import fields_get

        return fields_get(self, allfields, attributes)

    @api.model
    def name_search(
        self,
        name: str = "",
        domain: Any = None,
        operator: str = "ilike",
        limit: int = 100,
        **kw: Any,
    ) -> list[list[Any]]:
        from .reading import name_search

        # Odoo 17 names the domain parameter ``args``; 18 renamed it ``domain``.
        if "args" in kw and self.env.version.major < 18:
            legacy = kw.pop("args")
            domain = legacy if domain is None else domain
        if kw:
            unexpected = next(iter(kw))
            raise TypeError(f"name_search() got an unexpected keyword argument '{unexpected}'")
        return name_search(self, name, domain, operator, limit)

    def _search_display_name(self, operator: str, value: Any) -> list[Any] | None:
        """The domain a ``display_name`` condition stands for (overridable, as in Odoo);
        None matches the computed display names instead."""
        from .search import rec_names_domain

        return rec_names_domain(self, operator, value)

    def name_get(self) -> list[tuple[int, Any]]:
        """Deprecated in Odoo 17 and removed in 18 (the service hides it there)."""
        return [(record._ids[0], record.display_name) for record in self]

    @api.model
    def name_create(self, name: str) -> Any:
        rec_name = self._rec_name_field()
        if not rec_name:
            raise ValueError(f"Cannot execute name_create, no _rec_name defined on {self._name}")
        record = self.create([{rec_name: name}])
        return [record.id, record.display_name]

    @api.model
    def default_get(
        self, fields_list: Sequence[str] | None = None, fields: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """``fields_list`` up to Odoo 18, ``fields`` from 19 (JSON-2 names it so)."""
        from .crud import default_get

        names = fields_list if fields_list is not None else fields
        if names is None:
            raise TypeError("default_get() missing 1 required positional argument: 'fields'")
        return default_get(self, names)

    @api.model_create_multi
    def create(self, vals_list: list[dict[str, Any]]) -> Any:
        from .crud import create

        return create(self, vals_list)

    def write(self, vals: dict[str, Any]) -> bool:
        from .crud import write

        return write(self, vals)

    def unlink(self) -> bool:
        from .crud import unlink

        return unlink(self)

    def copy(self, default: dict[str, Any] | None = None) -> Any:
        from .crud import copy

        return copy(self, default)

    def copy_data(self, default: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        from .crud import copy_data

        return copy_data(self, default)

    def exists(self) -> Any:
        table = self.env.registry.table(self._name)
        return self.browse(tuple(i for i in self._ids if i in table.rows))

    def toggle_active(self) -> bool:
        for record in self:
            record.write({"active": not record.active})
        return True

    def action_archive(self) -> bool:
        return bool(self.filtered(lambda rec: rec.active).write({"active": False}))

    def action_unarchive(self) -> bool:
        return bool(self.filtered(lambda rec: not rec.active).write({"active": True}))

    @api.model
    def check_access_rights(self, operation: str, raise_exception: bool = True) -> bool:
        from .security import check_model_access

        return check_model_access(self, operation, raise_exception)

    def check_access_rule(self, operation: str) -> None:
        from .security import check_record_rules

        check_record_rules(self, operation)

    # -- access decided in code rather than by ir.rule (Odoo overrides these per model) ----------

    def _linked_access_filter(self, operation: str) -> Callable[[int], bool] | None:
        """For searches: which records the user may *operation* beyond model access and
        ir.rule, or None when this model adds nothing (chatter and attachments follow their
        document, for instance). Never called for the superuser."""
        return None

    def _check_linked_access(self, operation: str) -> None:
        """Raise the model's own error when the user may not *operation* existing records
        of ``self`` for reasons the model decides in code (see ``_linked_access_filter``)."""

    def check_access(self, operation: str) -> None:
        self.check_access_rights(operation)
        self.check_access_rule(operation)

    def has_access(self, operation: str) -> bool:
        try:
            self.check_access(operation)
        except AccessError:
            return False
        return True

    @api.model
    def read_group(
        self,
        domain: Any,
        fields: Sequence[str],
        groupby: str | Sequence[str],
        offset: int = 0,
        limit: int | None = None,
        orderby: str | bool = False,
        lazy: bool = True,
    ) -> list[dict[str, Any]]:
        from .grouping import read_group

        return read_group(self, domain, fields, groupby, offset, limit, orderby, lazy)

    @api.model
    def formatted_read_group(
        self,
        domain: Any,
        groupby: Sequence[str] = (),
        aggregates: Sequence[str] = (),
        having: Any = (),
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        from .grouping import formatted_read_group

        return formatted_read_group(self, domain, groupby, aggregates, having, offset, limit, order)

    # -- display name --------------------------------------------------------------------------

    @classmethod
    def _rec_name_field(cls) -> str | None:
        if cls._rec_name:
            return cls._rec_name
        return "name" if "name" in cls._fields else None

    def _compute_display_name(self) -> None:
        rec_name = self._rec_name_field()
        for record in self:
            if rec_name:
                field = record._fields[rec_name]
                record.display_name = field.convert_to_display_name(
                    record._read_stored(field), record
                )
            else:
                record.display_name = f"{record._name},{record.id}"

    def _read_stored(self, field: Field) -> Any:
        from .values import raw_value

        return raw_value(self, field)


class AbstractModel(Model):
    """A model without a table, only meant to be inherited (Odoo's ``models.AbstractModel``)."""

    _abstract = True


class TransientModel(Model):
    """A wizard model (Odoo's ``models.TransientModel``); stored like the others here."""

    _transient = True


# Python words argument errors with the method's qualified name; Odoo's methods live on BaseModel,
# so a client sends search(fileds=...) and reads "BaseModel.search() got an unexpected ...".
for _function in vars(Model).values():
    if callable(_function) and hasattr(_function, "__qualname__"):
        _function.__qualname__ = _function.__qualname__.replace("Model.", "BaseModel.", 1)
