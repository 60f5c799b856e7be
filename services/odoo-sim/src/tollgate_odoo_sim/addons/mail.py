"""Odoo's ``mail`` module: the chatter (``mail.thread``: messages, ``message_post``) and
activities (``mail.activity.mixin``: ``activity_schedule``)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from tollgate_odoo_sim.exceptions import UserError, ValidationError
from tollgate_odoo_sim.orm import AbstractModel, Model, api, fields
from tollgate_odoo_sim.versions import OdooVersion

from .base import check_document_write
from .document_access import activity_filter, check_filtered, message_filter

MESSAGE_TYPES = [
    ("email", "Incoming Email"),
    ("comment", "Comment"),
    ("email_outgoing", "Outgoing Email"),
    ("notification", "System notification"),
    ("auto_comment", "Automated Targeted Notification"),
    ("user_notification", "User Specific Notification"),
]
ACTIVITY_STATES = [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")]


class MailMessageSubtype(Model):
    _name = "mail.message.subtype"
    _description = "Message subtypes"
    _order = "sequence, id"

    name = fields.Char(string="Message Type", required=True, translate=True)
    description = fields.Text(string="Description", translate=True)
    internal = fields.Boolean(string="Internal Only")
    res_model = fields.Char(string="Model")
    default = fields.Boolean(string="Default", default=True)
    sequence = fields.Integer(string="Sequence", default=1)
    hidden = fields.Boolean(string="Hidden")


class MailMessage(Model):
    _name = "mail.message"
    _description = "Message"
    _order = "id desc"
    _rec_name = "record_name"

    subject = fields.Char(string="Subject")
    date = fields.Datetime(string="Date", default=lambda self: fields.Datetime.now())
    body = fields.Html(string="Contents", default="")
    preview = fields.Char(string="Preview", compute="_compute_preview")
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")
    parent_id = fields.Many2one("mail.message", string="Parent Message", index=True)
    child_ids = fields.One2many("mail.message", "parent_id", string="Child Messages")
    model = fields.Char(string="Related Document Model", index=True)
    res_id = fields.Integer(string="Related Document ID", index=True)
    record_name = fields.Char(string="Message Record Name", compute="_compute_record_name")
    message_type = fields.Selection(MESSAGE_TYPES, string="Type", required=True, default="email")
    subtype_id = fields.Many2one("mail.message.subtype", string="Subtype", index=True)
    email_from = fields.Char(string="From")
    author_id = fields.Many2one("res.partner", string="Author", index=True)
    partner_ids = fields.Many2many("res.partner", string="Recipients")
    is_internal = fields.Boolean(string="Employee Only")
    message_id = fields.Char(string="Message-Id", copy=False)
    reply_to = fields.Char(string="Reply-To")

    @api.model_create_multi
    def create(self, vals_list: list[dict[str, Any]]) -> Any:
        check_document_write(self.env, vals_list, "model")
        return super().create(vals_list)

    def _linked_access_filter(self, operation: str) -> Callable[[int], bool] | None:
        return message_filter(self, operation)

    def _check_linked_access(self, operation: str) -> None:
        check_filtered(self, operation, message_filter(self, operation))

    @api.depends("body")
    def _compute_preview(self) -> None:
        for message in self:
            text = re.sub(r"<[^>]+>", " ", message.body or "")
            message.preview = " ".join(text.split())[:190]

    @api.depends("model", "res_id")
    def _compute_record_name(self) -> None:
        for message in self:
            message.record_name = _document_name(message.env, message.model, message.res_id)


class MailActivityType(Model):
    _name = "mail.activity.type"
    _description = "Activity Type"
    _order = "sequence, id"

    name = fields.Char(string="Name", required=True, translate=True)
    summary = fields.Char(string="Default Summary", translate=True)
    sequence = fields.Integer(string="Sequence", default=10)
    active = fields.Boolean(default=True)
    delay_count = fields.Integer(string="Schedule", default=0)
    delay_unit = fields.Selection(
        [("days", "days"), ("weeks", "weeks"), ("months", "months")],
        string="Delay units",
        required=True,
        default="days",
    )
    icon = fields.Char(string="Icon")
    decoration_type = fields.Selection(
        [("warning", "Alert"), ("danger", "Error")], string="Decoration Type"
    )
    res_model = fields.Char(string="Model")
    category = fields.Selection(
        [("default", "None"), ("upload_file", "Upload Document"), ("phonecall", "Phonecall")],
        default="default",
        string="Action",
    )
    default_note = fields.Html(string="Default Note", translate=True)


class MailActivity(Model):
    _name = "mail.activity"
    _description = "Activity"
    _order = "date_deadline ASC, id ASC"
    _rec_name = "summary"

    res_model_id = fields.Many2one(
        "ir.model", string="Document Model", index=True, ondelete="cascade", required=True
    )
    res_model = fields.Char(string="Related Document Model", index=True, required=True)
    res_id = fields.Integer(string="Related Document ID", index=True, required=True)
    res_name = fields.Char(string="Document Name", compute="_compute_res_name")
    activity_type_id = fields.Many2one(
        "mail.activity.type", string="Activity Type", ondelete="restrict"
    )
    activity_category = fields.Selection(related="activity_type_id.category")
    icon = fields.Char(related="activity_type_id.icon")
    summary = fields.Char(string="Summary")
    note = fields.Html(string="Note")
    date_deadline = fields.Date(
        string="Due Date", index=True, required=True, default=lambda self: date.today()
    )
    automated = fields.Boolean(string="Automated activity", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Assigned to",
        default=lambda self: self.env.user,
        index=True,
        required=True,
    )
    request_partner_id = fields.Many2one("res.partner", string="Requesting Partner")
    state = fields.Selection(ACTIVITY_STATES, string="State", compute="_compute_state")
    can_write = fields.Boolean(compute="_compute_can_write")

    def _linked_access_filter(self, operation: str) -> Callable[[int], bool] | None:
        return activity_filter(self, operation)

    def _check_linked_access(self, operation: str) -> None:
        check_filtered(self, operation, activity_filter(self, operation))

    @api.model_create_multi
    def create(self, vals_list: list[dict[str, Any]]) -> Any:
        check_document_write(self.env, vals_list, "res_model")
        return super().create(vals_list)

    @api.depends("date_deadline")
    def _compute_state(self) -> None:
        today = date.today()
        for activity in self:
            deadline = activity.date_deadline
            if not deadline:
                activity.state = False
            elif deadline < today:
                activity.state = "overdue"
            elif deadline == today:
                activity.state = "today"
            else:
                activity.state = "planned"

    @api.depends("res_model", "res_id")
    def _compute_res_name(self) -> None:
        for activity in self:
            activity.res_name = _document_name(activity.env, activity.res_model, activity.res_id)

    def _compute_can_write(self) -> None:
        for activity in self:
            activity.can_write = activity.has_access("write")

    def action_done(self) -> bool:
        """Mark as done: post the activity on the document's chatter, then remove it."""
        for activity in self:
            document = activity.env[activity.res_model].browse(activity.res_id)
            if document.exists() and "message_post" in dir(document):
                label = activity.activity_type_id.name or "Activity"
                summary = f": {activity.summary}" if activity.summary else ""
                document.message_post(
                    body=f"<p>{label} done{summary}</p>{activity.note or ''}",
                    message_type="notification",
                    subtype_xmlid="mail.mt_activities",
                )
        self.sudo().unlink()
        return True

    def action_feedback(self, feedback: str = "", attachment_ids: Any = None) -> Any:
        self.action_done()
        return False


