"""Environment: who is calling (uid, superuser mode), with which context, on which registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import AccessError

if TYPE_CHECKING:
    from ..versions import OdooVersion
    from .registry import Registry

#: uid of Odoo's superuser (``__system__``/OdooBot); ``admin`` is uid 2 and is not a superuser.
SUPERUSER_ID = 1


class ComputeCache:
    """Values of non-stored computed fields, dropped whenever the registry's data changes."""

    def __init__(self) -> None:
        self.generation = -1
        self.values: dict[tuple[str, str, int], Any] = {}
        #: (model, field) pairs whose compute method is running: assignments go to the cache
        self.computing: set[tuple[str, str]] = set()

    def fresh(self, generation: int) -> dict[tuple[str, str, int], Any]:
        if generation != self.generation and not self.computing:
            self.values.clear()
            self.generation = generation
        return self.values


class Environment:
    """Odoo's ``env``: ``env["res.partner"]`` gives an empty recordset of that model."""

    def __init__(
        self,
        registry: Registry,
        uid: int,
        context: dict[str, Any],
        su: bool = False,
        cache: ComputeCache | None = None,
    ) -> None:
        self.registry = registry
        self.uid = uid
        self.context = context
        self.su = su
        self.cache = cache or ComputeCache()

    def __call__(
        self,
        user: int | None = None,
        context: dict[str, Any] | None = None,
        su: bool | None = None,
    ) -> Environment:
        uid = self.uid if user is None else user
        if su is None:
            su = self.su if user is None else uid == SUPERUSER_ID
        return Environment(
            self.registry,
            uid,
            self.context if context is None else context,
            su,
            self.cache,
        )

    def __getitem__(self, model: str) -> Any:
        cls = self.registry.models[model]
        return cls(self, ())

    def __contains__(self, model: object) -> bool:
        return model in self.registry.models

    def get(self, model: str) -> Any:
        return self[model] if model in self.registry.models else None

    @property
    def version(self) -> OdooVersion:
        return self.registry.version

    @property
    def lang(self) -> str:
        return str(self.context.get("lang") or "en_US")

    @property
    def user(self) -> Any:
        return self(su=True)["res.users"].browse(self.uid)

    @property
    def is_superuser(self) -> bool:
        return self.su

    def is_admin(self) -> bool:
        return self.su or self.user.has_group("base.group_erp_manager")

    def is_system(self) -> bool:
        return self.su or self.user.has_group("base.group_system")

    def _allowed_company_ids(self) -> list[int]:
        allowed = self.context.get("allowed_company_ids") or []
        if not isinstance(allowed, list | tuple):
            allowed = [allowed]
        ids = [int(cid) for cid in allowed]
        if ids and not self.su:
            user_companies = set(self.user.company_ids.ids) | {self.user.company_id.id}
            if set(ids) - user_companies:
                raise AccessError("Access to unauthorized or invalid companies.")
        return ids

    @property
    def company(self) -> Any:
        ids = self._allowed_company_ids()
        if ids:
            return self["res.company"].browse(ids[0])
        return self["res.company"].browse(self.user.company_id.ids)

    @property
    def companies(self) -> Any:
        ids = self._allowed_company_ids()
        if ids:
            return self["res.company"].browse(tuple(ids))
        return self["res.company"].browse(tuple(self.user.company_ids.ids))

    def ref(self, xmlid: str, raise_if_not_found: bool = True) -> Any:
        found = self.registry.xmlid_to_res(xmlid)
        if found is None:
            if raise_if_not_found:
                raise ValueError(f"External ID not found in the system: {xmlid}")
            return None
        model, res_id = found
        return self[model].browse(res_id)

    def __repr__(self) -> str:
        return f"<Environment uid={self.uid} su={self.su}>"


__all__ = ["SUPERUSER_ID", "ComputeCache", "Environment"]
