"""``--scale N``: N more partners, N sales orders and N customer invoices, for benchmarks.

Going through ``create`` for hundreds of thousands of records would take minutes (defaults,
recomputation, constraints for each one), so the rows are written straight into the registry's
tables with every stored value the ORM would have computed: display names, amounts, payment
state. The records are ordinary afterwards: searchable, readable, writable.
"""

from __future__ import annotations

import gc
from datetime import date, datetime, time, timedelta
from typing import Any

from tollgate_odoo_sim.orm.registry import Registry

from .bulk import BulkWriter
from .demo_data import MAIN_COMPANY

FIRST_NAMES = (
    "Alex", "Blake", "Casey", "Dana", "Eli", "Frankie", "Gale", "Harper", "Indy", "Jordan",
    "Kai", "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Riley", "Sage", "Taylor",
)  # fmt: skip
LAST_NAMES = (
    "Anders", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Khan", "Lopez", "Meyer", "Novak", "Olsen", "Patel", "Rossi", "Silva", "Tanaka", "Weber",
)  # fmt: skip
COMPANY_WORDS = (
    "Atlas", "Beacon", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
)  # fmt: skip
COMPANY_KINDS = ("Furniture", "Interiors", "Offices", "Workspaces", "Supplies", "Design")
CITIES = (("Chicago", "us"), ("Brussels", "be"), ("Paris", "fr"), ("Berlin", "de"),
          ("London", "gb"), ("Madrid", "es"), ("Toronto", "ca"), ("Austin", "us"))  # fmt: skip
ORDER_STATES = ("draft", "sent", "sale", "sale", "cancel")
TAX_RATE = 0.15


def load(registry: Registry, count: int) -> None:
    """Add *count* partners, *count* sales orders and *count* invoices."""
    if count < 0:
        raise ValueError("--scale must be a positive number of records")
    if not count:
        return
    writer = BulkWriter(registry)
    # Hundreds of thousands of new rows, none of them garbage: the cyclic collector would only
    # rescan them again and again while they are added.
    collecting = gc.isenabled()
    gc.disable()
    try:
        partners = _partners(writer, count)
        _orders(writer, partners, count)
        _invoices(writer, partners, count)
    finally:
        if collecting:
            gc.enable()
    writer.done()


