"""Field types per model, as the calling user sees them, asked once and then cached.

Shaping a result needs each field's type (``False`` means "unset" for a date but "no" for a
boolean), and checking requested field names needs the list. Both come from one ``fields_get`` per
(user, model); a warm call costs no request. Keyed by uid because field visibility follows the
user's groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from tollgate_worker.cache import TtlCache
from tollgate_worker.odoo.errors import OdooProtocolError
from tollgate_worker.session import OdooSession

_ATTRIBUTES: Final = ["type", "relation"]


@dataclass(frozen=True, slots=True)
class FieldInfo:
    type: str
    relation: str = ""


ModelSchema = Mapping[str, FieldInfo]


def _parse(model: str, description: Any) -> dict[str, FieldInfo]:
    if not isinstance(description, Mapping):
        raise OdooProtocolError(f"Odoo's fields_get on {model} did not describe the fields.")
    fields = {}
    for name, attributes in description.items():
        if isinstance(attributes, Mapping):
            relation = attributes.get("relation")
            fields[str(name)] = FieldInfo(
                type=str(attributes.get("type") or ""),
                relation=relation if isinstance(relation, str) else "",
            )
    return fields


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
            return _parse(model, description)

        return await self._schemas.get_or_load((user.uid, model), describe)
