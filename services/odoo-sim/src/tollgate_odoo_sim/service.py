"""OdooService: the facade the protocol layer calls (authentication, execute_kw, JSON-2).

It follows ``odoo/service/model.py`` and ``odoo/api.py``'s ``call_kw`` for how a remote call is
bound (model methods vs record methods, ``create``'s return shape), refused (private methods,
unknown models and methods, as each version words it) and serialised.
"""

from __future__ import annotations

import datetime as dt
import inspect
import threading
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from .exceptions import AccessDenied, AccessError, UserError
from .orm import api
from .orm.credentials import api_key_user, check_password
from .orm.environment import SUPERUSER_ID
from .orm.models import Model
from .orm.registry import Registry
from .protocols.errors import HTTPError
from .versions import OdooVersion

#: methods that exist only in some versions (name -> predicate on the major version).
#: read_group stays public (deprecated) in 19.0, next to the new formatted_read_group;
#: check_access_rights/check_access_rule are deprecated in 18.0 but still there.
_VERSIONED_METHODS: dict[str, Callable[[int], bool]] = {
    "name_get": lambda major: major < 18,
    "formatted_read_group": lambda major: major >= 19,
    "check_access": lambda major: major >= 18,
    "has_access": lambda major: major >= 18,
}

#: public-looking methods that Odoo marks @api.private from some major version on
_PRIVATE_SINCE: dict[str, int] = {"search_fetch": 18}

#: Model attributes that are recordset plumbing, never RPC methods
_NOT_METHODS = frozenset(
    {
        "browse",
        "with_env",
        "with_context",
        "with_user",
        "with_company",
        "sudo",
        "mapped",
        "filtered",
        "filtered_domain",
        "sorted",
        "ensure_one",
        "ids",
        "id",
        "env",
    }
)


P = ParamSpec("P")
R = TypeVar("R")


def _serialized(
    method: Callable[Concatenate[OdooService, P], R],
) -> Callable[Concatenate[OdooService, P], R]:
    """Run one call at a time: the in-memory database has no MVCC, and each call is a
    transaction (its undo journal must not interleave with another thread's)."""

    def locked(self: OdooService, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)

    locked.__name__ = method.__name__
    locked.__doc__ = method.__doc__
    return locked


