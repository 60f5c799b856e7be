"""PDF rendering of the printable reports (``ir.actions.report``) with fpdf2.

Odoo renders QWeb templates through wkhtmltopdf; the simulator draws a similar one-page-per-record
document directly: company header, customer address, document dates, the lines and the totals.
Records are read with the caller's rights, so a report never shows what ``read`` would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fpdf import FPDF

from tollgate_odoo_sim.exceptions import MissingError


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: float
    unit_price: float
    discount: float
    taxes: str
    amount: float


@dataclass(frozen=True)
class Document:
    title: str
    company: list[str]
    customer: list[str]
    facts: list[tuple[str, str]]
    lines: list[DocumentLine]
    totals: list[tuple[str, float]]
    note: str
    currency_symbol: str
    symbol_before: bool


def render(env: Any, report_name: str, ids: list[int]) -> bytes:
    """The PDF of *report_name* (e.g. ``sale.report_saleorder``) for the records *ids*."""
    action = env["ir.actions.report"].sudo().search([("report_name", "=", report_name)], limit=1)
    if not action:
        raise ValueError(f"Report {report_name!r} not found")
    if not ids:
        raise ValueError("No record given to print")
    extract = _EXTRACTORS.get(action.model)
    if extract is None:
        raise ValueError(f"Report {report_name!r} cannot be rendered by the simulator")
    records = env[action.model].browse(ids)
    missing = set(ids) - set(records.exists().ids)
    if missing:
        raise MissingError(
            "Record does not exist or has been deleted.\n"
            f"(Record: {action.model}({', '.join(str(i) for i in sorted(missing))}), "
            f"User: {env.uid})"
        )
    records.check_access("read")
    pdf = FPDF(format="A4")
    pdf.set_title(action.name)
    pdf.set_creator("Odoo")
    pdf.set_auto_page_break(auto=True, margin=20)
    for record in records:
        _draw(pdf, extract(record))
    return bytes(pdf.output())


# -- reading records -------------------------------------------------------------------------


def _address(partner: Any) -> list[str]:
    lines = [partner.display_name or ""]
    for value in (partner.street, partner.street2):
        if value:
            lines.append(value)
    city = " ".join(str(v) for v in (partner.zip, partner.city) if v)
    if city:
        lines.append(city)
    if partner.country_id:
        lines.append(partner.country_id.name)
    if partner.vat:
        lines.append(f"Tax ID: {partner.vat}")
    return lines


def _company(company: Any) -> list[str]:
    lines = _address(company.partner_id)
    lines[0] = company.name
    contact = "  ".join(str(v) for v in (company.phone, company.email) if v)
    if contact:
        lines.append(contact)
    return lines


def _taxes(taxes: Any) -> str:
    return ", ".join(str(name) for name in taxes.mapped("name"))


def _sale_order(order: Any) -> Document:
    quotation = order.state in ("draft", "sent")
    title = f"{'Quotation' if quotation else 'Order'} # {order.name}"
    facts = [
        ("Quotation Date" if quotation else "Order Date", _date(order.date_order)),
        ("Salesperson", order.user_id.name or ""),
    ]
    if quotation and order.validity_date:
        facts.append(("Expiration", _date(order.validity_date)))
    if order.client_order_ref:
        facts.append(("Your Reference", order.client_order_ref))
    taxes_field = "tax_ids" if "tax_ids" in order.order_line._fields else "tax_id"
    lines = [
        DocumentLine(
            line.name or "",
            line.product_uom_qty,
            line.price_unit,
            line.discount,
            _taxes(line[taxes_field]),
            line.price_subtotal,
        )
        for line in order.order_line
        if not line.display_type
    ]
    return Document(
        title=title,
        company=_company(order.company_id),
        customer=_address(order.partner_invoice_id or order.partner_id),
        facts=facts,
        lines=lines,
        totals=[
            ("Untaxed Amount", order.amount_untaxed),
            ("Taxes", order.amount_tax),
            ("Total", order.amount_total),
        ],
        note=_plain(order.note),
        currency_symbol=order.currency_id.symbol or "",
        symbol_before=order.currency_id.position == "before",
    )


def _invoice(move: Any) -> Document:
    kinds = {"out_invoice": "Invoice", "out_refund": "Credit Note", "in_invoice": "Vendor Bill"}
    kind = kinds.get(move.move_type, "Journal Entry")
    if move.state == "draft":
        title = f"Draft {kind}"
    elif move.state == "cancel":
        title = f"Cancelled {kind} {move.name}"
    else:
        title = f"{kind} {move.name}"
    facts = [
        ("Invoice Date", _date(move.invoice_date)),
        ("Due Date", _date(move.invoice_date_due)),
    ]
    if move.invoice_origin:
        facts.append(("Source", move.invoice_origin))
    if move.payment_reference:
        facts.append(("Payment Reference", move.payment_reference))
    lines = [
        DocumentLine(
            line.name or "",
            line.quantity,
            line.price_unit,
            line.discount,
            _taxes(line.tax_ids),
            line.price_subtotal,
        )
        for line in move.line_ids
        if line.display_type == "product"
    ]
    totals = [
        ("Untaxed Amount", move.amount_untaxed),
        ("Taxes", move.amount_tax),
        ("Total", move.amount_total),
    ]
    if move.state == "posted":
        totals.append(("Amount Due", move.amount_residual))
    return Document(
        title=title,
        company=_company(move.company_id),
        customer=_address(move.partner_id) if move.partner_id else [],
        facts=facts,
        lines=lines,
        totals=totals,
        note=_plain(move.narration),
        currency_symbol=move.currency_id.symbol or "",
        symbol_before=move.currency_id.position == "before",
    )


_EXTRACTORS: dict[str, Callable[[Any], Document]] = {
    "sale.order": _sale_order,
    "account.move": _invoice,
}


# -- drawing ---------------------------------------------------------------------------------

_COLUMNS = (
    ("Description", 78, "L"),
    ("Quantity", 20, "R"),
    ("Unit Price", 26, "R"),
    ("Disc.%", 14, "R"),
    ("Taxes", 18, "R"),
    ("Amount", 30, "R"),
)


def _draw(pdf: FPDF, doc: Document) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 6, _latin1(doc.company[0]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for line in doc.company[1:]:
        pdf.cell(0, 4.5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_x(120)
    pdf.set_font("Helvetica", "", 10)
    for line in doc.customer:
        pdf.set_x(120)
        pdf.cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for label, value in doc.facts:
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(40, 5, _latin1(label))
        pdf.set_font("Helvetica", "", 9)
        pdf.cell(0, 5, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 9)
    for label, width, align in _COLUMNS:
        pdf.cell(width, 7, label, border="B", align=align)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for item in doc.lines:
        values = (
            item.description.splitlines()[0] if item.description else "",
            f"{item.quantity:,.2f}",
            f"{item.unit_price:,.2f}",
            f"{item.discount:.2f}" if item.discount else "",
            item.taxes,
            _money(doc, item.amount),
        )
        for (_label, width, align), value in zip(_COLUMNS, values, strict=True):
            pdf.cell(width, 6, _latin1(_fit(pdf, value, width)), align=align)
        pdf.ln()
    pdf.ln(3)
    for label, amount in doc.totals:
        bold = label in ("Total", "Amount Due")
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.set_x(110)
        pdf.cell(44, 6, label, border="T" if label == "Total" else 0)
        pdf.cell(
            40, 6, _latin1(_money(doc, amount)), border="T" if label == "Total" else 0, align="R"
        )
        pdf.ln()
    if doc.note:
        pdf.ln(6)
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 4.5, _latin1(doc.note))


def _money(doc: Document, amount: float) -> str:
    number = f"{amount:,.2f}"
    symbol = doc.currency_symbol
    return f"{symbol} {number}" if doc.symbol_before else f"{number} {symbol}"


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(_latin1(text)) <= width - 2:
        return text
    while text and pdf.get_string_width(_latin1(text + "...")) > width - 2:
        text = text[:-1]
    return text + "..."


def _date(value: Any) -> str:
    if not value:
        return ""
    return f"{value:%m/%d/%Y}"


def _plain(html: Any) -> str:
    if not html:
        return ""
    text = re.sub(r"<br\s*/?>|</p>", "\n", str(html))
    text = re.sub(r"<[^>]+>", "", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


_REPLACEMENTS = {
    "\u20ac": "EUR",  # euro sign
    "\u2014": "-",  # em dash
    "\u2013": "-",  # en dash
    "\u2022": "-",  # bullet
    "\u2019": "'",  # right single quotation mark
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
}


def _latin1(text: str) -> str:
    # The core PDF fonts only cover Latin-1; anything else is spelled out or replaced.
    for char, replacement in _REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text.encode("latin-1", errors="replace").decode("latin-1")
