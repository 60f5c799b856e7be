"""fields_get without ``attributes`` lists every attribute Odoo 17-19 describe, even when False."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import login, shared_service


@pytest.mark.parametrize("version", ["17.0", "18.0", "19.0"])
def test_every_description_attribute_is_present(version: str) -> None:
    admin = login(shared_service(version), "admin")
    described = admin("res.partner", "fields_get", ["name", "country_id"])
    for name in ("name", "country_id"):
        # Odoo's Field.get_description keeps every attribute whose value is not None
        assert described[name]["change_default"] is False
        assert described[name]["default_export_compatible"] is False
    only = admin("res.partner", "fields_get", ["name"], attributes=["change_default"])
    assert only == {"name": {"change_default": False}}
