"""Odoo's JSON-RPC API: ``POST /jsonrpc`` with ``{"service", "method", "args"}`` as params.

Errors come back with HTTP 200 in the envelope's ``error`` member; ``error.data.name`` is the
exception's dotted path and ``error.data.message`` Odoo's sentence. ``data.debug`` (a traceback) is
ignored on purpose.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Final

import httpx
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.errors import OdooError, error_from_odoo
from tollgate_worker.odoo.protocol import ExecuteKwProtocol, ProtocolName
from tollgate_worker.odoo.transport import OdooTransport

JSONRPC_PATH: Final = "/jsonrpc"
_SESSION_EXPIRED: Final = 100


def error_from_envelope(error: Any) -> OdooError:
    """The typed error for a JSON-RPC ``error`` member (also used for ``type='json'`` routes)."""
    if not isinstance(error, Mapping):
        return error_from_odoo("", "")
    data = error.get("data")
    data = data if isinstance(data, Mapping) else {}
    name = str(data.get("name") or "")
    message = str(data.get("message") or error.get("message") or "")
    if error.get("code") == _SESSION_EXPIRED and not name:
        name = "odoo.http.SessionExpiredException"
    return error_from_odoo(name, message)


async def call_json_route(
    transport: OdooTransport,
    path: str,
    params: Mapping[str, Any],
    *,
    deadline: Deadline,
    request_id: int,
    idempotent: bool = False,
) -> Any:
    """Call an Odoo ``type='json'`` route and return its ``result``; raise the typed error."""
    response = await _post_call(
        transport, path, params, deadline=deadline, request_id=request_id, idempotent=idempotent
    )
    return _result(transport, response)


async def call_json_route_with_cookies(
    transport: OdooTransport,
    path: str,
    params: Mapping[str, Any],
    *,
    deadline: Deadline,
    request_id: int,
    idempotent: bool = False,
    cookies: Mapping[str, str] | None = None,
) -> tuple[Any, dict[str, str]]:
    """`call_json_route` sending ``cookies`` (a web session), also returning the cookies set.

    Only the web-session routes need this; RPC calls carry their credential in the body and
    skip the cookie parsing."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else None
    response = await _post_call(
        transport,
        path,
        params,
        deadline=deadline,
        request_id=request_id,
        idempotent=idempotent,
        headers=headers,
    )
    return _result(transport, response), dict(response.cookies)


async def _post_call(
    transport: OdooTransport,
    path: str,
    params: Mapping[str, Any],
    *,
    deadline: Deadline,
    request_id: int,
    idempotent: bool,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    body = json.dumps(
        {"jsonrpc": "2.0", "method": "call", "params": params, "id": request_id},
        separators=(",", ":"),
    ).encode()
    return await transport.post(
        path,
        body,
        content_type="application/json",
        deadline=deadline,
        headers=headers,
        idempotent=idempotent,
    )


def _result(transport: OdooTransport, response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise transport.unexpected(response, "a JSON-RPC call")
    try:
        payload = response.json()
    except ValueError:
        raise transport.unexpected(response, "a JSON-RPC call") from None
    if not isinstance(payload, dict):
        raise transport.unexpected(response, "a JSON-RPC call")
    if "error" in payload:
        raise error_from_envelope(payload["error"])
    # Odoo leaves ``result`` out when the method returned None.
    return payload.get("result")


class JsonRpcProtocol(ExecuteKwProtocol):
    name: ClassVar[ProtocolName] = "jsonrpc"

    def __init__(self, transport: OdooTransport, database: str) -> None:
        super().__init__(transport, database)
        self._ids = itertools.count(1)

    async def _call(
        self,
        service: str,
        method: str,
        args: list[Any],
        *,
        deadline: Deadline,
        idempotent: bool = True,
    ) -> Any:
        return await call_json_route(
            self._transport,
            JSONRPC_PATH,
            {"service": service, "method": method, "args": args},
            deadline=deadline,
            request_id=next(self._ids),
            idempotent=idempotent,
        )
