"""The models a user can see in Odoo (``ir.model``), asked once per user and cached.

Used by ``list_models`` and to suggest the nearest names when a call names a model that does not
exist. Technical models (the ORM's own, settings wizards) are left out: an assistant works with
business records.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Final

from tollgate_worker.cache import TtlCache
from tollgate_worker.odoo.errors import OdooProtocolError
from tollgate_worker.session import OdooSession

_TECHNICAL_PREFIXES: Final = ("ir.", "base.", "bus.", "web.", "res.config", "report.")
_TECHNICAL_MODELS: Final = frozenset({"mail.message.subtype", "res.groups"})


@dataclass(frozen=True, slots=True)
class ModelEntry:
    model: str
    name: str


def is_business_model(model: str) -> bool:
    return not model.startswith(_TECHNICAL_PREFIXES) and model not in _TECHNICAL_MODELS


class ModelCatalog:
    def __init__(self, *, ttl: float, max_entries: int) -> None:
        self._models: TtlCache[int, tuple[ModelEntry, ...]] = TtlCache(
            max_entries=max_entries, ttl=ttl
        )

    async def models(self, session: OdooSession) -> tuple[ModelEntry, ...]:
        """Every non-transient model the user may see, business or technical."""
        user = await session.user()

        async def load() -> tuple[ModelEntry, ...]:
            rows = await session.execute(
                "ir.model",
                "search_read",
                kwargs={
                    "domain": [["transient", "=", False]],
                    "fields": ["model", "name"],
                    "order": "model",
                },
            )
            if not isinstance(rows, list):
                raise OdooProtocolError("Odoo's ir.model search did not return a list.")
            return tuple(
                ModelEntry(model=str(row["model"]), name=str(row.get("name") or ""))
                for row in rows
                if isinstance(row, dict) and isinstance(row.get("model"), str)
            )

        return await self._models.get_or_load(user.uid, load)

    async def nearest(self, session: OdooSession, model: str) -> list[str]:
        """Up to three model names close to ``model`` (empty when Odoo cannot say)."""
        try:
            names = [entry.model for entry in await self.models(session)]
        except Exception:
            return []
        close = difflib.get_close_matches(model, names, n=3, cutoff=0.5)
        if not close:
            tail = model.rsplit(".", 1)[-1]
            close = [name for name in names if tail and tail in name][:3]
        return close
