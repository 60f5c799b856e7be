"""A page of a big table (the path that stops at the page's end) is a slice of the whole result."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import DB, fresh_service, login, shared_service
from tollgate_odoo_sim.addons import scale
from tollgate_odoo_sim.exceptions import MissingError
from tollgate_odoo_sim.orm.search import _BIG
from tollgate_odoo_sim.service import OdooService


@pytest.fixture(scope="module")
def big() -> OdooService:
    service = fresh_service("18.0")
    scale.load(service.registry, _BIG)
    assert gc.isenabled(), "the bulk load pauses the garbage collector, then restores it"
    return service


DOMAINS: list[list[Any]] = [
    [],
    [("is_company", "=", True)],
    [("name", "ilike", "a"), ("country_id", "!=", False)],
    ["|", ("email", "=", False), ("customer_rank", ">", 0)],
]
ORDERS = [None, "name desc, id", "country_id, id desc", "id desc"]


@pytest.mark.parametrize("login", ["admin", "demo", "chicago"])
def test_a_page_is_a_slice_of_the_whole_result(big: OdooService, login: str) -> None:
    uid = big.authenticate(DB, login, login)
    assert uid
    for domain in DOMAINS:
        for order in ORDERS:
            kwargs: dict[str, Any] = {"order": order} if order else {}
            everything = big.execute_kw(DB, uid, "res.partner", "search", [domain], kwargs)
            for offset, limit in [(0, 10), (7, 5), (max(len(everything) - 3, 0), 10)]:
                page = big.execute_kw(
                    DB,
                    uid,
                    "res.partner",
                    "search",
                    [domain],
                    {**kwargs, "offset": offset, "limit": limit},
                )
                assert page == everything[offset : offset + limit], (domain, order, offset)


def test_a_page_sees_writes_made_since_the_last_search(big: OdooService) -> None:
    uid = big.authenticate(DB, "admin", "admin")
    first = big.execute_kw(DB, uid, "res.partner", "search", [[]], {"order": "name", "limit": 1})
    new = big.execute_kw(DB, uid, "res.partner", "create", [{"name": "  0 first of all"}], {})
    assert new not in first
    again = big.execute_kw(DB, uid, "res.partner", "search", [[]], {"order": "name", "limit": 1})
    assert again == [new]


def test_parent_of_a_missing_record_fails_like_reading_it() -> None:
    service = shared_service("18.0")
    admin = login(service, "admin")
    with pytest.raises(MissingError) as missing:
        admin("res.partner", "search", [("id", "parent_of", 999999)])
    assert str(missing.value).startswith("Record does not exist or has been deleted.")
    # child_of only walks existing records down to the roots: nothing found, no error
    assert admin("res.partner", "search", [("id", "child_of", 999999)]) == []