def _document_name(env: Any, model: Any, res_id: Any) -> Any:
    if not model or not res_id or model not in env:
        return False
    record = env[model].sudo().browse(res_id).exists()
    return record.display_name if record else False


class MailThread(AbstractModel):
    """The chatter: documents that inherit it carry messages and can be posted on."""

    _name = "mail.thread"
    _description = "Email Thread"

    message_ids = fields.One2many(
        "mail.message", "res_id", string="Messages", compute="_compute_message_ids"
    )
    message_partner_ids = fields.Many2many(
        "res.partner", string="Followers (Partners)", compute="_compute_message_ids"
    )
    message_is_follower = fields.Boolean(string="Is Follower", compute="_compute_message_ids")
    has_message = fields.Boolean(compute="_compute_message_ids")
    message_needaction = fields.Boolean(string="Action Needed", compute="_compute_message_ids")
    message_attachment_count = fields.Integer(
        string="Attachment Count", compute="_compute_message_ids"
    )

    def _compute_message_ids(self) -> None:
        messages = self.env["mail.message"].sudo()
        attachments = self.env["ir.attachment"].sudo()
        for record in self:
            found = messages.search([("model", "=", record._name), ("res_id", "=", record.id)])
            record.message_ids = found
            record.message_partner_ids = found.mapped("author_id")
            record.message_is_follower = self.env.user.partner_id in found.mapped("author_id")
            record.has_message = bool(found)
            record.message_needaction = False
            record.message_attachment_count = attachments.search_count(
                [("res_model", "=", record._name), ("res_id", "=", record.id)]
            )

    def message_post(
        self,
        *,
        body: str = "",
        subject: str | None = None,
        message_type: str = "notification",
        email_from: str | None = None,
        author_id: int | None = None,
        parent_id: int | bool = False,
        subtype_xmlid: str | None = None,
        subtype_id: int | bool = False,
        partner_ids: Any = None,
        attachments: Any = None,
        attachment_ids: Any = None,
        body_is_html: bool = False,
        **kwargs: Any,
    ) -> int:
        """Post a message on one document and return the new ``mail.message`` id (over RPC).

        Like Odoo, posting needs write access to the document, and a plain-text body is escaped:
        only internal users may send HTML, by passing ``body_is_html=True``.
        """
        if not self:
            raise ValueError(
                "Posting a message should be done on a business document. "
                "Use message_notify to send a notification to an user."
            )
        self.ensure_one()
        if message_type not in {key for key, _label in MESSAGE_TYPES}:
            raise ValueError(f"Wrong value for mail.message.message_type: {message_type!r}")
        if message_type == "user_notification":
            raise ValueError("Use message_notify to send a notification to an user.")
        self.check_access("write")
        internal = not self.env.user.share
        html_body = body if body_is_html and internal else _escape(body or "")
        subtype = self._resolve_subtype(subtype_xmlid, subtype_id, message_type)
        author = (
            self.env["res.partner"].browse(author_id) if author_id else self.env.user.partner_id
        )
        values: dict[str, Any] = {
            "body": html_body,
            "subject": subject or False,
            "message_type": message_type,
            "model": self._name,
            "res_id": self.id,
            "author_id": author.id,
            "email_from": email_from or author.email or False,
            "parent_id": parent_id or False,
            "subtype_id": subtype.id,
            "partner_ids": [(6, 0, _as_ids(partner_ids))],
            "is_internal": bool(subtype.internal),
        }
        message = self.env["mail.message"].sudo().create(values)
        linked = _as_ids(attachment_ids)
        for name, content in attachments or ():
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": name,
                        "datas": _to_base64(content),
                        "res_model": self._name,
                        "res_id": self.id,
                    }
                )
            )
            linked.append(attachment.id)
        if linked:
            message.write({"attachment_ids": [(6, 0, linked)]})
        return int(message.id)

    def _resolve_subtype(self, xmlid: str | None, subtype_id: int | bool, message_type: str) -> Any:
        subtypes = self.env["mail.message.subtype"].sudo()
        if subtype_id:
            return subtypes.browse(subtype_id)
        if not xmlid:
            xmlid = "mail.mt_comment" if message_type == "comment" else "mail.mt_note"
        if "." not in xmlid:
            xmlid = f"mail.{xmlid}"
        try:
            return self.env.ref(xmlid)
        except ValueError:
            raise ValueError(f"External ID not found in the system: {xmlid}") from None

    def message_subscribe(self, partner_ids: Any = None, subtype_ids: Any = None) -> bool:
        self.check_access("read")
        return True

    def message_unsubscribe(self, partner_ids: Any = None) -> bool:
        self.check_access("read")
        return True


