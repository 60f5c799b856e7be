"""Odoo's ``project`` module: projects, their stages and tasks."""

from __future__ import annotations

from typing import Any

from tollgate_odoo_sim.orm import Model, api, fields
from tollgate_odoo_sim.versions import OdooVersion

from .base import copy_named

TASK_STATES = [
    ("01_in_progress", "In Progress"),
    ("02_changes_requested", "Changes Requested"),
    ("03_approved", "Approved"),
    ("1_done", "Done"),
    ("1_canceled", "Cancelled"),
    ("04_waiting_normal", "Waiting"),
]
CLOSED_STATES = frozenset({"1_done", "1_canceled"})
PROJECT_STATUSES = [
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("off_track", "Off Track"),
    ("on_hold", "On Hold"),
    ("to_define", "Set Status"),
    ("done", "Done"),
]


class ProjectTags(Model):
    _name = "project.tags"
    _description = "Project Tags"
    _order = "name"

    name = fields.Char(string="Name", required=True, translate=True)
    color = fields.Integer(string="Color")


class ProjectTaskType(Model):
    _name = "project.task.type"
    _description = "Task Stage"
    _order = "sequence, id"

    name = fields.Char(string="Name", required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=1)
    fold = fields.Boolean(string="Folded in Kanban")
    project_ids = fields.Many2many("project.project", string="Projects")
    description = fields.Text(translate=True)


class ProjectProject(Model):
    _name = "project.project"
    _description = "Project"
    _order = "sequence, name, id"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _check_company_auto = True

    name = fields.Char(string="Name", index=True, required=True, tracking=True, translate=True)
    description = fields.Html()
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    partner_id = fields.Many2one("res.partner", string="Customer")
    company_id = fields.Many2one(
        "res.company", string="Company", default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency", related="company_id.currency_id", string="Currency"
    )
    user_id = fields.Many2one(
        "res.users", string="Project Manager", default=lambda self: self.env.user, tracking=True
    )
    label_tasks = fields.Char(string="Use Tasks as", default="Tasks", translate=True)
    tasks = fields.One2many("project.task", "project_id", string="Task Activities")
    task_ids = fields.One2many("project.task", "project_id", string="Tasks")
    task_count = fields.Integer(compute="_compute_task_count", string="Task Count")
    type_ids = fields.Many2many("project.task.type", string="Tasks Stages")
    tag_ids = fields.Many2many("project.tags", string="Tags")
    color = fields.Integer(string="Color Index")
    date_start = fields.Date(string="Start Date")
    date = fields.Date(string="Expiration Date", index=True, tracking=True)
    privacy_visibility = fields.Selection(
        [
            ("followers", "Invited internal users"),
            ("employees", "All internal users"),
            ("portal", "Invited portal users and all internal users"),
        ],
        string="Visibility",
        required=True,
        default="portal",
    )
    allow_milestones = fields.Boolean(string="Milestones")
    last_update_status = fields.Selection(
        PROJECT_STATUSES, string="Status", default="to_define", required=True
    )

    def copy_data(self, default: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return copy_named(self, super().copy_data(default), default)

    @api.depends("task_ids.active")
    def _compute_task_count(self) -> None:
        for project in self:
            project.task_count = len(project.task_ids.filtered(lambda task: task.active))


class ProjectTask(Model):
    _name = "project.task"
    _description = "Task"
    _order = "priority desc, sequence, date_deadline asc, id desc"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _check_company_auto = True

    name = fields.Char(string="Title", tracking=True, required=True, index=True)
    description = fields.Html(string="Description")
    active = fields.Boolean(default=True)
    priority = fields.Selection(
        [("0", "Low priority"), ("1", "High priority")], default="0", index=True, string="Priority"
    )
    sequence = fields.Integer(string="Sequence", default=10)
    stage_id = fields.Many2one(
        "project.task.type", string="Stage", index=True, tracking=True, ondelete="restrict"
    )
    tag_ids = fields.Many2many("project.tags", string="Tags")
    state = fields.Selection(
        TASK_STATES, string="Status", required=True, default="01_in_progress", tracking=True
    )
    is_closed = fields.Boolean(compute="_compute_is_closed", store=True, string="Closed State")
    create_date = fields.Datetime(string="Created On", readonly=True)
    date_end = fields.Datetime(string="Ending Date", index=True, copy=False)
    date_assign = fields.Datetime(string="Assigning Date", copy=False, readonly=True)
    date_deadline = fields.Date(string="Deadline", index=True, copy=False, tracking=True)
    date_last_stage_update = fields.Datetime(string="Last Stage Update", index=True, copy=False)
    project_id = fields.Many2one("project.project", string="Project", index=True, tracking=True)
    user_ids = fields.Many2many("res.users", string="Assignees", tracking=True)
    partner_id = fields.Many2one("res.partner", string="Customer")
    company_id = fields.Many2one(
        "res.company", string="Company", default=lambda self: self.env.company
    )
    color = fields.Integer(string="Color Index")
    parent_id = fields.Many2one("project.task", string="Parent Task", index=True)
    child_ids = fields.One2many("project.task", "parent_id", string="Sub-tasks")
    allocated_hours = fields.Float(string="Allocated Time", tracking=True)
    email_cc = fields.Char(help="Email addresses that were in the CC of the incoming emails")

    @api.depends("state")
    def _compute_is_closed(self) -> None:
        for task in self:
            task.is_closed = task.state in CLOSED_STATES


class ProjectTaskDeadline18(Model):
    """Odoo 18 gave task deadlines a time of day."""

    _inherit = "project.task"

    date_deadline = fields.Datetime(string="Deadline", index=True, copy=False)


def models(version: OdooVersion) -> list[type[Model]]:
    task_deadline = [ProjectTaskDeadline18] if version.major >= 18 else []
    return [ProjectTags, ProjectTaskType, ProjectProject, ProjectTask, *task_deadline]
