"""The demo models as a client sees them: names, computed values, reflection, version changes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import fresh_service, login, ref, rolled_back, shared_service
from tollgate_odoo_sim.addons import model_declarations
from tollgate_odoo_sim.service import OdooService
from tollgate_odoo_sim.versions import parse_version

VERSIONS = ("17.0", "18.0", "19.0")


def _fields(version: str, model: str, *names: str) -> dict[str, dict[str, object]]:
    admin = login(shared_service(version), "admin")
    result: dict[str, dict[str, object]] = admin(
        model, "fields_get", list(names), attributes=["type", "selection", "relation"]
    )
    return result


@pytest.mark.parametrize(
    ("model", "field", "present_in"),
    [
        ("res.users", "groups_id", ("17.0", "18.0")),
        ("res.users", "group_ids", ("19.0",)),
        ("res.groups", "users", ("17.0", "18.0")),
        ("res.groups", "user_ids", ("19.0",)),
        ("res.partner", "mobile", ("17.0", "18.0")),
        ("crm.lead", "mobile", ("17.0", "18.0")),
        ("product.template", "detailed_type", ("17.0",)),
        ("sale.order.line", "product_uom", ("17.0", "18.0")),
        ("sale.order.line", "product_uom_id", ("19.0",)),
        ("sale.order.line", "tax_id", ("17.0", "18.0")),
        ("sale.order.line", "tax_ids", ("19.0",)),
        ("account.account", "company_id", ("17.0",)),
        ("account.account", "company_ids", ("18.0", "19.0")),
        ("res.users", "all_group_ids", ("19.0",)),
        ("res.groups", "all_user_ids", ("19.0",)),
    ],
)
def test_fields_that_differ_between_versions(
    model: str, field: str, present_in: tuple[str, ...]
) -> None:
    for version in VERSIONS:
        assert (field in _fields(version, model, field)) == (version in present_in), version


def test_selection_values_that_differ_between_versions() -> None:
    product_types = {
        version: _fields(version, "product.template", "type")["type"]["selection"]
        for version in VERSIONS
    }
    assert product_types["17.0"] == [["consu", "Consumable"], ["service", "Service"]]
    assert product_types["18.0"] == [["consu", "Goods"], ["service", "Service"], ["combo", "Combo"]]
    assert product_types["19.0"] == product_types["18.0"]
    states = {
        version: [key for key, _label in _fields(version, "account.move", "payment_state")[
            "payment_state"]["selection"]]  # type: ignore[attr-defined]
        for version in VERSIONS
    }  # fmt: skip
    assert "blocked" not in states["17.0"]
    assert "blocked" in states["18.0"]
    assert {"not_paid", "in_payment", "paid", "partial", "reversed"} <= set(states["17.0"])
    deadline = {
        version: _fields(version, "project.task", "date_deadline")["date_deadline"]["type"]
        for version in VERSIONS
    }
    assert deadline == {"17.0": "date", "18.0": "datetime", "19.0": "datetime"}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_version_builds_and_loads_the_same_model_set(version: str) -> None:
    service = shared_service(version)
    names = set(service.registry.models)
    expected = {
        "res.company", "res.users", "res.groups", "res.partner", "res.partner.category",
        "res.country", "res.currency", "product.template", "product.product", "sale.order",
        "sale.order.line", "account.move", "account.move.line", "crm.lead", "crm.stage",
        "crm.tag", "project.project", "project.task", "project.task.type", "mail.message",
        "mail.activity", "mail.activity.type", "ir.attachment", "ir.model", "ir.model.fields",
        "ir.module.module", "ir.actions.report", "ir.model.access", "ir.rule",
    }  # fmt: skip
    assert expected <= names
    assert len(model_declarations(parse_version(version))) > len(expected)


def test_partner_names_show_their_company() -> None:
    admin = login(shared_service("18.0"), "admin")
    rows = admin(
        "res.partner", "search_read", [("name", "=", "Brandon Freeman")],
        fields=["display_name", "complete_name", "parent_id", "commercial_partner_id",
                "company_type", "is_company"],
    )  # fmt: skip
    [row] = rows
    assert row["display_name"] == "Azure Interior, Brandon Freeman"
    assert row["complete_name"] == "Azure Interior, Brandon Freeman"
    assert row["parent_id"][1] == "Azure Interior"
    assert row["commercial_partner_id"] == row["parent_id"]
    assert row["company_type"] == "person"
    assert admin("res.partner", "name_search", "Azure Interior, Bran") == [
        [row["id"], "Azure Interior, Brandon Freeman"]
    ]


def test_partner_rename_updates_contact_names() -> None:
    with rolled_back(shared_service("17.0")) as service:
        _rename_and_check(service)


def _rename_and_check(service: OdooService) -> None:
    admin = login(service, "admin")
    company = ref(service, "base.res_partner_12")
    admin("res.partner", "write", [company], {"name": "Azure Interiors"})
    contacts = admin(
        "res.partner", "search_read", [("parent_id", "=", company)], fields=["display_name"]
    )
    assert contacts
    assert all(c["display_name"].startswith("Azure Interiors, ") for c in contacts)


def test_demo_data_is_realistic_and_spread_over_both_companies() -> None:
    service = shared_service("18.0")
    admin = login(service, "admin")
    assert admin("res.partner", "search_count", []) >= 40
    assert admin("res.partner", "search_count", [("active", "=", False)]) >= 2
    assert admin("product.product", "search_count", []) >= 15
    orders = admin("sale.order", "read_group", [], ["amount_total:sum"], ["state"], lazy=False)
    assert {group["state"] for group in orders} == {"draft", "sent", "sale", "cancel"}
    assert admin("sale.order", "search_count", []) >= 20
    assert admin("account.move", "search_count", [("move_type", "=", "out_invoice")]) >= 15
    assert admin("crm.lead", "search_count", []) >= 15
    stages = admin("crm.stage", "search_read", [], fields=["name", "is_won"])
    assert [s["name"] for s in stages] == ["New", "Qualified", "Proposition", "Won"]
    assert admin("project.project", "search_count", []) >= 2
    assert admin("project.task", "search_count", []) >= 10
    assert admin("mail.message", "search_count", []) >= 5
    assert admin("mail.activity", "search_count", []) >= 5
    chicago = ref(service, "stock.res_company_1")
    for model in ("sale.order", "account.move", "crm.lead", "project.project"):
        assert admin(model, "search_count", [("company_id", "=", chicago)]) > 0, model
    codes = {c["code"] for c in admin("res.country", "search_read", [], fields=["code"])}
    assert {"US", "BE", "FR", "DE", "GB", "IN"} <= codes
    currencies = admin("res.currency", "search_read", [], fields=["name"])
    assert {"EUR", "USD"} <= {c["name"] for c in currencies}


def test_demo_data_is_identical_between_builds() -> None:
    first, second = shared_service("17.0"), fresh_service("17.0")
    fields = ["name", "partner_id", "amount_total", "state", "user_id"]
    assert login(first, "admin")("sale.order", "search_read", [], fields=fields) == login(
        second, "admin"
    )("sale.order", "search_read", [], fields=fields)


def test_ir_model_reflects_the_registry() -> None:
    service = shared_service("19.0")
    admin = login(service, "admin")
    [model] = admin(
        "ir.model", "search_read", [("model", "=", "sale.order")], fields=["name", "modules"]
    )
    assert model["name"] == "Sales Order"
    assert model["modules"] == "sale"
    fields = admin(
        "ir.model.fields", "search_read", [("model", "=", "sale.order.line")],
        fields=["name", "ttype", "relation"],
    )  # fmt: skip
    by_name = {f["name"]: f for f in fields}
    assert by_name["tax_ids"]["ttype"] == "many2many"
    assert by_name["tax_ids"]["relation"] == "account.tax"
    assert "tax_id" not in by_name
    assert set(by_name) == set(service.registry.models["sale.order.line"]._fields)


def test_installed_modules_and_reports() -> None:
    admin = login(shared_service("18.0"), "admin")
    installed = admin(
        "ir.module.module", "search_read", [("state", "=", "installed")], fields=["name"]
    )
    assert {"base", "contacts", "product", "sale", "account", "crm", "project", "mail"} <= {
        m["name"] for m in installed
    }
    reports = admin(
        "ir.actions.report", "search_read", [], fields=["report_name", "model", "report_type"]
    )
    names = {(r["report_name"], r["model"], r["report_type"]) for r in reports}
    assert ("sale.report_saleorder", "sale.order", "qweb-pdf") in names
    assert ("account.report_invoice", "account.move", "qweb-pdf") in names


def test_groups_carry_odoo_xml_ids_and_implications() -> None:
    service = shared_service("18.0")
    admin = login(service, "admin")
    manager = ref(service, "sales_team.group_sale_manager")
    [group] = admin("res.groups", "read", [manager], ["full_name", "implied_ids", "users"])
    assert group["full_name"] == "Sales / Administrator"
    assert group["implied_ids"] == [ref(service, "sales_team.group_sale_salesman_all_leads")]
    assert 2 in group["users"]
    env = login(service, "demo").env()
    assert env.user.has_group("sales_team.group_sale_salesman")
    assert env.user.has_group("base.group_user")
    assert not env.user.has_group("sales_team.group_sale_manager")


def test_invoiced_orders_link_their_invoices() -> None:
    service = shared_service("19.0")
    admin = login(service, "admin")
    order_id = ref(service, "sale.sale_order_1")
    [order] = admin(
        "sale.order", "read", [order_id],
        ["invoice_ids", "invoice_count", "order_line", "invoice_status", "amount_invoiced",
         "amount_total"],
    )  # fmt: skip
    assert order["invoice_count"] == len(order["invoice_ids"]) == 1
    assert order["invoice_status"] == "invoiced"
    assert order["amount_invoiced"] == order["amount_total"]
    lines = admin(
        "account.move.line", "search_read",
        [("move_id", "=", order["invoice_ids"][0]), ("display_type", "=", "product")],
        fields=["sale_line_ids"],
    )  # fmt: skip
    assert sorted(line["sale_line_ids"][0] for line in lines) == sorted(order["order_line"])
    [first_line] = admin("sale.order.line", "read", order["order_line"][:1], ["display_name"])
    assert first_line["display_name"].startswith("S00001 - [")
    [invoice] = admin("account.move", "read", order["invoice_ids"], ["invoice_origin"])
    assert invoice["invoice_origin"] == "S00001"
