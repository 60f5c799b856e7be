"""Server-rendered pages: Jinja2 with autoescaping, and headers that keep them out of frames and
caches."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

_ENV = Environment(
    loader=PackageLoader("tollgate_auth.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
}


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def error_page(
    status: int, title: str, message: str, hint: str = "", headers: dict[str, str] | None = None
) -> HTMLResponse:
    response = page("error.html", status, title=title, message=message, hint=hint)
    response.headers.update(headers or {})
    return response
