"""create / write / unlink / copy / defaults / validation on small test models."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _orm_fixtures import World, build_world
from tollgate_odoo_sim.exceptions import MissingError, UserError, ValidationError
from tollgate_odoo_sim.orm import Command


@pytest.fixture
def world() -> World:
    return build_world()


def test_create_applies_defaults_and_returns_records(world: World) -> None:
    env = world.env(world.admin)
    partner = env["test.partner"].create({"name": "Ann"})
    assert partner.kind == "person"
    assert partner.active is True
    assert partner.age == 0
    assert partner.email is False
    assert partner.create_uid.id == world.admin
    many = env["test.partner"].create([{"name": "B"}, {"name": "C"}])
    assert len(many) == 2
    assert many.mapped("name") == ["B", "C"]


def test_context_defaults_win_over_field_defaults(world: World) -> None:
    env = world.env(world.admin, default_kind="company")
    assert env["test.partner"].default_get(["kind", "name"]) == {"kind": "company"}
    assert env["test.partner"].create({"name": "Co"}).kind == "company"


def test_missing_required_field_is_odoos_not_null_message(world: World) -> None:
    env = world.env(world.admin)
    before = len(world.registry.tables["test.partner"].rows)
    with pytest.raises(ValidationError) as info, world.registry.transaction():
        env["test.partner"].create({"email": "x@example.com"})
    assert str(info.value) == (
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. "
        "If possible, archive it instead.\n\n"
        "Model: Test Partner (test.partner)\n"
        "Field: Full Name (name)\n"
    )
    assert len(world.registry.tables["test.partner"].rows) == before


def test_unknown_field_and_bad_selection_are_value_errors(world: World) -> None:
    env = world.env(world.admin)
    with pytest.raises(ValueError, match=r"Invalid field 'nope' on model 'test.partner'"):
        env["test.partner"].create({"name": "A", "nope": 1})
    with pytest.raises(ValueError, match=r"Wrong value for test.partner.kind: 'robot'"):
        env["test.partner"].create({"name": "A", "kind": "robot"})


def test_relation_to_missing_record_is_refused(world: World) -> None:
    env = world.env(world.admin)
    with pytest.raises(ValidationError, match="Constraint: test_partner_parent_id_fkey"):
        env["test.partner"].create({"name": "A", "parent_id": 9999})


def test_constraint_failure_rolls_back_the_call(world: World) -> None:
    env = world.env(world.admin)
    partner = env["test.partner"].create({"name": "A", "age": 3})
    with (
        pytest.raises(ValidationError, match=r"Age cannot be negative\."),
        world.registry.transaction(),
    ):
        partner.write({"age": -1, "email": "a@example.com"})
    assert partner.age == 3
    assert partner.email is False


def test_write_dates_and_many2one(world: World) -> None:
    env = world.env(world.admin)
    parent = env["test.partner"].create({"name": "Parent"})
    child = env["test.partner"].create({"name": "Child"})
    assert child.write(
        {"parent_id": parent.id, "birthday": "2024-02-29", "last_seen": "2024-01-02 03:04:05"}
    )
    assert child.parent_id == parent
    assert child.birthday == dt.date(2024, 2, 29)
    assert child.last_seen == dt.datetime(2024, 1, 2, 3, 4, 5)
    assert child.parent_name == "Parent"


def test_x2many_commands(world: World) -> None:
    env = world.env(world.admin)
    t1, t2, t3 = (env["test.tag"].create({"name": n}) for n in ("a", "b", "c"))
    partner = env["test.partner"].create({"name": "P", "tag_ids": [Command.set([t1.id, t2.id])]})
    assert set(partner.tag_ids.ids) == {t1.id, t2.id}
    partner.write(
        {"tag_ids": [Command.unlink(t1.id), Command.link(t3.id), Command.create({"name": "d"})]}
    )
    assert sorted(partner.tag_ids.mapped("name")) == ["b", "c", "d"]
    partner.write({"tag_ids": [Command.clear()]})
    assert not partner.tag_ids
    partner.write({"child_ids": [(0, 0, {"name": "Kid"})]})
    assert partner.child_ids.mapped("name") == ["Kid"]
    assert partner.child_count == 1


def test_stored_compute_follows_one2many_dependencies(world: World) -> None:
    env = world.env(world.admin)
    partner = env["test.partner"].create({"name": "P"})
    order = env["test.order"].create(
        {"partner_id": partner.id, "line_ids": [(0, 0, {"price": 10.0}), (0, 0, {"price": 5.5})]}
    )
    assert order.amount == 15.5
    order.line_ids[0].write({"price": 1.0})
    assert order.amount == 6.5
    order.line_ids[1].unlink()
    assert order.amount == 1.0


def test_unlink_cascades_and_later_access_is_missing(world: World) -> None:
    env = world.env(world.admin)
    partner = env["test.partner"].create({"name": "P"})
    order = env["test.order"].create(
        {"partner_id": partner.id, "line_ids": [(0, 0, {"price": 1.0})]}
    )
    line = order.line_ids
    assert order.unlink() is True
    assert not line.exists()
    with pytest.raises(
        MissingError, match=r"Record does not exist or has been deleted.\n\(Record: test.order\("
    ):
        _ = order.name


def test_required_many2one_restricts_deleting_its_target(world: World) -> None:
    env = world.env(world.admin)
    partner = env["test.partner"].create({"name": "P"})
    env["test.order"].create({"partner_id": partner.id})
    with pytest.raises(ValidationError, match="another model requires the record being deleted"):
        partner.unlink()


def test_write_on_deleted_record_is_missing_error(world: World) -> None:
    env = world.env(world.user)
    partner = world.env(world.admin)["test.partner"].create({"name": "P"})
    partner.unlink()
    with pytest.raises(
        MissingError, match="One of the documents you are trying to access has been deleted"
    ):
        env["test.partner"].browse(partner.id).write({"name": "x"})


def test_copy_skips_copy_false_fields_and_duplicates_lines(world: World) -> None:
    env = world.env(world.admin)
    partner = env["test.partner"].create({"name": "P", "email": "p@example.com"})
    duplicate = partner.copy()
    assert duplicate.id != partner.id
    assert duplicate.name == "P"
    assert duplicate.email is False
    order = env["test.order"].create(
        {"name": "SO1", "partner_id": partner.id, "line_ids": [(0, 0, {"price": 2.0})]}
    )
    new_order = order.copy({"date": "2024-05-01"})
    assert new_order.name == "New"
    assert len(new_order.line_ids) == 1
    assert new_order.line_ids != order.line_ids
    assert new_order.amount == 2.0


def test_workflow_method_raises_user_error(world: World) -> None:
    env = world.env(world.admin)
    partner = env["test.partner"].create({"name": "P"})
    order = env["test.order"].create({"partner_id": partner.id, "state": "cancel"})
    with pytest.raises(UserError, match="cannot be confirmed"):
        order.action_confirm()


def test_extension_overrides_field_attributes_and_adds_methods(world: World) -> None:
    env = world.env(world.admin)
    fields_info = env["test.partner"].fields_get(["name", "nickname"], ["string", "required"])
    assert fields_info == {
        "name": {"string": "Full Name", "required": True},
        "nickname": {"string": "Nickname", "required": False},
    }
    assert env["test.partner"].create({"name": "Zoe"}).say_hello() == "hello Zoe"


@pytest.mark.parametrize(
    ("series", "present", "absent"), [("17.0", "legacy", "modern"), ("19.0", "modern", "legacy")]
)
def test_version_specific_fields(series: str, present: str, absent: str) -> None:
    world = build_world(series)
    model = world.env(world.admin)["test.partner"]
    described = model.fields_get()
    assert present in described
    assert absent not in described
    with pytest.raises(ValueError, match=f"Invalid field '{absent}'"):
        model.create({"name": "x", absent: "y"})


def test_check_company_refuses_records_of_another_company(world: World) -> None:
    env = world.env(world.admin)
    partner = env["test.partner"].create({"name": "Far", "company_id": world.company2})
    with pytest.raises(UserError) as info:
        env["test.order"].create({"partner_id": partner.id, "company_id": world.company1})
    assert str(info.value) == (
        "Incompatible companies on records:\n"
        "- 'New' belongs to company 'Company One' and 'Partner' (partner_id: Far) "
        "belongs to another company."
    )
    assert not env["test.order"].search([])


def test_load_records_creates_then_updates_by_xml_id(world: World) -> None:
    registry = world.registry
    first = registry.load_records("test.tag", "test.tag_hot", {"name": "hot"})
    again = registry.load_records("test.tag", "test.tag_hot", {"name": "hotter"})
    assert first == again
    env = world.env(world.admin)
    assert env.ref("test.tag_hot").name == "hotter"
    with pytest.raises(ValueError, match=r"External ID not found in the system: test\.nothing"):
        env.ref("test.nothing")
    assert env.ref("test.nothing", raise_if_not_found=False) is None


def test_models_inherit_abstract_mixins(world: World) -> None:
    registry = world.registry
    assert "test.labelled" not in registry.tables
    assert "test.tag" in registry.tables
    tag = world.env(world.admin)["test.tag"].create({"name": "blue"})
    assert tag.label == "plain"
    assert tag.describe() == "plain:blue"


def test_float_digits_round_half_up_on_write() -> None:
    from tollgate_odoo_sim.orm.fields import round_half_up

    assert round_half_up(2.675, 2) == 2.68
    assert round_half_up(-1.005, 2) == -1.01
    assert round_half_up(2.5, 0) == 3.0


def test_recordset_api(world: World) -> None:
    env = world.env(world.admin)
    parent = env["test.partner"].create({"name": "Parent"})
    kids = env["test.partner"].create(
        [
            {"name": "b", "age": 2, "parent_id": parent.id},
            {"name": "a", "age": 1, "parent_id": parent.id},
        ]
    )
    assert kids.sorted("name").mapped("name") == ["a", "b"]
    assert kids.sorted(key=lambda p: p.age, reverse=True).mapped("age") == [2, 1]
    assert kids.filtered(lambda p: p.age > 1).mapped("name") == ["b"]
    assert kids.filtered("parent_id") == kids
    assert kids.mapped("parent_id") == parent
    assert kids.mapped("parent_id.name") == ["Parent"]
    assert kids.filtered_domain([("age", "=", 1)]).mapped("name") == ["a"]
    assert len(kids | parent) == 3
    assert (kids - kids[:1]) == kids[1:]
    assert kids[0] in kids
    with pytest.raises(ValueError, match="Expected singleton"):
        _ = kids.name
    kids[0].age = 7
    assert kids[0].age == 7
    assert env["test.partner"].with_company(world.company2).env.company.id == world.company2
