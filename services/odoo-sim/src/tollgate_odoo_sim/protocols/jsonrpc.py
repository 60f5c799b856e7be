"""Odoo's JSON-RPC dispatcher (``type='json'`` routes) and the ``/jsonrpc`` endpoint.

A request is ``{"jsonrpc": "2.0", "method": "call", "params": {...}, "id": ...}``; the route
receives ``params`` as keyword arguments (unknown ones are dropped, missing ones are a
TypeError, as Odoo's route wrapper does). Errors come back with HTTP 200 in the ``error``
member; a ``None`` result leaves ``result`` out, like Odoo.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tollgate_odoo_sim.protocols.errors import HTTPError, http_error_page, jsonrpc_error
from tollgate_odoo_sim.protocols.runtime import Runtime
from tollgate_odoo_sim.protocols.services import dispatch_rpc
from tollgate_odoo_sim.protocols.sessions import apply_cookie

JSON_MIMETYPES = ("application/json", "application/json-rpc")

# A JSON route: (request, runtime, **params) -> result. Response objects pass through as is.
JsonRoute = Callable[..., Awaitable[Any]]


def mimetype(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_json_request(request: Request) -> bool:
    return mimetype(request) in JSON_MIMETYPES


def envelope(request_id: Any, *, result: Any = None, error: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
    if error is not None:
        body["error"] = error
    if result is not None:
        body["result"] = result
    return body


def error_response(runtime: Runtime, request_id: Any, exc: BaseException) -> JSONResponse:
    return JSONResponse(envelope(request_id, error=jsonrpc_error(exc, runtime.version)))


def wrong_mimetype(request: Request, route_type: str = "json") -> Response:
    """Odoo's routing refusal when the Content-Type does not fit the route's type (HTML, 400)."""
    text = (
        f"Request inferred type is compatible with ['http'] but {request.url.path!r} "
        f"is type={route_type!r}.\n\nPlease verify the Content-Type request header and try again."
    )
    return http_error_page(HTTPStatus.BAD_REQUEST, text)


_RESERVED = frozenset({"request", "runtime"})


def _filter_params(route: JsonRoute, params: dict[str, Any]) -> dict[str, Any]:
    signature = inspect.signature(route)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
        return {key: value for key, value in params.items() if key not in _RESERVED}
    accepted = set(signature.parameters) - _RESERVED
    return {key: value for key, value in params.items() if key in accepted}


def json_route(
    route: JsonRoute, authenticate: Callable[[Request, Runtime], object] | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """Serve *route* as an Odoo ``type='json'`` route.

    *authenticate* is the route's ``auth='user'`` check: Odoo runs it before looking at the
    params, so a request without a session reads "Session Expired" whatever its params.
    """

    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        if not is_json_request(request):
            return wrong_mimetype(request)
        request_id: Any = None
        try:
            try:
                payload = json.loads(await request.body())
            except ValueError:
                raise HTTPError(HTTPStatus.BAD_REQUEST, "Invalid JSON data") from None
            if not isinstance(payload, dict):
                raise HTTPError(HTTPStatus.BAD_REQUEST, "Invalid JSON-RPC data")
            request_id = payload.get("id")
            params = payload.get("params") or {}
            if not isinstance(params, dict):
                raise HTTPError(HTTPStatus.BAD_REQUEST, "Invalid JSON-RPC data")
            if authenticate is not None:
                authenticate(request, runtime)
            path_params = {str(k): v for k, v in request.path_params.items()}
            kwargs = _filter_params(route, {**params, **path_params})
            # Bind first so a missing parameter reads "missing a required argument: 'args'",
            # without naming this module's functions.
            inspect.signature(route).bind(request, runtime, **kwargs)
            result = await route(request, runtime, **kwargs)
            response = (
                result
                if isinstance(result, Response)
                else JSONResponse(envelope(request_id, result=result))
            )
        except Exception as exc:
            return error_response(runtime, request_id, exc)
        apply_cookie(request, response)
        return response

    return endpoint


async def _rpc(request: Request, runtime: Runtime, service: str, method: str, args: Any) -> Any:
    return await runtime.call(dispatch_rpc, runtime.service, service, method, args)


jsonrpc = json_route(_rpc)
