"""What each demo user may do: model access rights, record rules, multi-company."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import Caller, fresh_service, login, ref, rolled_back, shared_service
from tollgate_odoo_sim.addons.demo import CHICAGO_COMPANY, DEMO_USERS, MAIN_COMPANY
from tollgate_odoo_sim.exceptions import AccessError
from tollgate_odoo_sim.service import OdooService

OPERATIONS = ("read", "write", "create", "unlink")

#: login -> model -> the operations allowed ("rwcu" letters)
RIGHTS: dict[str, dict[str, str]] = {
    "admin": {
        "res.partner": "rwcu",
        "res.users": "rwcu",
        "sale.order": "rwcu",
        "account.move": "rwcu",
        "crm.lead": "rwcu",
        "project.task": "rwcu",
        "product.template": "rwcu",
        "ir.model.access": "rwcu",
    },
    "demo": {
        "res.partner": "rwcu",
        "res.users": "r",
        "sale.order": "rwc",
        "account.move": "rwc",
        "crm.lead": "rwc",
        "project.task": "rwcu",
        "product.template": "r",
        "ir.model.access": "r",
    },
    "viewer": {
        "res.partner": "r",
        "res.users": "r",
        "sale.order": "r",
        "account.move": "r",
        "crm.lead": "r",
        "project.task": "r",
        "product.template": "r",
        "ir.model.access": "r",
    },
    "chicago": {
        "res.partner": "rwcu",
        "res.users": "r",
        "sale.order": "rwc",
        "account.move": "rwc",
        "crm.lead": "rwc",
        "project.task": "",
        "product.template": "r",
        "ir.model.access": "r",
    },
}


@pytest.fixture(scope="module")
def database() -> OdooService:
    return fresh_service("18.0")


@pytest.fixture
def service(database: OdooService) -> Iterator[OdooService]:
    """The module's database; whatever a test changes is undone after it."""
    with rolled_back(database):
        yield database


@pytest.mark.parametrize("version", ["17.0", "18.0", "19.0"])
@pytest.mark.parametrize("user", sorted(RIGHTS))
def test_model_access_rights_per_user(user: str, version: str) -> None:
    env = login(shared_service(version), user).env()
    for model, letters in RIGHTS[user].items():
        for operation in OPERATIONS:
            allowed = env[model].check_access_rights(operation, raise_exception=False)
            assert allowed == (operation[0] in letters), (user, model, operation)


def test_every_demo_user_logs_in_with_password_and_api_key(service: OdooService) -> None:
    assert [user.login for user in DEMO_USERS] == ["admin", "demo", "viewer", "chicago"]
    for user in DEMO_USERS:
        uid = service.authenticate("odoo", user.login, user.password)
        assert uid == ref(service, user.xmlid)
        assert service.authenticate("odoo", user.login, user.api_key) == uid
        assert service.uid_from_api_key("odoo", user.api_key) == uid
        assert len(user.api_key) == 40
        int(user.api_key, 16)
    assert service.authenticate("odoo", "admin", "wrong") is None
    assert service.authenticate("odoo", "admin", "admin") == 2


def test_denied_operation_names_the_allowed_groups(service: OdooService) -> None:
    viewer = login(service, "viewer")
    with pytest.raises(AccessError) as caught:
        viewer("sale.order", "create", {"partner_id": ref(service, "base.res_partner_12")})
    message = str(caught.value)
    assert "You are not allowed to create 'Sales Order' (sale.order) records." in message
    assert "Sales / User: Own Documents Only" in message


def _orders(caller: Caller, context: dict[str, object] | None = None) -> list[dict[str, object]]:
    result: list[dict[str, object]] = caller(
        "sale.order",
        "search_read",
        [],
        fields=["user_id", "company_id"],
        context=context or {},
    )
    return result


def test_salesperson_sees_only_own_or_unassigned_orders(service: OdooService) -> None:
    demo = login(service, "demo")
    orders = _orders(demo)
    assert orders
    owners = {order["user_id"][0] if order["user_id"] else False for order in orders}  # type: ignore[index]
    assert owners == {demo.uid, False}
    main = ref(service, MAIN_COMPANY)
    assert {order["company_id"][0] for order in orders} == {main}  # type: ignore[index]
    admin_order = ref(service, "sale.sale_order_1")
    with pytest.raises(AccessError):
        demo("sale.order", "read", [admin_order], ["name"])
    with pytest.raises(AccessError):
        demo("sale.order", "write", [admin_order], {"client_order_ref": "X"})


def test_salesperson_sees_only_own_or_unassigned_leads_and_invoices(service: OdooService) -> None:
    demo = login(service, "demo")
    leads = demo("crm.lead", "search_read", [], fields=["user_id"])
    assert leads
    assert {lead["user_id"][0] if lead["user_id"] else False for lead in leads} == {
        demo.uid,
        False,
    }
    invoices = demo("account.move", "search_read", [], fields=["invoice_user_id", "move_type"])
    assert invoices
    assert {inv["invoice_user_id"][0] for inv in invoices if inv["invoice_user_id"]} == {demo.uid}
    assert {inv["move_type"] for inv in invoices} == {"out_invoice"}


