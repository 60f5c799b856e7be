"""OdooService: credentials, call_kw binding, create's return shape, refusals, JSON-2 binding."""

from __future__ import annotations

import sys
from http import HTTPStatus
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _orm_fixtures import API_KEY, World, build_world
from tollgate_odoo_sim.exceptions import AccessDenied, AccessError, UserError
from tollgate_odoo_sim.protocols.errors import HTTPError
from tollgate_odoo_sim.service import OdooService
from tollgate_odoo_sim.versions import parse_version


def _service(series: str = "17.0") -> tuple[OdooService, World]:
    world = build_world(series)
    return OdooService.from_registry(world.registry), world


def test_authenticate_with_password_or_api_key() -> None:
    service, world = _service()
    assert service.authenticate("odoo", "demo", "demo") == world.user
    assert service.authenticate("odoo", "demo", API_KEY) == world.user
    assert service.authenticate("odoo", "demo", "wrong") is None
    assert service.authenticate("odoo", "nobody", "demo") is None
    assert service.authenticate("other-db", "demo", "demo") is None
    assert service.authenticate("odoo", "__system__", "") is None
    assert service.uid_from_api_key("odoo", API_KEY) == world.user
    assert service.uid_from_api_key("odoo", "nope") is None
    service.check_credentials("odoo", world.user, "demo")
    with pytest.raises(AccessDenied):
        service.check_credentials("odoo", world.user, "admin")


def test_inactive_user_cannot_log_in() -> None:
    service, world = _service()
    world.registry.env(1)["res.users"].browse(world.user).write({"active": False})
    assert service.authenticate("odoo", "demo", "demo") is None
    assert service.uid_from_api_key("odoo", API_KEY) is None


def test_passwords_are_stored_hashed() -> None:
    world = _service()[1]
    assert all("demo" not in hashed for hashed in world.registry.passwords.values())


def test_create_returns_an_id_for_a_dict_and_ids_for_a_list() -> None:
    service, world = _service()
    new_id = service.execute_kw("odoo", world.admin, "test.partner", "create", [{"name": "A"}], {})
    assert isinstance(new_id, int)
    ids = service.execute_kw(
        "odoo", world.admin, "test.partner", "create", [[{"name": "B"}, {"name": "C"}]], {}
    )
    assert isinstance(ids, list)
    assert len(ids) == 2
    assert (
        service.execute_kw("odoo", world.admin, "test.partner", "write", [ids, {"age": 3}], {})
        is True
    )
    rows = service.execute_kw(
        "odoo", world.admin, "test.partner", "read", [ids], {"fields": ["age", "create_date"]}
    )
    assert [row["age"] for row in rows] == [3, 3]
    assert isinstance(rows[0]["create_date"], str)
    assert service.execute_kw("odoo", world.admin, "test.partner", "unlink", [ids], {}) is True


def test_context_kwarg_is_honoured() -> None:
    service, world = _service()
    service.execute_kw(
        "odoo", world.admin, "test.partner", "create", [{"name": "Gone", "active": False}], {}
    )
    found = service.execute_kw(
        "odoo",
        world.admin,
        "test.partner",
        "search_read",
        [[("name", "=", "Gone")]],
        {
            "fields": ["name"],
            "context": {"active_test": False, "lang": "fr_FR", "tz": "Europe/Paris"},
        },
    )
    assert [row["name"] for row in found] == ["Gone"]


def test_record_methods_take_ids_first() -> None:
    service, world = _service()
    partner = service.execute_kw("odoo", world.admin, "test.partner", "create", [{"name": "P"}], {})
    order = service.execute_kw(
        "odoo", world.admin, "test.order", "create", [{"partner_id": partner}], {}
    )
    assert (
        service.execute_kw("odoo", world.admin, "test.order", "action_confirm", [[order]], {})
        is True
    )
    state = service.execute_kw("odoo", world.admin, "test.order", "read", [[order], ["state"]], {})
    assert state == [{"id": order, "state": "done"}]


