"""The few models the ORM engine itself relies on (security and users), declared minimally.

The ``base`` addon extends them with everything a client sees; these declarations only
guarantee the fields the access-rights engine reads: user groups, implied groups, access rows
and record rules, and companies for multi-company rules.
"""

from __future__ import annotations

from . import fields
from .models import Model


class ResCompanyKernel(Model):
    _name = "res.company"
    _description = "Companies"

    name = fields.Char(string="Company Name", required=True)
    user_ids = fields.Many2many(
        "res.users", "res_company_users_rel", "cid", "user_id", string="Accepted Users"
    )


class ResGroupsKernel(Model):
    _name = "res.groups"
    _description = "Access Groups"

    name = fields.Char(required=True)
    implied_ids = fields.Many2many(
        "res.groups", "res_groups_implied_rel", "gid", "hid", string="Inherits"
    )
    users = fields.Many2many(
        "res.users", "res_groups_users_rel", "gid", "uid", string="Users", until=18
    )
    user_ids = fields.Many2many(
        "res.users", "res_groups_users_rel", "gid", "uid", string="Users", since=19
    )


class ResUsersKernel(Model):
    _name = "res.users"
    _description = "User"

    login = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", string="Company")
    company_ids = fields.Many2many(
        "res.company", "res_company_users_rel", "user_id", "cid", string="Companies"
    )
    groups_id = fields.Many2many(
        "res.groups", "res_groups_users_rel", "uid", "gid", string="Groups", until=18
    )
    group_ids = fields.Many2many(
        "res.groups", "res_groups_users_rel", "uid", "gid", string="Groups", since=19
    )
    password = fields.Char(
        compute="_compute_password", inverse="_set_password", copy=False, string="Password"
    )

    def _compute_password(self) -> None:
        for user in self:
            user.password = ""

    def _set_password(self) -> None:
        from .credentials import set_password

        for user in self:
            value = self.env.cache.values.get(("res.users", "password", user.id))
            if value:
                set_password(self.env.registry, int(user.id), str(value))

    def has_group(self, group_ext_id: str) -> bool:
        from .security import has_group

        return has_group(self.env.registry, int(self.id or self.env.uid), group_ext_id)


class IrModelKernel(Model):
    _name = "ir.model"
    _description = "Models"
    _order = "model"

    name = fields.Char(string="Model Description", required=True)
    model = fields.Char(string="Model", required=True)


class IrModelAccess(Model):
    _name = "ir.model.access"
    _description = "Model Access"
    _order = "model_id,group_id,name,id"

    name = fields.Char(required=True, index=True)
    active = fields.Boolean(default=True)
    model_id = fields.Many2one(
        "ir.model", string="Model", required=True, index=True, ondelete="cascade"
    )
    group_id = fields.Many2one("res.groups", string="Group", ondelete="restrict", index=True)
    perm_read = fields.Boolean(string="Read Access")
    perm_write = fields.Boolean(string="Write Access")
    perm_create = fields.Boolean(string="Create Access")
    perm_unlink = fields.Boolean(string="Delete Access")


class IrRule(Model):
    _name = "ir.rule"
    _description = "Record Rule"
    _order = "model_id DESC,id"

    name = fields.Char()
    active = fields.Boolean(default=True)
    model_id = fields.Many2one(
        "ir.model", string="Model", required=True, index=True, ondelete="cascade"
    )
    groups = fields.Many2many("res.groups", "rule_group_rel", "rule_group_id", "group_id")
    domain_force = fields.Text(string="Domain")
    perm_read = fields.Boolean(string="Read", default=True)
    perm_write = fields.Boolean(string="Write", default=True)
    perm_create = fields.Boolean(string="Create", default=True)
    perm_unlink = fields.Boolean(string="Delete", default=True)


KERNEL_MODELS: tuple[type[Model], ...] = (
    ResCompanyKernel,
    ResGroupsKernel,
    ResUsersKernel,
    IrModelKernel,
    IrModelAccess,
    IrRule,
)
