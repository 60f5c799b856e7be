"""/jsonrpc: Odoo's JSON-RPC dispatcher over the common, db and object services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tollgate_odoo_sim.addons.demo import DemoUser

# Client libraries (and xmlrpc.client itself) drop keep-alive sockets without closing them.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.usefixtures("_collect_client_sockets"),
]

DB = "odoo"


def test_common_db_and_object_services(
    sim: str, version: str, users: dict[str, DemoUser], jsonrpc: Any
) -> None:
    url = f"{sim}/jsonrpc"
    admin = users["admin"]
    body = jsonrpc(url, request_id="abc", service="common", method="version", args=[])
    assert body == {
        "jsonrpc": "2.0",
        "id": "abc",
        "result": {
            "server_version": version,
            "server_version_info": [int(version[:2]), 0, 0, "final", 0, ""],
            "server_serie": version,
            "protocol_version": 1,
        },
    }
    uid = jsonrpc(url, service="common", method="login", args=[DB, "admin", admin.password])
    assert uid["result"] == 2
    assert jsonrpc(url, service="db", method="list", args=[])["result"] == [DB]
    rows = jsonrpc(
        url, service="object", method="execute_kw",
        args=[DB, 2, admin.password, "res.partner", "search_read", [[]]],
    )["result"]  # fmt: skip
    assert rows
    assert {"id", "name"} <= set(rows[0])


def test_wrong_login_returns_false_not_an_error(sim18: str, jsonrpc: Any) -> None:
    body = jsonrpc(f"{sim18}/jsonrpc", service="common", method="login", args=[DB, "admin", "x"])
    assert body["result"] is False


def test_missing_parameter_is_a_type_error(sim18: str, jsonrpc: Any) -> None:
    body = jsonrpc(f"{sim18}/jsonrpc", service="common", method="version")
    data = body["error"]["data"]
    assert data["name"] == "builtins.TypeError"
    assert data["message"] == "missing a required argument: 'args'"


def test_unknown_parameters_are_ignored(sim18: str, jsonrpc: Any) -> None:
    body = jsonrpc(f"{sim18}/jsonrpc", service="db", method="list", args=[], extra=1)
    assert body["result"] == [DB]


def test_invalid_json_is_a_bad_request_envelope(sim18: str) -> None:
    response = httpx.post(
        f"{sim18}/jsonrpc", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    error = response.json()["error"]
    assert error["data"]["name"] == "werkzeug.exceptions.BadRequest"


def test_non_json_content_type_is_rejected(sim18: str) -> None:
    response = httpx.post(f"{sim18}/jsonrpc", content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert "Request inferred type is compatible with" in response.text


def test_unknown_route_with_json_is_a_404_envelope(sim18: str) -> None:
    response = httpx.post(f"{sim18}/web/nothing/here", json={"jsonrpc": "2.0", "params": {}})
    assert response.status_code == 200
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (404, "404: Not Found")
    assert error["data"]["name"] == "werkzeug.exceptions.NotFound"
    assert httpx.get(f"{sim18}/web/nothing/here").status_code == 404


def test_json_routes_take_any_method_but_need_json(sim18: str) -> None:
    assert httpx.get(f"{sim18}/jsonrpc").status_code == 400
    response = httpx.request(
        "GET",
        f"{sim18}/jsonrpc",
        json={"jsonrpc": "2.0", "params": {"service": "db", "method": "list", "args": []}},
    )
    assert response.json()["result"] == [DB]