def test_failed_call_changes_nothing() -> None:
    service, world = _service()
    partner = service.execute_kw("odoo", world.admin, "test.partner", "create", [{"name": "P"}], {})
    order = service.execute_kw(
        "odoo",
        world.admin,
        "test.order",
        "create",
        [{"partner_id": partner, "state": "cancel"}],
        {},
    )
    with pytest.raises(UserError, match="cannot be confirmed"):
        service.execute_kw("odoo", world.admin, "test.order", "action_confirm", [[order]], {})
    before = service.execute_kw("odoo", world.admin, "test.partner", "search_count", [[]], {})
    with pytest.raises(ValueError, match="Wrong value"):
        service.execute_kw(
            "odoo",
            world.admin,
            "test.partner",
            "create",
            [[{"name": "ok"}, {"name": "x", "kind": "?"}]],
            {},
        )
    assert (
        service.execute_kw("odoo", world.admin, "test.partner", "search_count", [[]], {}) == before
    )


@pytest.mark.parametrize(
    ("series", "private", "missing"),
    [
        (
            "17.0",
            "Private methods (such as _secret_helper) cannot be called remotely.",
            "type object 'test.order' has no attribute 'fly'",
        ),
        (
            "18.0",
            "Private methods (such as 'test.order._secret_helper') cannot be called remotely.",
            "The method 'test.order.fly' does not exist",
        ),
    ],
)
def test_refusals_as_each_version_words_them(series: str, private: str, missing: str) -> None:
    service, world = _service(series)
    with pytest.raises(AccessError) as denied:
        service.execute_kw("odoo", world.admin, "test.order", "_secret_helper", [], {})
    assert str(denied.value) == private
    with pytest.raises(AttributeError) as unknown:
        service.execute_kw("odoo", world.admin, "test.order", "fly", [[]], {})
    assert str(unknown.value) == missing
    with pytest.raises(UserError, match=r"Object no\.such\.model doesn't exist"):
        service.execute_kw("odoo", world.admin, "no.such.model", "search", [[]], {})
    for plumbing in ("sudo", "with_user", "browse_records"):
        with pytest.raises((AccessError, AttributeError)):
            service.execute_kw("odoo", world.admin, "test.order", plumbing, [[]], {})


def test_read_group_versus_formatted_read_group_by_version() -> None:
    old, world = _service("17.0")
    assert (
        old.execute_kw(
            "odoo", world.admin, "test.partner", "read_group", [[], ["age"], ["kind"]], {}
        )
        == []
    )
    with pytest.raises(AttributeError):
        old.execute_kw("odoo", world.admin, "test.partner", "formatted_read_group", [[]], {})
    new, world19 = _service("19.0")
    assert (
        new.execute_kw(
            "odoo",
            world19.admin,
            "test.partner",
            "formatted_read_group",
            [[]],
            {"groupby": ["kind"]},
        )
        == []
    )
    # 19.0 deprecates read_group but still serves it
    legacy = new.execute_kw(
        "odoo", world19.admin, "test.partner", "read_group", [[], [], ["kind"]], {}
    )
    assert legacy == []


def test_json2_binding_and_errors() -> None:
    service, world = _service("19.0")
    created = service.call_json2(
        "odoo", world.admin, "test.partner", "create", {"vals_list": [{"name": "J"}]}
    )
    assert isinstance(created, list)
    rows = service.call_json2(
        "odoo",
        world.admin,
        "test.partner",
        "read",
        {"ids": created, "fields": ["name"], "context": {"lang": "en_US"}},
    )
    assert rows == [{"id": created[0], "name": "J"}]
    assert (
        service.call_json2(
            "odoo", world.admin, "test.partner", "search", {"domain": [("name", "=", "J")]}
        )
        == created
    )
    cases = [
        ("no.model", "search", {}, HTTPStatus.NOT_FOUND, "the model 'no.model' does not exist"),
        (
            "test.partner",
            "fly",
            {},
            HTTPStatus.NOT_FOUND,
            "The method 'test.partner.fly' does not exist",
        ),
        (
            "test.partner",
            "search",
            {"ids": [1]},
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "cannot call test.partner.search with ids",
        ),
        (
            "test.partner",
            "search",
            {"domain": [], "bogus": 1},
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "got an unexpected keyword argument 'bogus'",
        ),
        (
            "test.partner",
            "search",
            {},
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "missing a required argument: 'domain'",
        ),
    ]
    for model, method, params, status, text in cases:
        with pytest.raises(HTTPError) as info:
            service.call_json2("odoo", world.admin, model, method, params)
        assert info.value.status == status
        assert text in info.value.description
    with pytest.raises(AccessError):
        service.call_json2("odoo", world.admin, "test.partner", "_compute_shout", {})


