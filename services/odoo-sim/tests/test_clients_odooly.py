"""``odooly``, unchanged, in its three modes: JSON-RPC (/jsonrpc), the web client's session
endpoints, and JSON-2 with an API key on 19.0. (odooly 2.x has no XML-RPC mode any more.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import odooly
import pytest

if TYPE_CHECKING:
    from tollgate_odoo_sim.addons.demo import DemoUser

# Client libraries (and xmlrpc.client itself) drop keep-alive sockets without closing them.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.usefixtures("_collect_client_sockets"),
]

DB = "odoo"


def _client(url: str, mode: str, user: DemoUser) -> Any:
    if mode == "jsonrpc":
        return odooly.Client(f"{url}/jsonrpc", db=DB, user=user.login, password=user.password)
    if mode == "json2":
        return odooly.Client(url, db=DB, user=user.login, api_key=user.api_key)
    return odooly.Client(url, db=DB, user=user.login, password=user.password)


def _exercise(client: Any, label: str) -> None:
    env = client.env
    assert env.uid == 2
    partners = env["res.partner"]
    found = partners.search([("is_company", "=", True)])
    assert len(found) > 0
    names = found[:3].read("name")
    assert len(names) == len(found[:3])
    fields = partners.fields_get(["name"], attributes=["type"])
    assert fields["name"]["type"] == "char"

    partner = partners.create({"name": f"odooly {label}"})
    partner.write({"phone": "42"})
    assert partner.read("phone") == "42"

    partner.unlink()
    assert not partners.search([("id", "=", partner.id)])

    order = env["sale.order"].create({"partner_id": found[0].id})
    order.action_confirm()
    assert order.read("state") == "sale"


@pytest.mark.parametrize("mode", ["jsonrpc", "web"])
def test_odooly_end_to_end(sim: str, version: str, mode: str, users: dict[str, DemoUser]) -> None:
    client = _client(sim, mode, users["admin"])
    assert client.server_version == version
    _exercise(client, mode)


def test_odooly_json2(sim19: str, users: dict[str, DemoUser]) -> None:
    _exercise(_client(sim19, "json2", users["admin"]), "json2")


@pytest.mark.parametrize("mode", ["jsonrpc", "web"])
def test_odooly_access_error(sim18: str, mode: str, users: dict[str, DemoUser]) -> None:
    client = _client(sim18, mode, users["viewer"])
    partner = client.env["res.partner"].search([], limit=1)[0]
    with pytest.raises(odooly.ServerError) as raised:
        partner.write({"name": "changed by the viewer"})
    assert "odoo.exceptions.AccessError" in str(raised.value)
