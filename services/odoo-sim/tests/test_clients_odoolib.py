"""Odoo's own ``odoo-client-lib`` (import name ``odoolib``), unchanged, against the simulator:
over XML-RPC and JSON-RPC on every version, and over JSON-2 on 19.0."""

from __future__ import annotations

import xmlrpc.client
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import odoolib
import pytest
from odoolib.tools import AuthenticationError, JsonRPCException

if TYPE_CHECKING:
    from tollgate_odoo_sim.addons.demo import DemoUser

# Client libraries (and xmlrpc.client itself) drop keep-alive sockets without closing them.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.usefixtures("_collect_client_sockets"),
]

DB = "odoo"


def _connect(url: str, protocol: str, user: DemoUser) -> odoolib.Connection:
    parts = urlsplit(url)
    password = user.api_key if protocol == "json2" else user.password
    return odoolib.get_connection(
        hostname=parts.hostname, port=parts.port, protocol=protocol,
        database=DB, login=user.login, password=password,
    )  # fmt: skip


# XML-RPC on every version; JSON-RPC (slow in this library: a new connection per call) on one.
@pytest.mark.parametrize(
    ("version", "protocol"),
    [("17.0", "xmlrpc"), ("18.0", "xmlrpc"), ("19.0", "xmlrpc"), ("18.0", "jsonrpc")],
)
def test_odoolib_end_to_end(sim: str, protocol: str, users: dict[str, DemoUser]) -> None:
    connection = _connect(sim, protocol, users["admin"])
    connection.check_login()
    assert connection.user_id == 2
    assert connection.get_user_context()["lang"]

    partners = connection.get_model("res.partner")
    ids = partners.search([["is_company", "=", True]])
    assert ids
    rows = partners.search_read([["id", "in", ids[:3]]], ["name"])
    assert {row["id"] for row in rows} == set(ids[:3])
    assert partners.read(ids[0], ["name"])["id"] == ids[0]
    fields = partners.fields_get(attributes=["type", "string"])
    assert fields["name"]["type"] == "char"

    partner_id = partners.create({"name": f"odoolib {protocol}"})
    assert partners.write([partner_id], {"phone": "555"}) is True
    assert partners.read(partner_id, ["phone"])["phone"] == "555"

    assert partners.unlink([partner_id]) is True
    assert partners.search([["id", "=", partner_id]]) == []

    orders = connection.get_model("sale.order")
    order_id = orders.create({"partner_id": ids[0]})
    orders.action_confirm([order_id])
    assert orders.read(order_id, ["state"])["state"] == "sale"


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_odoolib_access_error(sim18: str, protocol: str, users: dict[str, DemoUser]) -> None:
    viewer = _connect(sim18, protocol, users["viewer"]).get_model("res.partner")
    partner_id = viewer.search([], 0, 1)[0]
    with pytest.raises((xmlrpc.client.Fault, JsonRPCException)) as raised:
        viewer.write([partner_id], {"name": "changed by the viewer"})
    if isinstance(raised.value, xmlrpc.client.Fault):
        # odoo-client-lib speaks the historical /xmlrpc/<service>: string fault codes
        assert raised.value.faultCode.startswith("warning -- AccessError\n\n")
    else:
        assert raised.value.error["data"]["name"] == "odoo.exceptions.AccessError"
    assert viewer.read(partner_id, ["name"])["name"] != "changed by the viewer"


def test_odoolib_wrong_password(sim18: str) -> None:
    connection = odoolib.get_connection(
        hostname="127.0.0.1", port=urlsplit(sim18).port, database=DB,
        login="admin", password="wrong",
    )  # fmt: skip
    with pytest.raises(AuthenticationError):
        connection.check_login()


def test_odoolib_json2(sim19: str, users: dict[str, DemoUser]) -> None:
    connection = _connect(sim19, "json2", users["admin"])
    assert connection.check_login() is True
    partners = connection.get_model("res.partner")
    ids = partners.search(domain=[["is_company", "=", True]], limit=3)
    assert ids
    rows = partners.read(ids=ids, fields=["name"])
    assert [row["id"] for row in rows] == ids
    partner_id = partners.create(vals_list=[{"name": "odoolib json2"}])[0]
    assert partners.write(ids=[partner_id], vals={"phone": "1"}) is True
    assert partners.unlink(ids=[partner_id]) is True

    viewer = _connect(sim19, "json2", users["viewer"]).get_model("res.partner")
    with pytest.raises(ValueError, match="403"):
        viewer.write(ids=ids[:1], vals={"name": "nope"})
