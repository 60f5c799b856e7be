"""How Odoo reports an exception on each protocol.

One exception, several wire shapes: the JSON-RPC ``error`` member, the JSON-2 error body, the
XML-RPC fault with an integer code (``/xmlrpc/2``) and the legacy fault with a string code
(``/xmlrpc``). Odoo puts a Python traceback in ``debug`` (and in some faults); we emit a short
traceback-like text naming only the Odoo-side call, never simulator internals.
"""

from __future__ import annotations

import html
import xmlrpc.client
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from tollgate_odoo_sim.exceptions import (
    AccessDenied,
    AccessError,
    MissingError,
    RedirectWarning,
    UserError,
    odoo_path,
)
from tollgate_odoo_sim.versions import OdooVersion

# Integer fault codes of /xmlrpc/2 (odoo/addons/base/controllers/rpc.py).
FAULT_APPLICATION_ERROR = 1
FAULT_WARNING = 2
FAULT_ACCESS_DENIED = 3
FAULT_ACCESS_ERROR = 4


class HTTPError(Exception):
    """A werkzeug HTTP exception as Odoo raises it (NotFound, BadRequest, Unauthorized, ...)."""

    def __init__(self, status: HTTPStatus, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    @property
    def odoo_path(self) -> str:
        name = "".join(word.capitalize() for word in self.status.phrase.split())
        return f"werkzeug.exceptions.{_WERKZEUG_NAMES.get(self.status, name)}"

    def __str__(self) -> str:
        return f"{self.status.value} {self.status.phrase}: {self.description}"


def http_error_page(status: HTTPStatus, description: str) -> Response:
    """The HTML page werkzeug answers an HTTP error with (Odoo's http routes and routing)."""
    page = (
        "<!doctype html>\n<html lang=en>\n"
        f"<title>{status.value} {status.phrase}</title>\n"
        f"<h1>{status.phrase}</h1>\n<p>{html.escape(description)}</p>\n"
    )
    return Response(page, status_code=status.value, media_type="text/html")


_WERKZEUG_NAMES = {
    HTTPStatus.UNPROCESSABLE_ENTITY: "UnprocessableEntity",
    HTTPStatus.METHOD_NOT_ALLOWED: "MethodNotAllowed",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "UnsupportedMediaType",
}


class SessionExpired(Exception):
    """``odoo.http.SessionExpiredException``: a ``auth='user'`` route without a valid session."""

    odoo_path = "odoo.http.SessionExpiredException"

    def __init__(self) -> None:
        super().__init__("Session expired")


class DatabaseNotFound(Exception):
    """What Odoo's registry raises for an unknown database (psycopg2 cannot connect to it)."""

    odoo_path = "psycopg2.OperationalError"

    def __init__(self, db: object) -> None:
        super().__init__(
            f'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
            f'FATAL:  database "{db}" does not exist\n'
        )


def exception_path(exc: BaseException) -> str:
    path = getattr(exc, "odoo_path", None)
    return path if isinstance(path, str) else odoo_path(exc)


def exception_text(exc: BaseException) -> str:
    """``str(exc)``, as Odoo prints it in faults and tracebacks (a RedirectWarning, with its four
    arguments, prints as their tuple)."""
    return str(exc)


def exception_message(exc: BaseException, major: int) -> str:
    """``data.message``: Odoo 17/18 join the exception's arguments with newlines
    (``exception_to_unicode``: a KeyError gives ``nope``, not ``'nope'``); 19 uses ``str``."""
    if major < 19 and exc.args:
        return "\n".join(str(arg) for arg in exc.args)
    return str(exc)


def debug_text(exc: BaseException) -> str:
    """The ``debug`` member: a traceback-shaped text that names only Odoo's public entry point.

    Odoo strips the traceback of AccessDenied on purpose (so as not to help password guessing),
    leaving only the last line; we do the same.
    """
    last_line = f"{exception_path(exc)}: {exception_text(exc)}\n"
    if isinstance(exc, AccessDenied):
        return last_line
    return (
        "Traceback (most recent call last):\n"
        '  File "/opt/odoo/odoo/http.py", in _serve_db\n'
        "    return service_model.retrying(self._serve_ir_http, self.env)\n"
        '  File "/opt/odoo/odoo/service/model.py", in retrying\n'
        "    result = func()\n" + last_line
    )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


def serialize_exception(exc: BaseException, major: int = 19) -> dict[str, Any]:
    """Odoo's ``odoo.http.serialize_exception``: the ``data`` of a JSON-RPC error, a JSON-2 body."""
    if isinstance(exc, HTTPError):
        message: str = exc.description
        arguments: list[Any] = [exc.description, exc.status.value]
    else:
        message = exception_message(exc, major)
        arguments = _jsonable(list(exc.args))
    return {
        "name": exception_path(exc),
        "debug": debug_text(exc),
        "message": message,
        "arguments": arguments,
        "context": _jsonable(getattr(exc, "context", {})),
    }


def jsonrpc_error(exc: BaseException, version: OdooVersion) -> dict[str, Any]:
    """The ``error`` member of a JSON-RPC response.

    Odoo used code 200 for every error until 18.0 and 0 from 18.1 on; a session that expired
    gets 100 and an unknown route 404.
    """
    if isinstance(exc, SessionExpired):
        code, message = 100, "Odoo Session Expired"
    elif isinstance(exc, HTTPError) and exc.status == HTTPStatus.NOT_FOUND:
        code, message = 404, "404: Not Found"
    else:
        code, message = (0 if version.major >= 19 else 200), "Odoo Server Error"
    return {"code": code, "message": message, "data": serialize_exception(exc, version.major)}


def json2_status(exc: BaseException) -> HTTPStatus:
    """The HTTP status of a JSON-2 error (``http_status`` of Odoo 19's exception classes)."""
    if isinstance(exc, HTTPError):
        return exc.status
    if isinstance(exc, AccessDenied | AccessError):
        return HTTPStatus.FORBIDDEN
    if isinstance(exc, MissingError):
        return HTTPStatus.NOT_FOUND
    if isinstance(exc, UserError):
        return HTTPStatus.UNPROCESSABLE_ENTITY
    if isinstance(exc, SessionExpired):
        return HTTPStatus.FORBIDDEN
    return HTTPStatus.INTERNAL_SERVER_ERROR


def xmlrpc_fault(exc: BaseException) -> xmlrpc.client.Fault:
    """The fault of ``/xmlrpc/2/<service>``: integer code per class, message or traceback."""
    if isinstance(exc, RedirectWarning):
        return xmlrpc.client.Fault(FAULT_WARNING, exception_text(exc))
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault(FAULT_ACCESS_ERROR, exception_text(exc))
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault(FAULT_ACCESS_DENIED, exception_text(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault(FAULT_WARNING, exception_text(exc))
    return xmlrpc.client.Fault(FAULT_APPLICATION_ERROR, debug_text(exc))


def xmlrpc_legacy_fault(exc: BaseException) -> xmlrpc.client.Fault:
    """The fault of the historical ``/xmlrpc/<service>``: the code is a string naming the class."""
    text = exception_text(exc)
    if isinstance(exc, RedirectWarning):
        return xmlrpc.client.Fault("warning -- Warning\n\n" + text, "")  # type: ignore[arg-type]
    if isinstance(exc, MissingError):
        return xmlrpc.client.Fault("warning -- MissingError\n\n" + text, "")  # type: ignore[arg-type]
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault("warning -- AccessError\n\n" + text, "")  # type: ignore[arg-type]
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault("AccessDenied", text)  # type: ignore[arg-type]
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault("warning -- UserError\n\n" + text, "")  # type: ignore[arg-type]
    return xmlrpc.client.Fault(text, debug_text(exc))  # type: ignore[arg-type]
