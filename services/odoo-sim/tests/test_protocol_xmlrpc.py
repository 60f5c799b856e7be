"""XML-RPC: /xmlrpc/2/{common,object,db}, the legacy /xmlrpc/<service>, Odoo's marshalling."""

from __future__ import annotations

import re
import xmlrpc.client
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tollgate_odoo_sim.protocols.xmlrpc import dumps

if TYPE_CHECKING:
    from tollgate_odoo_sim.addons.demo import DemoUser

# Client libraries (and xmlrpc.client itself) drop keep-alive sockets without closing them.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.usefixtures("_collect_client_sockets"),
]

DB = "odoo"


def proxy(url: str, service: str, *, legacy: bool = False) -> xmlrpc.client.ServerProxy:
    return xmlrpc.client.ServerProxy(f"{url}/xmlrpc/{'' if legacy else '2/'}{service}")


def test_common_version_matches_the_series(sim: str, version: str) -> None:
    info = proxy(sim, "common").version()
    major = int(version.split(".")[0])
    assert info == {
        "server_version": version,
        "server_version_info": [major, 0, 0, "final", 0, ""],
        "server_serie": version,
        "protocol_version": 1,
    }
    assert proxy(sim, "common", legacy=True).version() == info


def test_login_and_authenticate(sim18: str, users: dict[str, DemoUser]) -> None:
    common = proxy(sim18, "common")
    admin, demo = users["admin"], users["demo"]
    assert common.login(DB, admin.login, admin.password) == 2
    demo_uid = common.authenticate(DB, demo.login, demo.password, {"interactive": False})
    assert isinstance(demo_uid, int)
    assert demo_uid not in (1, 2)
    # an API key is accepted wherever a password is
    assert common.login(DB, demo.login, demo.api_key) == demo_uid


def test_login_to_an_unknown_database_is_a_server_error(sim18: str) -> None:
    with pytest.raises(xmlrpc.client.Fault) as raised:
        proxy(sim18, "common").login("nosuchdb", "admin", "admin")
    assert raised.value.faultCode == 1
    assert 'database "nosuchdb" does not exist' in raised.value.faultString


def test_execute_kw_search_read_and_marshalling(sim: str, users: dict[str, DemoUser]) -> None:
    admin = users["admin"]
    obj = proxy(sim, "object")
    rows = obj.execute_kw(
        DB, 2, admin.password, "res.partner", "search_read", [[["is_company", "=", True]]],
        {"fields": ["name", "country_id", "create_date"], "limit": 3, "order": "id"},
    )  # fmt: skip
    assert 1 <= len(rows) <= 3
    for row in rows:
        assert set(row) >= {"id", "name", "country_id"}
        # many2one as [id, name] or False; datetimes travel as strings
        assert row["country_id"] is False or (
            isinstance(row["country_id"], list) and len(row["country_id"]) == 2
        )
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row["create_date"])


def test_execute_takes_positional_arguments(sim18: str, users: dict[str, DemoUser]) -> None:
    admin = users["admin"]
    obj = proxy(sim18, "object")
    ids = obj.execute(DB, 2, admin.password, "res.partner", "search", [["is_company", "=", True]])
    assert ids
    assert all(isinstance(i, int) for i in ids)
    count = obj.execute(DB, 2, admin.password, "res.partner", "search_count", [])
    assert count >= len(ids)


def test_unknown_object_method_is_not_available(sim18: str, users: dict[str, DemoUser]) -> None:
    with pytest.raises(xmlrpc.client.Fault) as raised:
        proxy(sim18, "object").nope(DB, 2, users["admin"].password)
    assert raised.value.faultCode == 1
    assert "NameError: Method not available nope" in raised.value.faultString


def test_db_service(sim: str, version: str) -> None:
    db = proxy(sim, "db")
    assert db.list() == [DB]
    assert db.server_version() == version
    assert db.db_exist(DB) is True
    assert db.db_exist("other") is False
    assert ["en_US", "English (US)"] in db.list_lang()


def test_db_management_needs_the_master_password(sim18: str) -> None:
    with pytest.raises(xmlrpc.client.Fault) as raised:
        proxy(sim18, "db").drop("admin", DB)
    assert raised.value.faultCode == 3
    assert proxy(sim18, "db").list() == [DB]


def test_unknown_service_and_method(sim18: str) -> None:
    with pytest.raises(xmlrpc.client.Fault) as raised:
        proxy(sim18, "nosuchservice").version()
    assert raised.value.faultCode == 1
    assert "KeyError" in raised.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as raised:
        proxy(sim18, "common").nosuchmethod()
    assert "Method not found: nosuchmethod" in raised.value.faultString


def test_malformed_xml_is_a_fault_not_a_crash(sim18: str) -> None:
    response = httpx.post(f"{sim18}/xmlrpc/2/common", content=b"<methodCall><oops")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    with pytest.raises(xmlrpc.client.Fault) as raised:
        xmlrpc.client.loads(response.content)
    assert raised.value.faultCode == 1


def test_get_is_not_allowed(sim18: str) -> None:
    assert httpx.get(f"{sim18}/xmlrpc/2/common").status_code == 405


def test_marshaller_follows_odoo() -> None:
    from datetime import date, datetime

    text = dumps(({"d": date(2024, 2, 29), "dt": datetime(2024, 2, 29, 13, 5), "s": "a\x01b"},))
    (value,), _ = xmlrpc.client.loads(text)
    assert value == {"d": "2024-02-29", "dt": "2024-02-29 13:05:00", "s": "ab"}
    with pytest.raises(TypeError, match="cannot marshal None"):
        dumps(({"x": None},))


def _execute_kw(sim: str, user: DemoUser, *call: Any) -> Any:
    uid = proxy(sim, "common").login(DB, user.login, user.password)
    return proxy(sim, "object").execute_kw(DB, uid, user.password, *call)


def test_crud_round_trip(sim18: str, users: dict[str, DemoUser]) -> None:
    admin = users["admin"]
    partner_id = _execute_kw(sim18, admin, "res.partner", "create", [{"name": "XML-RPC Partner"}])
    assert isinstance(partner_id, int)
    assert _execute_kw(sim18, admin, "res.partner", "write", [[partner_id], {"phone": "+32 1"}])
    [row] = _execute_kw(sim18, admin, "res.partner", "read", [[partner_id], ["name", "phone"]])
    assert row == {"id": partner_id, "name": "XML-RPC Partner", "phone": "+32 1"}
    assert _execute_kw(sim18, admin, "res.partner", "unlink", [[partner_id]]) is True
    assert _execute_kw(sim18, admin, "res.partner", "search", [[["id", "=", partner_id]]]) == []
