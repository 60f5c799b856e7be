"""Access to records that hang off a document (``model``/``res_model`` + ``res_id``).

Odoo decides in code, not with ``ir.rule``, who may see chatter messages and attachments: they
follow the document they are linked to. :class:`DocumentAccess` answers "may the current user
*operation* document (model, id)?" with one rule evaluation per model, so a search over many
messages stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..exceptions import AccessError
from ..orm.security import check_model_access, rule_filter


class DocumentAccess:
    """The documents the current user may *operation*, asked model by model and cached."""

    def __init__(self, env: Any, operation: str, candidates: dict[str, set[int]]) -> None:
        self.env = env
        self.operation = operation
        self.candidates = candidates  # the ids worth checking, per document model
        self._allowed: dict[str, set[int]] = {}

    @classmethod
    def for_rows(
        cls, env: Any, operation: str, rows: Iterable[dict[str, Any]], model_key: str
    ) -> DocumentAccess:
        candidates: dict[str, set[int]] = {}
        for row in rows:
            model, res_id = row.get(model_key), row.get("res_id")
            if model and res_id:
                candidates.setdefault(model, set()).add(res_id)
        return cls(env, operation, candidates)

    def allows(self, model: Any, res_id: Any) -> bool:
        if not model or not res_id:
            return False
        allowed = self._allowed.get(model)
        if allowed is None:
            allowed = self._allowed[model] = self._allowed_ids(model)
        return res_id in allowed

    def _allowed_ids(self, model: str) -> set[int]:
        if model not in self.env.registry.models:
            return set()
        documents = self.env[model].with_context(active_test=False)
        if not check_model_access(documents, self.operation, raise_exception=False):
            return set()
        rows = self.env.registry.tables[model].rows
        existing = [rid for rid in self.candidates.get(model, ()) if rid in rows]
        return set(rule_filter(documents, self.operation, existing))


def _document_operation(operation: str) -> str:
    """What changing a message or an attachment asks of its document: reading needs read,
    anything else needs write (Odoo's default ``_mail_post_access``)."""
    return "read" if operation == "read" else "write"


def message_filter(messages: Any, operation: str) -> Callable[[int], bool] | None:
    """Odoo's mail.message rule: a user reaches a message they wrote or received (read and
    write only), or one on a document they may read (read) or write (anything else)."""
    if operation == "create":
        return None  # posting is checked against the document when the message is created
    env = messages.env
    registry = env.registry
    rows = registry.tables[messages._name].rows
    partner = env.user.partner_id.id
    recipients = messages._fields["partner_ids"]
    linked, column = registry.relation(recipients).linked, recipients.column1
    personal = operation in ("read", "write") and bool(partner)
    documents = DocumentAccess.for_rows(env, _document_operation(operation), rows.values(), "model")

    def allows(message_id: int) -> bool:
        row = rows.get(message_id)
        if row is None:
            return False
        if personal and (row.get("author_id") == partner or partner in linked(column, message_id)):
            return True
        return documents.allows(row.get("model"), row.get("res_id"))

    return allows


def check_filtered(records: Any, operation: str, allows: Callable[[int], bool] | None) -> None:
    """Refuse *operation* on the records *allows* rejects, with the error Odoo's mail models
    (messages, activities) raise."""
    forbidden = [] if allows is None else [rid for rid in records._ids if not allows(rid)]
    if not forbidden:
        return
    header = (
        "The requested operation cannot be completed due to security restrictions. "
        "Please contact your system administrator.\n\n"
        f"(Document type: {records._description}, Operation: {operation})"
    )
    # Odoo 18 reworded the tail when it moved the check to _make_access_error
    if records.env.version.major < 18:
        raise AccessError(f"{header} - (Records: {forbidden[:6]}, User: {records.env.uid})")
    raise AccessError(f"{header}\n\nRecords: {forbidden[:6]}, User: {records.env.uid}")


def activity_filter(activities: Any, operation: str) -> Callable[[int], bool] | None:
    """Odoo's mail.activity rule for reading: the activity's document must be readable.
    (Changing activities is left to model access here.)"""
    if operation != "read":
        return None
    env = activities.env
    rows = env.registry.tables[activities._name].rows
    documents = DocumentAccess.for_rows(env, "read", rows.values(), "res_model")

    def allows(activity_id: int) -> bool:
        row = rows.get(activity_id)
        return row is not None and documents.allows(row.get("res_model"), row.get("res_id"))

    return allows


def attachment_filter(attachments: Any, operation: str) -> Callable[[int], bool] | None:
    """Odoo's ir.attachment search: attachments of a document the user may not read are
    left out; public ones and those linked to no model stay."""
    if operation != "read":
        return None
    env = attachments.env
    rows = env.registry.tables[attachments._name].rows
    documents = DocumentAccess.for_rows(env, "read", rows.values(), "res_model")

    def allows(attachment_id: int) -> bool:
        row = rows.get(attachment_id)
        if row is None:
            return False
        if not row.get("res_model") or row.get("public"):
            return True
        return documents.allows(row.get("res_model"), row.get("res_id"))

    return allows


def check_attachments(attachments: Any, operation: str) -> None:
    """Odoo's ``ir.attachment.check``: the document's own access decides, with the
    document's own error; field attachments and orphans of other users are system-only."""
    if operation == "create":
        return  # checked against the document when the attachment is created
    env = attachments.env
    rows = env.registry.tables[attachments._name].rows
    system = env.is_system()
    documents: dict[str, set[int]] = {}
    for attachment_id in attachments._ids:
        row = rows.get(attachment_id)
        if row is None or (row.get("public") and operation == "read"):
            continue
        orphan_of_other = not row.get("res_id") and row.get("create_uid") != env.uid
        if not system and (row.get("res_field") or orphan_of_other):
            raise AccessError("Sorry, you are not allowed to access this document.")
        if row.get("res_model") and row.get("res_id"):
            documents.setdefault(row["res_model"], set()).add(row["res_id"])
    for model, ids in documents.items():
        if model not in env.registry.models:
            continue  # the document's module is gone: nothing left to protect
        if model == "res.users" and ids == {env.uid}:
            continue  # users may attach files to themselves (an avatar, a signature)
        records = env[model].browse(tuple(sorted(ids))).exists()
        mode = "write" if operation == "unlink" else operation
        records.check_access_rights(mode)
        records.check_access_rule(mode)