class OdooService:
    """One simulated Odoo server holding one database."""

    def __init__(self, version: OdooVersion, registry: Registry) -> None:
        self.version = version
        self.registry = registry
        self._lock = threading.RLock()

    @classmethod
    def create(
        cls,
        version: OdooVersion,
        *,
        database: str = "odoo",
        seed_files: Sequence[Path] = (),
        scale: int = 0,
    ) -> OdooService:
        from . import addons

        registry = addons.build_registry(version, database)
        addons.install(registry)
        if seed_files:
            from .addons import seed

            for path in seed_files:
                seed.load(registry, Path(path))
        if scale:
            from .addons import scale as scaling

            scaling.load(registry, scale)
        return cls(version, registry)

    @classmethod
    def from_registry(cls, registry: Registry) -> OdooService:
        return cls(registry.version, registry)

    # -- databases and credentials -------------------------------------------------------------

    def list_databases(self) -> list[str]:
        return [self.registry.db_name]

    def _registry(self, db: str) -> Registry:
        if db != self.registry.db_name:
            raise AccessDenied()
        return self.registry

    def _active_user(self, registry: Registry, uid: int) -> bool:
        row = registry.tables["res.users"].rows.get(uid)
        return bool(row and row.get("active"))

    @_serialized
    def authenticate(
        self, db: str, login: str, password: str, *, interactive: bool = False
    ) -> int | None:
        """The uid for *login* and *password*, or None.

        An API key stands in for the password only in a non-interactive login (RPC), as in
        Odoo's ``_check_credentials``; a web session login is ``interactive`` and refuses it.
        """
        if (
            db != self.registry.db_name
            or not isinstance(login, str)
            or not isinstance(password, str)
        ):
            return None
        registry = self.registry
        for uid, row in registry.tables["res.users"].rows.items():
            if row.get("login") == login and row.get("active"):
                if check_password(registry, uid, password) or (
                    not interactive and api_key_user(registry, password) == uid
                ):
                    return uid
                return None
        return None

    @_serialized
    def check_credentials(self, db: str, uid: int, password: str) -> None:
        registry = self._registry(db)
        if (
            not isinstance(uid, int)
            or not isinstance(password, str)
            or not self._active_user(registry, uid)
        ):
            raise AccessDenied()
        if check_password(registry, uid, password) or api_key_user(registry, password) == uid:
            return
        raise AccessDenied()

    @_serialized
    def uid_from_api_key(self, db: str, key: str) -> int | None:
        if db != self.registry.db_name or not isinstance(key, str):
            return None
        uid = api_key_user(self.registry, key)
        if uid is None or not self._active_user(self.registry, uid):
            return None
        return uid

    # -- calls -------------------------------------------------------------------------------------

    def env(self, db: str, uid: int, context: Mapping[str, Any] | None = None) -> Any:
        registry = self._registry(db)
        return registry.env(uid, dict(context or {}), su=uid == SUPERUSER_ID)

    def _model(self, db: str, uid: int, model: str) -> Model:
        env = self.env(db, uid)
        if (
            not isinstance(model, str)
            or model not in env.registry.models
            or env.registry.models[model]._abstract
        ):
            raise UserError(f"Object {model} doesn't exist")
        return env[model]  # type: ignore[no-any-return]

    def _public_method(self, records: Model, name: str) -> Any:
        """The unbound method, or the error Odoo raises for private/unknown methods."""
        major = self.version.major
        if not isinstance(name, str):
            raise AttributeError(f"The method '{records._name}.{name}' does not exist")
        if name.startswith("_") or name in _NOT_METHODS:
            if major < 18:
                raise AccessError(f"Private methods (such as {name}) cannot be called remotely.")
            raise AccessError(
                f"Private methods (such as '{records._name}.{name}') cannot be called remotely."
            )
        cls = type(records)
        method = getattr(cls, name, None)
        available = name not in _VERSIONED_METHODS or _VERSIONED_METHODS[name](major)
        if not callable(method) or isinstance(method, type) or not available:
            if major < 18:
                raise AttributeError(f"type object '{records._name}' has no attribute '{name}'")
            raise AttributeError(f"The method '{records._name}.{name}' does not exist")
        private_since = _PRIVATE_SINCE.get(name)
        if private_since is not None and major >= private_since:
            raise AccessError(
                f"Private methods (such as '{records._name}.{name}') cannot be called remotely."
            )
        for klass in cls.__mro__:
            if getattr(klass.__dict__.get(name), "_api_private", False):
                raise AccessError(
                    f"Private methods (such as '{records._name}.{name}') cannot be called remotely."
                )
        return method

    @staticmethod
    def _api_kind(cls: type, name: str) -> str | None:
        for klass in cls.__mro__:
            kind = api.api_kind(klass.__dict__.get(name))
            if kind:
                return kind
        return None

    @_serialized
    def execute_kw(
        self, db: str, uid: int, model: str, method: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        if (
            self.version.major < 18
            and isinstance(method, str)
            and (method.startswith("_") or method == "init")
        ):
            raise AccessError(f"Private methods (such as {method}) cannot be called remotely.")
        records = self._model(db, uid, model)
        func = self._public_method(records, method)
        args = list(args or [])
        kwargs = dict(kwargs or {})
        context = kwargs.pop("context", None)  # Odoo's split_context: keyword only
        if context is not None and not isinstance(context, Mapping):
            raise ValueError("context must be a dictionary")
        records = records.with_context(dict(context or {}))
        kind = self._api_kind(type(records), method)
        registry = records.env.registry
        with registry.transaction():
            if kind == api.API_MODEL_CREATE:
                if not args and "vals_list" in kwargs:
                    args = [kwargs.pop("vals_list")]
                result = func(records, *args, **kwargs)
                shaped = result.id if args and isinstance(args[0], Mapping) else result.ids
                return serialize(shaped)
            if kind == api.API_MODEL:
                result = func(records, *args, **kwargs)
            else:
                if not args:
                    raise TypeError(
                        f"{model}.{method}() missing 1 required positional argument: 'ids'"
                    )
                ids, rest = args[0], args[1:]
                recs = records.browse(_ids_arg(ids))
                result = func(recs, *rest, **kwargs)
                if method == "copy" and self.version.major < 18 and isinstance(result, Model):
                    # Odoo 17's copy() is @api.returns('self', lambda value: value.id)
                    return result.id
        return serialize(result)

    @_serialized
    def call_json2(self, db: str, uid: int, model: str, method: str, params: dict[str, Any]) -> Any:
        env = self.env(db, uid)
        if (
            not isinstance(model, str)
            or model not in env.registry.models
            or env.registry.models[model]._abstract
        ):
            raise HTTPError(HTTPStatus.NOT_FOUND, f"the model {model!r} does not exist")
        params = dict(params or {})
        ids = params.pop("ids", ())
        context = params.pop("context", {})
        if not isinstance(context, Mapping):
            raise HTTPError(HTTPStatus.UNPROCESSABLE_ENTITY, "context must be an object")
        records = env[model].with_context(dict(context))
        try:
            func = self._public_method(records, method)
        except AttributeError as exc:
            raise HTTPError(HTTPStatus.NOT_FOUND, str(exc.args[0])) from exc
        kind = self._api_kind(type(records), method)
        if kind in (api.API_MODEL, api.API_MODEL_CREATE) and ids:
            raise HTTPError(
                HTTPStatus.UNPROCESSABLE_ENTITY, f"cannot call {model}.{method} with ids"
            )
        recs = records.browse(_ids_arg(ids))
        target = getattr(func, "__wrapped__", func)
        try:
            inspect.signature(target).bind(recs, **params)
        except TypeError as exc:
            raise HTTPError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc.args[0])) from exc
        with env.registry.transaction():
            result = func(recs, **params)
        return serialize(result)

    # -- web client helpers --------------------------------------------------------------------

    @_serialized
    def session_info(self, db: str, uid: int) -> dict[str, Any]:
        env = self.env(db, uid)
        user = env.user
        companies = user.company_ids
        context = {"lang": "en_US", "tz": "Europe/Brussels", "uid": uid}
        partner = user.partner_id if "partner_id" in user._fields else None
        groups_field = "group_ids" if "group_ids" in user._fields else "groups_id"
        return {
            "uid": uid,
            "is_system": env.is_system(),
            "is_admin": env.is_admin(),
            "is_public": False,
            "is_internal_user": True,
            "user_context": context,
            "db": db,
            "user_settings": {},
            "server_version": self.version.server_version,
            "server_version_info": self.version.server_version_info,
            "support_url": "https://www.odoo.com/buy",
            "name": user.name if "name" in user._fields else user.login,
            "username": user.login,
            "partner_display_name": partner.display_name if partner else user.display_name,
            "partner_id": partner.id if partner else False,
            "web.base.url": "http://localhost:8069",
            "active_ids_limit": 20000,
            "max_file_upload_size": 134217728,
            "home_action_id": False,
            "user_companies": {
                "current_company": user.company_id.id,
                "allowed_companies": {
                    str(company.id): {
                        "id": company.id,
                        "name": company.name,
                        "sequence": 10,
                        "child_ids": [],
                        "parent_id": False,
                    }
                    for company in companies
                },
                "disallowed_ancestor_companies": {},
            },
            "group_count": len(getattr(user, groups_field)),
            "currencies": {},
        }

    @_serialized
    def render_report(self, db: str, uid: int, report_name: str, ids: list[int]) -> bytes:
        from .addons.report import render

        env = self.env(db, uid)
        result: bytes = render(env, report_name, list(ids))
        return result


def _ids_arg(ids: Any) -> tuple[int, ...]:
    if ids is None or ids is False:
        return ()
    if isinstance(ids, bool):
        raise TypeError(f"Invalid ids {ids!r}")
    if isinstance(ids, int):
        return (ids,)
    if isinstance(ids, list | tuple):
        for item in ids:
            if not isinstance(item, int) or isinstance(item, bool):
                raise TypeError(f"Invalid ids {ids!r}")
        return tuple(ids)
    raise TypeError(f"Invalid ids {ids!r}")


def serialize(value: Any) -> Any:
    """Make a method's result JSON/XML-RPC-friendly the way Odoo's marshalling does."""
    if isinstance(value, Model):
        return list(value._ids)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Mapping):
        return {str(key): serialize(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [serialize(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("ascii", errors="replace")
    if value is None:
        return None
    return value
