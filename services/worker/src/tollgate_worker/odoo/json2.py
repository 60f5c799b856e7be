"""Odoo 19's JSON-2 API: ``POST /json/2/<model>/<method>`` with the API key as bearer token.

The body holds the method's keyword arguments plus ``ids`` and ``context``; the answer is the bare
result. Errors use real HTTP statuses with Odoo's serialized exception as the body (``name``,
``message``, ``debug``, ...). JSON-2 has no login call, so the uid check and ``version()`` go
through JSON-RPC's ``common`` service, which Odoo 19 still serves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar, Final
from urllib.parse import quote

import httpx
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.errors import OdooError, error_from_odoo
from tollgate_worker.odoo.jsonrpc import JsonRpcProtocol
from tollgate_worker.odoo.protocol import OdooProtocol, OdooUser, ProtocolName
from tollgate_worker.odoo.transport import OdooTransport

# What Odoo's statuses mean when the body does not name the exception.
_NAME_BY_STATUS: Final[dict[int, str]] = {
    HTTPStatus.UNAUTHORIZED: "odoo.exceptions.AccessDenied",
    HTTPStatus.FORBIDDEN: "odoo.exceptions.AccessError",
    HTTPStatus.NOT_FOUND: "werkzeug.exceptions.NotFound",
    HTTPStatus.BAD_REQUEST: "werkzeug.exceptions.BadRequest",
    HTTPStatus.UNPROCESSABLE_ENTITY: "werkzeug.exceptions.UnprocessableEntity",
}


def _error_from_response(response: httpx.Response) -> OdooError | None:
    """The error an Odoo JSON-2 failure stands for; None when the answer is not Odoo's."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping) and body.get("name"):
        return error_from_odoo(str(body["name"]), str(body.get("message") or ""))
    name = _NAME_BY_STATUS.get(response.status_code)
    if name is None or body is None:
        return None
    return error_from_odoo(name, body if isinstance(body, str) else "")


class Json2Protocol(OdooProtocol):
    name: ClassVar[ProtocolName] = "json2"

    def __init__(self, transport: OdooTransport, database: str) -> None:
        super().__init__(transport, database)
        self._jsonrpc = JsonRpcProtocol(transport, database)

    async def authenticate(self, login: str, api_key: str, *, deadline: Deadline) -> int:
        return await self._jsonrpc.authenticate(login, api_key, deadline=deadline)

    async def server_version(self, *, deadline: Deadline) -> dict[str, Any]:
        return await self._jsonrpc.server_version(deadline=deadline)

    async def execute(
        self,
        user: OdooUser,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        deadline: Deadline,
        idempotent: bool = False,
    ) -> Any:
        body: dict[str, Any] = dict(kwargs or {})
        if ids is not None:
            body["ids"] = list(ids)
        if context:
            body["context"] = dict(context)
        response = await self._transport.post(
            f"/json/2/{quote(model, safe='.')}/{quote(method, safe='')}",
            json.dumps(body, separators=(",", ":")).encode(),
            content_type="application/json",
            deadline=deadline,
            headers={
                "Authorization": f"bearer {user.api_key}",
                "X-Odoo-Database": self._database,
            },
            idempotent=idempotent,
        )
        if response.status_code == HTTPStatus.OK:
            try:
                return response.json()
            except ValueError:
                raise self._transport.unexpected(response, "a JSON-2 call") from None
        error = _error_from_response(response)
        if error is None:
            raise self._transport.unexpected(response, "a JSON-2 call")
        raise error
