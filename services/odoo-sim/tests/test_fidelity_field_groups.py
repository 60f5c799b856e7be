"""A group-restricted field of the demo models (res.partner.total_invoiced, accounting groups)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import login, ref, shared_service
from tollgate_odoo_sim.exceptions import AccessError


@pytest.mark.parametrize("version", ["17.0", "19.0"])
def test_only_accounting_users_see_and_read_the_field(version: str) -> None:
    service = shared_service(version)
    admin, demo = login(service, "admin"), login(service, "demo")
    azure = ref(service, "base.res_partner_12")
    assert admin("res.partner", "read", [azure], ["total_invoiced"])[0]["total_invoiced"] > 0
    assert "total_invoiced" in admin("res.partner", "fields_get", [], attributes=["type"])
    assert "total_invoiced" not in demo("res.partner", "fields_get", [], attributes=["type"])
    assert "total_invoiced" not in demo("res.partner", "read", [azure])[0]
    with pytest.raises(AccessError) as denied:
        demo("res.partner", "read", [azure], ["name", "total_invoiced"])
    assert str(denied.value) == (
        'You do not have enough rights to access the fields "total_invoiced" on Contact '
        "(res.partner). Please contact your system administrator.\n\n(Operation: read)"
    )
    with pytest.raises(AccessError):
        demo("res.partner", "search_read", [("id", "=", azure)], ["total_invoiced"])
