"""Business methods over RPC: order, invoice and lead workflows, chatter and activities."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import Caller, fresh_service, login, ref, rolled_back
from tollgate_odoo_sim.exceptions import AccessError, UserError, ValidationError
from tollgate_odoo_sim.service import OdooService


@pytest.fixture(scope="module")
def database() -> OdooService:
    return fresh_service("18.0")


@pytest.fixture
def service(database: OdooService) -> Iterator[OdooService]:
    with rolled_back(database):
        yield database


@pytest.fixture
def demo(service: OdooService) -> Caller:
    return login(service, "demo")


@pytest.fixture
def admin(service: OdooService) -> Caller:
    return login(service, "admin")


def _utc_today() -> str:
    # Odoo datetimes are UTC
    return datetime.now(UTC).date().isoformat()


def _state(caller: Caller, model: str, record_id: int) -> str:
    rows = caller(model, "search_read", [("id", "=", record_id)], fields=["state"])
    return str(rows[0]["state"])


def test_confirm_a_quotation(service: OdooService, demo: Caller) -> None:
    order = ref(service, "sale.sale_order_11")
    assert _state(demo, "sale.order", order) == "draft"
    assert demo("sale.order", "action_confirm", [order]) is True
    [row] = demo("sale.order", "read", [order], ["state", "invoice_status", "date_order"])
    assert row["state"] == "sale"
    assert row["invoice_status"] == "to invoice"
    assert row["date_order"].startswith(_utc_today())


def test_confirming_a_cancelled_or_confirmed_order_is_refused(
    service: OdooService, demo: Caller
) -> None:
    cancelled = ref(service, "sale.sale_order_13")
    assert _state(demo, "sale.order", cancelled) == "cancel"
    with pytest.raises(UserError) as caught:
        demo("sale.order", "action_confirm", [cancelled])
    assert str(caught.value) == (
        "The following orders are not in a state requiring confirmation: S00013"
    )
    confirmed = ref(service, "sale.sale_order_8")
    with pytest.raises(UserError, match="not in a state requiring confirmation: S00008"):
        demo("sale.order", "action_confirm", [confirmed])
    assert _state(demo, "sale.order", cancelled) == "cancel"


def test_cancel_asks_through_the_wizard_unless_warned(service: OdooService, demo: Caller) -> None:
    order = ref(service, "sale.sale_order_8")
    action = demo("sale.order", "action_cancel", [order])
    assert action["type"] == "ir.actions.act_window"
    assert action["res_model"] == "sale.order.cancel"
    assert action["context"] == {"default_order_id": order}
    assert _state(demo, "sale.order", order) == "sale"
    assert (
        demo("sale.order", "action_cancel", [order], context={"disable_cancel_warning": True})
        is True
    )
    assert _state(demo, "sale.order", order) == "cancel"
    assert demo("sale.order", "action_draft", [order]) is True
    assert _state(demo, "sale.order", order) == "draft"


def test_draft_quotation_cancels_directly_and_locked_order_refuses(
    service: OdooService, admin: Caller
) -> None:
    draft = ref(service, "sale.sale_order_3")
    assert admin("sale.order", "action_cancel", [draft]) is True
    assert _state(admin, "sale.order", draft) == "cancel"
    confirmed = ref(service, "sale.sale_order_1")
    admin("sale.order", "action_lock", [confirmed])
    with pytest.raises(UserError, match="You cannot cancel a locked order"):
        admin("sale.order", "action_cancel", [confirmed])


def test_confirmed_order_cannot_be_deleted(service: OdooService, admin: Caller) -> None:
    with pytest.raises(UserError, match="You can not delete a sent quotation or a confirmed"):
        admin("sale.order", "unlink", [ref(service, "sale.sale_order_1")])


def test_order_amounts_follow_the_lines(demo: Caller) -> None:
    partner = demo("res.partner", "search", [("name", "=", "Azure Interior")])[0]
    product = demo("product.product", "search", [("default_code", "=", "FURN_0096")])[0]
    tax = demo("account.tax", "search", [("name", "=", "15%")], limit=1)
    order = demo(
        "sale.order",
        "create",
        {
            "partner_id": partner,
            "order_line": [
                (0, 0, {"product_id": product, "product_uom_qty": 2, "price_unit": 100.0,
                        "tax_id": [(6, 0, tax)]}),
                (0, 0, {"product_id": product, "product_uom_qty": 1, "price_unit": 50.0,
                        "discount": 10.0}),
            ],
        },
    )  # fmt: skip
    fields = ["name", "amount_untaxed", "amount_tax", "amount_total", "state", "user_id"]
    [row] = demo("sale.order", "read", [order], fields)
    assert row["name"].startswith("S")
    assert row["state"] == "draft"
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (245.0, 30.0, 275.0)
    line = demo("sale.order.line", "search", [("order_id", "=", order)], order="id", limit=1)
    demo("sale.order.line", "write", line, {"product_uom_qty": 4})
    [row] = demo("sale.order", "read", [order], ["amount_total"])
    assert row["amount_total"] == 505.0
    [line_row] = demo("sale.order.line", "read", line, ["name", "price_subtotal", "price_total"])
    assert line_row["name"] == "[FURN_0096] Customizable Desk"
    assert (line_row["price_subtotal"], line_row["price_total"]) == (400.0, 460.0)


def test_post_an_invoice(service: OdooService, admin: Caller) -> None:
    invoice = ref(service, "account.demo_invoice_8")
    fields = ["name", "state", "payment_state", "amount_residual", "amount_total", "display_name"]
    [draft] = admin("account.move", "read", [invoice], fields)
    assert draft["state"] == "draft"
    assert draft["name"] == "/"
    assert draft["display_name"] == f"Draft Invoice (* {invoice})"
    assert draft["amount_residual"] == draft["amount_total"]
    assert admin("account.move", "action_post", [invoice]) is True
    [posted] = admin("account.move", "read", [invoice], fields)
    assert posted["state"] == "posted"
    invoice_year = admin("account.move", "read", [invoice], ["invoice_date"])[0]["invoice_date"][:4]
    assert posted["name"].startswith(f"INV/{invoice_year}/")
    assert posted["display_name"] == posted["name"]
    assert posted["payment_state"] == "not_paid"
    with pytest.raises(UserError) as caught:
        admin("account.move", "action_post", [invoice])
    assert str(caught.value) == f"The entry {posted['name']} (id {invoice}) is already posted."
    with pytest.raises(UserError, match=r"You cannot delete an item linked to a posted entry\."):
        admin("account.move", "unlink", [invoice])


def test_posting_without_lines_or_customer_is_refused(service: OdooService, admin: Caller) -> None:
    base = {
        "move_type": "out_invoice",
        "journal_id": ref(service, "account.1_journal_inv"),
        "currency_id": ref(service, "base.USD"),
    }
    empty = admin(
        "account.move", "create", {**base, "partner_id": ref(service, "base.res_partner_2")}
    )
    with pytest.raises(UserError) as caught:
        admin("account.move", "action_post", [empty])
    assert str(caught.value) == "You need to add a line before posting."
    no_customer = admin(
        "account.move",
        "create",
        {
            **base,
            "invoice_line_ids": [(0, 0, {"name": "Service", "quantity": 1, "price_unit": 10})],
        },
    )
    with pytest.raises(UserError) as caught:
        admin("account.move", "action_post", [no_customer])
    assert str(caught.value) == (
        "The field 'Customer' is required, please complete it to validate the Customer Invoice."
    )
    assert _state(admin, "account.move", no_customer) == "draft"


def test_invoice_due_dates_and_payment_states(service: OdooService, admin: Caller) -> None:
    today = date.today()
    rows = admin(
        "account.move",
        "search_read",
        [("move_type", "=", "out_invoice")],
        fields=["state", "payment_state", "amount_total", "amount_residual", "invoice_date",
                "invoice_date_due", "invoice_payment_term_id"],
    )  # fmt: skip
    states = {row["payment_state"] for row in rows if row["state"] == "posted"}
    assert {"paid", "partial", "not_paid"} <= states
    for row in rows:
        if row["payment_state"] == "paid":
            assert row["amount_residual"] == 0.0
        elif row["payment_state"] == "partial":
            assert 0 < row["amount_residual"] < row["amount_total"]
        else:
            assert row["amount_residual"] == row["amount_total"]
        assert row["invoice_date_due"] >= row["invoice_date"]
    overdue = admin(
        "account.move",
        "search_count",
        [
            ("state", "=", "posted"),
            ("payment_state", "in", ["not_paid", "partial"]),
            ("invoice_date_due", "<", today.isoformat()),
        ],
    )
    assert overdue >= 3
    [thirty] = admin(
        "account.move", "read", [ref(service, "account.demo_invoice_1")],
        ["invoice_date", "invoice_date_due"],
    )  # fmt: skip
    start = date.fromisoformat(thirty["invoice_date"])
    assert thirty["invoice_date_due"] == (start + timedelta(days=30)).isoformat()


def test_due_date_by_hand_or_from_payment_terms(service: OdooService, admin: Caller) -> None:
    base = {
        "move_type": "out_invoice",
        "partner_id": ref(service, "base.res_partner_12"),
        "journal_id": ref(service, "account.1_journal_inv"),
        "currency_id": ref(service, "base.USD"),
        "invoice_date": "2026-01-10",
    }
    by_hand = admin("account.move", "create", {**base, "invoice_date_due": "2026-02-28"})
    default = admin("account.move", "create", base)
    fields = ["invoice_date_due"]
    assert admin("account.move", "read", [by_hand], fields)[0]["invoice_date_due"] == "2026-02-28"
    assert admin("account.move", "read", [default], fields)[0]["invoice_date_due"] == "2026-01-10"
    term = ref(service, "account.account_payment_term_15days")
    admin("account.move", "write", [by_hand], {"invoice_payment_term_id": term})
    assert admin("account.move", "read", [by_hand], fields)[0]["invoice_date_due"] == "2026-01-25"


def test_order_addresses_default_to_the_customer_and_keep_a_chosen_one(
    service: OdooService, demo: Caller
) -> None:
    company = ref(service, "base.res_partner_12")
    contact = ref(service, "base.res_partner_12_contact_1")
    fields = ["partner_invoice_id", "partner_shipping_id"]
    plain = demo("sale.order", "create", {"partner_id": company})
    [row] = demo("sale.order", "read", [plain], fields)
    assert (row["partner_invoice_id"][0], row["partner_shipping_id"][0]) == (company, company)
    chosen = demo("sale.order", "create", {"partner_id": company, "partner_shipping_id": contact})
    [row] = demo("sale.order", "read", [chosen], fields)
    assert row["partner_shipping_id"][0] == contact


def test_copies_are_fresh_drafts_with_their_own_numbers(
    service: OdooService, admin: Caller
) -> None:
    paid = ref(service, "sale.sale_order_1")
    [order_copy] = admin("sale.order", "copy", [paid])
    [row] = admin("sale.order", "read", [order_copy], ["name", "state", "order_line"])
    assert row["state"] == "draft"
    assert row["name"] != "S00001"
    assert len(row["order_line"]) == 2
    invoice = admin("account.move", "search", [("payment_state", "=", "paid")], limit=1)
    [copy_id] = admin("account.move", "copy", invoice)
    fields = ["name", "state", "amount_total", "amount_residual", "payment_state"]
    [draft] = admin("account.move", "read", [copy_id], fields)
    assert (draft["name"], draft["state"]) == ("/", "draft")
    assert draft["amount_residual"] == draft["amount_total"]
    admin("account.move", "action_post", [copy_id])
    [posted] = admin("account.move", "read", [copy_id], fields)
    assert posted["payment_state"] == "not_paid"
    assert posted["amount_residual"] == posted["amount_total"]
    partner = ref(service, "base.res_partner_12")
    [partner_copy] = admin("res.partner", "copy", [partner])
    assert admin("res.partner", "read", [partner_copy], ["name"])[0]["name"] == (
        "Azure Interior (copy)"
    )
    [named] = admin("res.partner", "copy", [partner], {"name": "Azure West"})
    assert admin("res.partner", "read", [named], ["name"])[0]["name"] == "Azure West"


def test_win_and_lose_a_lead(service: OdooService, demo: Caller) -> None:
    lead = ref(service, "crm.crm_case_5")
    assert demo("crm.lead", "action_set_won", [lead]) is True
    [won] = demo("crm.lead", "read", [lead], ["stage_id", "probability", "date_closed"])
    assert won["stage_id"][1] == "Won"
    assert won["probability"] == 100.0
    assert won["date_closed"]
    reason = ref(service, "crm.lost_reason_2")
    assert demo("crm.lead", "action_set_lost", [lead], lost_reason_id=reason) is True
    assert demo("crm.lead", "search", [("id", "=", lead)]) == []
    [lost] = demo(
        "crm.lead", "search_read", [("id", "=", lead), ("active", "=", False)],
        fields=["probability", "lost_reason_id"],
    )  # fmt: skip
    assert lost["probability"] == 0.0
    assert lost["lost_reason_id"][0] == reason


def test_moving_a_lead_to_the_won_stage_wins_it(service: OdooService, demo: Caller) -> None:
    lead = ref(service, "crm.crm_case_6")
    won = ref(service, "crm.stage_lead4")
    demo("crm.lead", "write", [lead], {"stage_id": won})
    [row] = demo("crm.lead", "read", [lead], ["probability", "date_closed", "stage_id"])
    assert row["probability"] == 100.0
    assert row["date_closed"]
    with pytest.raises(ValidationError, match="should be between 0% and 100%"):
        demo("crm.lead", "write", [lead], {"probability": 120})


def test_message_post_escapes_text_and_returns_the_message_id(
    service: OdooService, demo: Caller
) -> None:
    order = ref(service, "sale.sale_order_11")
    message_id = demo(
        "sale.order", "message_post", [order],
        body="Hello <b>there</b>", message_type="comment", subtype_xmlid="mail.mt_comment",
    )  # fmt: skip
    assert isinstance(message_id, int)
    [message] = demo(
        "mail.message", "read", [message_id],
        ["body", "author_id", "model", "res_id", "message_type", "subtype_id", "record_name"],
    )  # fmt: skip
    assert message["body"] == "Hello &lt;b&gt;there&lt;/b&gt;"
    assert message["author_id"][1] == "Marc Demo"
    assert (message["model"], message["res_id"]) == ("sale.order", order)
    assert message["subtype_id"][1] == "Discussions"
    assert message["record_name"] == "S00011"
    html_id = demo("sale.order", "message_post", [order], body="<p>Hi</p>", body_is_html=True)
    assert demo("mail.message", "read", [html_id], ["body"])[0]["body"] == "<p>Hi</p>"
    [row] = demo("sale.order", "read", [order], ["message_ids"])
    assert {message_id, html_id} <= set(row["message_ids"])
    with pytest.raises(TypeError):
        demo("sale.order", "message_post", [order], "positional body")


def test_message_post_needs_write_access(service: OdooService) -> None:
    viewer = login(service, "viewer")
    with pytest.raises(AccessError):
        viewer("sale.order", "message_post", [ref(service, "sale.sale_order_1")], body="Hi")
    demo = login(service, "demo")
    with pytest.raises(AccessError):
        demo("sale.order", "message_post", [ref(service, "sale.sale_order_1")], body="Hi")


def test_activity_schedule(service: OdooService, demo: Caller) -> None:
    lead = ref(service, "crm.crm_case_2")
    deadline = (date.today() + timedelta(days=3)).isoformat()
    result = demo(
        "crm.lead", "activity_schedule", [lead], "mail.mail_activity_data_call",
        date_deadline=deadline, summary="Discuss the offer", note="<p>Bring prices</p>",
    )  # fmt: skip
    assert isinstance(result, list)
    assert len(result) == 1
    [activity] = demo(
        "mail.activity", "read", result,
        ["res_model", "res_id", "activity_type_id", "summary", "date_deadline", "user_id",
         "state", "res_name"],
    )  # fmt: skip
    assert (activity["res_model"], activity["res_id"]) == ("crm.lead", lead)
    assert activity["activity_type_id"][1] == "Call"
    assert activity["summary"] == "Discuss the offer"
    assert activity["date_deadline"] == deadline
    assert activity["user_id"][0] == demo.uid
    assert activity["state"] == "planned"
    [row] = demo("crm.lead", "read", [lead], ["activity_ids"])
    assert result[0] in row["activity_ids"]
    overdue = demo(
        "crm.lead", "activity_schedule", [lead], "mail.mail_activity_data_todo",
        date_deadline=(date.today() - timedelta(days=1)).isoformat(),
    )  # fmt: skip
    assert demo("crm.lead", "read", [lead], ["activity_state"])[0]["activity_state"] == "overdue"
    with pytest.raises(ValueError, match=r"External ID not found in the system: mail\.nope"):
        demo("crm.lead", "activity_schedule", [lead], "mail.nope")
    assert demo("mail.activity", "action_done", overdue) is True


def test_default_get_uses_the_users_context(service: OdooService, demo: Caller) -> None:
    defaults = demo(
        "sale.order", "default_get", ["state", "user_id", "company_id", "name", "date_order"]
    )
    assert defaults["state"] == "draft"
    assert defaults["user_id"] == demo.uid
    assert defaults["company_id"] == ref(service, "base.main_company")
    assert defaults["name"] == "New"
    assert defaults["date_order"].startswith(_utc_today())
    partner = ref(service, "base.res_partner_12")
    with_context = demo(
        "sale.order", "default_get", ["partner_id"], context={"default_partner_id": partner}
    )
    assert with_context == {"partner_id": partner}


def test_create_a_user_who_can_log_in(service: OdooService, admin: Caller) -> None:
    uid = admin(
        "res.users",
        "create",
        {"name": "Nina New", "login": "nina", "email": "nina@example.com", "password": "pw-1"},
    )
    [user] = admin("res.users", "read", [uid], ["name", "partner_id", "company_id", "password"])
    assert user["partner_id"][1] == "Nina New"
    assert user["company_id"][0] == ref(service, "base.main_company")
    assert user["password"] == ""
    assert service.authenticate("odoo", "nina", "pw-1") == uid
    admin("res.users", "write", [uid], {"password": "pw-2"})
    assert service.authenticate("odoo", "nina", "pw-1") is None
    assert service.authenticate("odoo", "nina", "pw-2") == uid
    with pytest.raises(ValidationError, match="two users with the same login"):
        admin("res.users", "create", {"name": "Other Nina", "login": "nina"})
    with pytest.raises(AccessError):
        login(service, "demo")("res.users", "create", {"name": "X", "login": "x"})


def test_context_get_describes_the_caller(demo: Caller) -> None:
    assert demo("res.users", "context_get") == {
        "lang": "en_US",
        "tz": "Europe/Brussels",
        "uid": demo.uid,
    }


def test_private_methods_are_refused(service: OdooService, admin: Caller) -> None:
    with pytest.raises(AccessError, match="Private methods"):
        admin("sale.order", "_create_invoices", [ref(service, "sale.sale_order_1")])
