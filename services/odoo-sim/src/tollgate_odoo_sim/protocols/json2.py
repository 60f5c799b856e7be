"""JSON-2 (Odoo 19 and later): ``POST /json/2/<model>/<method>`` with a bearer API key.

The body is a JSON object of named arguments (``ids``, ``context`` and the method's own
parameters); the answer is the bare JSON result with 200, or an error object
``{name, message, arguments, context, debug}`` with the status of the exception class
(401 bad key, 403 access, 404 unknown model/method or missing record, 422 user error or bad
arguments, 500 anything else). Older versions do not have the route at all.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tollgate_odoo_sim.protocols.errors import HTTPError, json2_status, serialize_exception
from tollgate_odoo_sim.protocols.jsonrpc import mimetype, wrong_mimetype
from tollgate_odoo_sim.protocols.runtime import Runtime

_BEARER = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


def error_response(exc: BaseException) -> Response:
    status = json2_status(exc)
    headers = {"WWW-Authenticate": "bearer"} if status == HTTPStatus.UNAUTHORIZED else None
    return _json(serialize_exception(exc), status.value, headers)


def _database(request: Request, runtime: Runtime) -> str:
    databases = runtime.service.list_databases()
    wanted = request.headers.get("x-odoo-database")
    if wanted is None and len(databases) == 1:
        return str(databases[0])
    if wanted is None or wanted not in databases:
        # Without a database Odoo has no JSON-2 route to match: a plain 404.
        raise HTTPError(HTTPStatus.NOT_FOUND, "The requested URL was not found on the server.")
    return wanted


def _api_key(request: Request) -> str:
    header = request.headers.get("authorization", "")
    match = _BEARER.match(header.strip())
    if match is None:
        raise HTTPError(HTTPStatus.UNAUTHORIZED, 'Missing "Authorization: bearer <token>" header')
    return match.group(1).strip()


async def _params(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    try:
        params = json.loads(body)
    except ValueError as exc:
        raise HTTPError(HTTPStatus.BAD_REQUEST, f"could not parse the body as json: {exc}") from exc
    if not isinstance(params, dict):
        raise HTTPError(HTTPStatus.BAD_REQUEST, "could not parse the body, expecting a json object")
    return params


async def json2(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    model = request.path_params["model"]
    method = request.path_params["method"]
    # Odoo picks the dispatcher from the Content-Type before authenticating: a body that is not
    # JSON never reaches the route.
    has_body = request.headers.get("content-length", "0") != "0"
    if has_body and mimetype(request) != "application/json":
        return wrong_mimetype(request, "json2")
    try:
        db = _database(request, runtime)
        key = _api_key(request)
        uid = await runtime.call(runtime.service.uid_from_api_key, db, key)
        if uid is None:
            raise HTTPError(HTTPStatus.UNAUTHORIZED, "Invalid apikey")
        if request.method != "POST":
            raise HTTPError(
                HTTPStatus.METHOD_NOT_ALLOWED, "The method is not allowed for the requested URL."
            )
        params = await _params(request)
        result = await runtime.call(runtime.service.call_json2, db, uid, model, method, params)
        return _json(result)
    except Exception as exc:
        return error_response(exc)
