"""Odoo's ``account`` module, reduced to customer invoicing: taxes, payment terms, journals,
accounts, journal entries (``account.move``) and their lines."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from typing import Any

from tollgate_odoo_sim.exceptions import AccessError, UserError
from tollgate_odoo_sim.orm import Model, api, fields
from tollgate_odoo_sim.versions import OdooVersion

MOVE_TYPES = [
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
    ("out_receipt", "Sales Receipt"),
    ("in_receipt", "Purchase Receipt"),
]
DRAFT_LABELS = {
    "out_invoice": "Draft Invoice",
    "out_refund": "Draft Credit Note",
    "in_invoice": "Draft Bill",
    "in_refund": "Draft Vendor Credit Note",
    "out_receipt": "Draft Sales Receipt",
    "in_receipt": "Draft Purchase Receipt",
    "entry": "Draft Entry",
}
MOVE_STATES = [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")]
INVOICE_TYPES = frozenset(kind for kind, _label in MOVE_TYPES if kind != "entry")

PAYMENT_STATES_17 = [
    ("not_paid", "Not Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("partial", "Partially Paid"),
    ("reversed", "Reversed"),
    ("invoicing_legacy", "Invoicing App Legacy"),
]
PAYMENT_STATES_18 = [*PAYMENT_STATES_17[:5], ("blocked", "Blocked"), PAYMENT_STATES_17[5]]

LINE_DISPLAY_TYPES = [
    ("product", "Product"),
    ("cogs", "Cost of Goods Sold"),
    ("tax", "Tax"),
    ("discount", "Discount"),
    ("rounding", "Rounding"),
    ("payment_term", "Payment Term"),
    ("line_section", "Section"),
    ("line_note", "Note"),
    ("epd", "Early Payment Discount"),
]


def line_amounts(
    quantity: float, price_unit: float, discount: float, taxes: Any
) -> tuple[float, float]:
    """(subtotal, total) of a document line: discounted price times quantity, plus its taxes."""
    subtotal = round(quantity * price_unit * (1 - (discount or 0.0) / 100.0), 2)
    tax = 0.0
    for tax_rec in taxes:
        if tax_rec.amount_type == "fixed":
            tax += tax_rec.amount * quantity
        else:
            tax += subtotal * tax_rec.amount / 100.0
    return subtotal, round(subtotal + tax, 2)


class AccountTax(Model):
    _name = "account.tax"
    _description = "Tax"
    _order = "sequence,id"

    name = fields.Char(string="Tax Name", required=True, translate=True)
    type_tax_use = fields.Selection(
        [("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")],
        string="Tax Type",
        required=True,
        default="sale",
    )
    amount_type = fields.Selection(
        [("fixed", "Fixed"), ("percent", "Percentage of Price")],
        string="Tax Computation",
        required=True,
        default="percent",
    )
    amount = fields.Float(required=True, digits=(16, 4), default=0.0)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=1)
    company_id = fields.Many2one("res.company", string="Company", required=True)
    description = fields.Char(string="Label on Invoices")


class AccountPaymentTerm(Model):
    _name = "account.payment.term"
    _description = "Payment Terms"
    _order = "sequence, id"

    name = fields.Char(string="Payment Terms", translate=True, required=True)
    active = fields.Boolean(default=True)
    note = fields.Html(string="Description on the Invoice", translate=True)
    line_ids = fields.One2many("account.payment.term.line", "payment_id", string="Terms")
    company_id = fields.Many2one("res.company", string="Company")
    sequence = fields.Integer(required=True, default=10)

    def _due_date(self, start: dt.date) -> dt.date:
        days = max(self.line_ids.mapped("nb_days") or [0])
        return start + timedelta(days=days)


class AccountPaymentTermLine(Model):
    _name = "account.payment.term.line"
    _description = "Payment Terms Line"
    _order = "id"

    value = fields.Selection(
        [("percent", "Percent"), ("fixed", "Fixed")], required=True, default="percent"
    )
    value_amount = fields.Float(string="Due", digits=(16, 2), default=100.0)
    nb_days = fields.Integer(string="Days", default=0)
    payment_id = fields.Many2one(
        "account.payment.term", string="Payment Terms", required=True, ondelete="cascade"
    )


class AccountAccount(Model):
    _name = "account.account"
    _description = "Account"
    _order = "code, id"

    name = fields.Char(string="Account Name", required=True, index=True, translate=True)
    code = fields.Char(size=64, required=True, index=True)
    account_type = fields.Selection(
        [
            ("asset_receivable", "Receivable"),
            ("asset_cash", "Bank and Cash"),
            ("asset_current", "Current Assets"),
            ("liability_payable", "Payable"),
            ("liability_current", "Current Liabilities"),
            ("income", "Income"),
            ("expense", "Expenses"),
            ("equity", "Equity"),
        ],
        string="Type",
        required=True,
    )
    reconcile = fields.Boolean(string="Allow Reconciliation")
    active = fields.Boolean(default=True)
    # Odoo 18 shares accounts between companies (``company_ids``); 17 binds one company.
    company_id = fields.Many2one("res.company", string="Company", until=17)
    company_ids = fields.Many2many("res.company", string="Companies", since=18)

    @api.depends("code", "name")
    def _compute_display_name(self) -> None:
        for account in self:
            account.display_name = f"{account.code} {account.name}"


class AccountJournal(Model):
    _name = "account.journal"
    _description = "Journal"
    _order = "sequence, type, code"

    name = fields.Char(string="Journal Name", required=True, translate=True)
    code = fields.Char(string="Short Code", size=5, required=True)
    active = fields.Boolean(default=True)
    type = fields.Selection(
        [
            ("sale", "Sales"),
            ("purchase", "Purchase"),
            ("cash", "Cash"),
            ("bank", "Bank"),
            ("general", "Miscellaneous"),
        ],
        required=True,
    )
    default_account_id = fields.Many2one("account.account", string="Default Account")
    sequence = fields.Integer(default=10)
    currency_id = fields.Many2one("res.currency", string="Currency")
    company_id = fields.Many2one("res.company", string="Company", required=True, index=True)


class AccountMove(Model):
    _name = "account.move"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _description = "Journal Entry"
    _order = "date desc, name desc, invoice_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Number", copy=False, readonly=False, index=True, default="/")
    ref = fields.Char(string="Reference", copy=False)
    date = fields.Date(
        string="Date", required=True, index=True, copy=False, default=lambda self: date.today()
    )
    state = fields.Selection(
        MOVE_STATES,
        string="Status",
        required=True,
        readonly=True,
        copy=False,
        default="draft",
        tracking=True,
    )
    move_type = fields.Selection(
        MOVE_TYPES, string="Type", required=True, readonly=True, default="entry", index=True
    )
    journal_id = fields.Many2one("account.journal", string="Journal", required=True)
    company_id = fields.Many2one(
        "res.company", string="Company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one("res.currency", string="Currency", required=True)
    company_currency_id = fields.Many2one("res.currency", related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Partner", index=True, tracking=True)
    commercial_partner_id = fields.Many2one(
        "res.partner", related="partner_id.commercial_partner_id"
    )
    invoice_partner_display_name = fields.Char(related="partner_id.display_name")
    line_ids = fields.One2many("account.move.line", "move_id", string="Journal Items", copy=True)
    invoice_line_ids = fields.One2many(
        "account.move.line",
        "move_id",
        string="Invoice lines",
        copy=False,
        domain=[("display_type", "in", ("product", "line_section", "line_note"))],
    )
    invoice_date = fields.Date(string="Invoice/Bill Date", index=True, copy=False)
    invoice_date_due = fields.Date(
        string="Due Date",
        compute="_compute_invoice_date_due",
        store=True,
        readonly=False,
        index=True,
        copy=False,
    )
    invoice_payment_term_id = fields.Many2one("account.payment.term", string="Payment Terms")
    invoice_user_id = fields.Many2one(
        "res.users", string="Salesperson", copy=False, default=lambda self: self.env.user
    )
    invoice_origin = fields.Char(string="Origin", copy=False)
    payment_reference = fields.Char(string="Payment Reference", copy=False)
    narration = fields.Html(string="Terms and Conditions")
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount", compute="_compute_amount", store=True, currency_field="currency_id"
    )
    amount_tax = fields.Monetary(
        string="Tax", compute="_compute_amount", store=True, currency_field="currency_id"
    )
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amount", store=True, currency_field="currency_id"
    )
    amount_residual = fields.Monetary(
        string="Amount Due", compute="_compute_amount", store=True, currency_field="currency_id"
    )
    amount_total_signed = fields.Monetary(
        string="Total Signed", compute="_compute_amount", store=True, currency_field="currency_id"
    )
    amount_residual_signed = fields.Monetary(
        string="Amount Due Signed",
        compute="_compute_amount",
        store=True,
        currency_field="currency_id",
    )
    posted_before = fields.Boolean(copy=False)
    sequence_prefix = fields.Char(compute="_compute_split_sequence", store=True)
    sequence_number = fields.Integer(compute="_compute_split_sequence", store=True)

    @api.depends(
        "move_type",
        "state",
        "line_ids.price_subtotal",
        "line_ids.price_total",
        "line_ids.amount_residual",
        "line_ids.display_type",
    )
    def _compute_amount(self) -> None:
        for move in self:
            products = move.line_ids.filtered(lambda line: line.display_type == "product")
            untaxed = round(sum(products.mapped("price_subtotal")), 2)
            total = round(sum(products.mapped("price_total")), 2)
            terms = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
            posted = move.state == "posted" and terms
            residual = round(sum(terms.mapped("amount_residual")), 2) if posted else total
            sign = -1 if move.move_type in ("out_refund", "in_invoice", "in_receipt") else 1
            move.amount_untaxed = untaxed
            move.amount_tax = round(total - untaxed, 2)
            move.amount_total = total
            move.amount_residual = residual if move.state != "cancel" else 0.0
            move.amount_total_signed = sign * total
            move.amount_residual_signed = sign * move.amount_residual

    @api.depends("amount_residual", "amount_total", "state", "move_type")
    def _compute_payment_state(self) -> None:
        for move in self:
            if move.state != "posted" or move.move_type not in INVOICE_TYPES:
                move.payment_state = "not_paid"
            elif move.amount_residual == 0 and move.amount_total:
                move.payment_state = "paid"
            elif move.amount_residual != move.amount_total:
                move.payment_state = "partial"
            else:
                move.payment_state = "not_paid"

    @api.depends("invoice_date", "date", "invoice_payment_term_id")
    def _compute_invoice_date_due(self) -> None:
        for move in self:
            start = move.invoice_date or move.date
            if not start or move.move_type not in INVOICE_TYPES:
                move.invoice_date_due = False
            elif move.invoice_payment_term_id:
                move.invoice_date_due = move.invoice_payment_term_id._due_date(start)
            else:
                # without payment terms the due date is set by hand, never before the invoice
                current = move.invoice_date_due
                move.invoice_date_due = current if current and current >= start else start

    @api.depends("name", "state", "move_type")
    def _compute_display_name(self) -> None:
        # Odoo's _get_move_display_name: "Draft Invoice (* 42)" until the entry gets a number
        for move in self:
            label = ""
            if move.state == "draft":
                label = DRAFT_LABELS.get(move.move_type, "Draft Entry") + " "
            if not move.name or move.name == "/":
                label += f"(* {move.id})"
            else:
                label += move.name
            move.display_name = label

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self) -> None:
        if any(move.state == "posted" for move in self):
            raise UserError("You cannot delete an item linked to a posted entry.")

    def action_post(self) -> bool:
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError("You don't have the access rights to post an invoice.")
        for move in self:
            if move.state == "posted":
                raise UserError(f"The entry {move.name} (id {move.id}) is already posted.")
            lines = move.line_ids.filtered(
                lambda line: line.display_type not in ("line_section", "line_note")
            )
            if not lines:
                raise UserError("You need to add a line before posting.")
            if move.move_type in INVOICE_TYPES and not move.partner_id:
                kind = "Customer" if move.move_type.startswith("out_") else "Vendor"
                label = dict(MOVE_TYPES)[move.move_type]
                raise UserError(
                    f"The field '{kind}' is required, please complete it to validate the {label}."
                )
        for move in self:
            values: dict[str, Any] = {"state": "posted", "posted_before": True}
            if move.move_type in INVOICE_TYPES and not move.invoice_date:
                values["invoice_date"] = date.today()
            if not move.name or move.name == "/":
                values["name"] = move._next_sequence_name(values.get("invoice_date") or move.date)
            move.write(values)
            move._sync_payment_term_line()
        return True

    def button_draft(self) -> bool:
        for move in self:
            if move.state == "draft":
                continue
            terms = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
            if any(line.amount_residual != line.balance for line in terms):
                raise UserError(
                    "You cannot reset to draft a journal entry that has reconciled items."
                )
        self.write({"state": "draft"})
        return True

    def button_cancel(self) -> bool:
        for move in self:
            if move.state != "draft":
                raise UserError("Only draft journal entries can be cancelled.")
        self.write({"state": "cancel"})
        return True

    def _next_sequence_name(self, when: dt.date) -> str:
        # Odoo numbers entries per journal and year ("INV/2026/00042") from the last number
        # used with the same prefix (sequence_prefix / sequence_number).
        code = {"out_invoice": "INV", "out_refund": "RINV", "in_invoice": "BILL"}.get(
            self.move_type, self.journal_id.code or "MISC"
        )
        prefix = f"{code}/{when.year}/"
        last = self.sudo().search(
            [("journal_id", "=", self.journal_id.id), ("sequence_prefix", "=", prefix)],
            order="sequence_number desc",
            limit=1,
        )
        return f"{prefix}{(last.sequence_number or 0) + 1:05d}"

    @api.depends("name")
    def _compute_split_sequence(self) -> None:
        for move in self:
            name = move.name or ""
            stem, _slash, number = name.rpartition("/")
            if name != "/" and stem and number.isdigit():
                move.sequence_prefix = f"{stem}/"
                move.sequence_number = int(number)
            else:
                move.sequence_prefix = False
                move.sequence_number = 0

    def _sync_payment_term_line(self) -> None:
        """Posting books the receivable: one payment-term line carrying what is still due."""
        if self.move_type not in INVOICE_TYPES:
            return
        # rebuilt on every posting: a draft has nothing reconciled (button_draft refuses it)
        self.line_ids.filtered(lambda line: line.display_type == "payment_term").sudo().unlink()
        total = self.amount_total
        self.env["account.move.line"].sudo().create(
            {
                "move_id": self.id,
                "name": self.payment_reference or self.name,
                "display_type": "payment_term",
                "partner_id": self.partner_id.commercial_partner_id.id or False,
                "debit": total if total > 0 else 0.0,
                "credit": -total if total < 0 else 0.0,
                "amount_residual": total,
                "date_maturity": self.invoice_date_due,
            }
        )

    def _register_payment(self, amount: float) -> None:
        """Reconcile *amount* against what is due (demo data pays invoices this way)."""
        for line in self.line_ids.filtered(lambda line: line.display_type == "payment_term"):
            paid = min(amount, line.amount_residual)
            line.sudo().write({"amount_residual": round(line.amount_residual - paid, 2)})
            amount -= paid


def _payment_state_field(states: list[tuple[str, str]]) -> Any:
    return fields.Selection(
        states,
        string="Payment Status",
        compute="_compute_payment_state",
        store=True,
        readonly=True,
        copy=False,
    )


class AccountMovePaymentState17(Model):
    _inherit = "account.move"

    payment_state = _payment_state_field(PAYMENT_STATES_17)


class AccountMovePaymentState18(Model):
    """Odoo 18 added "blocked" (payments on hold) to the payment status."""

    _inherit = "account.move"

    payment_state = _payment_state_field(PAYMENT_STATES_18)


class AccountMoveLine(Model):
    _name = "account.move.line"
    _description = "Journal Item"
    _order = "date desc, move_name desc, id"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move", string="Journal Entry", required=True, index=True, ondelete="cascade"
    )
    move_name = fields.Char(related="move_id.name", string="Number")
    date = fields.Date(related="move_id.date")
    parent_state = fields.Selection(MOVE_STATES, related="move_id.state")
    journal_id = fields.Many2one("account.journal", related="move_id.journal_id")
    company_id = fields.Many2one("res.company", related="move_id.company_id")
    currency_id = fields.Many2one("res.currency", related="move_id.currency_id")
    move_type = fields.Selection(MOVE_TYPES, related="move_id.move_type")
    partner_id = fields.Many2one("res.partner", string="Partner", index=True)
    account_id = fields.Many2one("account.account", string="Account", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Label")
    display_type = fields.Selection(LINE_DISPLAY_TYPES, required=True, default="product")
    product_id = fields.Many2one("product.product", string="Product")
    product_uom_id = fields.Many2one("uom.uom", string="Unit of Measure")
    quantity = fields.Float(string="Quantity", digits=(16, 2), default=1.0)
    price_unit = fields.Float(string="Unit Price", digits=(16, 2))
    discount = fields.Float(string="Discount (%)", digits=(16, 2), default=0.0)
    tax_ids = fields.Many2many("account.tax", string="Taxes")
    price_subtotal = fields.Monetary(
        string="Subtotal", compute="_compute_totals", store=True, currency_field="currency_id"
    )
    price_total = fields.Monetary(
        string="Total", compute="_compute_totals", store=True, currency_field="currency_id"
    )
    debit = fields.Monetary(string="Debit", currency_field="company_currency_id")
    credit = fields.Monetary(string="Credit", currency_field="company_currency_id")
    balance = fields.Monetary(
        compute="_compute_balance", store=True, currency_field="company_currency_id"
    )
    company_currency_id = fields.Many2one("res.currency", related="move_id.company_id.currency_id")
    amount_residual = fields.Monetary(
        string="Residual Amount", currency_field="company_currency_id", copy=False
    )
    reconciled = fields.Boolean(compute="_compute_reconciled", store=True)
    date_maturity = fields.Date(string="Due Date", index=True)

    @api.depends("quantity", "price_unit", "discount", "tax_ids", "display_type")
    def _compute_totals(self) -> None:
        for line in self:
            if line.display_type != "product":
                line.price_subtotal = 0.0
                line.price_total = 0.0
                continue
            subtotal, total = line_amounts(
                line.quantity, line.price_unit, line.discount, line.tax_ids
            )
            line.price_subtotal = subtotal
            line.price_total = total

    @api.depends("debit", "credit")
    def _compute_balance(self) -> None:
        for line in self:
            line.balance = round((line.debit or 0.0) - (line.credit or 0.0), 2)

    @api.depends("amount_residual", "display_type")
    def _compute_reconciled(self) -> None:
        for line in self:
            line.reconciled = line.display_type == "payment_term" and not line.amount_residual


class ResPartnerAccounting(Model):
    _inherit = "res.partner"

    customer_rank = fields.Integer(default=0, copy=False)
    supplier_rank = fields.Integer(default=0, copy=False)
    property_payment_term_id = fields.Many2one(
        "account.payment.term", string="Customer Payment Terms"
    )
    invoice_ids = fields.One2many("account.move", "partner_id", string="Invoices")
    currency_id = fields.Many2one(
        "res.currency", string="Currency", compute="_compute_currency_id", readonly=True
    )
    # one of the fields Odoo restricts to accounting groups: others neither see nor read it
    total_invoiced = fields.Monetary(
        string="Total Invoiced",
        compute="_compute_total_invoiced",
        groups="account.group_account_invoice,account.group_account_readonly",
    )

    def _compute_currency_id(self) -> None:
        for partner in self:
            partner.currency_id = self.env.company.currency_id

    def _compute_total_invoiced(self) -> None:
        # posted customer invoices minus refunds, untaxed, of each partner and its contacts
        # (followed through the partners' invoice_ids: no scan of every invoice)
        for partner in self:
            family, todo = partner.sudo(), partner.sudo().child_ids
            while todo:
                family |= todo
                todo = todo.mapped("child_ids") - family
            partner.total_invoiced = sum(
                -move.amount_untaxed if move.move_type == "out_refund" else move.amount_untaxed
                for move in family.mapped("invoice_ids")
                if move.state == "posted" and move.move_type in ("out_invoice", "out_refund")
            )


class ResCompanyAccounting(Model):
    _inherit = "res.company"

    account_sale_tax_id = fields.Many2one("account.tax", string="Default Sale Tax")


def models(version: OdooVersion) -> list[type[Model]]:
    payment_state = AccountMovePaymentState17 if version.major <= 17 else AccountMovePaymentState18
    return [
        AccountTax,
        AccountPaymentTerm,
        AccountPaymentTermLine,
        AccountAccount,
        AccountJournal,
        AccountMove,
        payment_state,
        AccountMoveLine,
        ResPartnerAccounting,
        ResCompanyAccounting,
    ]
