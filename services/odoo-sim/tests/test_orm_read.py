"""search / read / search_read / fields_get / name_search: shapes, order, paging, active_test."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _orm_fixtures import World, build_world
from tollgate_odoo_sim.exceptions import UserError


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def people(world: World) -> dict[str, Any]:
    env = world.env(world.admin)
    tag = env["test.tag"].create({"name": "vip"})
    acme = env["test.partner"].create({"name": "Acme", "kind": "company", "score": 2.5})
    bob = env["test.partner"].create(
        {
            "name": "Bob",
            "parent_id": acme.id,
            "age": 40,
            "birthday": "1984-03-01",
            "last_seen": "2024-01-02 03:04:05",
            "tag_ids": [(6, 0, [tag.id])],
        }
    )
    ann = env["test.partner"].create({"name": "Ann", "parent_id": acme.id, "age": 30})
    old = env["test.partner"].create({"name": "Old", "active": False})
    return {"tag": tag, "acme": acme, "bob": bob, "ann": ann, "old": old}


def test_read_shapes_match_odoo(world: World, people: dict[str, Any]) -> None:
    env = world.env(world.admin)
    bob = people["bob"]
    [row] = (
        env["test.partner"]
        .browse(bob.id)
        .read(
            [
                "name",
                "parent_id",
                "tag_ids",
                "child_ids",
                "birthday",
                "last_seen",
                "email",
                "age",
                "score",
                "kind",
            ]
        )
    )
    assert row == {
        "id": bob.id,
        "name": "Bob",
        "parent_id": [people["acme"].id, "Acme"],
        "tag_ids": [people["tag"].id],
        "child_ids": [],
        "birthday": "1984-03-01",
        "last_seen": "2024-01-02 03:04:05",
        "email": False,
        "age": 40,
        "score": 0.0,
        "kind": "person",
    }
    [plain] = env["test.partner"].browse(bob.id).read(["parent_id"], load=None)
    assert plain["parent_id"] == people["acme"].id


def test_read_all_fields_includes_magic_and_computed(world: World, people: dict[str, Any]) -> None:
    env = world.env(world.admin)
    [row] = env["test.partner"].browse(people["ann"].id).read()
    assert row["display_name"] == "Ann"
    assert row["shout"] == "ANN"
    assert row["parent_name"] == "Acme"
    assert row["create_uid"][0] == world.admin
    assert set(row) >= {"id", "create_date", "write_date", "child_count", "secret"}


def test_read_of_deleted_ids_skips_them(world: World, people: dict[str, Any]) -> None:
    env = world.env(world.admin)
    ann = people["ann"]
    ids = [ann.id, 9999]
    assert [r["id"] for r in env["test.partner"].browse(ids).read(["name"])] == [ann.id]


def test_unknown_field_in_read(world: World, people: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"Invalid field 'nope' on model 'test\.partner'"):
        world.env(world.admin)["test.partner"].browse(people["ann"].id).read(["nope"])


def test_search_order_limit_offset(world: World, people: dict[str, Any]) -> None:
    model = world.env(world.admin)["test.partner"]
    names = lambda ids: model.browse(ids).mapped("name")  # noqa: E731
    assert names(model.search([]).ids) == ["Acme", "Ann", "Bob"]
    assert names(model.search([], order="age desc, name").ids) == ["Bob", "Ann", "Acme"]
    assert names(model.search([], offset=1, limit=1).ids) == ["Ann"]
    assert model.search_count([("parent_id", "!=", False)]) == 2
    assert model.search_count([]) == 3


def test_many2one_order_uses_the_comodel_order(world: World, people: dict[str, Any]) -> None:
    env = world.env(world.admin)
    partner = people["ann"]
    first = env["test.order"].create({"partner_id": people["bob"].id, "name": "B"})
    second = env["test.order"].create({"partner_id": partner.id, "name": "A"})
    assert env["test.order"].search([], order="partner_id").ids == [second.id, first.id]


def test_active_test_hides_archived_records(world: World, people: dict[str, Any]) -> None:
    env = world.env(world.admin)
    assert people["old"].id not in env["test.partner"].search([]).ids
    everyone = env["test.partner"].with_context(active_test=False).search([])
    assert people["old"].id in everyone.ids
    archived = env["test.partner"].search([("active", "=", False)])
    assert archived.ids == [people["old"].id]


def test_search_read_returns_rows_in_order(world: World, people: dict[str, Any]) -> None:
    model = world.env(world.admin)["test.partner"]
    rows = model.search_read([("age", ">", 0)], ["name", "age"], order="age")
    assert rows == [
        {"id": people["ann"].id, "name": "Ann", "age": 30},
        {"id": people["bob"].id, "name": "Bob", "age": 40},
    ]
    assert model.search_read([("name", "=", "nobody")], ["name"]) == []


def test_invalid_domain_is_a_value_error(world: World) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the domain engine owns the wording
        world.env(world.admin)["test.partner"].search([("name", "bogus-op", 1)])


def test_fields_get_attributes(world: World) -> None:
    described = world.env(world.admin)["test.partner"].fields_get(
        ["parent_id", "kind", "parent_name", "child_ids", "shout"],
        ["type", "relation", "selection", "store", "readonly", "searchable", "sortable"],
    )
    assert described["parent_id"] == {
        "type": "many2one",
        "relation": "test.partner",
        "store": True,
        "readonly": False,
        "searchable": True,
        "sortable": True,
    }
    assert described["kind"]["selection"] == [["person", "Person"], ["company", "Company"]]
    assert described["parent_name"]["type"] == "char"
    assert described["parent_name"]["readonly"] is True
    assert described["child_ids"]["type"] == "one2many"
    assert described["shout"]["store"] is False


def test_name_search(world: World, people: dict[str, Any]) -> None:
    model = world.env(world.admin)["test.partner"]
    assert model.name_search("an") == [[people["ann"].id, "Ann"]]
    assert model.name_search("", [("kind", "=", "company")]) == [[people["acme"].id, "Acme"]]
    assert len(model.name_search("", limit=2)) == 2


def test_dotted_path_and_related_search(world: World, people: dict[str, Any]) -> None:
    model = world.env(world.admin)["test.partner"]
    found = model.search([("parent_id.name", "=", "Acme")])
    assert set(found.ids) == {people["ann"].id, people["bob"].id}
    assert model.search([("tag_ids.name", "=", "vip")]).ids == [people["bob"].id]


@pytest.mark.parametrize(
    ("series", "keyword", "accepted"),
    [("17.0", "args", True), ("18.0", "args", False), ("18.0", "domain", True)],
)
def test_name_search_domain_keyword_per_version(series: str, keyword: str, accepted: bool) -> None:
    world = build_world(series)
    model = world.env(world.admin)["test.partner"]
    model.create([{"name": "Acme", "kind": "company"}, {"name": "Ann"}])
    if accepted:
        found = model.name_search("", **{keyword: [("kind", "=", "company")]})
        assert [name for _id, name in found] == ["Acme"]
    else:
        with pytest.raises(TypeError, match="unexpected keyword argument 'args'"):
            model.name_search("", **{keyword: []})


def test_x2many_reads_follow_comodel_order_and_active_test(world: World) -> None:
    env = world.env(world.admin)
    zeta, alpha = env["test.tag"].create([{"name": "zeta"}, {"name": "alpha"}])
    parent = env["test.partner"].create(
        {
            "name": "Parent",
            "tag_ids": [(6, 0, [zeta.id, alpha.id])],
            "child_ids": [(0, 0, {"name": "Kid B"}), (0, 0, {"name": "Kid A", "active": False})],
        }
    )
    [row] = parent.read(["tag_ids", "child_ids"])
    assert row["tag_ids"] == [alpha.id, zeta.id]
    assert parent.child_ids.mapped("name") == ["Kid B"]
    everyone = parent.with_context(active_test=False).child_ids
    assert everyone.mapped("name") == ["Kid A", "Kid B"]
    assert env["test.partner"].search([("tag_ids", "in", [zeta.id])]).ids == [parent.id]


def test_x2many_paths_see_only_active_and_permitted_comodel_records(world: World) -> None:
    env = world.env(world.admin)
    parent = env["test.partner"].create(
        {"name": "Parent", "child_ids": [(0, 0, {"name": "Ghost", "active": False})]}
    )
    model = env["test.partner"]
    assert parent.id not in model.search([("child_ids.name", "=", "Ghost")]).ids
    everything = model.with_context(active_test=False)
    assert parent.id in everything.search([("child_ids.name", "=", "Ghost")]).ids
    hidden = env["test.partner"].create({"name": "Hidden", "user_id": world.manager})
    shared = env["test.partner"].create({"name": "Shared", "child_ids": [(4, hidden.id)]})
    demo = world.env(world.user)["test.partner"]
    assert shared.id not in demo.search([("child_ids.name", "=", "Hidden")]).ids
    assert shared.id in model.search([("child_ids.name", "=", "Hidden")]).ids


def test_a_computed_field_with_search_is_searched_through_its_method(
    world: World, people: dict[str, Any]
) -> None:
    partners = world.env(world.admin)["test.partner"]
    assert partners.search([("initial", "=", "a")]) == people["acme"] | people["ann"]
    assert partners.search_count([("initial", "=", "a")]) == partners.search_count(
        [("name", "=ilike", "a%")]
    )
    with pytest.raises(UserError):
        partners.search([("initial", "!=", "a")])


def test_a_related_relational_field_takes_its_comodel_from_the_target(
    world: World, people: dict[str, Any]
) -> None:
    env = world.env(world.admin)
    company = env["res.company"].browse(world.company1)
    people["acme"].write({"company_id": company.id})
    bob = people["bob"]
    assert bob.parent_company_id == company
    assert bob.read(["parent_company_id"])[0]["parent_company_id"] == [
        company.id,
        company.display_name,
    ]
    described = env["test.partner"].fields_get(["parent_company_id"])["parent_company_id"]
    assert described["type"] == "many2one"
    assert described["relation"] == "res.company"
    assert env["test.partner"].search([("parent_company_id", "=", company.id)]) == (
        people["bob"] | people["ann"]
    )
