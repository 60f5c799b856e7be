"""API keys are for non-interactive RPC only, as in Odoo 17/18/19.

Odoo's ``res.users._check_credentials`` accepts an API key only when the login is not interactive:
``common.authenticate``/``login`` and every ``execute_kw`` check mark themselves non-interactive,
JSON-2 takes the key as a bearer token, while a web session login (``/web/session/authenticate``)
is interactive and answers ``AccessDenied`` for a key, opening no session.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tollgate_odoo_sim.addons.demo import DemoUser

pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.usefixtures("_collect_client_sockets"),
]

DB = "odoo"


def test_web_session_login_refuses_an_api_key(
    sim: str, users: dict[str, DemoUser], jsonrpc: Any
) -> None:
    demo = users["demo"]
    with httpx.Client(base_url=sim, timeout=30) as client:
        body = jsonrpc(
            f"{sim}/web/session/authenticate", client=client,
            db=DB, login=demo.login, password=demo.api_key,
        )  # fmt: skip
        error = body["error"]
        assert error["data"]["name"] == "odoo.exceptions.AccessDenied"
        assert error["data"]["message"] == "Access Denied"
        assert "session_id" not in client.cookies
        # Without a session the report route still sends the caller to the login page.
        response = client.get("/report/pdf/sale.report_saleorder/1")
        assert response.status_code == 303


def test_web_session_login_still_takes_the_password(
    sim: str, users: dict[str, DemoUser], jsonrpc: Any
) -> None:
    demo = users["demo"]
    body = jsonrpc(
        f"{sim}/web/session/authenticate", db=DB, login=demo.login, password=demo.password
    )
    assert body["result"]["uid"]


def test_rpc_keeps_accepting_the_api_key(
    sim: str,
    users: dict[str, DemoUser],
    jsonrpc: Any,
    xmlrpc_proxy: Callable[[str, str], xmlrpc.client.ServerProxy],
) -> None:
    demo = users["demo"]
    common = xmlrpc_proxy(sim, "common")
    uid = common.authenticate(DB, demo.login, demo.api_key, {})
    assert isinstance(uid, int)
    assert uid > 0
    models = xmlrpc_proxy(sim, "object")
    assert models.execute_kw(DB, uid, demo.api_key, "res.partner", "search_count", [[]])
    body = jsonrpc(
        f"{sim}/jsonrpc", service="common", method="login", args=[DB, demo.login, demo.api_key]
    )
    assert body["result"] == uid
    body = jsonrpc(
        f"{sim}/jsonrpc", service="object", method="execute_kw",
        args=[DB, uid, demo.api_key, "res.partner", "search_count", [[]]],
    )  # fmt: skip
    assert body["result"]


def test_json2_keeps_accepting_the_api_key(sim19: str, users: dict[str, DemoUser]) -> None:
    demo = users["demo"]
    response = httpx.post(
        f"{sim19}/json/2/res.partner/search_count",
        json={"domain": []},
        headers={"Authorization": f"bearer {demo.api_key}", "X-Odoo-Database": DB},
    )
    assert response.status_code == 200
    assert response.json() > 0


def test_no_rpc_method_renders_a_report_for_an_api_key(
    sim: str,
    users: dict[str, DemoUser],
    xmlrpc_proxy: Callable[[str, str], xmlrpc.client.ServerProxy],
) -> None:
    # Odoo's renderer is private: the only way to a PDF is the session-only /report/pdf route.
    admin = users["admin"]
    uid = xmlrpc_proxy(sim, "common").authenticate(DB, admin.login, admin.api_key, {})
    models = xmlrpc_proxy(sim, "object")
    with pytest.raises(xmlrpc.client.Fault) as raised:
        models.execute_kw(
            DB, uid, admin.api_key, "ir.actions.report", "_render_qweb_pdf",
            ["sale.report_saleorder", [1]],
        )  # fmt: skip
    assert "Private methods" in raised.value.faultString


def test_json2_cannot_call_the_private_renderer(sim19: str, users: dict[str, DemoUser]) -> None:
    admin = users["admin"]
    response = httpx.post(
        f"{sim19}/json/2/ir.actions.report/_render_qweb_pdf",
        json={"report_ref": "sale.report_saleorder", "res_ids": [1]},
        headers={"Authorization": f"bearer {admin.api_key}", "X-Odoo-Database": DB},
    )
    assert response.status_code == 403
    assert response.json()["name"] == "odoo.exceptions.AccessError"