class MailActivityMixin(AbstractModel):
    """Documents that can carry planned activities."""

    _name = "mail.activity.mixin"
    _description = "Activity Mixin"

    activity_ids = fields.One2many(
        "mail.activity", "res_id", string="Activities", compute="_compute_activities"
    )
    activity_state = fields.Selection(
        ACTIVITY_STATES, string="Activity State", compute="_compute_activities"
    )
    activity_user_id = fields.Many2one(
        "res.users", string="Responsible User", compute="_compute_activities"
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type", string="Next Activity Type", compute="_compute_activities"
    )
    activity_date_deadline = fields.Date(
        string="Next Activity Deadline", compute="_compute_activities"
    )
    activity_summary = fields.Char(string="Next Activity Summary", compute="_compute_activities")
    activity_exception_decoration = fields.Selection(
        [("warning", "Alert"), ("danger", "Error")],
        string="Activity Exception Decoration",
        compute="_compute_activities",
    )
    my_activity_date_deadline = fields.Date(
        string="My Activity Deadline", compute="_compute_activities"
    )

    def _compute_activities(self) -> None:
        activities = self.env["mail.activity"].sudo()
        for record in self:
            found = activities.search(
                [("res_model", "=", record._name), ("res_id", "=", record.id)],
                order="date_deadline ASC, id ASC",
            )
            first = found[:1]
            record.activity_ids = found
            states = set(found.mapped("state"))
            record.activity_state = next(
                (state for state in ("overdue", "today", "planned") if state in states), False
            )
            record.activity_user_id = first.user_id
            record.activity_type_id = first.activity_type_id
            record.activity_date_deadline = first.date_deadline if first else False
            record.activity_summary = first.summary if first else False
            record.activity_exception_decoration = False
            mine = found.filtered(lambda act: act.user_id.id == self.env.uid)[:1]
            record.my_activity_date_deadline = mine.date_deadline if mine else False

    def activity_schedule(
        self,
        act_type_xmlid: str = "",
        date_deadline: Any = None,
        summary: str = "",
        note: str = "",
        **act_values: Any,
    ) -> Any:
        """Schedule an activity on each record; returns the new activities (ids over RPC)."""
        if self.env.context.get("mail_activity_automation_skip"):
            return False
        activity_type = self._activity_type(
            act_type_xmlid, act_values.pop("activity_type_id", None)
        )
        if date_deadline is None or date_deadline is False:
            date_deadline = date.today() + timedelta(days=activity_type.delay_count or 0)
        else:
            parsed = fields.Date.to_date(date_deadline)
            if not parsed:
                raise ValidationError(f"Invalid date: {date_deadline!r}")
            date_deadline = parsed
        model = self.env["ir.model"].sudo().search([("model", "=", self._name)], limit=1)
        # scheduling on a document needs the right to change it, as in Odoo
        self.check_access("write")
        created = self.env["mail.activity"]
        for record in self:
            values: dict[str, Any] = {
                "res_model": record._name,
                "res_model_id": model.id,
                "res_id": record.id,
                "activity_type_id": activity_type.id,
                "summary": summary or activity_type.summary or False,
                "note": note or activity_type.default_note or False,
                "date_deadline": date_deadline,
                "automated": True,
            }
            values.update(act_values)
            created |= self.env["mail.activity"].sudo().create(values)
        return created.with_env(self.env)

    def _activity_type(self, xmlid: str, type_id: Any) -> Any:
        types = self.env["mail.activity.type"].sudo()
        if type_id:
            found = types.browse(type_id).exists()
            if not found:
                raise UserError(f"The activity type {type_id} does not exist.")
            return found
        if xmlid:
            try:
                return self.env.ref(xmlid)
            except ValueError:
                raise ValueError(f"External ID not found in the system: {xmlid}") from None
        default = types.search([("res_model", "in", [False, self._name])], limit=1)
        if not default:
            raise UserError("No activity type is configured.")
        return default

    def activity_unlink(self, act_type_xmlids: Any, user_id: int | None = None) -> None:
        xmlids = [act_type_xmlids] if isinstance(act_type_xmlids, str) else list(act_type_xmlids)
        type_ids = [self.env.ref(xmlid).id for xmlid in xmlids]
        domain: list[Any] = [
            ("res_model", "=", self._name),
            ("res_id", "in", self.ids),
            ("activity_type_id", "in", type_ids),
        ]
        if user_id:
            domain.append(("user_id", "=", user_id))
        self.env["mail.activity"].sudo().search(domain).unlink()


def _as_ids(values: Any) -> list[int]:
    if not values:
        return []
    if hasattr(values, "ids"):
        return list(values.ids)
    ids: list[int] = []
    for value in values:
        if isinstance(value, list | tuple) and value and value[0] == 6:
            ids.extend(value[2])
        elif isinstance(value, list | tuple) and value and value[0] == 4:
            ids.append(value[1])
        elif isinstance(value, int) and not isinstance(value, bool):
            ids.append(value)
        else:
            raise ValueError(f"Invalid partner or attachment reference: {value!r}")
    return ids


def _escape(text: str) -> str:
    """Escape text for an HTML body the way ``markupsafe.escape`` does."""
    return (
        text.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _to_base64(content: Any) -> str:
    raw = content.encode() if isinstance(content, str) else bytes(content)
    return base64.b64encode(raw).decode()


class ResPartnerChatter(Model):
    _inherit = ("res.partner", "mail.thread", "mail.activity.mixin")


def models(version: OdooVersion) -> list[type[Model]]:
    return [
        MailMessageSubtype,
        MailMessage,
        MailActivityType,
        MailActivity,
        MailThread,
        MailActivityMixin,
        ResPartnerChatter,
    ]
