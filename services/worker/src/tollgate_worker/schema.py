"""Field descriptions per model, as the calling user sees them, asked once and then cached.

Shaping a result needs each field's type (``False`` means "unset" for a date but "no" for a
boolean), checking requested names needs the list, and ``describe_model`` shows labels, required
flags and selection values. All come from one ``fields_get`` per (user, model); a warm call costs no
request. Keyed by uid because field visibility and labels follow the user's groups and language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from tollgate_worker.cache import TtlCache
from tollgate_worker.odoo.errors import OdooProtocolError
from tollgate_worker.session import OdooSession

_ATTRIBUTES: Final = [
    "type",
    "relation",
    "string",
    "required",
    "readonly",
    "selection",
    "store",
    "currency_field",
]
RELATIONAL_TYPES: Final = frozenset({"many2one", "one2many", "many2many"})
X2MANY_TYPES: Final = frozenset({"one2many", "many2many"})


@dataclass(frozen=True, slots=True)
class FieldInfo:
    type: str
    relation: str = ""
    string: str = ""
    required: bool = False
    readonly: bool = False
    store: bool = True
    selection: tuple[tuple[str, str], ...] = ()
    currency_field: str = ""


ModelSchema = Mapping[str, FieldInfo]


def _selection(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    pairs = []
    for item in value:
        if isinstance(item, list | tuple) and len(item) == 2:
            pairs.append((str(item[0]), str(item[1])))
    return tuple(pairs)


def parse_fields(model: str, description: Any) -> dict[str, FieldInfo]:
    if not isinstance(description, Mapping):
        raise OdooProtocolError(f"Odoo's fields_get on {model} did not describe the fields.")
    fields = {}
    for name, attributes in description.items():
        if isinstance(attributes, Mapping):
            relation = attributes.get("relation")
            currency = attributes.get("currency_field")
            fields[str(name)] = FieldInfo(
                type=str(attributes.get("type") or ""),
                relation=relation if isinstance(relation, str) else "",
                string=str(attributes.get("string") or ""),
                required=bool(attributes.get("required")),
                readonly=bool(attributes.get("readonly")),
                store=attributes.get("store") is not False,
                selection=_selection(attributes.get("selection")),
                currency_field=currency if isinstance(currency, str) else "",
            )
    return fields


def currency_field_of(schema: ModelSchema, name: str) -> str:
    """The field holding the currency of monetary field ``name`` ("" when none)."""
    info = schema.get(name)
    if info is None or info.type != "monetary":
        return ""
    candidate = info.currency_field or "currency_id"
    target = schema.get(candidate)
    return candidate if target is not None and target.type == "many2one" else ""


class SchemaCache:
    def __init__(self, *, ttl: float, max_entries: int) -> None:
        self._schemas: TtlCache[tuple[int, str], ModelSchema] = TtlCache(
            max_entries=max_entries, ttl=ttl
        )

    async def fields(self, session: OdooSession, model: str) -> ModelSchema:
        user = await session.user()

        async def describe() -> ModelSchema:
            description = await session.execute(
                model, "fields_get", kwargs={"attributes": _ATTRIBUTES}
            )
            return parse_fields(model, description)

        return await self._schemas.get_or_load((user.uid, model), describe)
