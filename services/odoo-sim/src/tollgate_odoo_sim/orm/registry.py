"""One database: the built model classes, their tables, xml ids and credentials."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..versions import OdooVersion
from . import fields
from .environment import SUPERUSER_ID, Environment
from .fields import Field
from .models import Model
from .storage import Journal, Relation, Table


@dataclass(frozen=True)
class ApiKey:
    user_id: int
    name: str
    key_hash: str
    scope: str | None
    #: the key's first characters, stored in clear like Odoo does, to find the key to verify
    index: str = ""


def _table_name(model: str) -> str:
    return model.replace(".", "_")


def _module_of(cls: type[Model]) -> str:
    """Odoo module of a declaration: the last part of its Python module (``...addons.sale``)."""
    module = cls.__module__.rsplit(".", 1)[-1]
    return "base" if module in ("base_models", "__main__") else module


class Registry:
    """The model classes of one database, built from declarations for one Odoo version."""

    def __init__(
        self, version: OdooVersion, declarations: Sequence[type[Model]], db_name: str = "odoo"
    ):
        self.version = version
        self.db_name = db_name
        self.models: dict[str, type[Model]] = {}
        self.tables: dict[str, Table] = {}
        self.relations: dict[str, Relation] = {}
        self.xmlids: dict[str, tuple[str, int]] = {}
        self.model_modules: dict[str, str] = {}
        self.passwords: dict[int, str] = {}
        self.api_keys: list[ApiKey] = []
        #: digests of secrets already verified (uid -> digests), so that per-call credential
        #: checks do not pay for PBKDF2 every time; cleared when the user's password changes
        self.verified: dict[int, set[str]] = {}
        self.verified_keys: dict[tuple[str, str], int] = {}
        #: bumped on every write so that cached computed values are dropped
        self.generation = 0
        self.journal = Journal()
        from .base_models import KERNEL_MODELS

        kernel = [cls for cls in KERNEL_MODELS if cls not in declarations]
        self._build([*kernel, *declarations])

    # -- building --------------------------------------------------------------------------------

    def _build(self, declarations: Sequence[type[Model]]) -> None:
        grouped: dict[str, list[type[Model]]] = {}
        parents: dict[str, list[str]] = {}
        for cls in declarations:
            inherits = cls._inherits_list()
            name = cls.__dict__.get("_name") or (inherits[0] if inherits else None)
            if not name:
                raise TypeError(f"model class {cls.__qualname__} has neither _name nor _inherit")
            grouped.setdefault(name, []).append(cls)
            self.model_modules.setdefault(name, _module_of(cls))
            for parent in inherits:
                if parent != name and parent not in parents.setdefault(name, []):
                    parents[name].append(parent)
        building: set[str] = set()

        def build(name: str) -> type[Model]:
            if name in self.models:
                return self.models[name]
            if name not in grouped:
                raise TypeError(f"model {name!r} is inherited but never declared")
            if name in building:
                raise TypeError(f"inheritance cycle through model {name!r}")
            building.add(name)
            bases = tuple(reversed(grouped[name])) + tuple(build(p) for p in parents.get(name, []))
            first = grouped[name][0]
            attrs = {
                "_name": name,
                "_registry_built": True,
                "__module__": __name__,
                # a model's kind comes from its own first declaration, not from inherited mixins
                "_abstract": first._abstract,
                "_transient": first._transient,
            }
            built = type(name, bases, attrs)
            self._setup(built)
            self.models[name] = built
            return built

        for name in grouped:
            build(name)
        for cls in self.models.values():
            self._setup_related_comodels(cls)
        for name, cls in self.models.items():
            if not cls._abstract:
                self.tables[name] = Table(name, self.journal)
            self._setup_relations(cls)

    def _setup(self, cls: type[Model]) -> None:
        merged: dict[str, Field] = {}
        for klass in reversed(cls.__mro__):
            if not (isinstance(klass, type) and issubclass(klass, Model)):
                continue
            for fname, declared in vars(klass).items():
                if isinstance(declared, Field):
                    base = merged.get(fname)
                    merged[fname] = base.merged(declared) if base else declared.merged()
                    merged[fname]._setup_name(fname)
        magic: dict[str, Field] = {"id": fields.Id(string="ID", readonly=True)}
        magic["display_name"] = fields.Char(string="Display Name", compute="_compute_display_name")
        if cls._log_access and not cls._abstract:
            magic["create_uid"] = fields.Many2one("res.users", string="Created by", readonly=True)
            magic["create_date"] = fields.Datetime(string="Created on", readonly=True)
            magic["write_uid"] = fields.Many2one(
                "res.users", string="Last Updated by", readonly=True
            )
            magic["write_date"] = fields.Datetime(string="Last Updated on", readonly=True)
        for fname, field in magic.items():
            if fname not in merged:
                field._setup_name(fname)
                merged[fname] = field
        final: dict[str, Field] = {}
        for fname, field in merged.items():
            if field.exists_in(self.version.major):
                field.model_name = cls._name or ""
                field.name = fname
                final[fname] = field
                setattr(cls, fname, field)
            else:
                setattr(cls, fname, None)
        display = final["display_name"]
        compute_display = getattr(cls, "_compute_display_name", None)
        declared_deps = getattr(compute_display, "_depends", ())
        display.depends = tuple(d for d in declared_deps if isinstance(d, str))
        cls._fields = final
        constraint_methods: list[tuple[tuple[str, ...], str]] = []
        for attr in dir(cls):
            method = getattr(cls, attr, None)
            names = getattr(method, "_constrains", None)
            if names and callable(method):
                constraint_methods.append((tuple(names), attr))
        cls._constraint_methods = constraint_methods
        for field in final.values():
            if field.compute and not field.depends:
                method = (
                    field.compute if callable(field.compute) else getattr(cls, field.compute, None)
                )
                deps = getattr(method, "_depends", ())
                field.depends = tuple(d for d in deps if isinstance(d, str))

    def _setup_related_comodels(self, cls: type[Model]) -> None:
        """A related relational field declared without a comodel takes its target's, as in
        Odoo (``currency_id = fields.Many2one(related="company_id.currency_id")``)."""
        for field in cls._fields.values():
            if field.related and field.is_relational:
                self._comodel_of(cls, field)

    def _comodel_of(self, cls: type[Model], field: Field) -> str:
        comodel: str = getattr(field, "comodel_name", "")
        if comodel or not field.related:
            return comodel
        names = field.related.split(".")
        model = cls
        for name in names:
            step = model._fields.get(name)
            comodel = self._comodel_of(model, step) if step is not None else ""
            if not comodel:
                raise TypeError(f"{cls._name}.{field.name}: invalid related path {field.related!r}")
            model = self.models[comodel]
        field.comodel_name = comodel  # type: ignore[attr-defined]
        return comodel

    def _setup_relations(self, cls: type[Model]) -> None:
        for field in cls._fields.values():
            if not isinstance(field, fields.Many2many) or field.compute or field.related:
                continue
            own, other = _table_name(cls._name or ""), _table_name(field.comodel_name)
            if not field.relation:
                if own == other:
                    field.relation = f"{own}_{field.name}_rel"
                else:
                    first, second = sorted([own, other])
                    field.relation = f"{first}_{second}_rel"
            if not field.column1 or not field.column2:
                if own == other:
                    field.column1, field.column2 = f"{own}_id", f"{own}_id2"
                else:
                    field.column1, field.column2 = f"{own}_id", f"{other}_id"
            self.relations.setdefault(field.relation, Relation(field.relation, self.journal))

    # -- access ----------------------------------------------------------------------------------

    def __contains__(self, model: str) -> bool:
        return model in self.models

    def table(self, model: str) -> Table:
        return self.tables[model]

    def relation(self, field: fields.Many2many) -> Relation:
        return self.relations[field.relation or ""]

    def env(
        self, uid: int = SUPERUSER_ID, context: dict[str, Any] | None = None, su: bool = False
    ) -> Environment:
        return Environment(self, uid, context or {}, su=su or uid == SUPERUSER_ID)

    def touch(self) -> None:
        self.generation += 1

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Undo every change made inside the block when it raises (Odoo's rollback)."""
        outer = self.journal.begin()
        try:
            yield
        except BaseException:
            self.journal.rollback(outer)
            self.touch()
            raise
        self.journal.commit(outer)

    # -- data ------------------------------------------------------------------------------------

    def xmlid_to_res(self, xmlid: str) -> tuple[str, int] | None:
        return self.xmlids.get(xmlid)

    def load_records(self, model: str, xmlid: str | None, values: dict[str, Any]) -> int:
        """Create (or update, when *xmlid* is known) a record as superuser; return its id."""
        env = self.env(SUPERUSER_ID, {"active_test": False, "tracking_disable": True}, su=True)
        if xmlid and "." not in xmlid:
            xmlid = f"{self.model_modules.get(model, 'base')}.{xmlid}"
        existing = self.xmlids.get(xmlid) if xmlid else None
        if existing is not None:
            record = env[model].browse(existing[1])
            record.write(values)
            return existing[1]
        record = env[model].create(values)
        if xmlid:
            self.set_xmlid(xmlid, model, record.id)
        return int(record.id)

    def set_xmlid(self, xmlid: str, model: str, res_id: int) -> None:
        self._journal_xmlid(xmlid)
        self.xmlids[xmlid] = (model, res_id)

    def drop_xmlids(self, model: str, ids: Iterable[int]) -> None:
        """Forget the xml ids of deleted records (a rollback brings them back)."""
        gone = set(ids)
        for xmlid, (xmodel, xid) in list(self.xmlids.items()):
            if xmodel == model and xid in gone:
                self._journal_xmlid(xmlid)
                del self.xmlids[xmlid]

    def _journal_xmlid(self, xmlid: str) -> None:
        previous = self.xmlids.get(xmlid)

        def undo() -> None:
            if previous is None:
                self.xmlids.pop(xmlid, None)
            else:
                self.xmlids[xmlid] = previous

        self.journal.record(undo)

    def model_xmlid(self, model: str) -> str:
        """The xml id under which the ``ir.model`` record of *model* is registered."""
        return f"{self.model_modules.get(model, 'base')}.model_{_table_name(model)}"

    def declared_models(self) -> Iterable[str]:
        return (name for name, cls in self.models.items() if not cls._abstract)
