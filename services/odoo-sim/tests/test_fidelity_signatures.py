"""Argument checking of the public ORM methods, as Odoo's signatures do it over RPC."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import login, rolled_back, shared_service


@pytest.mark.parametrize("method", ["search", "search_count"])
def test_search_needs_a_domain(method: str) -> None:
    admin = login(shared_service("18.0"), "admin")
    with pytest.raises(TypeError, match=f"{method}\\(\\) missing 1 required positional argument"):
        admin("res.partner", method)
    assert admin("res.partner", method, [("id", "=", 3)]) in ([3], 1)


def test_search_read_refuses_unknown_keywords_like_read_format() -> None:
    admin = login(shared_service("18.0"), "admin")
    with pytest.raises(TypeError, match="unexpected keyword argument 'fileds'"):
        admin("res.partner", "search_read", [], fileds=["name"], limit=1)
    assert admin("res.partner", "search_read", [("id", "=", 3)], ["id"], load=None) == [{"id": 3}]


def test_integer_fields_convert_like_int() -> None:
    admin = login(shared_service("18.0"), "admin")
    with pytest.raises(ValueError, match=r"invalid literal for int\(\) with base 10: 'abc'"):
        admin("res.partner", "write", [3], {"color": "abc"})
    with pytest.raises(ValueError, match="invalid literal for int"):
        admin("res.partner", "write", [3], {"color": "2.5"})
    assert admin("res.partner", "read", [3], ["color"])[0]["color"] == 0


def test_datetimes_parse_like_odoo() -> None:
    with rolled_back(shared_service("18.0")) as service:
        admin = login(service, "admin")
        order = admin("sale.order", "search", [], limit=1)
        for accepted, stored in [
            ("2024-01-31 10:30", "2024-01-31 10:30:00"),
            ("2024-01-31", "2024-01-31 00:00:00"),
            ("2024-01-31 10:30:15", "2024-01-31 10:30:15"),
        ]:
            admin("sale.order", "write", order, {"date_order": accepted})
            assert admin("sale.order", "read", order, ["date_order"])[0]["date_order"] == stored
        for refused in ("2024-01-31T10:30:15", "2024-01-31 10:30:15.250"):
            with pytest.raises(ValueError, match=r"does not match format|unconverted data"):
                admin("sale.order", "write", order, {"date_order": refused})
