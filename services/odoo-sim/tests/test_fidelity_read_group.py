"""read_group's ``__domain``: Odoo ANDs the caller's domain first, then each group's condition."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import login, shared_service


@pytest.mark.parametrize("version", ["17.0", "18.0"])
def test_group_domain_starts_with_the_callers_domain_as_written(version: str) -> None:
    admin = login(shared_service(version), "admin")
    domain = [["state", "in", ["sale", "draft"]], "!", ["user_id", "=", False]]
    groups = admin(
        "sale.order", "read_group", domain, ["amount_total"], ["partner_id", "state"], lazy=False
    )
    assert groups
    for group in groups:
        partner_id, state = group["partner_id"][0], group["state"]
        # expression.AND([domain, ...]) keeps the caller's leaves and negations untouched
        assert group["__domain"] == [
            "&", "&", "&", ["state", "in", ["sale", "draft"]], "!", ["user_id", "=", False],
            ["partner_id", "=", partner_id], ["state", "=", state],
        ]  # fmt: skip
    lazy = admin("sale.order", "read_group", [["state", "=", "sale"]], ["amount_total"], ["state"])
    assert lazy[0]["__domain"] == ["&", ["state", "=", "sale"], ["state", "=", "sale"]]
