"""auth's HTTP application: the OAuth endpoints and the browser pages of every tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from tollgate_auth.web import browser, oauth_endpoints
from tollgate_auth.web.context import WebContext


def create_web_app(context: WebContext, extra_routers: Sequence[APIRouter] = ()) -> FastAPI:
    """``extra_routers``: more pages served by auth (the approvals pages)."""
    app = FastAPI(title="Tollgate auth", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(oauth_endpoints.build_router(context))
    app.include_router(browser.build_router(context))
    for router in extra_routers:
        app.include_router(router)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, Any]:
        return {"status": "ok", "tenants": len(context.registry.names())}

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 400
        return JSONResponse(
            {
                "error": "not_found" if status == 404 else "invalid_request",
                "error_description": f"Nothing at {request.url.path}."
                if status == 404
                else "The request is malformed.",
            },
            status_code=status,
        )

    app.add_exception_handler(HTTPException, not_found)
    app.add_exception_handler(RequestValidationError, not_found)
    return app
