"""Server-rendered pages: Jinja2 with autoescaping, and headers that keep them out of frames and
caches."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse


def template_environment(package: str) -> Environment:
    """The ``templates`` folder of ``package``, every value autoescaped."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


_ENV = template_environment("tollgate_auth.web")

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
}


def render_page(
    env: Environment, template: str, status: int, headers: Mapping[str, str], **context: Any
) -> HTMLResponse:
    """The approvals pages render with their own templates and headers."""
    html = env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=dict(headers))


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return render_page(_ENV, template, status, PAGE_HEADERS, **context)


def error_page(
    status: int, title: str, message: str, hint: str = "", headers: dict[str, str] | None = None
) -> HTMLResponse:
    response = page("error.html", status, title=title, message=message, hint=hint)
    response.headers.update(headers or {})
    return response
