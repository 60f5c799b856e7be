"""What the domain engine needs to know about the data: a small, storage-agnostic Protocol.

The ORM owns storage and implements :class:`DomainSource`; this package owns the *meaning* of
domains and ``order`` strings. Besides the five methods of the shared architecture, the Protocol
has two additions: :meth:`DomainSource.default_order` (ordering by a many2one field sorts by the
comodel's own ``_order``, as Odoo does) and :meth:`DomainSource.search_domain` (a leaf on a field
with a search method means whatever domain that method returns).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

RELATIONAL_TYPES = frozenset({"many2one", "one2many", "many2many"})
X2MANY_TYPES = frozenset({"one2many", "many2many"})


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """The facts about one field that searching and ordering depend on.

    ``type`` is Odoo's field type name ("char", "text", "html", "selection", "integer",
    "float", "monetary", "boolean", "date", "datetime", "binary", "many2one", "one2many",
    "many2many"); ``relation`` is the comodel of a relational field. A non-stored field is
    still searchable when it has a search method (related fields, ``display_name``); Odoo 17/18
    ignore a leaf on a field that is neither stored nor searchable (the leaf becomes TRUE) and
    never order by a non-stored field.
    """

    type: str
    relation: str | None = None
    stored: bool = True
    searchable: bool = True

    @property
    def relational(self) -> bool:
        return self.type in RELATIONAL_TYPES

    @property
    def x2many(self) -> bool:
        return self.type in X2MANY_TYPES


ID_FIELD = FieldInfo(type="integer")
"""Every model's ``id``, for a source that does not describe it."""


class DomainSource(Protocol):
    """Read access to one database, as the domain engine sees it (implemented by the ORM)."""

    def field_info(self, model: str, name: str) -> FieldInfo | None:
        """The field *name* of *model*, or None when the model has no such field."""

    def parent_field(self, model: str) -> str | None:
        """The model's ``_parent_name`` field when it has one (for child_of / parent_of)."""

    def value(self, model: str, record_id: int, name: str) -> Any:
        """The stored value: a scalar, False/None when unset, a many2one id or False, a
        tuple of ids for x2many; dates and datetimes as ``date``/``datetime`` or as Odoo's
        strings ("YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS"). A record that does not exist raises
        ``MissingError``, as reading it does in Odoo (``('id', 'parent_of', 999)`` does)."""

    def ids(self, model: str) -> Iterable[int]:
        """Every candidate record id (the ORM applies active_test and access rules)."""

    def name_search_ids(self, model: str, operator: str, value: Any) -> set[int]:
        """Ids whose display name matches, as ``_name_search`` would find them (no limit)."""

    def default_order(self, model: str) -> str:
        """The model's ``_order`` (e.g. "complete_name ASC, id DESC"); "id" when it has none."""

    def search_domain(self, model: str, name: str, operator: str, value: Any) -> list[Any] | None:
        """For a non-stored field with a search method (``search=``, ``display_name`` through
        ``_rec_names_search``): the domain that leaf stands for, or None to match the field's
        computed value instead."""
