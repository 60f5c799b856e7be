"""The ASGI application: Odoo's routes over one OdooService, behind fault injection."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from tollgate_odoo_sim.faults import (
    ADMIN_PATH,
    STATS_PATH,
    FaultMiddleware,
    Faults,
    admin_endpoint,
    stats_endpoint,
)
from tollgate_odoo_sim.protocols import json2, jsonrpc, web, xmlrpc
from tollgate_odoo_sim.protocols.errors import HTTPError, http_error_page
from tollgate_odoo_sim.protocols.jsonrpc import error_response, is_json_request
from tollgate_odoo_sim.protocols.runtime import Runtime

if TYPE_CHECKING:
    from tollgate_odoo_sim.service import OdooService

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def not_found(request: Request) -> Response:
    """No route matched: a JSON-RPC error (code 404) for JSON requests, else Odoo's 404 page."""
    runtime: Runtime = request.app.state.runtime
    if is_json_request(request):
        exc = HTTPError(
            HTTPStatus.NOT_FOUND,
            "The requested URL was not found on the server. If you entered the URL manually "
            "please check your spelling and try again.",
        )
        return error_response(runtime, None, exc)
    return http_error_page(HTTPStatus.NOT_FOUND, "The requested URL was not found on the server.")


def _routes(runtime: Runtime) -> list[BaseRoute]:
    post = ["POST"]
    # Odoo's type='json' routes take any HTTP method; the Content-Type decides (400 otherwise).
    json = _ALL_METHODS
    routes: list[BaseRoute] = [
        Route("/xmlrpc/2/{service}", xmlrpc.xmlrpc_2, methods=post),
        Route("/xmlrpc/{service}", xmlrpc.xmlrpc_1, methods=post),
        Route("/jsonrpc", jsonrpc.jsonrpc, methods=json),
        Route("/web/session/authenticate", web.authenticate, methods=json),
        Route("/web/session/get_session_info", web.get_session_info, methods=json),
        Route("/web/session/destroy", web.destroy, methods=json),
        Route("/web/session/check", web.check, methods=json),
        Route("/web/dataset/call_kw", web.call_kw, methods=json),
        Route("/web/dataset/call_kw/{path:path}", web.call_kw, methods=json),
        Route("/web/dataset/call_button", web.call_button, methods=json),
        Route("/web/webclient/version_info", web.version_info, methods=json),
        Route("/web/database/list", web.database_list, methods=json),
        Route("/web/version", web.web_version, methods=["GET", "POST"]),
        Route("/web/health", web.web_health, methods=["GET", "HEAD"]),
        Route("/report/pdf/{report_name}/{docids}", web.report_pdf, methods=["GET"]),
        Route(ADMIN_PATH, admin_endpoint, methods=["GET", "PUT"]),
        Route(STATS_PATH, stats_endpoint, methods=["GET"]),
    ]
    if runtime.version.has_json2:
        # Every method reaches the endpoint: it authenticates first, then refuses non-POST.
        routes.append(Route("/json/2/{model}/{method}", json2.json2, methods=_ALL_METHODS))
    return routes


async def _not_found_app(scope: Scope, receive: Receive, send: Send) -> None:
    # The router's default: reached only when no route matches at all, so a known path with
    # the wrong HTTP method still gets 405 like on Odoo.
    response = await not_found(Request(scope, receive))
    await response(scope, receive, send)


def create_app(service: OdooService, faults: Faults | None = None) -> Starlette:
    runtime = Runtime(service)
    faults = faults or Faults()
    app = Starlette(
        routes=_routes(runtime),
        middleware=[Middleware(FaultMiddleware, faults=faults)],
    )
    app.router.default = _not_found_app
    app.state.runtime = runtime
    app.state.faults = faults
    return app
