"""Odoo's ``base`` module: companies, partners, users, groups, countries, currencies and the
technical ``ir.*`` models clients read (models, fields, modules, attachments, reports)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Any

from tollgate_odoo_sim.exceptions import UserError, ValidationError
from tollgate_odoo_sim.orm import Model, api, fields
from tollgate_odoo_sim.orm.credentials import set_password
from tollgate_odoo_sim.versions import OdooVersion

from .document_access import attachment_filter, check_attachments


def copy_named(records: Any, vals_list: list[dict[str, Any]], default: Any) -> list[dict[str, Any]]:
    """Name duplicates "<name> (copy)" unless the caller chose a name, as Odoo does for the
    models whose copies would otherwise be indistinguishable."""
    if not (default and "name" in default):
        for record, vals in zip(records, vals_list, strict=True):
            vals["name"] = f"{record.name} (copy)"
    return vals_list


def check_document_write(env: Any, vals_list: list[dict[str, Any]], model_key: str) -> None:
    """Messages, activities and attachments of a document need write access to that document
    (Odoo's default ``_mail_post_access``); the superuser and internal code skip this."""
    if env.su:
        return
    for vals in vals_list:
        model, res_id = vals.get(model_key), vals.get("res_id")
        if model and res_id and model in env:
            env[model].browse(res_id).check_access("write")


ADDRESS_TYPES = [
    ("contact", "Contact"),
    ("invoice", "Invoice Address"),
    ("delivery", "Delivery Address"),
    ("other", "Other Address"),
]


class ResCurrency(Model):
    _name = "res.currency"
    _description = "Currency"
    _order = "active desc, name"

    name = fields.Char(string="Currency", required=True, help="Currency Code (ISO 4217)")
    full_name = fields.Char(string="Name")
    symbol = fields.Char(required=True)
    rate = fields.Float(string="Current Rate", digits=(12, 6), default=1.0)
    rounding = fields.Float(string="Rounding Factor", digits=(12, 6), default=0.01)
    decimal_places = fields.Integer(compute="_compute_decimal_places", store=True)
    active = fields.Boolean(default=True)
    position = fields.Selection(
        [("after", "After Amount"), ("before", "Before Amount")],
        string="Symbol Position",
        default="after",
    )
    currency_unit_label = fields.Char(string="Currency Unit")
    currency_subunit_label = fields.Char(string="Currency Subunit")

    @api.depends("rounding")
    def _compute_decimal_places(self) -> None:
        for currency in self:
            rounding = currency.rounding or 0.01
            places = 0
            while rounding < 1 and places < 6:
                rounding *= 10
                places += 1
            currency.decimal_places = places


class ResCountry(Model):
    _name = "res.country"
    _description = "Country"
    _order = "name"

    name = fields.Char(string="Country Name", required=True, translate=True)
    code = fields.Char(
        string="Country Code", required=True, help="The ISO country code in two chars."
    )
    phone_code = fields.Integer(string="Country Calling Code")
    currency_id = fields.Many2one("res.currency", string="Currency")

    @api.constrains("code")
    def _check_code(self) -> None:
        for country in self:
            code = country.code or ""
            if len(code) != 2 or not code.isalpha():
                raise ValidationError("The country code must be a two-letter ISO code.")


class ResPartnerCategory(Model):
    _name = "res.partner.category"
    _description = "Partner Tags"
    _order = "name"
    _parent_name = "parent_id"

    name = fields.Char(string="Name", required=True, translate=True)
    color = fields.Integer(string="Color")
    parent_id = fields.Many2one("res.partner.category", string="Parent Category", index=True)
    child_ids = fields.One2many("res.partner.category", "parent_id", string="Child Tags")
    active = fields.Boolean(default=True)
    partner_ids = fields.Many2many("res.partner", string="Partners")

    @api.depends("name", "parent_id.name")
    def _compute_display_name(self) -> None:
        for category in self:
            names: list[str] = []
            current = category
            while current:
                names.append(current.name or "")
                current = current.parent_id
            category.display_name = " / ".join(reversed(names))


class ResCompany(Model):
    _name = "res.company"
    _description = "Companies"
    _order = "sequence, name"
    _parent_name = "parent_id"

    name = fields.Char(string="Company Name", required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    parent_id = fields.Many2one("res.company", string="Parent Company", index=True)
    child_ids = fields.One2many("res.company", "parent_id", string="Branches")
    partner_id = fields.Many2one("res.partner", string="Partner", required=True)
    currency_id = fields.Many2one("res.currency", string="Currency", required=True)
    email = fields.Char()
    phone = fields.Char()
    website = fields.Char()
    vat = fields.Char(string="Tax ID")
    company_registry = fields.Char(string="Company ID")
    street = fields.Char()
    street2 = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    country_id = fields.Many2one("res.country", string="Country")
    report_header = fields.Html(string="Company Tagline")
    report_footer = fields.Html(string="Report Footer")
    color = fields.Integer()
    user_ids = fields.Many2many("res.users", string="Accepted Users")


class ResPartner(Model):
    _name = "res.partner"
    _description = "Contact"
    _order = "complete_name ASC, id DESC"
    _rec_name = "complete_name"
    _rec_names_search = ("complete_name", "email", "ref", "vat")
    _parent_name = "parent_id"

    name = fields.Char(index=True)
    complete_name = fields.Char(compute="_compute_complete_name", store=True, index=True)
    parent_id = fields.Many2one("res.partner", string="Related Company", index=True)
    parent_name = fields.Char(related="parent_id.name", string="Parent name")
    child_ids = fields.One2many("res.partner", "parent_id", string="Contact")
    ref = fields.Char(string="Reference", index=True)
    lang = fields.Selection(
        [("en_US", "English (US)"), ("fr_FR", "French / Français"), ("de_DE", "German / Deutsch")],
        string="Language",
        default="en_US",
    )
    tz = fields.Selection(
        [
            ("Europe/Brussels", "Europe/Brussels"),
            ("Europe/Paris", "Europe/Paris"),
            ("America/Chicago", "America/Chicago"),
            ("America/New_York", "America/New_York"),
            ("UTC", "UTC"),
        ],
        string="Timezone",
    )
    user_id = fields.Many2one("res.users", string="Salesperson")
    vat = fields.Char(string="Tax ID", index=True)
    website = fields.Char(string="Website Link")
    comment = fields.Html(string="Notes")
    category_id = fields.Many2many("res.partner.category", string="Tags")
    active = fields.Boolean(default=True)
    function = fields.Char(string="Job Position")
    type = fields.Selection(
        ADDRESS_TYPES,
        string="Address Type",
        default="contact",
    )
    street = fields.Char()
    street2 = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    country_id = fields.Many2one("res.country", string="Country", ondelete="restrict")
    country_code = fields.Char(related="country_id.code", string="Country Code")
    email = fields.Char()
    phone = fields.Char()
    # Odoo 19 dropped the separate mobile number from contacts.
    mobile = fields.Char(until=18)
    is_company = fields.Boolean(string="Is a Company", default=False)
    company_type = fields.Selection(
        [("person", "Individual"), ("company", "Company")],
        string="Company Type",
        compute="_compute_company_type",
    )
    company_id = fields.Many2one("res.company", string="Company", index=True)
    company_name = fields.Char(string="Company Name")
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Commercial Entity",
        compute="_compute_commercial_partner",
        store=True,
        index=True,
    )
    commercial_company_name = fields.Char(
        compute="_compute_commercial_company_name", store=True, string="Company Name Entity"
    )
    color = fields.Integer(string="Color Index", default=0)
    user_ids = fields.One2many("res.users", "partner_id", string="Users")
    partner_share = fields.Boolean(
        string="Share Partner",
        compute="_compute_partner_share",
        store=True,
        help="Either customer (not a user), either shared user.",
    )
    employee = fields.Boolean(help="Check this box if this contact is an Employee.")
    barcode = fields.Char(copy=False)

    def copy_data(self, default: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return copy_named(self, super().copy_data(default), default)

    @api.depends("name", "is_company", "parent_id.name", "type")
    def _compute_complete_name(self) -> None:
        for partner in self:
            partner.complete_name = partner._contact_label()

    @api.depends("complete_name")
    def _compute_display_name(self) -> None:
        for partner in self:
            partner.display_name = partner._contact_label()

    def _contact_label(self) -> str:
        # "Company, Contact" for contacts of a company; an unnamed address shows its type.
        own = self.name or ""
        if not own and self.type != "contact":
            own = dict(ADDRESS_TYPES).get(self.type, "")
        if self.parent_id and not self.is_company:
            parent = self.parent_id.name or ""
            return f"{parent}, {own}" if own else parent
        return own

    @api.depends("user_ids.share", "user_ids.active")
    def _compute_partner_share(self) -> None:
        for partner in self:
            users = partner.with_context(active_test=False).user_ids
            partner.partner_share = not users or all(user.share for user in users)

    @api.depends("is_company")
    def _compute_company_type(self) -> None:
        for partner in self:
            partner.company_type = "company" if partner.is_company else "person"

    @api.depends("is_company", "parent_id.commercial_partner_id")
    def _compute_commercial_partner(self) -> None:
        for partner in self:
            if partner.is_company or not partner.parent_id:
                partner.commercial_partner_id = partner
            else:
                partner.commercial_partner_id = partner.parent_id.commercial_partner_id

    @api.depends("company_name", "parent_id.is_company", "commercial_partner_id.name")
    def _compute_commercial_company_name(self) -> None:
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.commercial_company_name = (
                commercial.name if commercial.is_company else partner.company_name or False
            )

    @api.constrains("name", "type")
    def _check_name(self) -> None:
        # Odoo's SQL constraint res_partner_check_name
        for partner in self:
            if partner.type == "contact" and not partner.name:
                raise ValidationError("Contacts require a name")

    @api.constrains("parent_id")
    def _check_parent_id(self) -> None:
        for partner in self:
            seen: set[int] = set()
            current = partner
            while current:
                if current.id in seen:
                    raise ValidationError("You cannot create recursive Partner hierarchies.")
                seen.add(current.id)
                current = current.parent_id


class IrModuleCategory(Model):
    _name = "ir.module.category"
    _description = "Application"
    _order = "name"

    name = fields.Char(string="Name", required=True, translate=True)
    sequence = fields.Integer(string="Sequence")
    description = fields.Text(string="Description")
    parent_id = fields.Many2one("ir.module.category", string="Parent Application", index=True)


class ResGroups(Model):
    _name = "res.groups"
    _description = "Access Groups"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    full_name = fields.Char(compute="_compute_full_name", string="Group Name")
    category_id = fields.Many2one("ir.module.category", string="Application", index=True)
    implied_ids = fields.Many2many("res.groups", string="Inherits")
    comment = fields.Text(translate=True)
    share = fields.Boolean(string="Share Group")
    model_access = fields.One2many("ir.model.access", "group_id", string="Access Controls")
    # Odoo 19 renamed the group's members from ``users`` to ``user_ids``.
    users = fields.Many2many("res.users", string="Users", until=18)
    user_ids = fields.Many2many("res.users", string="Users", since=19)
    all_user_ids = fields.Many2many(
        "res.users",
        string="Users and implied users",
        compute="_compute_all_user_ids",
        since=19,
    )

    def _compute_all_user_ids(self) -> None:
        users = self.env["res.users"].sudo().with_context(active_test=False).search([])
        closures = {user.id: set(user._group_closure().ids) for user in users}
        for group in self:
            members = [uid for uid, group_ids in closures.items() if group.id in group_ids]
            group.all_user_ids = users.browse(members)

    def copy_data(self, default: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return copy_named(self, super().copy_data(default), default)

    @api.depends("name", "category_id.name")
    def _compute_full_name(self) -> None:
        for group in self:
            if group.category_id:
                group.full_name = f"{group.category_id.name} / {group.name}"
            else:
                group.full_name = group.name

    @api.depends("full_name")
    def _compute_display_name(self) -> None:
        for group in self:
            group.display_name = group.full_name


class ResUsers(Model):
    _name = "res.users"
    _description = "User"
    _order = "name, login"

    partner_id = fields.Many2one(
        "res.partner", string="Related Partner", required=True, ondelete="restrict", index=True
    )
    name = fields.Char(related="partner_id.name", readonly=False)
    email = fields.Char(related="partner_id.email", readonly=False)
    login = fields.Char(required=True, help="Used to log into the system")
    password = fields.Char(
        compute="_compute_password",
        inverse="_set_password",
        copy=False,
        help="Keep empty if you don't want the user to be able to connect on the system.",
    )
    active = fields.Boolean(default=True)
    share = fields.Boolean(string="Share User", default=False)
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        required=True,
        default=lambda self: self.env.company,
        help="The default company for this user.",
    )
    company_ids = fields.Many2many(
        "res.company", string="Companies", default=lambda self: self.env.company
    )
    # Odoo 19 renamed ``groups_id`` to ``group_ids``.
    groups_id = fields.Many2many(
        "res.groups", string="Groups", until=18, default=lambda self: self._default_groups()
    )
    group_ids = fields.Many2many(
        "res.groups", string="Groups", since=19, default=lambda self: self._default_groups()
    )
    all_group_ids = fields.Many2many(
        "res.groups",
        string="Groups and implied groups",
        compute="_compute_all_group_ids",
        since=19,
    )
    lang = fields.Selection(related="partner_id.lang", readonly=False)
    tz = fields.Selection(related="partner_id.tz", readonly=False)
    signature = fields.Html(string="Email Signature")
    login_date = fields.Datetime(string="Latest Login", readonly=True)
    notification_type = fields.Selection(
        [("email", "Handle by Emails"), ("inbox", "Handle in Odoo")],
        string="Notification",
        default="email",
        required=True,
    )

    @api.model_create_multi
    def create(self, vals_list: list[dict[str, Any]]) -> Any:
        # Odoo's users inherit their partner (_inherits): a user created without one gets a
        # new contact carrying its name and email.
        partners = self.env["res.partner"].sudo()
        for vals in vals_list:
            if not vals.get("partner_id"):
                partner_vals: dict[str, Any] = {
                    key: vals.pop(key) for key in ("name", "email", "lang", "tz") if key in vals
                }
                partner_vals.setdefault("name", vals.get("login"))
                partner_vals["company_id"] = vals.get("company_id") or self.env.company.id
                vals["partner_id"] = partners.create(partner_vals).id
        return super().create(vals_list)

    def _compute_password(self) -> None:
        for user in self:
            user.password = ""

    def _set_password(self) -> None:
        for user in self:
            if user.password:
                set_password(self.env.registry, user.id, user.password)

    def _default_groups(self) -> Any:
        return self.env.ref("base.group_user", raise_if_not_found=False) or self.env[
            "res.groups"
        ].browse(())

    @api.constrains("login")
    def _check_login(self) -> None:
        for user in self:
            same = (
                self.sudo()
                .with_context(active_test=False)
                .search_count([("login", "=", user.login), ("id", "!=", user.id)])
            )
            if same:
                raise ValidationError("You can not have two users with the same login!")

    def _compute_all_group_ids(self) -> None:
        for user in self:
            user.all_group_ids = user._group_closure()

    def _groups_field(self) -> str:
        return "group_ids" if "group_ids" in self._fields else "groups_id"

    def _group_closure(self) -> Any:
        """The user's groups plus every group they imply, transitively."""
        self.ensure_one()
        pending = self.sudo()[self._groups_field()]
        seen = pending.browse(())
        while pending:
            seen |= pending
            pending = pending.mapped("implied_ids") - seen
        return seen

    def has_group(self, group_ext_id: str) -> bool:
        """Whether the user belongs to the group with this xml id (directly or implied)."""
        if "." not in group_ext_id:
            raise ValueError("External ID must be fully qualified")
        group = self.env.ref(group_ext_id, raise_if_not_found=False)
        if not group:
            return False
        user = self[:1] if self else self.env.user
        return group.id in user._group_closure().ids

    @api.model
    def context_get(self) -> dict[str, Any]:
        """The user's default context; RPC clients (odoorpc, odoo-client-lib, odooly) ask first."""
        user = self.env.user.sudo()
        return {"lang": user.lang or "en_US", "tz": user.tz or False, "uid": self.env.uid}

    @api.constrains("company_id", "company_ids")
    def _check_company(self) -> None:
        for user in self:
            if user.company_id and user.company_id not in user.company_ids:
                raise ValidationError(
                    f"Company {user.company_id.name} is not in the allowed companies for "
                    f"user {user.name} ({', '.join(user.company_ids.mapped('name'))})."
                )


class IrModel(Model):
    _name = "ir.model"
    _description = "Models"
    _order = "model"
    _rec_name = "name"

    name = fields.Char(string="Model Description", required=True, translate=True)
    model = fields.Char(string="Model", required=True)
    info = fields.Text(string="Information")
    field_id = fields.One2many("ir.model.fields", "model_id", string="Fields")
    state = fields.Selection(
        [("manual", "Custom Object"), ("base", "Base Object")], string="Type", default="manual"
    )
    transient = fields.Boolean(string="Transient Model")
    modules = fields.Char(string="In Apps")
    order = fields.Char(string="Order", default="id")


class IrModelFields(Model):
    _name = "ir.model.fields"
    _description = "Fields"
    _order = "name"
    _rec_name = "field_description"

    name = fields.Char(string="Field Name", required=True, index=True)
    complete_name = fields.Char(index=True)
    model = fields.Char(string="Model Name", required=True, index=True)
    model_id = fields.Many2one("ir.model", string="Model", required=True, ondelete="cascade")
    field_description = fields.Char(string="Field Label", required=True, translate=True)
    help = fields.Text(string="Field Help", translate=True)
    ttype = fields.Selection(
        [
            (kind, kind)
            for kind in (
                "binary",
                "boolean",
                "char",
                "date",
                "datetime",
                "float",
                "html",
                "integer",
                "json",
                "many2many",
                "many2one",
                "many2one_reference",
                "monetary",
                "one2many",
                "properties",
                "reference",
                "selection",
                "text",
            )
        ],
        string="Field Type",
        required=True,
    )
    relation = fields.Char(string="Related Model")
    relation_field = fields.Char(string="Relation Field")
    required = fields.Boolean()
    readonly = fields.Boolean()
    store = fields.Boolean(string="Stored", default=True)
    index = fields.Boolean(string="Indexed")
    copied = fields.Boolean(string="Copied")
    related = fields.Char(string="Related Field Definition")
    compute = fields.Text()
    state = fields.Selection(
        [("manual", "Custom Field"), ("base", "Base Field")], string="Type", default="manual"
    )
    modules = fields.Char(string="In Apps")


class IrModuleModule(Model):
    _name = "ir.module.module"
    _description = "Module"
    _order = "application desc, sequence, name"

    name = fields.Char(string="Technical Name", required=True, readonly=True, index=True)
    shortdesc = fields.Char(string="Module Name", readonly=True, translate=True)
    summary = fields.Char(string="Summary", readonly=True, translate=True)
    description = fields.Text(string="Description", readonly=True, translate=True)
    category_id = fields.Many2one("ir.module.category", string="Category", readonly=True)
    author = fields.Char(string="Author", readonly=True, default="Odoo S.A.")
    website = fields.Char(readonly=True)
    latest_version = fields.Char(string="Installed Version", readonly=True)
    installed_version = fields.Char(string="Latest Version", readonly=True)
    sequence = fields.Integer(default=100)
    application = fields.Boolean(string="Application", readonly=True)
    state = fields.Selection(
        [
            ("uninstallable", "Uninstallable"),
            ("uninstalled", "Not Installed"),
            ("installed", "Installed"),
            ("to upgrade", "To be upgraded"),
            ("to remove", "To be removed"),
            ("to install", "To be installed"),
        ],
        string="Status",
        readonly=True,
        default="uninstallable",
        index=True,
    )
    license = fields.Selection(
        [("LGPL-3", "LGPL Version 3"), ("OEEL-1", "Odoo Enterprise Edition License v1.0")],
        string="License",
        default="LGPL-3",
        readonly=True,
    )
    demo = fields.Boolean(string="Demo Data", default=False, readonly=True)
    auto_install = fields.Boolean(string="Automatic Installation")


class IrAttachment(Model):
    _name = "ir.attachment"
    _description = "Attachment"
    _order = "id desc"

    name = fields.Char(string="Name", required=True)
    description = fields.Text(string="Description")
    res_name = fields.Char(string="Resource Name", compute="_compute_res_name")
    res_model = fields.Char(string="Resource Model")
    res_field = fields.Char(string="Resource Field")
    res_id = fields.Integer(string="Resource ID")
    company_id = fields.Many2one("res.company", string="Company")
    type = fields.Selection(
        [("url", "URL"), ("binary", "File")], string="Type", required=True, default="binary"
    )
    url = fields.Char(string="Url")
    public = fields.Boolean(string="Is public document")
    access_token = fields.Char(string="Access Token")
    datas = fields.Binary(string="File Content (base64)")
    mimetype = fields.Char(string="Mime Type", default="application/octet-stream")
    file_size = fields.Integer(string="File Size", compute="_compute_file_size", store=True)
    checksum = fields.Char(string="Checksum/SHA1", compute="_compute_file_size", store=True)

    @api.model_create_multi
    def create(self, vals_list: list[dict[str, Any]]) -> Any:
        check_document_write(self.env, vals_list, "res_model")
        return super().create(vals_list)

    def _linked_access_filter(self, operation: str) -> Callable[[int], bool] | None:
        return attachment_filter(self, operation)

    def _check_linked_access(self, operation: str) -> None:
        check_attachments(self, operation)

    @api.depends("datas")
    def _compute_file_size(self) -> None:
        for attachment in self:
            raw = b""
            if attachment.datas:
                try:
                    raw = base64.b64decode(attachment.datas)
                except (binascii.Error, ValueError):
                    raw = b""
            attachment.file_size = len(raw)
            attachment.checksum = hashlib.sha1(raw).hexdigest() if raw else False

    @api.depends("res_model", "res_id")
    def _compute_res_name(self) -> None:
        for attachment in self:
            name: Any = False
            if attachment.res_model and attachment.res_id and attachment.res_model in self.env:
                record = self.env[attachment.res_model].sudo().browse(attachment.res_id).exists()
                name = record.display_name if record else False
            attachment.res_name = name


class IrActionsReport(Model):
    _name = "ir.actions.report"
    _description = "Report Action"
    _order = "name, id"

    name = fields.Char(string="Action Name", required=True, translate=True)
    type = fields.Char(string="Action Type", default="ir.actions.report")
    model = fields.Char(string="Model Name", required=True)
    model_id = fields.Many2one("ir.model", string="Model")
    report_type = fields.Selection(
        [("qweb-html", "HTML"), ("qweb-pdf", "PDF"), ("qweb-text", "Text")],
        required=True,
        default="qweb-pdf",
    )
    report_name = fields.Char(string="Template Name", required=True)
    report_file = fields.Char(string="Report File")
    print_report_name = fields.Char(string="Printed Report Name")
    binding_model_id = fields.Many2one("ir.model", string="Binding Model")
    binding_type = fields.Selection(
        [("action", "Action"), ("report", "Report")], required=True, default="report"
    )
    attachment_use = fields.Boolean(string="Reload from Attachment")
    attachment = fields.Char(string="Save as Attachment Prefix")
    multi = fields.Boolean(string="On Multiple Doc.")


class IrSequence(Model):
    _name = "ir.sequence"
    _description = "Sequence"
    _order = "name"

    name = fields.Char(required=True)
    code = fields.Char(string="Sequence Code")
    implementation = fields.Selection(
        [("standard", "Standard"), ("no_gap", "No gap")],
        string="Implementation",
        required=True,
        default="standard",
    )
    active = fields.Boolean(default=True)
    prefix = fields.Char(help="Prefix value of the record for the sequence")
    suffix = fields.Char(help="Suffix value of the record for the sequence")
    number_next = fields.Integer(string="Next Number", required=True, default=1)
    number_increment = fields.Integer(string="Step", required=True, default=1)
    padding = fields.Integer(string="Sequence Size", required=True, default=0)
    company_id = fields.Many2one("res.company", string="Company")

    @api.model
    def next_by_code(self, sequence_code: str, sequence_date: Any = None) -> str | bool:
        """The next value of the sequence with this code for the current company, or False."""
        self.check_access_rights("read")
        company = self.env.company.id
        candidates = self.sudo().search(
            [("code", "=", sequence_code), ("company_id", "in", [company, False])]
        )
        if not candidates:
            return False
        own = candidates.filtered(lambda seq: seq.company_id.id == company)
        return str((own or candidates)[:1]._next(sequence_date))

    def next_by_id(self, sequence_date: Any = None) -> str:
        self.check_access_rights("read")
        return str(self[:1].sudo()._next(sequence_date))

    def _next(self, sequence_date: Any = None) -> str:
        self.ensure_one()
        when = fields.Date.to_date(sequence_date) if sequence_date else fields.Date.today()
        number = self.number_next
        self.write({"number_next": number + (self.number_increment or 1)})
        values = {"year": f"{when:%Y}", "month": f"{when:%m}", "day": f"{when:%d}",
                  "y": f"{when:%y}", "range_year": f"{when:%Y}"}  # fmt: skip
        try:
            prefix = (self.prefix or "") % values
            suffix = (self.suffix or "") % values
        except (KeyError, ValueError, TypeError):
            raise UserError(f"Invalid prefix or suffix for sequence '{self.name}'") from None
        return f"{prefix}{number:0{max(self.padding, 0)}d}{suffix}"


class IrRule(Model):
    """The ORM's record rules (``orm/base_models.py``) as the base module labels them."""

    _inherit = "ir.rule"

    name = fields.Char(index=True)
    perm_read = fields.Boolean(string="Apply for Read")
    perm_write = fields.Boolean(string="Apply for Write")
    perm_create = fields.Boolean(string="Apply for Create")
    perm_unlink = fields.Boolean(string="Apply for Delete")

    @api.depends("groups")
    def _compute_global(self) -> None:
        for rule in self:
            rule["global"] = not rule.groups


# ``global`` is a Python keyword, so the field is attached after the class body, as Odoo does.
setattr(
    IrRule,
    "global",
    fields.Boolean(
        string="Global", compute="_compute_global", store=True, help="No group means global."
    ),
)


def models(version: OdooVersion) -> list[type[Model]]:
    return [
        ResCurrency,
        ResCountry,
        ResPartnerCategory,
        ResCompany,
        ResPartner,
        IrModuleCategory,
        ResGroups,
        ResUsers,
        IrModel,
        IrModelFields,
        IrModuleModule,
        IrAttachment,
        IrActionsReport,
        IrSequence,
        IrRule,
    ]
