"""The --odoo-version switch as a client sees it: what each version exposes on the wire."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

DB = "odoo"

pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.usefixtures("_collect_client_sockets"),
]


def _execute_kw(sim: str, jsonrpc: Any, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
    return jsonrpc(
        f"{sim}/jsonrpc", service="object", method="execute_kw",
        args=[DB, 2, "admin", model, method, list(args), kwargs],
    )  # fmt: skip


def test_formatted_read_group_from_19(sim: str, version: str, jsonrpc: Any) -> None:
    domain = [["is_company", "=", True]]
    fields = groupby = ["country_id"]
    # read_group is public on every version (only deprecated in 19.0)
    old = _execute_kw(sim, jsonrpc, "res.partner", "read_group", domain, fields, groupby)
    assert old["result"][0]["country_id_count"] >= 1
    new = _execute_kw(
        sim, jsonrpc, "res.partner", "formatted_read_group", domain,
        groupby=["country_id"], aggregates=["__count"],
    )  # fmt: skip
    if version == "19.0":
        assert new["result"][0]["__count"] >= 1
    else:
        assert new["error"]["data"]["name"] == "builtins.AttributeError"


def test_error_code_changed_in_19(sim: str, version: str, jsonrpc: Any) -> None:
    body = _execute_kw(sim, jsonrpc, "res.partner", "no_such_method")
    assert body["error"]["code"] == (0 if version == "19.0" else 200)


def test_json2_route_only_on_19(sim: str, version: str) -> None:
    response = httpx.post(f"{sim}/json/2/res.users/context_get", json={})
    if version == "19.0":
        assert response.status_code == 401  # the route exists: it wants an API key
    else:
        assert response.status_code == 200  # no route: a JSON-RPC "404: Not Found" error
        assert response.json()["error"]["code"] == 404
