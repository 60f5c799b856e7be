"""Access rights, record rules, multi-company and group-restricted fields as Odoo enforces them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _orm_fixtures import World, build_world
from tollgate_odoo_sim.exceptions import AccessError


@pytest.fixture
def world() -> World:
    return build_world()


def test_model_access_error_lists_the_groups_that_would_allow_it(world: World) -> None:
    model = world.env(world.reader)["test.partner"]
    assert model.check_access_rights("read") is True
    assert model.check_access_rights("unlink", raise_exception=False) is False
    with pytest.raises(AccessError) as info:
        model.create({"name": "x"})
    assert str(info.value) == (
        "You are not allowed to create 'Test Partner' (test.partner) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Manager\n\t- User\n\n"
        "Contact your administrator to request access if necessary."
    )


def test_no_access_row_means_no_access(world: World) -> None:
    with pytest.raises(AccessError, match=r"No group currently allows this operation\."):
        world.env(world.user)["ir.rule"].search([])


def test_superuser_bypasses_everything(world: World) -> None:
    env = world.registry.env(1)
    assert env.su
    env["ir.rule"].search([])
    env["test.partner"].create({"name": "root made"}).unlink()


def test_group_rules_union_and_own_documents(world: World) -> None:
    admin = world.env(world.admin)["test.partner"]
    mine = admin.create({"name": "Mine", "user_id": world.user})
    theirs = admin.create({"name": "Theirs", "user_id": world.manager})
    shared = admin.create({"name": "Shared"})
    demo = world.env(world.user)["test.partner"]
    assert set(demo.search([]).ids) == {mine.id, shared.id}
    with pytest.raises(AccessError) as info:
        demo.browse(theirs.id).read(["name"])
    assert str(info.value).startswith(
        "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
        f"Sorry, {world.env(world.user).user.display_name} (id={world.user}) "
        "doesn't have 'read' access to:\n"
        "- Test Partner (test.partner)\n\n"
    )
    with pytest.raises(AccessError, match="doesn't have 'write' access"):
        demo.browse(theirs.id).write({"name": "stolen"})
    assert admin.browse(theirs.id).name == "Theirs"
    manager = world.env(world.manager)["test.partner"]
    assert {mine.id, theirs.id, shared.id} <= set(manager.search([]).ids)


def test_created_record_must_satisfy_the_rules(world: World) -> None:
    demo = world.env(world.user)["test.partner"]
    with (
        pytest.raises(AccessError, match="doesn't have 'create' access"),
        world.registry.transaction(),
    ):
        demo.create({"name": "for someone else", "user_id": world.manager})
    assert not world.env(world.admin)["test.partner"].search([("name", "=", "for someone else")])


def test_multi_company_rule_and_allowed_company_ids(world: World) -> None:
    admin = world.env(world.admin)["test.partner"]
    one = admin.create({"name": "In one", "company_id": world.company1})
    two = admin.create({"name": "In two", "company_id": world.company2})
    manager = world.env(world.manager)
    assert manager.company.id == world.company1
    assert {one.id, two.id} <= set(manager["test.partner"].search([]).ids)
    only_two = world.env(world.manager, allowed_company_ids=[world.company2])
    assert only_two.company.id == world.company2
    visible = set(only_two["test.partner"].search([]).ids)
    assert two.id in visible
    assert one.id not in visible
    reader = world.env(world.reader)
    assert two.id not in reader["test.partner"].search([]).ids
    with pytest.raises(AccessError, match=r"Access to unauthorized or invalid companies\."):
        world.env(world.reader, allowed_company_ids=[world.company2])["test.partner"].search([])


def test_group_restricted_fields(world: World) -> None:
    admin = world.env(world.admin)["test.partner"]
    record = admin.create({"name": "Spy", "secret": "classified"})
    reader = world.env(world.reader)["test.partner"]
    assert "secret" not in reader.fields_get()
    assert "secret" in world.env(world.manager)["test.partner"].fields_get()
    assert "secret" not in reader.browse(record.id).read()[0]
    with pytest.raises(AccessError) as info:
        reader.browse(record.id).read(["secret"])
    assert str(info.value) == (
        'You do not have enough rights to access the fields "secret" on '
        "Test Partner (test.partner). Please contact your system administrator."
        "\n\n(Operation: read)"
    )
    demo = world.env(world.user)["test.partner"]
    with pytest.raises(AccessError, match=r"\(Operation: write\)"):
        demo.create({"name": "x", "secret": "y"})


def test_rule_domains_are_never_executed_as_python(world: World) -> None:
    env = world.registry.env(1)
    rule = env.ref("test.rule_partner_own")
    rule.write({"domain_force": "[('name', '=', __import__('os').getcwd())]"})
    with pytest.raises(ValueError, match="not allowed in a rule domain"):
        world.env(world.user)["test.partner"].search([])
