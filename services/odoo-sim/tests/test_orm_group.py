"""read_group (17/18) and formatted_read_group (19): aggregates, lazy, date buckets, domains."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _orm_fixtures import World, build_world
from tollgate_odoo_sim.orm.grouping import date_label


def _seed(world: World) -> dict[str, Any]:
    env = world.env(world.admin)
    ann = env["test.partner"].create({"name": "Ann"})
    bob = env["test.partner"].create({"name": "Bob"})
    orders = env["test.order"].create(
        [
            {"partner_id": ann.id, "date": "2024-01-05", "line_ids": [(0, 0, {"price": 10.0})]},
            {"partner_id": ann.id, "date": "2024-01-20", "line_ids": [(0, 0, {"price": 30.0})]},
            {"partner_id": bob.id, "date": "2024-02-10", "line_ids": [(0, 0, {"price": 5.0})]},
            {"partner_id": bob.id, "state": "done"},
        ]
    )
    return {"ann": ann, "bob": bob, "orders": orders}


@pytest.fixture
def world() -> World:
    return build_world()


def test_lazy_read_group_by_many2one(world: World) -> None:
    data = _seed(world)
    groups = world.env(world.admin)["test.order"].read_group([], ["amount"], ["partner_id"])
    assert groups == [
        {
            "partner_id": [data["ann"].id, "Ann"],
            "partner_id_count": 2,
            "amount": 40.0,
            "__domain": [("partner_id", "=", data["ann"].id)],
        },
        {
            "partner_id": [data["bob"].id, "Bob"],
            "partner_id_count": 2,
            "amount": 5.0,
            "__domain": [("partner_id", "=", data["bob"].id)],
        },
    ]


def test_lazy_read_group_passes_remaining_groupbys_in_context(world: World) -> None:
    _seed(world)
    groups = world.env(world.admin)["test.order"].read_group(
        [("state", "=", "draft")], ["amount:max"], ["partner_id", "date:month"]
    )
    assert groups[0]["__context"] == {"group_by": ["date:month"]}
    assert groups[0]["amount"] == 30.0
    # Odoo's read_group starts from the caller's domain and ANDs the group's condition to it
    assert groups[0]["__domain"] == [
        "&",
        ("state", "=", "draft"),
        ("partner_id", "=", groups[0]["partner_id"][0]),
    ]


def test_eager_read_group_by_month_with_aggregates(world: World) -> None:
    _seed(world)
    groups = world.env(world.admin)["test.order"].read_group(
        [], ["total:sum(amount)", "amount:avg"], ["date:month"], lazy=False
    )
    assert [(g["date:month"], g["__count"], g["total"], g["amount"]) for g in groups] == [
        ("January 2024", 2, 40.0, 20.0),
        ("February 2024", 1, 5.0, 5.0),
        (False, 1, 0.0, 0.0),
    ]
    assert groups[0]["__domain"] == ["&", ("date", ">=", "2024-01-01"), ("date", "<", "2024-02-01")]
    assert groups[0]["__range"] == {"date:month": {"from": "2024-01-01", "to": "2024-02-01"}}


@pytest.mark.parametrize(
    ("granularity", "value", "label"),
    [
        ("day", "2024-01-05", "05 Jan 2024"),
        ("week", "2024-01-15", "W3 2024"),
        ("week", "2022-01-03", "W2 2022"),
        ("month", "2024-01-01", "January 2024"),
        ("quarter", "2024-04-01", "Q2 2024"),
        ("year", "2024-01-01", "2024"),
    ],
)
def test_date_labels(granularity: str, value: str, label: str) -> None:
    import datetime as dt

    assert date_label(dt.date.fromisoformat(value), granularity) == label


def test_read_group_orderby_and_limit(world: World) -> None:
    _seed(world)
    groups = world.env(world.admin)["test.order"].read_group(
        [], ["amount"], ["partner_id"], orderby="amount desc", limit=1
    )
    assert [g["partner_id"][1] for g in groups] == ["Ann"]


def test_read_group_unknown_field(world: World) -> None:
    with pytest.raises(ValueError, match="Invalid field 'nope'"):
        world.env(world.admin)["test.order"].read_group([], ["amount"], ["nope"])


def test_formatted_read_group() -> None:
    world = build_world("19.0")
    data = _seed(world)
    groups = world.env(world.admin)["test.order"].formatted_read_group(
        [],
        groupby=["partner_id", "date:month"],
        aggregates=["amount:sum", "__count"],
        having=[("__count", ">", 0)],
        order="partner_id desc",
    )
    assert groups[0]["partner_id"] == [data["bob"].id, "Bob"]
    assert {"partner_id", "date:month", "amount:sum", "__count", "__extra_domain"} == set(groups[0])
    assert groups[-1]["date:month"] == ["2024-01-01", "January 2024"]
    assert groups[-1]["amount:sum"] == 40.0
    assert groups[-1]["__extra_domain"] == [
        "&",
        ("partner_id", "=", data["ann"].id),
        "&",
        ("date", ">=", "2024-01-01"),
        ("date", "<", "2024-02-01"),
    ]


def test_datetime_grouping_by_week_and_day(world: World) -> None:
    env = world.env(world.admin)
    env["test.partner"].create(
        [
            {"name": "a", "last_seen": "2024-01-15 08:00:00"},
            {"name": "b", "last_seen": "2024-01-17 23:30:00"},
            {"name": "c", "last_seen": "2024-01-22 00:00:00"},
        ]
    )
    weeks = env["test.partner"].read_group(
        [("last_seen", "!=", False)], [], ["last_seen:week"], lazy=False
    )
    assert [(g["last_seen:week"], g["__count"]) for g in weeks] == [("W3 2024", 2), ("W4 2024", 1)]
    assert weeks[0]["__domain"] == [
        "&",
        ("last_seen", "!=", False),
        "&",
        ("last_seen", ">=", "2024-01-15 00:00:00"),
        ("last_seen", "<", "2024-01-22 00:00:00"),
    ]
    days = env["test.partner"].read_group([("last_seen", "!=", False)], [], ["last_seen:day"])
    assert [g["last_seen:day"] for g in days] == ["15 Jan 2024", "17 Jan 2024", "22 Jan 2024"]
