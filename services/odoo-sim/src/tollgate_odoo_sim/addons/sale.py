"""Odoo's ``sale`` module: quotations and sales orders with their lines and workflow."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tollgate_odoo_sim.exceptions import UserError
from tollgate_odoo_sim.orm import Model, api, fields
from tollgate_odoo_sim.versions import OdooVersion

from .account import line_amounts

#: Odoo's default company setting "Default Quotation Validity"
QUOTATION_VALIDITY_DAYS = 30
SALE_STATES = [
    ("draft", "Quotation"),
    ("sent", "Quotation Sent"),
    ("sale", "Sales Order"),
    ("cancel", "Cancelled"),
]
INVOICE_STATUSES = [
    ("upselling", "Upselling Opportunity"),
    ("invoiced", "Fully Invoiced"),
    ("to invoice", "To Invoice"),
    ("no", "Nothing to Invoice"),
]


class SaleOrder(Model):
    _name = "sale.order"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _description = "Sales Order"
    _order = "date_order desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Order Reference",
        required=True,
        copy=False,
        readonly=False,
        index=True,
        default="New",
    )
    origin = fields.Char(string="Source Document")
    client_order_ref = fields.Char(string="Customer Reference", copy=False)
    reference = fields.Char(string="Payment Ref.", copy=False)
    state = fields.Selection(
        SALE_STATES, string="Status", readonly=True, copy=False, index=True, default="draft"
    )
    locked = fields.Boolean(default=False, copy=False, help="Locked orders cannot be modified.")
    date_order = fields.Datetime(
        string="Order Date", required=True, copy=False, default=lambda self: fields.Datetime.now()
    )
    validity_date = fields.Date(
        string="Expiration",
        copy=False,
        default=lambda self: date.today() + timedelta(days=QUOTATION_VALIDITY_DAYS),
    )
    commitment_date = fields.Datetime(string="Delivery Date", copy=False)
    require_signature = fields.Boolean(string="Online signature", default=True)
    require_payment = fields.Boolean(string="Online payment")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    partner_invoice_id = fields.Many2one(
        "res.partner",
        string="Invoice Address",
        compute="_compute_partner_addresses",
        store=True,
        readonly=False,
    )
    partner_shipping_id = fields.Many2one(
        "res.partner",
        string="Delivery Address",
        compute="_compute_partner_addresses",
        store=True,
        readonly=False,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
    )
    team_id = fields.Many2one("crm.team", string="Sales Team")
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        "res.currency", related="company_id.currency_id", string="Currency"
    )
    payment_term_id = fields.Many2one("account.payment.term", string="Payment Terms")
    pricelist_id = fields.Many2one("product.pricelist", string="Pricelist")
    order_line = fields.One2many("sale.order.line", "order_id", string="Order Lines", copy=True)
    tag_ids = fields.Many2many("crm.tag", string="Tags")
    note = fields.Html(string="Terms and conditions")
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount", compute="_compute_amounts", store=True, tracking=5
    )
    amount_tax = fields.Monetary(string="Taxes", compute="_compute_amounts", store=True)
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amounts", store=True, tracking=4
    )
    invoice_status = fields.Selection(
        INVOICE_STATUSES, string="Invoice Status", compute="_compute_invoice_status", store=True
    )
    invoice_ids = fields.Many2many(
        "account.move", string="Invoices", compute="_compute_invoices", copy=False
    )
    invoice_count = fields.Integer(string="Invoice Count", compute="_compute_invoices")
    amount_invoiced = fields.Monetary(
        string="Already invoiced", compute="_compute_amount_invoiced", currency_field="currency_id"
    )
    amount_to_invoice = fields.Monetary(
        string="Amount to invoice", compute="_compute_amount_invoiced", currency_field="currency_id"
    )
    signed_by = fields.Char(string="Signed By", copy=False)
    signed_on = fields.Datetime(string="Signed On", copy=False)

    @api.depends("partner_id")
    def _compute_partner_addresses(self) -> None:
        for order in self:
            partner = order.partner_id
            order.partner_invoice_id = order._address_of_type(
                partner, "invoice", order.partner_invoice_id
            )
            order.partner_shipping_id = order._address_of_type(
                partner, "delivery", order.partner_shipping_id
            )

    @staticmethod
    def _address_of_type(partner: Any, kind: str, current: Any) -> Any:
        """The customer's address of *kind*; an address already chosen within the same
        customer is kept."""
        if not partner:
            return partner
        commercial = partner.commercial_partner_id
        if current and current.commercial_partner_id == commercial:
            return current
        contacts = commercial.child_ids.filtered(lambda c: c.type == kind)
        return contacts[:1] or partner

    @api.depends("order_line.price_subtotal", "order_line.price_total")
    def _compute_amounts(self) -> None:
        for order in self:
            lines = order.order_line.filtered(lambda line: not line.display_type)
            order.amount_untaxed = round(sum(lines.mapped("price_subtotal")), 2)
            order.amount_total = round(sum(lines.mapped("price_total")), 2)
            order.amount_tax = round(order.amount_total - order.amount_untaxed, 2)

    @api.depends("state", "order_line.qty_invoiced", "order_line.product_uom_qty")
    def _compute_invoice_status(self) -> None:
        for order in self:
            lines = order.order_line.filtered(lambda line: not line.display_type)
            if order.state != "sale" or not lines:
                order.invoice_status = "no"
            elif any(line.qty_invoiced < line.product_uom_qty for line in lines):
                order.invoice_status = "to invoice"
            else:
                order.invoice_status = "invoiced"

    @api.depends("order_line.invoice_lines")
    def _compute_invoices(self) -> None:
        for order in self:
            invoices = order.order_line.mapped("invoice_lines").mapped("move_id")
            order.invoice_ids = invoices
            order.invoice_count = len(invoices)

    @api.depends("order_line.invoice_lines", "amount_total")
    def _compute_amount_invoiced(self) -> None:
        for order in self:
            invoiced = sum(
                line.price_total
                for line in order.order_line.mapped("invoice_lines")
                if line.move_id.state == "posted"
            )
            order.amount_invoiced = round(invoiced, 2)
            order.amount_to_invoice = (
                round(order.amount_total - invoiced, 2) if order.state == "sale" else 0.0
            )

    @api.model_create_multi
    def create(self, vals_list: list[dict[str, Any]]) -> Any:
        sequences = self.env["ir.sequence"]
        for vals in vals_list:
            if vals.get("name", "New") == "New":
                company = vals.get("company_id") or self.env.company.id
                vals["name"] = (
                    sequences.with_company(company).next_by_code(
                        "sale.order", vals.get("date_order")
                    )
                    or "New"
                )
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_draft_or_cancel(self) -> None:
        for order in self:
            if order.state not in ("draft", "cancel"):
                raise UserError(
                    "You can not delete a sent quotation or a confirmed sales order. "
                    "You must first cancel it."
                )

    # -- workflow ------------------------------------------------------------------------------

    def action_confirm(self) -> bool:
        if not all(order.state in ("draft", "sent") for order in self):
            raise UserError(
                "The following orders are not in a state requiring confirmation: "
                + ", ".join(self.mapped("display_name"))
            )
        self.write({"state": "sale", "date_order": fields.Datetime.now()})
        return True

    def action_quotation_sent(self) -> bool:
        if any(order.state != "draft" for order in self):
            raise UserError("Only draft orders can be marked as sent directly.")
        self.write({"state": "sent"})
        return True

    def action_cancel(self) -> Any:
        if any(order.locked for order in self):
            raise UserError("You cannot cancel a locked order. Please unlock it first.")
        # Like Odoo, a confirmed order asks for confirmation through the cancel wizard unless
        # the caller says it already warned the user.
        if not self.env.context.get("disable_cancel_warning") and any(
            order.state != "draft" for order in self
        ):
            return {
                "name": "Cancel Sales Order",
                "view_mode": "form",
                "res_model": "sale.order.cancel",
                "view_id": False,
                "type": "ir.actions.act_window",
                "context": {"default_order_id": self.ids[0] if self.ids else False},
                "target": "new",
            }
        return self._action_cancel()

    def _action_cancel(self) -> bool:
        drafts = self.mapped("invoice_ids").filtered(lambda move: move.state == "draft")
        if drafts:
            drafts.button_cancel()
        self.write({"state": "cancel"})
        return True

    def action_draft(self) -> bool:
        orders = self.filtered(lambda order: order.state in ("cancel", "sent"))
        orders.write({"state": "draft", "signed_by": False, "signed_on": False})
        return True

    def action_lock(self) -> bool:
        for order in self:
            if order.state != "sale":
                raise UserError("Only confirmed orders can be locked.")
        return self.write({"locked": True})

    def action_unlock(self) -> bool:
        return self.write({"locked": False})

    def _create_invoices(self, final: bool = False) -> Any:
        """One draft customer invoice per order for what is left to invoice."""
        moves = self.env["account.move"]
        for order in self:
            lines = order.order_line.filtered(
                lambda line: not line.display_type and line.qty_to_invoice > 0
            )
            if not lines:
                raise UserError(
                    "Cannot create an invoice. No items are available to invoice.\n\n"
                    "To resolve this issue, please ensure that:\n"
                    "   \u2022 The products have been delivered before attempting to invoice "
                    "them.\n"
                    "   \u2022 The invoicing policy of the product is configured correctly.\n\n"
                    "If you want to invoice based on ordered quantities instead:\n"
                    "   \u2022 For consumable or storable products, open the product, go to the "
                    "'General Information' tab and change the 'Invoicing Policy' from "
                    "'Delivered Quantities' to 'Ordered Quantities'.\n"
                    "   \u2022 For services (and other products), change the 'Invoicing Policy' "
                    "to 'Prepaid/Fixed Price'.\n"
                )
            journal = self.env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", order.company_id.id)], limit=1
            )
            move = moves.create(
                {
                    "move_type": "out_invoice",
                    "partner_id": order.partner_invoice_id.id or order.partner_id.id,
                    "journal_id": journal.id,
                    "company_id": order.company_id.id,
                    "currency_id": order.currency_id.id,
                    "invoice_origin": order.name,
                    "invoice_user_id": order.user_id.id,
                    "invoice_payment_term_id": order.payment_term_id.id,
                    "payment_reference": order.reference or order.name,
                    "line_ids": [(0, 0, line._prepare_invoice_line()) for line in lines],
                }
            )
            for line, move_line in zip(lines, move.line_ids, strict=True):
                line.invoice_lines = line.invoice_lines | move_line
            moves |= move
        return moves


class SaleOrderLine(Model):
    _name = "sale.order.line"
    _description = "Sales Order Line"
    _order = "order_id, sequence, id"
    _rec_names_search = ("name", "order_id.name")
    _check_company_auto = True

    order_id = fields.Many2one(
        "sale.order", string="Order Reference", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(string="Sequence", default=10)
    company_id = fields.Many2one(
        "res.company", related="order_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one("res.currency", related="order_id.currency_id")
    order_partner_id = fields.Many2one(
        "res.partner", related="order_id.partner_id", string="Customer"
    )
    salesman_id = fields.Many2one("res.users", related="order_id.user_id", string="Salesperson")
    state = fields.Selection(SALE_STATES, related="order_id.state", string="Order Status")
    display_type = fields.Selection(
        [("line_section", "Section"), ("line_note", "Note")], default=False
    )
    product_id = fields.Many2one("product.product", string="Product", index=True)
    product_template_id = fields.Many2one(
        "product.template", related="product_id.product_tmpl_id", string="Product Template"
    )
    name = fields.Text(
        string="Description", required=True, compute="_compute_name", store=True, readonly=False
    )
    product_uom_qty = fields.Float(string="Quantity", digits=(16, 2), default=1.0)
    # Odoo 19 renamed the line's unit of measure and taxes fields.
    product_uom = fields.Many2one("uom.uom", string="Unit of Measure", until=18)
    product_uom_id = fields.Many2one("uom.uom", string="Unit", since=19)
    tax_id = fields.Many2many("account.tax", string="Taxes", until=18)
    tax_ids = fields.Many2many("account.tax", string="Taxes", since=19)
    price_unit = fields.Float(string="Unit Price", digits=(16, 2), default=0.0)
    discount = fields.Float(string="Discount (%)", digits=(16, 2), default=0.0)
    price_subtotal = fields.Monetary(
        string="Subtotal", compute="_compute_amount", store=True, currency_field="currency_id"
    )
    price_tax = fields.Float(string="Total Tax", compute="_compute_amount", store=True)
    price_total = fields.Monetary(
        string="Total", compute="_compute_amount", store=True, currency_field="currency_id"
    )
    qty_delivered = fields.Float(string="Delivery Quantity", digits=(16, 2), default=0.0)
    invoice_lines = fields.Many2many(
        "account.move.line",
        "sale_order_line_invoice_rel",
        "order_line_id",
        "invoice_line_id",
        string="Invoice Lines",
        copy=False,
    )
    qty_invoiced = fields.Float(
        string="Invoiced Quantity", compute="_compute_qty_invoiced", store=True, digits=(16, 2)
    )
    qty_to_invoice = fields.Float(
        string="Quantity To Invoice", compute="_compute_qty_invoiced", store=True, digits=(16, 2)
    )

    def _taxes(self) -> Any:
        return self.tax_ids if "tax_ids" in self._fields else self.tax_id

    @api.depends("order_id.name", "name", "product_id")
    def _compute_display_name(self) -> None:
        for line in self:
            description = (line.name or "").split("\n", 1)[0] or line.product_id.display_name
            line.display_name = f"{line.order_id.name} - {description}"

    @api.depends("product_id")
    def _compute_name(self) -> None:
        for line in self:
            line.name = line.name or line.product_id.display_name or False

    @api.depends("product_uom_qty", "price_unit", "discount", "tax_id", "tax_ids", "display_type")
    def _compute_amount(self) -> None:
        for line in self:
            if line.display_type:
                line.price_subtotal = line.price_tax = line.price_total = 0.0
                continue
            subtotal, total = line_amounts(
                line.product_uom_qty, line.price_unit, line.discount, line._taxes()
            )
            line.price_subtotal = subtotal
            line.price_total = total
            line.price_tax = round(total - subtotal, 2)

    @api.depends(
        "invoice_lines.quantity", "invoice_lines.move_id.state", "product_uom_qty", "order_id.state"
    )
    def _compute_qty_invoiced(self) -> None:
        for line in self:
            invoiced = sum(
                move_line.quantity
                for move_line in line.invoice_lines
                if move_line.move_id.state != "cancel"
            )
            line.qty_invoiced = invoiced
            line.qty_to_invoice = (
                line.product_uom_qty - invoiced if line.order_id.state == "sale" else 0.0
            )

    def _prepare_invoice_line(self) -> dict[str, Any]:
        uom = self.product_uom_id if "product_uom_id" in self._fields else self.product_uom
        return {
            "display_type": "product",
            "sequence": self.sequence,
            "name": self.name,
            "product_id": self.product_id.id,
            "product_uom_id": uom.id,
            "quantity": self.qty_to_invoice,
            "price_unit": self.price_unit,
            "discount": self.discount,
            "tax_ids": [(6, 0, self._taxes().ids)],
        }


class AccountMoveLineSales(Model):
    _inherit = "account.move.line"

    sale_line_ids = fields.Many2many(
        "sale.order.line",
        "sale_order_line_invoice_rel",
        "invoice_line_id",
        "order_line_id",
        string="Sales Order Lines",
        copy=False,
    )


class ResPartnerSales(Model):
    _inherit = "res.partner"

    sale_order_ids = fields.One2many("sale.order", "partner_id", string="Sales Order")
    sale_order_count = fields.Integer(
        compute="_compute_sale_order_count", string="Sale Order Count"
    )

    @api.depends("sale_order_ids")
    def _compute_sale_order_count(self) -> None:
        for partner in self:
            partner.sale_order_count = len(partner.sale_order_ids)


def models(version: OdooVersion) -> list[type[Model]]:
    return [SaleOrder, SaleOrderLine, AccountMoveLineSales, ResPartnerSales]
