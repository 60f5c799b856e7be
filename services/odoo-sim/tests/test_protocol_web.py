"""The web client's endpoints: sessions, call_kw, call_button, versions, database list, health,
and PDF reports behind the session cookie."""

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


@pytest.fixture
def session(sim: str, users: dict[str, DemoUser], jsonrpc: Any) -> Any:
    """An httpx client logged in as admin through /web/session/authenticate."""
    admin = users["admin"]
    with httpx.Client(base_url=sim, timeout=30) as client:  # a loaded CI box is slow
        body = jsonrpc(
            f"{sim}/web/session/authenticate", client=client,
            db=DB, login=admin.login, password=admin.password,
        )  # fmt: skip
        assert body["result"]["uid"] == 2
        yield client


def test_authenticate_sets_an_unguessable_http_only_cookie(
    sim18: str, users: dict[str, DemoUser], jsonrpc: Any
) -> None:
    demo = users["demo"]
    response = httpx.post(
        f"{sim18}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "params": {"db": DB, "login": demo.login, "password": demo.password},
        },
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("session_id=")
    assert "HttpOnly" in cookie
    assert len(response.cookies["session_id"]) >= 64
    info = response.json()["result"]
    assert info["uid"] not in (None, False, 2)
    assert info["db"] == DB


def test_authenticate_unknown_database(sim18: str, jsonrpc: Any) -> None:
    body = jsonrpc(
        f"{sim18}/web/session/authenticate", db="nosuchdb", login="admin", password="admin"
    )
    assert body["error"]["data"]["name"] == "odoo.exceptions.AccessError"


def test_session_info_call_kw_and_destroy(session: httpx.Client, sim: str, jsonrpc: Any) -> None:
    info = jsonrpc(f"{sim}/web/session/get_session_info", client=session)["result"]
    assert info["uid"] == 2
    for path in ("/web/dataset/call_kw", "/web/dataset/call_kw/res.partner/search_count"):
        body = jsonrpc(
            f"{sim}{path}", client=session,
            model="res.partner", method="search_count", args=[[]], kwargs={},
        )  # fmt: skip
        assert body["result"] > 0
    assert "result" not in jsonrpc(f"{sim}/web/session/check", client=session)
    assert "error" not in jsonrpc(f"{sim}/web/session/destroy", client=session)
    expired = jsonrpc(f"{sim}/web/session/get_session_info", client=session)
    assert expired["error"]["code"] == 100


def test_call_kw_without_a_session_expires(sim: str, jsonrpc: Any) -> None:
    body = jsonrpc(
        f"{sim}/web/dataset/call_kw", model="res.partner", method="search", args=[[]], kwargs={}
    )
    error = body["error"]
    assert (error["code"], error["message"]) == (100, "Odoo Session Expired")
    assert error["data"]["name"] == "odoo.http.SessionExpiredException"


def test_forged_cookie_is_not_a_session(sim18: str, jsonrpc: Any) -> None:
    with httpx.Client(base_url=sim18, cookies={"session_id": "x" * 84}) as client:
        body = jsonrpc(f"{sim18}/web/session/get_session_info", client=client)
    assert body["error"]["code"] == 100


def test_call_button_returns_false_for_non_actions(
    session: httpx.Client, sim: str, jsonrpc: Any
) -> None:
    partner_id = jsonrpc(
        f"{sim}/web/dataset/call_kw", client=session,
        model="res.partner", method="search", args=[[]], kwargs={"limit": 1},
    )["result"][0]  # fmt: skip
    order_id = jsonrpc(
        f"{sim}/web/dataset/call_kw", client=session,
        model="sale.order", method="create", args=[{"partner_id": partner_id}], kwargs={},
    )["result"]  # fmt: skip
    body = jsonrpc(
        f"{sim}/web/dataset/call_button", client=session,
        model="sale.order", method="action_confirm", args=[[order_id]], kwargs={},
    )  # fmt: skip
    assert body["result"] is False
    [order] = jsonrpc(
        f"{sim}/web/dataset/call_kw", client=session,
        model="sale.order", method="read", args=[[order_id], ["state"]], kwargs={},
    )["result"]  # fmt: skip
    assert order["state"] == "sale"


def test_versions_and_database_list(sim: str, version: str, jsonrpc: Any) -> None:
    info = jsonrpc(f"{sim}/web/webclient/version_info")["result"]
    assert info["server_version"] == version
    assert info["server_serie"] == version
    web_version = httpx.get(f"{sim}/web/version").json()
    assert web_version == {"version_info": info["server_version_info"], "version": version}
    assert jsonrpc(f"{sim}/web/database/list")["result"] == [DB]


def test_health(sim: str) -> None:
    response = httpx.get(f"{sim}/web/health")
    assert response.status_code == 200
    assert response.json() == {"status": "pass"}
    assert response.headers["cache-control"] == "no-store"
    checked = httpx.get(f"{sim}/web/health", params={"db_server_status": "1"}).json()
    assert checked == {"status": "pass", "db_server_status": True}


def test_report_pdf_needs_a_session(sim18: str) -> None:
    response = httpx.get(f"{sim18}/report/pdf/sale.report_saleorder/1")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/web/login?redirect=")


def test_report_pdf_download(session: httpx.Client, sim: str, jsonrpc: Any) -> None:
    reports = jsonrpc(
        f"{sim}/web/dataset/call_kw", client=session,
        model="ir.actions.report", method="search_read",
        args=[[["report_type", "=", "qweb-pdf"]]], kwargs={"fields": ["report_name", "model"]},
    )["result"]  # fmt: skip
    assert reports, "the demo data has at least one PDF report"
    report = reports[0]
    ids = jsonrpc(
        f"{sim}/web/dataset/call_kw", client=session,
        model=report["model"], method="search", args=[[]], kwargs={"limit": 2},
    )["result"]  # fmt: skip
    docids = ",".join(str(i) for i in ids)
    response = session.get(f"/report/pdf/{report['report_name']}/{docids}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert int(response.headers["content-length"]) == len(response.content)


def test_session_store_forgets_the_oldest_past_its_capacity() -> None:
    from tollgate_odoo_sim.protocols.sessions import SessionStore

    store = SessionStore(capacity=2)
    first, second, third = (store.open("odoo", uid, f"u{uid}") for uid in (2, 6, 7))
    assert store.get(first.sid) is None
    assert store.get(second.sid) == second
    assert store.get(third.sid) == third
    assert len({first.sid, second.sid, third.sid}) == 3
    store.close(third.sid)
    assert store.get(third.sid) is None
