"""``order`` strings ("name desc, id") parsed and applied the way Odoo 17/18 order by them.

- Directions ``asc``/``desc`` and ``nulls first``/``nulls last`` (case-insensitive); without
  ``nulls``, PostgreSQL's default applies: NULLs sort as larger than any value (last in ascending
  order, first in descending order).
- A boolean sorts with NULL as False; a many2one sorts by its comodel's own ``_order`` (reversed
  for ``desc``), recursively, unless that order is just ``id``; a field met twice along such a
  chain is skipped, like Odoo does to stop cycles.
- Non-stored fields and x2many fields cannot be columns of ORDER BY: Odoo ignores them.
- Strings compare by code point (Odoo creates its databases with ``LC_COLLATE 'C'``).
- Ties keep ascending id order, so results are deterministic.

A syntactically invalid order raises Odoo's ``UserError``; an unknown field raises ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tollgate_odoo_sim.domain.columns import Getter
from tollgate_odoo_sim.domain.source import ID_FIELD, DomainSource, FieldInfo
from tollgate_odoo_sim.domain.values import stored_key
from tollgate_odoo_sim.exceptions import UserError

_TERM = re.compile(
    r"""\s*(?P<field>[a-z0-9_]+|"[a-z0-9_]+")(?:\.(?P<property>[a-z0-9_]+))?(?::(?P<func>[a-z_]+))?
        \s*(?P<direction>asc|desc)?\s*(?P<nulls>nulls\ first|nulls\ last)?\s*""",
    re.IGNORECASE | re.VERBOSE,
)
INVALID_ORDER = (
    'Invalid "order" specified (%s). A valid "order" specification is a comma-separated list of '
    "valid field names (optionally followed by asc/desc for the direction)"
)


@dataclass(frozen=True, slots=True)
class OrderKey:
    """One term of an ``order``: a field, its direction and where NULLs go."""

    field: str
    descending: bool = False
    nulls_first: bool | None = None  # None: PostgreSQL's default for the direction

    @property
    def effective_nulls_first(self) -> bool:
        return self.descending if self.nulls_first is None else self.nulls_first

    def reversed(self) -> OrderKey:
        flipped = None if self.nulls_first is None else not self.nulls_first
        return OrderKey(self.field, not self.descending, flipped)


def parse_order(source: DomainSource, model: str, order: str) -> list[OrderKey]:
    """Parse *order* for *model*; every field must exist (``id`` always does)."""
    keys = []
    for term in _split(order):
        name = term["field"].strip('"')
        if term["property"]:  # properties fields are not simulated
            raise ValueError(f"Invalid field {name + '.' + term['property']!r} on model {model!r}")
        if name != "id" and source.field_info(model, name) is None:
            raise ValueError(f"Invalid field {name!r} on model {model!r}")
        direction = (term["direction"] or "asc").lower()
        nulls = term["nulls"]
        keys.append(
            OrderKey(
                field=name,
                descending=direction == "desc",
                nulls_first=None if nulls is None else nulls.lower() == "nulls first",
            )
        )
    return keys


def sort_ids(
    source: DomainSource, model: str, ids: Iterable[int], order: str | None = None
) -> list[int]:
    """*ids* sorted by *order* (the model's default order when empty)."""
    spec = order or source.default_order(model) or "id"
    columns = _Columns(source).expand(model, parse_order(source, model, spec), frozenset())
    result = sorted(ids)
    # Stable sorts, least significant key first, give the multi-key order.
    for get, key in reversed(columns):
        nulls_last = not key.effective_nulls_first
        null_rank = nulls_last != key.descending  # rank nulls so that reverse= puts them right

        def sort_key(rid: int, get: Getter = get, null_rank: bool = null_rank) -> tuple[bool, Any]:
            value = get(rid)
            return (null_rank, 0) if value is None else (not null_rank, value)

        result.sort(key=sort_key, reverse=key.descending)
    return result


def _split(order: str) -> list[re.Match[str]]:
    parts = order.split(",")
    terms = [_TERM.fullmatch(part) for part in parts]
    if not order.strip() or any(term is None for term in terms):
        raise UserError(INVALID_ORDER % order)
    return [term for term in terms if term is not None]


class _Columns:
    """Turns order keys into (value getter, key) pairs, expanding many2one fields."""

    def __init__(self, source: DomainSource) -> None:
        self.source = source

    def expand(
        self, model: str, keys: list[OrderKey], seen: frozenset[tuple[str, str]]
    ) -> list[tuple[Getter, OrderKey]]:
        columns: list[tuple[Getter, OrderKey]] = []
        for key in keys:
            info = ID_FIELD if key.field == "id" else self.source.field_info(model, key.field)
            if info is None or not info.stored or info.x2many:
                continue
            get = self._getter(model, key.field, info.type)
            if info.type != "many2one":
                columns.append((get, key))
            elif (model, key.field) not in seen:
                columns.extend(self._many2one(model, key, info, get, seen))
        return columns

    def _getter(self, model: str, name: str, field_type: str) -> Getter:
        if name == "id":
            return lambda rid: rid
        value = self.source.value
        if field_type == "many2one":
            return lambda rid: value(model, rid, name) or None
        return lambda rid: stored_key(field_type, value(model, rid, name))

    def _many2one(
        self,
        model: str,
        key: OrderKey,
        info: FieldInfo,
        get: Getter,
        seen: frozenset[tuple[str, str]],
    ) -> list[tuple[Getter, OrderKey]]:
        comodel = info.relation or ""
        comodel_order = self.source.default_order(comodel) or "id"
        if comodel_order.strip().lower() == "id":
            return [(get, key)]
        columns: list[tuple[Getter, OrderKey]] = []
        if key.nulls_first is not None:
            # Odoo sorts on "IS NULL"/"IS NOT NULL" first; the comodel's keys come after.
            wanted_first = key.nulls_first
            columns.append((lambda rid: (get(rid) is None) != wanted_first, OrderKey("id")))
        comodel_keys = parse_order(self.source, comodel, comodel_order)
        if key.descending:
            comodel_keys = [k.reversed() for k in comodel_keys]
        inner = self.expand(comodel, comodel_keys, seen | {(model, key.field)})
        for inner_get, inner_key in inner:
            columns.append((_through(get, inner_get), inner_key))
        return columns


def _through(get: Getter, inner: Getter) -> Getter:
    return lambda rid: None if (related := get(rid)) is None else inner(related)
