"""The web client's endpoints that Python clients use: sessions, call_kw, versions, health, reports.

Session routes are Odoo's ``auth='user'`` routes: without a valid ``session_id`` cookie a JSON
route answers "Odoo Session Expired" (code 100) and an HTTP route redirects to ``/web/login``.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tollgate_odoo_sim.exceptions import AccessDenied, AccessError, UserError
from tollgate_odoo_sim.protocols.errors import (
    HTTPError,
    SessionExpired,
    http_error_page,
    json2_status,
)
from tollgate_odoo_sim.protocols.jsonrpc import json_route
from tollgate_odoo_sim.protocols.runtime import Runtime
from tollgate_odoo_sim.protocols.sessions import SESSION_COOKIE, Session, set_session_cookie


def _session(request: Request, runtime: Runtime) -> Session:
    session = runtime.sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is None or session.db not in runtime.service.list_databases():
        raise SessionExpired()
    return session


# --- /web/session ---------------------------------------------------------------------------


async def _authenticate(
    request: Request,
    runtime: Runtime,
    db: str,
    login: str,
    password: str,
    base_location: str | None = None,
) -> Any:
    service = runtime.service

    def authenticate() -> tuple[int, dict[str, Any]]:
        if db not in service.list_databases():
            raise AccessError("Database not found.")
        uid = service.authenticate(db, login, password, interactive=True)
        if not uid:
            raise AccessDenied()
        return uid, service.session_info(db, uid)

    uid, info = await runtime.call(authenticate)
    session = runtime.sessions.open(db, uid, login)
    set_session_cookie(request, session.sid)
    return info


async def _get_session_info(request: Request, runtime: Runtime) -> Any:
    session = _session(request, runtime)
    return await runtime.call(runtime.service.session_info, session.db, session.uid)


async def _destroy(request: Request, runtime: Runtime) -> Any:
    session = _session(request, runtime)
    runtime.sessions.close(session.sid)
    set_session_cookie(request, None)
    return None


async def _check(request: Request, runtime: Runtime) -> Any:
    _session(request, runtime)
    return None


# --- /web/dataset ---------------------------------------------------------------------------


async def _call_kw(
    request: Request,
    runtime: Runtime,
    model: str,
    method: str,
    args: list[Any],
    kwargs: dict[str, Any],
) -> Any:
    # The /call_kw/<path> tail is only for humans reading logs; json_route drops it.
    session = _session(request, runtime)
    return await runtime.call(
        runtime.service.execute_kw, session.db, session.uid, model, method, args, kwargs
    )


async def _call_button(
    request: Request,
    runtime: Runtime,
    model: str,
    method: str,
    args: list[Any],
    kwargs: dict[str, Any],
) -> Any:
    action = await _call_kw(request, runtime, model, method, args, kwargs)
    # Odoo hands back the action a button returns, and False for anything else.
    if isinstance(action, dict) and action.get("type", "") != "":
        return action
    return False


# --- versions and databases -----------------------------------------------------------------


async def _version_info(request: Request, runtime: Runtime) -> Any:
    return runtime.version.version_payload()


async def _database_list(request: Request, runtime: Runtime) -> Any:
    return sorted(runtime.service.list_databases())


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


async def web_version(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    version = runtime.version
    return _json({"version_info": version.server_version_info, "version": version.server_version})


async def web_health(request: Request) -> Response:
    health: dict[str, Any] = {"status": "pass"}
    if request.query_params.get("db_server_status"):
        health["db_server_status"] = True  # the in-memory database is always reachable
    return _json(health)


# --- reports (type='http', auth='user') -----------------------------------------------------


def _http_route_error(runtime: Runtime, exc: Exception) -> Response:
    """Odoo's HttpDispatcher.handle_error: the error class picks the status, never a traceback."""
    if isinstance(exc, HTTPError):
        return http_error_page(exc.status, exc.description)
    if runtime.version.major >= 19:
        status = json2_status(exc)
    elif isinstance(exc, AccessDenied | AccessError):
        status = HTTPStatus.FORBIDDEN
    elif isinstance(exc, UserError):
        status = HTTPStatus.BAD_REQUEST
    else:
        status = HTTPStatus.INTERNAL_SERVER_ERROR
    if status == HTTPStatus.INTERNAL_SERVER_ERROR:
        description = (
            "The server encountered an internal error and was unable to complete your "
            "request. Either the server is overloaded or there is an error in the application."
        )
    else:
        description = exc.args[0] if exc.args else str(exc)
    return http_error_page(status, str(description))


async def report_pdf(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        session = _session(request, runtime)
    except SessionExpired:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/web/login?{urlencode({'redirect': target})}", status_code=303)
    report_name = request.path_params["report_name"]
    docids = request.path_params.get("docids", "")
    ids = [int(part) for part in docids.split(",") if part.isdigit()]
    try:
        pdf = await runtime.call(
            runtime.service.render_report, session.db, session.uid, report_name, ids
        )
    except Exception as exc:
        return _http_route_error(runtime, exc)
    return Response(pdf, media_type="application/pdf", headers={"Content-Length": str(len(pdf))})


authenticate = json_route(_authenticate)
get_session_info = json_route(_get_session_info, _session)
destroy = json_route(_destroy, _session)
check = json_route(_check, _session)
call_kw = json_route(_call_kw, _session)
call_button = json_route(_call_button, _session)
version_info = json_route(_version_info)
database_list = json_route(_database_list)