def _partners(writer: BulkWriter, count: int) -> list[int]:
    countries = {code: writer.ref(f"base.{code}") for _city, code in CITIES}
    created: list[int] = []
    company: tuple[int, str] | None = None
    for index in range(count):
        city, code = CITIES[index % len(CITIES)]
        if index % 4 == 0:
            word = COMPANY_WORDS[(index // 4) % len(COMPANY_WORDS)]
            kind = COMPANY_KINDS[(index // 40) % len(COMPANY_KINDS)]
            name = f"{word} {kind} {index // 4 + 1}"
            slug = f"{word.lower()}{index // 4 + 1}"
            partner_id = writer.insert(
                "res.partner",
                {
                    "name": name,
                    "complete_name": name,
                    "is_company": True,
                    "type": "contact",
                    "active": True,
                    "email": f"info@{slug}.example.com",
                    "phone": f"+1 555 {index % 1000:03d} {index % 10000:04d}",
                    "city": city,
                    "country_id": countries[code],
                    "customer_rank": 1,
                    "lang": "en_US",
                    "ref": f"SC{index + 1:06d}",
                },
            )
            _set(writer, "res.partner", partner_id, commercial_partner_id=partner_id,
                 commercial_company_name=name)  # fmt: skip
            company = (partner_id, name)
        else:
            assert company is not None
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
            name = f"{first} {last}"
            partner_id = writer.insert(
                "res.partner",
                {
                    "name": name,
                    "complete_name": f"{company[1]}, {name}",
                    "parent_id": company[0],
                    "commercial_partner_id": company[0],
                    "commercial_company_name": company[1],
                    "is_company": False,
                    "type": "contact",
                    "active": True,
                    "email": f"{first.lower()}.{last.lower()}{index}@example.com",
                    "city": city,
                    "country_id": countries[code],
                    "lang": "en_US",
                    "function": "Buyer" if index % 3 else "Office Manager",
                },
            )
        created.append(partner_id)
    return created


def _set(writer: BulkWriter, model: str, record_id: int, **values: Any) -> None:
    table = writer.registry.tables[model]
    for column, value in values.items():
        table.set_value(record_id, column, value)


def _amounts(quantity: float, price: float) -> tuple[float, float]:
    untaxed = round(quantity * price, 2)
    return untaxed, round(untaxed * (1 + TAX_RATE), 2)


def _orders(writer: BulkWriter, partners: list[int], count: int) -> None:
    registry = writer.registry
    company = writer.ref(MAIN_COMPANY)
    users = [writer.ref("base.user_admin"), writer.ref("base.user_demo")]
    team = writer.ref("sales_team.team_sales_department")
    tax = writer.ref("account.1_sale_tax_template")
    product = writer.ref("product.product_product_7")
    price = registry.tables["product.template"].rows[
        registry.tables["product.product"].rows[product]["product_tmpl_id"]
    ]["list_price"]
    uom = writer.ref("uom.product_uom_unit")
    line_fields = registry.models["sale.order.line"]._fields
    tax_field = "tax_ids" if "tax_ids" in line_fields else "tax_id"
    uom_field = "product_uom_id" if "product_uom_id" in line_fields else "product_uom"
    first_number = _next_number(registry, "sale.order", "S")
    _continue_sequence(writer, "sale.order", first_number + count)
    today = date.today()
    for index in range(count):
        state = ORDER_STATES[index % len(ORDER_STATES)]
        quantity = float(1 + index % 9)
        untaxed, total = _amounts(quantity, price)
        when = datetime.combine(today - timedelta(days=index % 365), time(9 + index % 9, 0))
        order_id = writer.insert(
            "sale.order",
            {
                "name": f"S{first_number + index:05d}",
                "state": state,
                "date_order": when,
                "validity_date": (when + timedelta(days=30)).date(),
                "partner_id": partners[index % len(partners)],
                "partner_invoice_id": partners[index % len(partners)],
                "partner_shipping_id": partners[index % len(partners)],
                "user_id": users[index % len(users)],
                "team_id": team,
                "company_id": company,
                "amount_untaxed": untaxed,
                "amount_tax": round(total - untaxed, 2),
                "amount_total": total,
                "invoice_status": "to invoice" if state == "sale" else "no",
                "require_signature": True,
                "locked": False,
            },
        )
        line_id = writer.insert(
            "sale.order.line",
            {
                "order_id": order_id,
                "sequence": 10,
                "company_id": company,
                "product_id": product,
                "name": "[E-COM08] Storage Box",
                "product_uom_qty": quantity,
                uom_field: uom,
                "price_unit": price,
                "discount": 0.0,
                "price_subtotal": untaxed,
                "price_tax": round(total - untaxed, 2),
                "price_total": total,
                "qty_invoiced": 0.0,
                "qty_to_invoice": quantity if state == "sale" else 0.0,
                "qty_delivered": 0.0,
            },
        )
        writer.link("sale.order.line", tax_field, line_id, [tax])


def _invoices(writer: BulkWriter, partners: list[int], count: int) -> None:
    registry = writer.registry
    company = writer.ref(MAIN_COMPANY)
    currency = writer.ref("base.USD")
    journal = writer.ref("account.1_journal_inv")
    term = writer.ref("account.account_payment_term_30days")
    tax = writer.ref("account.1_sale_tax_template")
    product = writer.ref("product.product_product_1")
    users = [writer.ref("base.user_admin"), writer.ref("base.user_demo")]
    today = date.today()
    year = today.year
    first_number = _next_number(registry, "account.move", f"INV/{year}/")
    for index in range(count):
        quantity = float(1 + index % 12)
        untaxed, total = _amounts(quantity, 30.75)
        invoice_date = today - timedelta(days=index % 120)
        posted = index % 6 != 5
        paid = posted and index % 3 == 0
        partial = posted and index % 3 == 1 and index % 2 == 0
        residual = 0.0 if paid else round(total / 2, 2) if partial else total
        payment_state = (
            "paid" if paid else "partial" if partial else "not_paid"
        )  # drafts are "not_paid" too
        move_id = writer.insert(
            "account.move",
            {
                "name": f"INV/{year}/{first_number + index:05d}" if posted else "/",
                "sequence_prefix": f"INV/{year}/" if posted else False,
                "sequence_number": first_number + index if posted else 0,
                "state": "posted" if posted else "draft",
                "move_type": "out_invoice",
                "date": invoice_date,
                "invoice_date": invoice_date,
                "invoice_date_due": invoice_date + timedelta(days=30),
                "invoice_payment_term_id": term,
                "journal_id": journal,
                "company_id": company,
                "currency_id": currency,
                "partner_id": partners[index % len(partners)],
                "invoice_user_id": users[index % len(users)],
                "amount_untaxed": untaxed,
                "amount_tax": round(total - untaxed, 2),
                "amount_total": total,
                "amount_residual": residual if posted else total,
                "amount_total_signed": total,
                "amount_residual_signed": residual if posted else total,
                "payment_state": payment_state,
                "posted_before": posted,
            },
        )
        line_id = writer.insert(
            "account.move.line",
            {
                "move_id": move_id,
                "display_type": "product",
                "name": "Virtual Interior Design",
                "product_id": product,
                "quantity": quantity,
                "price_unit": 30.75,
                "discount": 0.0,
                "price_subtotal": untaxed,
                "price_total": total,
                "partner_id": partners[index % len(partners)],
                "sequence": 10,
                "credit": untaxed,
                "balance": -untaxed,
            },
        )
        writer.link("account.move.line", "tax_ids", line_id, [tax])
        if posted:
            writer.insert(
                "account.move.line",
                {
                    "move_id": move_id,
                    "display_type": "payment_term",
                    "name": f"INV/{year}/{first_number + index:05d}",
                    "partner_id": partners[index % len(partners)],
                    "debit": total,
                    "balance": total,
                    "amount_residual": residual,
                    "reconciled": residual == 0,
                    "date_maturity": invoice_date + timedelta(days=30),
                    "sequence": 20,
                },
            )


def _continue_sequence(writer: BulkWriter, code: str, number_next: int) -> None:
    """Make the ir.sequence of *code* continue after the generated references."""
    sequences = writer.registry.tables["ir.sequence"]
    for sequence_id, row in sequences.rows.items():
        if row.get("code") == code:
            sequences.set_value(sequence_id, "number_next", number_next)


def _next_number(registry: Registry, model: str, prefix: str) -> int:
    numbers = [
        int(name[len(prefix) :])
        for row in registry.tables[model].rows.values()
        if isinstance(name := row.get("name"), str)
        and name.startswith(prefix)
        and name[len(prefix) :].isdigit()
    ]
    return max(numbers, default=0) + 1
