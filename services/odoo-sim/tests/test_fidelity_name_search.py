"""Searching by name uses ``_rec_names_search`` like Odoo: a contact is found by its email,
reference or tax id, an order line by its order's number, and the same fields back a
``display_name`` condition and a many2one compared to a name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import login, ref, shared_service

AZURE = "base.res_partner_12"


@pytest.mark.parametrize("version", ["17.0", "18.0", "19.0"])
@pytest.mark.parametrize("text", ["info@azure.example", "C0001", "US00047000", "Azure Int"])
def test_contacts_are_found_by_any_of_their_search_names(version: str, text: str) -> None:
    service = shared_service(version)
    admin = login(service, "admin")
    azure = ref(service, AZURE)
    found = admin("res.partner", "name_search", text)
    assert [azure, "Azure Interior"] in found
    assert azure in admin("res.partner", "search", [("display_name", "ilike", text)])
    # a many2one compared to a name searches the comodel the same way
    orders = admin("sale.order", "search", [("partner_id", "ilike", text)])
    assert orders
    assert orders == admin("sale.order", "search", [("partner_id", "=", azure)])


def test_negative_name_search_needs_every_search_name_to_differ() -> None:
    service = shared_service("18.0")
    admin = login(service, "admin")
    azure = ref(service, AZURE)
    # Azure's name does not contain "C0001" but its reference does: for a negative operator
    # Odoo ANDs the conditions, so a match on any one search field excludes the record
    excluded = admin("res.partner", "name_search", "C0001", operator="not ilike", limit=0)
    assert azure not in [row[0] for row in excluded]
    assert excluded


def test_order_lines_are_found_by_their_order_number() -> None:
    admin = login(shared_service("18.0"), "admin")
    (order,) = admin("sale.order", "search_read", [], ["name", "order_line"], limit=1)
    found = admin("sale.order.line", "name_search", order["name"], limit=0)
    assert sorted(row[0] for row in found) == sorted(order["order_line"])


def test_empty_like_name_matches_everything_and_limit_applies() -> None:
    admin = login(shared_service("18.0"), "admin")
    assert len(admin("res.partner", "name_search", "", limit=5)) == 5
    total = admin("res.partner", "search_count", [])
    assert len(admin("res.partner", "name_search", "", limit=0)) == total
