"""Odoo's ``crm`` module: leads and opportunities moving through pipeline stages."""

from __future__ import annotations

from datetime import date
from typing import Any

from tollgate_odoo_sim.exceptions import UserError, ValidationError
from tollgate_odoo_sim.orm import Model, api, fields
from tollgate_odoo_sim.versions import OdooVersion

PRIORITIES = [("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Very High")]


class CrmStage(Model):
    _name = "crm.stage"
    _description = "CRM Stages"
    _order = "sequence, name, id"

    name = fields.Char(string="Stage Name", required=True, translate=True)
    sequence = fields.Integer(string="Sequence", default=1)
    is_won = fields.Boolean(string="Is Won Stage?")
    requirements = fields.Text(string="Requirements")
    team_id = fields.Many2one("crm.team", string="Sales Team", ondelete="set null")
    fold = fields.Boolean(string="Folded in Pipeline")


class CrmLostReason(Model):
    _name = "crm.lost.reason"
    _description = "Opp. Lost Reason"
    _order = "name"

    name = fields.Char(string="Description", required=True, translate=True)
    active = fields.Boolean(default=True)


class CrmLead(Model):
    _name = "crm.lead"
    _description = "Lead/Opportunity"
    _order = "priority desc, id desc"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _check_company_auto = True

    name = fields.Char(string="Opportunity", index=True, required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", string="Company", index=True, default=lambda self: self.env.company
    )
    # crm names the lead's currency field ``company_currency`` (not ``currency_id``)
    company_currency = fields.Many2one(
        "res.currency", related="company_id.currency_id", string="Currency"
    )
    type = fields.Selection(
        [("lead", "Lead"), ("opportunity", "Opportunity")],
        required=True,
        index=True,
        default="opportunity",
    )
    stage_id = fields.Many2one(
        "crm.stage",
        string="Stage",
        index=True,
        tracking=True,
        ondelete="restrict",
        default=lambda self: self.env["crm.stage"].search([], limit=1),
    )
    active = fields.Boolean(string="Active", default=True, tracking=True)
    priority = fields.Selection(PRIORITIES, string="Priority", index=True, default="0")
    tag_ids = fields.Many2many("crm.tag", string="Tags")
    description = fields.Html(string="Notes")
    partner_id = fields.Many2one("res.partner", string="Customer", index=True, tracking=10)
    partner_name = fields.Char(string="Company Name")
    contact_name = fields.Char(string="Contact Name")
    email_from = fields.Char(string="Email", index=True)
    phone = fields.Char(string="Phone")
    # Odoo 19 dropped mobile numbers from contacts and leads.
    mobile = fields.Char(string="Mobile", until=18)
    referred = fields.Char(string="Referred By")
    function = fields.Char(string="Job Position")
    street = fields.Char(string="Street")
    city = fields.Char(string="City")
    zip = fields.Char(string="Zip")
    country_id = fields.Many2one("res.country", string="Country")
    website = fields.Char(string="Website")
    expected_revenue = fields.Monetary(
        string="Expected Revenue", currency_field="company_currency", tracking=True
    )
    prorated_revenue = fields.Monetary(
        string="Prorated Revenue",
        currency_field="company_currency",
        compute="_compute_prorated_revenue",
        store=True,
    )
    recurring_revenue = fields.Monetary(
        string="Recurring Revenues", currency_field="company_currency"
    )
    probability = fields.Float(string="Probability", digits=(16, 2), default=10.0)
    automated_probability = fields.Float(string="Automated Probability", digits=(16, 2))
    date_deadline = fields.Date(string="Expected Closing")
    date_closed = fields.Datetime(string="Closed Date", readonly=True, copy=False)
    date_open = fields.Datetime(
        string="Assignment Date", default=lambda self: fields.Datetime.now()
    )
    date_last_stage_update = fields.Datetime(
        string="Last Stage Update", default=lambda self: fields.Datetime.now()
    )
    lost_reason_id = fields.Many2one("crm.lost.reason", string="Lost Reason", index=True)
    date_conversion = fields.Datetime(string="Conversion Date", readonly=True)
    kanban_state = fields.Selection(
        [
            ("grey", "No next activity planned"),
            ("red", "Next activity late"),
            ("green", "Next activity is planned"),
        ],
        string="Kanban State",
        compute="_compute_kanban_state",
    )
    color = fields.Integer(string="Color Index", default=0)

    def _compute_kanban_state(self) -> None:
        today = date.today()
        for lead in self:
            deadline = lead.activity_date_deadline
            lead.kanban_state = "grey" if not deadline else "green" if deadline >= today else "red"

    @api.constrains("probability")
    def _check_probability(self) -> None:
        for lead in self:
            if not 0 <= (lead.probability or 0.0) <= 100:
                raise ValidationError(
                    "The probability of closing the deal should be between 0% and 100%!"
                )

    @api.depends("expected_revenue", "probability")
    def _compute_prorated_revenue(self) -> None:
        for lead in self:
            lead.prorated_revenue = round(
                (lead.expected_revenue or 0.0) * (lead.probability or 0.0) / 100.0, 2
            )

    def write(self, vals: dict[str, Any]) -> bool:
        # as in Odoo: a stage change is dated, and reaching a won stage wins the lead
        if vals.get("stage_id"):
            vals = dict(vals)
            vals.setdefault("date_last_stage_update", fields.Datetime.now())
            stage = self.env["crm.stage"].browse(vals["stage_id"])
            if stage.exists() and stage.is_won:
                vals.update({"probability": 100.0, "automated_probability": 100.0})
                vals.setdefault("date_closed", fields.Datetime.now())
        return bool(super().write(vals))

    def action_set_won(self) -> bool:
        """Move to the first won stage with a probability of 100 %, as Odoo does."""
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        if not won_stage:
            raise UserError("No stage is marked as won; configure a won stage first.")
        self.action_unarchive()
        self.write(
            {
                "stage_id": won_stage.id,
                "probability": 100.0,
                "date_closed": fields.Datetime.now(),
                "lost_reason_id": False,
            }
        )
        return True

    def action_set_lost(self, **additional_values: Any) -> bool:
        """Archive the leads with a probability of 0 (and, optionally, a lost reason)."""
        values: dict[str, Any] = {
            "active": False,
            "probability": 0.0,
            "date_closed": fields.Datetime.now(),
        }
        values.update(additional_values)
        self.write(values)
        return True

    def action_set_won_rainbowman(self) -> Any:
        self.action_set_won()
        return True

    def toggle_active(self) -> bool:
        archived = self.filtered(lambda lead: not lead.active)
        result = super().toggle_active()
        # Restoring a lost lead resets its probability like Odoo does.
        if archived:
            archived.write({"probability": 10.0, "lost_reason_id": False})
        return result


class ResPartnerCrm(Model):
    _inherit = "res.partner"

    opportunity_ids = fields.One2many("crm.lead", "partner_id", string="Opportunities")
    opportunity_count = fields.Integer(
        string="Opportunity Count", compute="_compute_opportunity_count"
    )

    @api.depends("opportunity_ids")
    def _compute_opportunity_count(self) -> None:
        for partner in self:
            partner.opportunity_count = len(partner.opportunity_ids)


def models(version: OdooVersion) -> list[type[Model]]:
    return [CrmStage, CrmLostReason, CrmLead, ResPartnerCrm]
