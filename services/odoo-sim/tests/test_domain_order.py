"""``order`` strings: directions, NULLs, booleans, many2one by the comodel's order, errors."""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _domain_fixtures import MemorySource, demo_source
from tollgate_odoo_sim.domain import OrderKey, parse_order, sort_ids
from tollgate_odoo_sim.exceptions import UserError

PARTNER = "res.partner"
ALL = [3, 5, 1, 4, 2]


@pytest.fixture
def source() -> MemorySource:
    return demo_source()


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (None, [1, 2, 3, 4, 5]),  # the model's _order: "name, id desc"
        ("", [1, 2, 3, 4, 5]),
        ("name", [1, 2, 3, 4, 5]),
        ("name desc", [5, 4, 3, 2, 1]),  # NULLs first when descending, as in PostgreSQL
        ("name desc nulls last", [4, 3, 2, 1, 5]),
        ("name asc nulls first", [5, 1, 2, 3, 4]),
        ("name DESC NULLS LAST", [4, 3, 2, 1, 5]),
        ('"name" desc', [5, 4, 3, 2, 1]),
        ("kind, id desc", [4, 1, 3, 2, 5]),
        ("kind desc, id", [5, 2, 3, 1, 4]),
        ("id desc", [5, 4, 3, 2, 1]),
        ("is_company desc, id", [1, 4, 2, 3, 5]),  # NULL sorts as False
        ("is_company, id", [2, 3, 5, 1, 4]),
        ("credit", [3, 2, 4, 1, 5]),
        ("birthday", [2, 1, 3, 4, 5]),
        ("last_login desc", [3, 5, 2, 1, 4]),
        ("country_id", [1, 2, 3, 4, 5]),  # by the country's name
        ("country_id desc", [4, 5, 3, 1, 2]),
        ("country_id nulls first", [4, 5, 1, 2, 3]),
        ("country_id desc nulls last", [3, 1, 2, 4, 5]),
        ("parent_id, id", [2, 3, 1, 4, 5]),  # by the parent's name
        ("display_name desc", [1, 2, 3, 4, 5]),  # not stored: ignored
        ("child_ids", [1, 2, 3, 4, 5]),  # x2many: ignored
        ("  name   desc  ,  id ", [5, 4, 3, 2, 1]),
    ],
)
def test_sort(source: MemorySource, order: str | None, expected: list[int]) -> None:
    assert sort_ids(source, PARTNER, ALL, order) == expected


def test_many2one_whose_comodel_orders_by_id_sorts_by_the_raw_id(source: MemorySource) -> None:
    source.models["res.country"].records[1]["name"] = "Zambia"
    source.models["res.country"].order = "id"
    assert sort_ids(source, PARTNER, ALL, "country_id desc") == [4, 5, 3, 1, 2]
    assert sort_ids(source, PARTNER, ALL, "country_id") == [1, 2, 3, 4, 5]


def test_many2one_reverses_the_comodels_order_when_descending(source: MemorySource) -> None:
    source.models["res.country"].order = "id desc"
    assert sort_ids(source, PARTNER, ALL, "country_id desc") == [1, 2, 3, 4, 5]
    assert sort_ids(source, PARTNER, ALL, "country_id") == [4, 5, 3, 1, 2]


def test_a_many2one_met_again_along_the_chain_is_skipped(source: MemorySource) -> None:
    source.models[PARTNER].order = "parent_id desc, id"
    # parent_id sorts by the parent's own order, in which parent_id is skipped: the parent's id
    assert sort_ids(source, PARTNER, ALL) == [1, 4, 5, 3, 2]


def test_parse_order(source: MemorySource) -> None:
    assert parse_order(source, PARTNER, "name desc nulls last, id") == [
        OrderKey("name", descending=True, nulls_first=False),
        OrderKey("id"),
    ]


@pytest.mark.parametrize(
    "order", ["name sideways", "name,", ",name", "name; drop table x", "   ", "name desc desc"]
)
def test_invalid_order_is_odoos_user_error(source: MemorySource, order: str) -> None:
    with pytest.raises(UserError) as info:
        sort_ids(source, PARTNER, ALL, order)
    assert info.value.message == (
        f'Invalid "order" specified ({order}). A valid "order" specification is a '
        "comma-separated list of valid field names (optionally followed by asc/desc for the "
        "direction)"
    )


@pytest.mark.parametrize(
    ("order", "name"),
    [("foo", "foo"), ("NAME desc", "NAME"), ("country_id.name", "country_id.name")],
)
def test_unknown_order_field_is_a_value_error(source: MemorySource, order: str, name: str) -> None:
    message = f"Invalid field {name!r} on model 'res.partner'"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_order(source, PARTNER, order)


# Property: sorting agrees with a plain comparator over random data and order strings.

SORTABLE: dict[str, list[Any]] = {
    "name": ["Alpha", "alpha", "Beta", "", False],
    "employees": [0, 1, 2, -1],
    "credit": [False, 0.5, -1.0, 2.0],
    "is_company": [True, False, None],
    "birthday": [False, "2020-01-01", "2019-12-31"],
    "kind": [False, "company", "person"],
    "country_id": [False, 1, 2],
}


def reference_value(source: MemorySource, rid: int, field: str) -> Any:
    row = source.models[PARTNER].records[rid]
    value = rid if field == "id" else row.get(field, False)
    if field == "is_company":
        return bool(value)  # Odoo sorts on COALESCE(is_company, FALSE)
    if field == "country_id":  # the comodel orders by name: a country sorts by its name
        return source.models["res.country"].records[value]["name"] if value else None
    return None if value is False or value is None else value


def reference_sort(
    source: MemorySource, ids: list[int], terms: list[tuple[str, str, str]]
) -> list[int]:
    def compare(a: int, b: int) -> int:
        for field, direction, nulls in terms:
            left, right = reference_value(source, a, field), reference_value(source, b, field)
            if left == right:
                continue
            descending = direction == "desc"
            nulls_first = descending if nulls == "" else nulls == "nulls first"
            if left is None or right is None:
                return (-1 if nulls_first else 1) * (1 if left is None else -1)
            result = -1 if left < right else 1
            return -result if descending else result
        return a - b

    return sorted(ids, key=functools.cmp_to_key(compare))


@st.composite
def sortable_sources(draw: st.DrawFn) -> tuple[MemorySource, list[int]]:
    source = demo_source()
    records = source.models[PARTNER].records
    records.clear()
    for rid in range(1, draw(st.integers(0, 9)) + 1):
        records[rid] = {field: draw(st.sampled_from(values)) for field, values in SORTABLE.items()}
    ids = draw(st.permutations(list(records)))
    return source, ids


order_terms = st.lists(
    st.tuples(
        st.sampled_from([*SORTABLE, "id"]),
        st.sampled_from(["", "asc", "desc"]),
        st.sampled_from(["", "nulls first", "nulls last"]),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(data=sortable_sources(), terms=order_terms)
def test_sort_agrees_with_a_plain_comparator(
    data: tuple[MemorySource, list[int]], terms: list[tuple[str, str, str]]
) -> None:
    source, ids = data
    order = ", ".join(" ".join(part for part in term if part) for term in terms)
    assert sort_ids(source, PARTNER, ids, order) == reference_sort(source, ids, terms)
