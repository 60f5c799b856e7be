"""Odoo's RPC services ``common``, ``db`` and ``object``, shared by XML-RPC and ``/jsonrpc``.

Mirrors ``odoo/service/{common,db,model}.py``: positional parameters, the same method names,
the same answers for wrong credentials (``login`` returns False, ``execute_kw`` raises
AccessDenied) and the same errors for unknown methods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tollgate_odoo_sim.exceptions import AccessDenied
from tollgate_odoo_sim.protocols.errors import DatabaseNotFound

if TYPE_CHECKING:
    from tollgate_odoo_sim.service import OdooService

LANGUAGES = [["en_US", "English (US)"]]


def _check_db(service: OdooService, db: object) -> str:
    if not isinstance(db, str) or db not in service.list_databases():
        raise DatabaseNotFound(db)
    return db


def _common(service: OdooService, method: str, params: Sequence[Any]) -> Any:
    def version() -> Any:
        return service.version.version_payload()

    def about(extended: bool = False) -> Any:
        info = "See http://openerp.com"
        return [info, service.version.series] if extended else info

    def authenticate(
        db: str, login: str, password: str, user_agent_env: dict[str, Any] | None = None
    ) -> int | bool:
        uid = service.authenticate(_check_db(service, db), login, password)
        return uid if uid else False

    def login(db: str, login: str, password: str) -> int | bool:
        return authenticate(db, login, password, None)

    methods: dict[str, Callable[..., Any]] = {
        "version": version,
        "about": about,
        "login": login,
        "authenticate": authenticate,
    }
    if method not in methods:
        raise Exception(f"Method not found: {method}")
    return methods[method](*params)


def _db(service: OdooService, method: str, params: Sequence[Any]) -> Any:
    def list_(document: bool = False) -> list[str]:
        return sorted(service.list_databases())

    def db_exist(db_name: str) -> bool:
        return db_name in service.list_databases()

    def server_version() -> Any:
        return service.version.series

    def list_lang() -> list[list[str]]:
        return LANGUAGES

    public: dict[str, Callable[..., Any]] = {
        "list": list_,
        "db_exist": db_exist,
        "server_version": server_version,
        "list_lang": list_lang,
    }
    # The management methods take the master password first; this simulator has none, so
    # every one of them is refused the way a wrong master password is.
    guarded = {
        "create_database",
        "duplicate_database",
        "drop",
        "dump",
        "restore",
        "rename",
        "change_admin_password",
        "migrate_databases",
        "list_countries",
    }
    if method in public:
        return public[method](*params)
    if method in guarded:
        raise AccessDenied()
    raise KeyError(f"Method not found: {method}")


def _object(service: OdooService, method: str, params: Sequence[Any]) -> Any:
    db, uid, password = params[0], int(params[1]), params[2]
    service.check_credentials(_check_db(service, db), uid, password)
    if method == "execute":
        model, name, *args = params[3:]
        return service.execute_kw(db, uid, model, name, list(args), {})
    if method == "execute_kw":
        model, name, args, *rest = params[3:]
        kwargs = rest[0] if rest else {}
        return service.execute_kw(db, uid, model, name, list(args), dict(kwargs or {}))
    raise NameError(f"Method not available {method}")


_SERVICES: dict[str, Callable[[OdooService, str, Sequence[Any]], Any]] = {
    "common": _common,
    "db": _db,
    "object": _object,
}


def dispatch_rpc(
    service: OdooService, service_name: str, method: str, params: Sequence[Any]
) -> Any:
    """Odoo's ``odoo.http.dispatch_rpc``: route one call to a service, like the real server."""
    try:
        handler = _SERVICES[service_name]
    except KeyError:
        raise KeyError(service_name) from None
    return handler(service, method, params)
