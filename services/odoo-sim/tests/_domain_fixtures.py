"""A tiny in-memory DomainSource for the domain engine's tests, plus a small demo data set."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tollgate_odoo_sim.domain import FieldInfo
from tollgate_odoo_sim.exceptions import MissingError


@dataclass
class MemoryModel:
    fields: dict[str, FieldInfo]
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    parent: str | None = None
    order: str = "id"
    rec_name: str = "name"
    # search methods of non-stored fields: (operator, value) -> the domain the leaf stands for
    searches: dict[str, Callable[[str, Any], list[Any]]] = field(default_factory=dict)


class MemorySource:
    """Models as dicts of records; name search is a case-insensitive substring match on the name."""

    def __init__(self, models: dict[str, MemoryModel]) -> None:
        self.models = models
        self.name_searches: list[tuple[str, str, Any]] = []

    def field_info(self, model: str, name: str) -> FieldInfo | None:
        return self.models[model].fields.get(name)

    def parent_field(self, model: str) -> str | None:
        return self.models[model].parent

    def value(self, model: str, record_id: int, name: str) -> Any:
        info = self.models[model].fields[name]
        default: Any = () if info.x2many else False
        record = self.models[model].records.get(record_id)
        if record is None:
            raise MissingError("Record does not exist or has been deleted.")
        return record.get(name, default)

    def ids(self, model: str) -> Iterable[int]:
        return list(self.models[model].records)

    def name_search_ids(self, model: str, operator: str, value: Any) -> set[int]:
        self.name_searches.append((model, operator, value))
        spec = self.models[model]
        names = {rid: rec.get(spec.rec_name) or "" for rid, rec in spec.records.items()}
        values = value if isinstance(value, list | tuple) else [value]
        wanted = [str(v).lower() for v in values]
        if operator in ("=", "in"):
            return {rid for rid, name in names.items() if name.lower() in wanted}
        if operator in ("!=", "not in"):
            return {rid for rid, name in names.items() if name.lower() not in wanted}
        if operator in ("ilike", "like"):
            return {rid for rid, name in names.items() if any(w in name.lower() for w in wanted)}
        if operator in ("not ilike", "not like"):
            return {
                rid for rid, name in names.items() if all(w not in name.lower() for w in wanted)
            }
        raise ValueError(f"unsupported name search operator {operator!r}")

    def default_order(self, model: str) -> str:
        return self.models[model].order

    def search_domain(self, model: str, name: str, operator: str, value: Any) -> list[Any] | None:
        search = self.models[model].searches.get(name)
        return None if search is None else search(operator, value)


CHAR = FieldInfo("char")
INTEGER = FieldInfo("integer")
FLOAT = FieldInfo("float")
BOOLEAN = FieldInfo("boolean")
DATE = FieldInfo("date")
DATETIME = FieldInfo("datetime")
SELECTION = FieldInfo("selection")


def demo_source() -> MemorySource:
    """Countries, tags, partners (a hierarchy) and orders with lines."""
    countries = MemoryModel(
        fields={"name": CHAR, "code": CHAR},
        records={1: {"name": "Belgium", "code": "BE"}, 2: {"name": "France", "code": "FR"}},
        order="name",
    )
    tags = MemoryModel(
        fields={"name": CHAR, "color": INTEGER},
        records={1: {"name": "VIP", "color": 1}, 2: {"name": "Prospect", "color": 2}},
        order="name",
    )
    partners = MemoryModel(
        fields={
            "name": CHAR,
            "email": CHAR,
            "active": BOOLEAN,
            "is_company": BOOLEAN,
            "credit": FLOAT,
            "employees": INTEGER,
            "birthday": DATE,
            "last_login": DATETIME,
            "kind": SELECTION,
            "country_id": FieldInfo("many2one", "res.country"),
            "parent_id": FieldInfo("many2one", "res.partner"),
            "child_ids": FieldInfo("one2many", "res.partner"),
            "category_id": FieldInfo("many2many", "res.partner.category"),
            "display_name": FieldInfo("char", stored=False, searchable=True),
            "unsearchable": FieldInfo("char", stored=False, searchable=False),
        },
        parent="parent_id",
        order="name, id desc",
    )
    rows: list[dict[str, Any]] = [
        {
            "name": "Azure Interior",
            "email": "azure@example.com",
            "is_company": True,
            "active": True,
            "credit": 1500.5,
            "employees": 12,
            "country_id": 1,
            "category_id": (1,),
            "kind": "company",
            "birthday": "2001-05-03",
            "last_login": "2024-03-01 10:00:00",
        },
        {
            "name": "Brandon Freeman",
            "email": "brandon@example.com",
            "parent_id": 1,
            "active": True,
            "credit": 0.0,
            "employees": 0,
            "country_id": 1,
            "category_id": (1, 2),
            "kind": "person",
            "birthday": "1990-12-31",
            "last_login": "2024-03-01 23:30:00",
        },
        {
            "name": "Colleen Diaz",
            "parent_id": 2,
            "active": True,
            "country_id": 2,
            "kind": "person",
            "credit": -20.0,
            "employees": 3,
        },
        {
            "name": "Deco Addict",
            "email": "",
            "is_company": True,
            "active": False,
            "credit": 10.0,
            "kind": "company",
            "last_login": "2024-02-29 08:15:00",
        },
        {"name": False, "email": "nameless@example.com", "active": True, "employees": 7},
    ]
    for rid, row in enumerate(rows, start=1):
        row["display_name"] = row.get("name") or ""
        partners.records[rid] = row
    for rid, row in partners.records.items():
        row["child_ids"] = tuple(
            c for c, r in partners.records.items() if r.get("parent_id") == rid
        )
    return MemorySource(
        {"res.country": countries, "res.partner.category": tags, "res.partner": partners}
    )
