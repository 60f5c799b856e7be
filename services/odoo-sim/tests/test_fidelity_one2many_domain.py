"""A One2many declared with ``domain=`` lists only the lines matching it, as Odoo reads it.

account.move.invoice_line_ids keeps product/section/note lines; the receivable line of a posted
invoice (display_type 'payment_term') shows only in line_ids.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import login, shared_service


@pytest.mark.parametrize("version", ["17.0", "19.0"])
def test_invoice_lines_leave_out_the_receivable_line(version: str) -> None:
    admin = login(shared_service(version), "admin")
    (move,) = admin(
        "account.move",
        "search_read",
        [("move_type", "=", "out_invoice"), ("state", "=", "posted")],
        ["line_ids", "invoice_line_ids"],
        limit=1,
    )
    kinds = {
        line["id"]: line["display_type"]
        for line in admin("account.move.line", "read", move["line_ids"], ["display_type"])
    }
    assert "payment_term" in kinds.values()
    expected = [lid for lid in move["line_ids"] if kinds[lid] != "payment_term"]
    assert sorted(move["invoice_line_ids"]) == sorted(expected)
    assert expected


def test_searching_through_the_one2many_applies_its_domain() -> None:
    admin = login(shared_service("18.0"), "admin")
    receivable = admin(
        "account.move",
        "search",
        [("line_ids.display_type", "=", "payment_term")],
    )
    assert receivable
    assert (
        admin("account.move", "search", [("invoice_line_ids.display_type", "=", "payment_term")])
        == []
    )
