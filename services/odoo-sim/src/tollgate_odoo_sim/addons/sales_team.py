"""Odoo's ``sales_team`` module: sales teams and the tags shared by CRM and Sales."""

from __future__ import annotations

from tollgate_odoo_sim.orm import Model, fields
from tollgate_odoo_sim.versions import OdooVersion


class CrmTeam(Model):
    _name = "crm.team"
    _description = "Sales Team"
    _order = "sequence ASC, create_date DESC, id DESC"

    name = fields.Char(string="Sales Team", required=True, translate=True)
    sequence = fields.Integer(string="Sequence", default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", string="Company", index=True)
    currency_id = fields.Many2one(
        "res.currency", related="company_id.currency_id", string="Currency"
    )
    user_id = fields.Many2one("res.users", string="Team Leader")
    member_ids = fields.Many2many("res.users", string="Salespersons")
    color = fields.Integer(string="Color Index")


class CrmTag(Model):
    _name = "crm.tag"
    _description = "CRM Tag"
    _order = "name"

    name = fields.Char(string="Tag Name", required=True, translate=True)
    color = fields.Integer(string="Color")


def models(version: OdooVersion) -> list[type[Model]]:
    return [CrmTeam, CrmTag]
