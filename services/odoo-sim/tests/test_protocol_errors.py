"""Each Odoo error class on each protocol: the same failing call over XML-RPC (integer and
legacy string faults), /jsonrpc, the web client's call_kw and JSON-2, checked against the shape
real Odoo gives it on that protocol."""

from __future__ import annotations

import xmlrpc.client
from dataclasses import dataclass
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
CANCELLED = "<a cancelled sale order>"


@dataclass(frozen=True)
class Case:
    login: str
    model: str
    method: str
    args: list[Any]
    json2: dict[str, Any]
    name: str  # data.name, the Python path of the exception
    fault: int  # /xmlrpc/2 fault code
    legacy: str  # how the /xmlrpc fault code starts
    status: int  # JSON-2 HTTP status
    json2_name: str = ""  # data.name on JSON-2 when it differs (werkzeug's NotFound)


CASES = {
    "access_error": Case(
        "viewer", "res.partner", "write", [[1], {"name": "X"}], {"ids": [1], "vals": {"name": "X"}},
        "odoo.exceptions.AccessError", 4, "warning -- AccessError", 403,
    ),
    "private_method": Case(
        "admin", "res.partner", "_check_company", [[1]], {"ids": [1]},
        "odoo.exceptions.AccessError", 4, "warning -- AccessError", 403,
    ),
    "missing_error": Case(
        "admin", "res.partner", "write", [[999999], {"name": "X"}],
        {"ids": [999999], "vals": {"name": "X"}},
        "odoo.exceptions.MissingError", 2, "warning -- MissingError", 404,
    ),
    "user_error": Case(
        "admin", "sale.order", "action_confirm", [CANCELLED], {"ids": CANCELLED},
        "odoo.exceptions.UserError", 2, "warning -- UserError", 422,
    ),
    "validation_error": Case(
        "admin", "res.partner", "write", [[1], {"name": False}],
        {"ids": [1], "vals": {"name": False}},
        "odoo.exceptions.ValidationError", 2, "warning -- UserError", 422,
    ),
    "unknown_model": Case(
        "admin", "no.such.model", "search", [[]], {"domain": []},
        "odoo.exceptions.UserError", 2, "warning -- UserError", 404,
        "werkzeug.exceptions.NotFound",
    ),
    "unknown_method": Case(
        "admin", "res.partner", "no_such_method", [[1]], {"ids": [1]},
        "builtins.AttributeError", 1, "", 404, "werkzeug.exceptions.NotFound",
    ),
    "invalid_domain": Case(
        "admin", "res.partner", "search", [[["name", "like"]]], {"domain": [["name", "like"]]},
        "builtins.ValueError", 1, "", 500,
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def cancelled_orders() -> dict[str, int]:
    return {}


@pytest.fixture
def resolve(users: dict[str, DemoUser], cancelled_orders: dict[str, int]) -> Any:
    """``resolve(url, value)``: the CANCELLED placeholder becomes a real cancelled order there."""

    def resolve(sim: str, value: Any) -> Any:
        if value != CANCELLED:
            return value
        if sim not in cancelled_orders:
            admin = users["admin"]
            proxy = xmlrpc.client.ServerProxy(f"{sim}/xmlrpc/2/object")
            partner_id = proxy.execute_kw(
                DB, 2, admin.password, "res.partner", "search", [[["is_company", "=", True]]],
                {"limit": 1},
            )[0]  # fmt: skip
            order_id = proxy.execute_kw(
                DB, 2, admin.password, "sale.order", "create", [{"partner_id": partner_id}]
            )
            proxy.execute_kw(DB, 2, admin.password, "sale.order", "action_cancel", [[order_id]])
            cancelled_orders[sim] = order_id
        return [cancelled_orders[sim]]

    return resolve


@pytest.fixture
def case_args(sim: str, resolve: Any) -> Any:
    return lambda value: resolve(sim, value)


def _uid(sim: str, user: DemoUser) -> int:
    uid = xmlrpc.client.ServerProxy(f"{sim}/xmlrpc/2/common").login(DB, user.login, user.password)
    assert isinstance(uid, int)
    return uid


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_xmlrpc_fault_code_and_message(
    sim: str, users: dict[str, DemoUser], case_name: str, case_args: Any
) -> None:
    case = CASES[case_name]
    user = users[case.login]
    args = [case_args(arg) for arg in case.args]
    proxy = xmlrpc.client.ServerProxy(f"{sim}/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault) as raised:
        proxy.execute_kw(DB, _uid(sim, user), user.password, case.model, case.method, args)
    fault = raised.value
    assert fault.faultCode == case.fault
    if case.fault == 1:
        # server errors carry a traceback-shaped text ending in the exception, nothing else
        assert fault.faultString.startswith("Traceback (most recent call last):")
        assert f"\n{case.name}: " in fault.faultString
        assert "tollgate" not in fault.faultString
    else:
        assert fault.faultString
        assert "Traceback" not in fault.faultString


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_legacy_xmlrpc_string_fault(
    sim18: str, users: dict[str, DemoUser], case_name: str, resolve: Any
) -> None:
    case = CASES[case_name]
    user = users[case.login]
    sim = sim18  # the mapping does not depend on the version; the matrix above covers those
    args = [resolve(sim, arg) for arg in case.args]
    proxy = xmlrpc.client.ServerProxy(f"{sim}/xmlrpc/object")
    with pytest.raises(xmlrpc.client.Fault) as raised:
        proxy.execute_kw(DB, _uid(sim, user), user.password, case.model, case.method, args)
    fault = raised.value
    assert isinstance(fault.faultCode, str)
    assert fault.faultCode.startswith(case.legacy)
    if case.fault == 1:
        # a server error: the code is the message, the string the traceback ending with it
        assert fault.faultString.endswith(f"{case.name}: {fault.faultCode}\n")
    else:
        assert fault.faultString == ""


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_jsonrpc_error_envelope(
    sim: str, version: str, users: dict[str, DemoUser], case_name: str, case_args: Any, jsonrpc: Any
) -> None:
    case = CASES[case_name]
    user = users[case.login]
    args = [case_args(arg) for arg in case.args]
    call = [DB, _uid(sim, user), user.password, case.model, case.method, args, {}]
    body = jsonrpc(
        f"{sim}/jsonrpc", request_id=42, service="object", method="execute_kw", args=call
    )
    assert body["id"] == 42
    assert "result" not in body
    error = body["error"]
    assert error["code"] == (0 if version == "19.0" else 200)
    assert error["message"] == "Odoo Server Error"
    data = error["data"]
    assert set(data) == {"name", "message", "arguments", "context", "debug"}
    assert data["name"] == case.name
    assert data["message"]
    assert data["arguments"][0] == data["message"]
    assert data["debug"].endswith(f"{case.name}: {data['message']}\n")


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_web_call_kw_error_envelope(
    sim18: str, users: dict[str, DemoUser], case_name: str, resolve: Any, jsonrpc: Any
) -> None:
    case = CASES[case_name]
    user = users[case.login]
    sim = sim18  # the mapping does not depend on the version; the matrix above covers those
    args = [resolve(sim, arg) for arg in case.args]
    with httpx.Client(base_url=sim) as client:
        login = jsonrpc(
            f"{sim}/web/session/authenticate", client=client,
            db=DB, login=user.login, password=user.password,
        )  # fmt: skip
        assert login["result"]["uid"]
        body = jsonrpc(
            f"{sim}/web/dataset/call_kw/{case.model}/{case.method}", client=client,
            model=case.model, method=case.method, args=args, kwargs={},
        )  # fmt: skip
    assert body["error"]["data"]["name"] == case.name


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_json2_status_and_body(
    sim19: str, users: dict[str, DemoUser], case_name: str, resolve: Any
) -> None:
    case = CASES[case_name]
    user = users[case.login]
    params = {key: resolve(sim19, value) for key, value in case.json2.items()}
    response = httpx.post(
        f"{sim19}/json/2/{case.model}/{case.method}",
        json=params,
        headers={"Authorization": f"bearer {user.api_key}", "X-Odoo-Database": DB},
    )
    assert response.status_code == case.status, response.text
    body = response.json()
    assert body["name"] == (case.json2_name or case.name)
    assert set(body) == {"name", "message", "arguments", "context", "debug"}


def test_wrong_password_is_access_denied_everywhere(
    sim: str, version: str, users: dict[str, DemoUser], jsonrpc: Any
) -> None:
    admin = users["admin"]
    common = xmlrpc.client.ServerProxy(f"{sim}/xmlrpc/2/common")
    assert common.login(DB, "admin", "not-the-password") is False
    assert common.authenticate(DB, "admin", "not-the-password", {}) is False
    uid = common.login(DB, admin.login, admin.password)

    with pytest.raises(xmlrpc.client.Fault) as raised:
        xmlrpc.client.ServerProxy(f"{sim}/xmlrpc/2/object").execute_kw(
            DB, uid, "not-the-password", "res.partner", "search", [[]]
        )
    assert raised.value.faultCode == 3
    assert raised.value.faultString == "Access Denied"

    with pytest.raises(xmlrpc.client.Fault) as legacy:
        xmlrpc.client.ServerProxy(f"{sim}/xmlrpc/object").execute_kw(
            DB, uid, "not-the-password", "res.partner", "search", [[]]
        )
    assert legacy.value.faultCode == "AccessDenied"
    assert legacy.value.faultString == "Access Denied"

    body = jsonrpc(
        f"{sim}/jsonrpc", service="object", method="execute_kw",
        args=[DB, uid, "not-the-password", "res.partner", "search", [[]]],
    )  # fmt: skip
    data = body["error"]["data"]
    assert data["name"] == "odoo.exceptions.AccessDenied"
    # Odoo strips the traceback of AccessDenied: only the last line is left
    assert data["debug"] == "odoo.exceptions.AccessDenied: Access Denied\n"

    body = jsonrpc(
        f"{sim}/web/session/authenticate", db=DB, login="admin", password="not-the-password"
    )
    assert body["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"


def test_json2_bad_or_missing_key_is_401(sim19: str) -> None:
    url = f"{sim19}/json/2/res.partner/search"
    for headers in ({}, {"Authorization": "bearer " + "0" * 40}, {"Authorization": "Basic x"}):
        response = httpx.post(url, json={"domain": []}, headers={"X-Odoo-Database": DB, **headers})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].lower() == "bearer"
        body = response.json()
        assert body["name"] == "werkzeug.exceptions.Unauthorized"
        assert body["arguments"] == [body["message"], 401]