def test_demo_service_smoke() -> None:
    service = OdooService.create(parse_version("18.0"))
    uid = service.authenticate("odoo", "admin", "admin")
    assert uid == 2
    partner = service.execute_kw("odoo", uid, "res.partner", "create", [{"name": "Smoke Test"}], {})
    [row] = service.execute_kw(
        "odoo", uid, "res.partner", "read", [[partner], ["name", "display_name"]], {}
    )
    assert row == {"id": partner, "name": "Smoke Test", "display_name": "Smoke Test"}
    assert (
        service.execute_kw("odoo", uid, "res.partner", "name_search", ["Smoke"], {"limit": 5})[0][0]
        == partner
    )


@pytest.mark.parametrize(("series", "expect_list"), [("17.0", False), ("18.0", True)])
def test_copy_return_shape_per_version(series: str, expect_list: bool) -> None:
    service, world = _service(series)
    partner = service.execute_kw("odoo", world.admin, "test.partner", "create", [{"name": "P"}], {})
    copied = service.execute_kw("odoo", world.admin, "test.partner", "copy", [[partner]], {})
    assert isinstance(copied, list) is expect_list


def test_limit_zero_means_no_limit() -> None:
    service, world = _service()
    service.execute_kw(
        "odoo", world.admin, "test.partner", "create", [[{"name": "A"}, {"name": "B"}]], {}
    )
    assert (
        len(service.execute_kw("odoo", world.admin, "test.partner", "search", [[]], {"limit": 0}))
        == 2
    )


def test_json2_create_rejects_unknown_parameters() -> None:
    service, world = _service("19.0")
    with pytest.raises(HTTPError) as info:
        service.call_json2(
            "odoo", world.admin, "test.partner", "create", {"vals_list": [], "bogus": 1}
        )
    assert info.value.status == HTTPStatus.UNPROCESSABLE_ENTITY


def test_name_get_exists_only_on_17() -> None:
    old, world = _service("17.0")
    partner = old.execute_kw("odoo", world.admin, "test.partner", "create", [{"name": "N"}], {})
    assert old.execute_kw("odoo", world.admin, "test.partner", "name_get", [[partner]], {}) == [
        [partner, "N"]
    ]
    new, world18 = _service("18.0")
    missing = r"The method 'test\.partner\.name_get' does not exist"
    with pytest.raises(AttributeError, match=missing):
        new.execute_kw("odoo", world18.admin, "test.partner", "name_get", [[1]], {})


def test_default_get_parameter_names_and_search_fetch_privacy() -> None:
    old, world = _service("17.0")
    assert old.execute_kw(
        "odoo", world.admin, "test.partner", "default_get", [], {"fields_list": ["kind"]}
    ) == {"kind": "person"}
    assert (
        old.execute_kw("odoo", world.admin, "test.partner", "search_fetch", [[], ["name"]], {})
        == []
    )
    new, world19 = _service("19.0")
    assert new.call_json2(
        "odoo", world19.admin, "test.partner", "default_get", {"fields": ["kind"]}
    ) == {"kind": "person"}
    with pytest.raises(AccessError, match="Private methods"):
        new.call_json2("odoo", world19.admin, "test.partner", "search_fetch", {"domain": []})


def test_writing_a_password_changes_the_login_secret() -> None:
    service, world = _service()
    service.execute_kw(
        "odoo", world.admin, "res.users", "write", [[world.user], {"password": "n3w-secret"}], {}
    )
    assert service.authenticate("odoo", "demo", "demo") is None
    assert service.authenticate("odoo", "demo", "n3w-secret") == world.user
    [row] = service.execute_kw(
        "odoo", world.admin, "res.users", "read", [[world.user], ["password"]], {}
    )
    assert row["password"] == ""