def test_second_company_user_sees_only_its_company(service: OdooService) -> None:
    chicago = login(service, "chicago")
    chicago_company = ref(service, CHICAGO_COMPANY)
    orders = _orders(chicago)
    assert orders
    assert {order["company_id"][0] for order in orders} == {chicago_company}  # type: ignore[index]
    companies = chicago("res.company", "search_read", [], fields=["name"])
    assert [company["name"] for company in companies] == ["My Company (Chicago)"]
    products = chicago("product.template", "search_count", [])
    assert products == login(service, "admin")("product.template", "search_count", [])
    with pytest.raises(AccessError):
        chicago("sale.order", "read", [ref(service, "sale.sale_order_1")], ["name"])


def test_admin_sees_both_companies_and_narrows_with_allowed_company_ids(
    service: OdooService,
) -> None:
    admin = login(service, "admin")
    main, chicago = ref(service, MAIN_COMPANY), ref(service, CHICAGO_COMPANY)
    assert {order["company_id"][0] for order in _orders(admin)} == {main, chicago}  # type: ignore[index]
    only_chicago = _orders(admin, {"allowed_company_ids": [chicago]})
    assert {order["company_id"][0] for order in only_chicago} == {chicago}  # type: ignore[index]


def test_user_cannot_switch_to_a_company_it_does_not_belong_to(service: OdooService) -> None:
    demo = login(service, "demo")
    with pytest.raises(AccessError, match=r"Access to unauthorized or invalid companies\."):
        _orders(demo, {"allowed_company_ids": [ref(service, CHICAGO_COMPANY)]})


def test_viewer_reads_everything_of_its_company_and_changes_nothing(service: OdooService) -> None:
    viewer, admin = login(service, "viewer"), login(service, "admin")
    main = ref(service, MAIN_COMPANY)
    main_orders = admin("sale.order", "search_count", [("company_id", "=", main)])
    assert viewer("sale.order", "search_count", []) == main_orders
    partner = ref(service, "base.res_partner_12")
    order = ref(service, "sale.sale_order_1")
    attempts = [
        ("res.partner", "write", [[partner], {"name": "Renamed"}]),
        ("res.partner", "create", [{"name": "New"}]),
        ("res.partner", "unlink", [[partner]]),
        ("sale.order", "write", [[order], {"note": "x"}]),
        ("sale.order", "action_confirm", [[ref(service, "sale.sale_order_3")]]),
        ("crm.lead", "create", [{"name": "Lead"}]),
        ("account.move", "action_post", [[ref(service, "account.demo_invoice_8")]]),
    ]
    for model, method, args in attempts:
        with pytest.raises(AccessError):
            viewer(model, method, *args)
    assert admin("res.partner", "read", [partner], ["name"])[0]["name"] == "Azure Interior"
    assert admin("sale.order", "read", [ref(service, "sale.sale_order_3")], ["state"]) == [
        {"id": ref(service, "sale.sale_order_3"), "state": "draft"}
    ]


def test_salesperson_cannot_create_an_order_for_someone_else(service: OdooService) -> None:
    demo = login(service, "demo")
    partner = ref(service, "base.res_partner_12")
    own = demo("sale.order", "create", {"partner_id": partner})
    assert demo("sale.order", "read", [own], ["user_id"])[0]["user_id"][0] == demo.uid
    before = login(service, "admin")("sale.order", "search_count", [])
    with pytest.raises(AccessError):
        demo("sale.order", "create", {"partner_id": partner, "user_id": 2})
    assert login(service, "admin")("sale.order", "search_count", []) == before


def test_salesperson_cannot_delete_orders_but_manager_can_delete_drafts(
    service: OdooService,
) -> None:
    demo, admin = login(service, "demo"), login(service, "admin")
    draft = ref(service, "sale.sale_order_11")  # the salesperson's own quotation
    assert admin("sale.order", "read", [draft], ["state"])[0]["state"] == "draft"
    with pytest.raises(AccessError):
        demo("sale.order", "unlink", [draft])
    assert admin("sale.order", "unlink", [draft]) is True
    assert admin("sale.order", "search_count", [("id", "=", draft)]) == 0


def test_only_billing_users_post_invoices(service: OdooService) -> None:
    demo = login(service, "demo")
    draft = demo("account.move", "search", [("state", "=", "draft")], limit=1)
    assert draft
    with pytest.raises(AccessError, match="You don't have the access rights to post an invoice"):
        demo("account.move", "action_post", draft)
    assert login(service, "admin")("account.move", "action_post", draft) is True


def test_chatter_and_attachments_need_write_access_to_the_document(
    service: OdooService,
) -> None:
    demo = login(service, "demo")
    others = ref(service, "sale.sale_order_1")
    own = ref(service, "sale.sale_order_11")
    order_model = ref(service, "sale.model_sale_order")
    for target, allowed in ((others, False), (own, True)):
        attempts = [
            ("mail.message", {"model": "sale.order", "res_id": target, "body": "x"}),
            ("ir.attachment", {"name": "a.txt", "res_model": "sale.order", "res_id": target}),
            (
                "mail.activity",
                {"res_model": "sale.order", "res_model_id": order_model, "res_id": target},
            ),
        ]
        for model, values in attempts:
            if allowed:
                assert isinstance(demo(model, "create", values), int)
            else:
                with pytest.raises(AccessError):
                    demo(model, "create", values)


def test_project_rights_follow_project_groups(service: OdooService) -> None:
    demo = login(service, "demo")
    assert demo("project.task", "search_count", []) > 0
    chicago = login(service, "chicago")
    with pytest.raises(AccessError):
        chicago("project.task", "search_count", [])
