"""``odoorpc`` (JSON-RPC through /jsonrpc and the web client's endpoints), unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import odoorpc
import pytest

if TYPE_CHECKING:
    from tollgate_odoo_sim.addons.demo import DemoUser

# Client libraries (and xmlrpc.client itself) drop keep-alive sockets without closing them.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.usefixtures("_collect_client_sockets"),
]

DB = "odoo"


def _odoo(url: str) -> odoorpc.ODOO:
    return odoorpc.ODOO("127.0.0.1", port=urlsplit(url).port, timeout=30)


def test_odoorpc_end_to_end(sim: str, version: str, users: dict[str, DemoUser]) -> None:
    odoo = _odoo(sim)
    assert odoo.version == version
    assert odoo.db.list() == [DB]
    admin = users["admin"]
    odoo.login(DB, admin.login, admin.password)
    assert odoo.env.uid == 2
    assert odoo.env.user.login == "admin"

    Partner = odoo.env["res.partner"]
    ids = Partner.search([("is_company", "=", True)], limit=3)
    assert ids
    rows = Partner.read(ids, ["name"])
    assert [row["id"] for row in rows] == ids
    assert Partner.browse(ids[0]).name == rows[0]["name"]
    assert Partner.fields_get(["name"], attributes=["type"])["name"]["type"] == "char"

    partner_id = Partner.create({"name": "odoorpc partner"})
    partner = Partner.browse(partner_id)
    partner.phone = "123"  # a write through the record proxy
    assert Partner.read([partner_id], ["phone"])[0]["phone"] == "123"

    partner.unlink()
    assert Partner.search([("id", "=", partner_id)]) == []

    Order = odoo.env["sale.order"]
    order = Order.browse(Order.create({"partner_id": ids[0]}))
    order.action_confirm()
    assert Order.read([order.id], ["state"])[0]["state"] == "sale"
    odoo.logout()


def test_odoorpc_access_error(sim18: str, users: dict[str, DemoUser]) -> None:
    odoo = _odoo(sim18)
    viewer = users["viewer"]
    odoo.login(DB, viewer.login, viewer.password)
    Partner = odoo.env["res.partner"]
    partner_id = Partner.search([], limit=1)[0]
    with pytest.raises(odoorpc.error.RPCError) as raised:
        Partner.write([partner_id], {"name": "changed by the viewer"})
    assert raised.value.info["data"]["name"] == "odoo.exceptions.AccessError"


def test_odoorpc_wrong_password(sim18: str) -> None:
    odoo = _odoo(sim18)
    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        odoo.login(DB, "admin", "wrong")
