"""Reading an x2many searches its comodel, so the reader's record rules filter the ids (Odoo's
One2many/Many2many ``read``): a salesperson sees only their own orders on a customer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import login, shared_service


@pytest.mark.parametrize("name", ["demo", "chicago"])
def test_x2many_ids_are_those_the_reader_may_read(name: str) -> None:
    service = shared_service("18.0")
    admin, user = login(service, "admin"), login(service, name)
    partners = user("res.partner", "search_read", [], ["sale_order_ids"])
    everything = {
        row["id"]: row["sale_order_ids"]
        for row in admin("res.partner", "read", [row["id"] for row in partners], ["sale_order_ids"])
    }
    hidden_somewhere = False
    for row in partners:
        readable = user("sale.order", "search", [("id", "in", everything[row["id"]])])
        assert sorted(row["sale_order_ids"]) == sorted(readable)
        hidden_somewhere |= len(readable) < len(everything[row["id"]])
    assert hidden_somewhere, "the demo data has orders this user may not read"
