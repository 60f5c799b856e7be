"""A small in-process stand-in for Odoo's wire protocols (httpx MockTransport), for unit tests.

It answers JSON-RPC, JSON-2 and XML-RPC the way Odoo shapes them, with a few partners, and can be
told to fail. Behaviour against a faithful Odoo is tested in tests/integration with the simulator.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tollgate.v1 import common_pb2
from tollgate_common.odoo_credentials import OdooCredential, seal_odoo_credential
from tollgate_common.sealing import SealingPrivateKey

PARTNER_FIELDS: dict[str, dict[str, Any]] = {
    "id": {"type": "integer"},
    "name": {"type": "char"},
    "display_name": {"type": "char"},
    "email": {"type": "char"},
    "phone": {"type": "char"},
    "is_company": {"type": "boolean"},
    "parent_id": {"type": "many2one", "relation": "res.partner"},
    "company_id": {"type": "many2one", "relation": "res.company"},
    "category_id": {"type": "many2many", "relation": "res.partner.category"},
}


def _partner(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "name": f"Partner {i}",
        "display_name": f"Partner {i}",
        "email": f"p{i}@example.com" if i % 2 else False,
        "phone": False,
        "is_company": i % 3 == 0,
        "parent_id": [1, "Partner 1"] if i > 1 else False,
        "company_id": [1, "My Company"],
        "category_id": [],
    }


class FakeOdoo:
    def __init__(self, version: str = "18.0", database: str = "odoo") -> None:
        self.version = version
        self.database = database
        self.users = {"demo": ("demo-key", 6)}
        self.partners = [_partner(i) for i in range(1, 26)]
        self.requests: list[httpx.Request] = []
        self.object_calls: list[tuple[str, str, list[Any], dict[str, Any]]] = []
        # When set, object calls fail with this exception (name, message).
        self.fail_with: tuple[str, str] | None = None

    # -- the model side -------------------------------------------------------------------------
    def _uid_for_key(self, key: str) -> int | None:
        return next((uid for k, uid in self.users.values() if k == key), None)

    def _call(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any]) -> Any:
        self.object_calls.append((model, method, ids or [], kwargs))
        if self.fail_with is not None:
            raise _Raised(*self.fail_with)
        if model != "res.partner" and model != "res.users":
            raise _Raised("odoo.exceptions.UserError", f"Object {model} doesn't exist")
        if method == "fields_get":
            return PARTNER_FIELDS
        if method == "search_read":
            fields = kwargs.get("fields") or list(PARTNER_FIELDS)
            unknown = [f for f in fields if f not in PARTNER_FIELDS]
            if unknown:
                raise _Raised("builtins.ValueError", f"Invalid field {unknown[0]!r} on res.partner")
            offset, limit = kwargs.get("offset", 0), kwargs.get("limit")
            rows = self.partners[offset : offset + limit if limit else None]
            return [{"id": r["id"], **{f: r[f] for f in fields}} for r in rows]
        if method == "read" and model == "res.users":
            return [
                {
                    "id": ids[0] if ids else 0,
                    "name": "Marc Demo",
                    "email": "demo@example.com",
                    "company_ids": [1],
                    "lang": "en_US",
                    "tz": False,
                }
            ]
        raise _Raised("builtins.AttributeError", f"The method '{method}' does not exist")

    def _authenticate(self, db: str, login: str, key: str) -> int | bool:
        known = self.users.get(login)
        return known[1] if known is not None and known[0] == key and db == self.database else False

    def _version(self) -> dict[str, Any]:
        major = int(self.version.split(".")[0])
        return {
            "server_version": self.version,
            "server_version_info": [major, 0, 0, "final", 0, ""],
            "server_serie": self.version,
            "protocol_version": 1,
        }

    # -- the wire side --------------------------------------------------------------------------
    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/web/webclient/version_info":
            return self._jsonrpc_reply(json.loads(request.content), lambda: self._version())
        if path == "/jsonrpc":
            payload = json.loads(request.content)
            return self._jsonrpc_reply(payload, lambda: self._dispatch(**payload["params"]))
        if path.startswith("/json/2/") and int(self.version.split(".")[0]) >= 19:
            return self._json2(request)
        if path.startswith("/xmlrpc/2/"):
            return self._xmlrpc(request)
        return httpx.Response(
            404, text="<html>Not Found</html>", headers={"Content-Type": "text/html"}
        )

    def _dispatch(self, service: str, method: str, args: list[Any]) -> Any:
        if service == "common" and method == "authenticate":
            return self._authenticate(*args[:3])
        if service == "common" and method == "version":
            return self._version()
        if service == "object" and method == "execute_kw":
            db, uid, key, model, name, call_args, kwargs = args
            if self._uid_for_key(key) != uid or db != self.database:
                raise _Raised("odoo.exceptions.AccessDenied", "Access Denied")
            return self._call(model, name, call_args[0] if call_args else None, kwargs)
        raise _Raised("builtins.NameError", f"Method not available {method}")

    def _jsonrpc_reply(self, payload: dict[str, Any], compute: Any) -> httpx.Response:
        try:
            result = compute()
        except _Raised as raised:
            error = {
                "code": 200,
                "message": "Odoo Server Error",
                "data": {
                    "name": raised.name,
                    "debug": "Traceback (most recent call last):\n  secret internals\n",
                    "message": raised.message,
                    "arguments": [raised.message],
                    "context": {},
                },
            }
            return httpx.Response(
                200, json={"jsonrpc": "2.0", "id": payload.get("id"), "error": error}
            )
        return httpx.Response(
            200, json={"jsonrpc": "2.0", "id": payload.get("id"), "result": result}
        )

    def _json2(self, request: httpx.Request) -> httpx.Response:
        _, _, _, model, method = request.url.path.split("/")
        auth = request.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer ") or self._uid_for_key(auth[7:]) is None:
            return httpx.Response(
                401, json={"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"}
            )
        if request.headers.get("X-Odoo-Database") != self.database:
            return httpx.Response(
                404, json={"name": "werkzeug.exceptions.NotFound", "message": "no db"}
            )
        body = json.loads(request.content or b"{}")
        ids = body.pop("ids", None)
        body.pop("context", None)
        try:
            return httpx.Response(200, json=self._call(model, method, ids, body))
        except _Raised as raised:
            status = {"odoo.exceptions.AccessError": 403, "builtins.ValueError": 500}.get(
                raised.name, 422
            )
            return httpx.Response(
                status, json={"name": raised.name, "message": raised.message, "debug": "tb"}
            )

    def _xmlrpc(self, request: httpx.Request) -> httpx.Response:
        params, method = xmlrpc.client.loads(request.content)
        service = request.url.path.rsplit("/", 1)[-1]
        try:
            result = self._dispatch(service, method or "", list(params))
        except _Raised as raised:
            code = {"odoo.exceptions.AccessError": 4, "odoo.exceptions.AccessDenied": 3}.get(
                raised.name
            )
            if code is None and raised.name.startswith("odoo.exceptions."):
                code = 2
            text = (
                raised.message
                if code
                else "Traceback (most recent call last):\n  x\n"
                f"{raised.name.removeprefix('builtins.')}: {raised.message}\n"
            )
            fault = xmlrpc.client.Fault(code or 1, text)
            return httpx.Response(
                200, content=xmlrpc.client.dumps(fault, methodresponse=True).encode()
            )
        body = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True)
        return httpx.Response(200, content=body.encode(), headers={"Content-Type": "text/xml"})


class _Raised(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(name, message)
        self.name = name
        self.message = message


@pytest.fixture
def fake_odoo() -> FakeOdoo:
    return FakeOdoo()


@pytest.fixture
def mock_transport(fake_odoo: FakeOdoo) -> httpx.MockTransport:
    return httpx.MockTransport(fake_odoo.handler)


@pytest.fixture(scope="session")
def worker_key() -> SealingPrivateKey:
    return SealingPrivateKey.generate()


@pytest.fixture
def seal(worker_key: SealingPrivateKey) -> Callable[..., common_pb2.SealedCredential]:
    def _seal(login: str, api_key: str, tenant: str = "acme") -> common_pb2.SealedCredential:
        return seal_odoo_credential(
            worker_key.public_key, OdooCredential(login, api_key), tenant=tenant
        )

    return _seal
