"""Small models and a registry with users, groups, access rights and rules for the ORM tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tollgate_odoo_sim.exceptions import UserError, ValidationError
from tollgate_odoo_sim.orm import AbstractModel, Model, api, fields
from tollgate_odoo_sim.orm.credentials import add_api_key, set_password
from tollgate_odoo_sim.orm.registry import Registry
from tollgate_odoo_sim.versions import parse_version


class Labelled(AbstractModel):
    _name = "test.labelled"
    _description = "Labelled Mixin"

    label = fields.Char(default="plain")

    def describe(self) -> str:
        return f"{self.ensure_one().label}:{self.display_name}"


class Tag(Model):
    _name = "test.tag"
    _inherit = ("test.labelled",)
    _description = "Test Tag"
    _order = "name"

    name = fields.Char(required=True)


class Partner(Model):
    _name = "test.partner"
    _description = "Test Partner"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    email = fields.Char(copy=False)
    age = fields.Integer()
    score = fields.Float()
    birthday = fields.Date()
    last_seen = fields.Datetime()
    kind = fields.Selection([("person", "Person"), ("company", "Company")], default="person")
    parent_id = fields.Many2one("test.partner", string="Parent")
    child_ids = fields.One2many("test.partner", "parent_id", string="Children")
    tag_ids = fields.Many2many("test.tag", string="Tags")
    company_id = fields.Many2one("res.company", string="Company")
    user_id = fields.Many2one("res.users", string="Owner")
    parent_name = fields.Char(related="parent_id.name", string="Parent Name")
    parent_company_id = fields.Many2one(related="parent_id.company_id")  # comodel inferred
    shout = fields.Char(compute="_compute_shout")
    initial = fields.Char(compute="_compute_initial", search="_search_initial")
    child_count = fields.Integer(compute="_compute_child_count", store=True)
    secret = fields.Char(groups="test.group_manager")
    legacy = fields.Char(until=17)
    modern = fields.Char(since=19)

    @api.depends("name")
    def _compute_shout(self) -> None:
        for partner in self:
            partner.shout = (partner.name or "").upper()

    def _compute_initial(self) -> None:
        for partner in self:
            partner.initial = (partner.name or "")[:1].upper()

    def _search_initial(self, operator: str, value: Any) -> list[Any]:
        if operator != "=":
            raise UserError(f"Unsupported operator {operator!r} for the initial")
        return [("name", "=ilike", f"{value}%")]

    @api.depends("child_ids")
    def _compute_child_count(self) -> None:
        for partner in self:
            partner.child_count = len(partner.child_ids)

    @api.constrains("age")
    def _check_age(self) -> None:
        for partner in self:
            if partner.age < 0:
                raise ValidationError("Age cannot be negative.")


class PartnerExtension(Model):
    _inherit = "test.partner"

    nickname = fields.Char()
    name = fields.Char(string="Full Name")

    def say_hello(self) -> str:
        return f"hello {self.ensure_one().name}"


class Order(Model):
    _name = "test.order"
    _description = "Test Order"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(default="New", copy=False)
    company_id = fields.Many2one("res.company")
    partner_id = fields.Many2one("test.partner", required=True, check_company=True)
    line_ids = fields.One2many("test.order.line", "order_id", copy=True)
    amount = fields.Float(compute="_compute_amount", store=True)
    date = fields.Date()
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Done"), ("cancel", "Cancelled")], default="draft"
    )

    @api.depends("line_ids.price")
    def _compute_amount(self) -> None:
        for order in self:
            order.amount = sum(order.line_ids.mapped("price"))

    def action_confirm(self) -> bool:
        for order in self:
            if order.state == "cancel":
                raise UserError("A cancelled order cannot be confirmed.")
        self.write({"state": "done"})
        return True

    @api.model
    def _secret_helper(self) -> int:
        return 42


class OrderLine(Model):
    _name = "test.order.line"
    _description = "Test Order Line"

    order_id = fields.Many2one("test.order", required=True, ondelete="cascade")
    price = fields.Float()


TEST_MODELS: tuple[type[Model], ...] = (Labelled, Tag, Partner, PartnerExtension, Order, OrderLine)


@dataclass
class World:
    registry: Registry
    admin: int
    user: int  # "demo": user group, own records rule, company 1
    manager: int  # manager group (sees secret fields), both companies
    reader: int  # read-only group
    company1: int
    company2: int

    def env(self, uid: int, **context: Any) -> Any:
        return self.registry.env(uid, context)


API_KEY = "0123456789abcdef0123456789abcdef01234567"


def build_world(series: str = "17.0") -> World:
    registry = Registry(parse_version(series), TEST_MODELS)
    load = registry.load_records
    for name, cls in registry.models.items():
        if not cls._abstract:
            load(
                "ir.model",
                registry.model_xmlid(name),
                {"name": cls._description or name, "model": name},
            )
    c1 = load("res.company", "test.company1", {"name": "Company One"})
    c2 = load("res.company", "test.company2", {"name": "Company Two"})
    g_read = load("res.groups", "test.group_reader", {"name": "Reader"})
    g_user = load(
        "res.groups", "test.group_user", {"name": "User", "implied_ids": [(6, 0, [g_read])]}
    )
    g_manager = load(
        "res.groups", "test.group_manager", {"name": "Manager", "implied_ids": [(4, g_user)]}
    )
    groups_field = "group_ids" if registry.version.major >= 19 else "groups_id"

    def user(xmlid: str, login: str, groups: list[int], companies: list[int]) -> int:
        uid = load(
            "res.users",
            xmlid,
            {
                "login": login,
                "company_id": companies[0],
                "company_ids": [(6, 0, companies)],
                groups_field: [(6, 0, groups)],
            },
        )
        set_password(registry, uid, login)
        return uid

    load("res.users", "test.user_root", {"login": "__system__", "active": False, "company_id": c1})
    admin = user("test.user_admin", "admin", [g_manager], [c1, c2])
    demo = user("test.user_demo", "demo", [g_user], [c1])
    manager = user("test.user_manager", "manager", [g_manager], [c1, c2])
    reader = user("test.user_reader", "reader", [g_read], [c1])
    add_api_key(registry, demo, "test key", API_KEY)

    def access(model: str, group: int, rights: str) -> None:
        model_id = registry.xmlids[registry.model_xmlid(model)][1]
        load(
            "ir.model.access",
            None,
            {
                "name": f"{model} {group}",
                "model_id": model_id,
                "group_id": group,
                "perm_read": "r" in rights,
                "perm_write": "w" in rights,
                "perm_create": "c" in rights,
                "perm_unlink": "u" in rights,
            },
        )

    for model in ("test.partner", "test.tag", "test.order", "test.order.line"):
        access(model, g_read, "r")
        access(model, g_user, "rwc")
        access(model, g_manager, "rwcu")
    for model in ("res.company", "res.users", "res.groups"):
        access(model, g_read, "r")
    access("res.users", g_manager, "rw")
    partner_model = registry.xmlids[registry.model_xmlid("test.partner")][1]
    load(
        "ir.rule",
        "test.rule_partner_company",
        {
            "name": "partner multi-company",
            "model_id": partner_model,
            "domain_force": "['|', ('company_id', '=', False), ('company_id', 'in', company_ids)]",
        },
    )
    load(
        "ir.rule",
        "test.rule_partner_own",
        {
            "name": "own partners",
            "model_id": partner_model,
            "groups": [(6, 0, [g_user])],
            "domain_force": "['|', ('user_id', '=', user.id), ('user_id', '=', False)]",
        },
    )
    load(
        "ir.rule",
        "test.rule_partner_all",
        {
            "name": "all partners",
            "model_id": partner_model,
            "groups": [(6, 0, [g_manager])],
            "domain_force": "[(1, '=', 1)]",
        },
    )
    return World(registry, admin, demo, manager, reader, c1, c2)
