"""Chatter and attachments follow their document's access, like Odoo's mail.message/ir.attachment.

Odoo lets a user see a message when they wrote it, received it, or may read the document it is
posted on; an attachment linked to a document needs the matching access on that document.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import fresh_service, login, ref, rolled_back, shared_service
from tollgate_odoo_sim.exceptions import AccessError
from tollgate_odoo_sim.service import OdooService


def _messages_on(service: OdooService, xmlid: str) -> list[int]:
    order = ref(service, xmlid)
    admin = login(service, "admin")
    return admin("mail.message", "search", [("model", "=", "sale.order"), ("res_id", "=", order)])


@pytest.mark.parametrize("version", ["17.0", "18.0", "19.0"])
def test_search_hides_messages_of_documents_the_user_cannot_read(version: str) -> None:
    service = shared_service(version)
    chicago = login(service, "chicago")
    hidden = _messages_on(service, "sale.sale_order_1")
    assert hidden, "demo data posts messages on sale_order_1"
    visible = chicago("mail.message", "search", [])
    assert not set(hidden) & set(visible)
    assert chicago("mail.message", "search_count", [("id", "in", hidden)]) == 0
    assert chicago("mail.message", "search_read", [("id", "in", hidden)], ["body"]) == []
    # the administrator still sees every message
    admin = login(service, "admin")
    assert set(hidden) <= set(admin("mail.message", "search", []))


@pytest.mark.parametrize("version", ["17.0", "18.0"])
def test_reading_a_hidden_message_is_refused_with_odoos_error(version: str) -> None:
    service = shared_service(version)
    chicago = login(service, "chicago")
    hidden = _messages_on(service, "sale.sale_order_1")
    with pytest.raises(AccessError) as denied:
        chicago("mail.message", "read", hidden[:1], ["body"])
    header = (
        "The requested operation cannot be completed due to security restrictions. "
        "Please contact your system administrator.\n\n(Document type: Message, Operation: read)"
    )
    if version == "17.0":
        expected = f"{header} - (Records: {hidden[:1]}, User: {chicago.uid})"
    else:
        expected = f"{header}\n\nRecords: {hidden[:1]}, User: {chicago.uid}"
    assert str(denied.value) == expected


def test_authors_read_their_own_messages_even_without_the_document() -> None:
    service = fresh_service("18.0")
    admin, demo = login(service, "admin"), login(service, "demo")
    order = ref(service, "sale.sale_order_1")
    message = admin(
        "mail.message",
        "create",
        {
            "model": "sale.order",
            "res_id": order,
            "body": "<p>for demo</p>",
            "author_id": demo("res.users", "read", [demo.uid], ["partner_id"])[0]["partner_id"][0],
        },
    )
    chicago = login(service, "chicago")
    assert message not in chicago("mail.message", "search", [])
    assert message in demo("mail.message", "search", [("id", "=", message)])
    assert demo("mail.message", "read", [message], ["body"])[0]["body"] == "<p>for demo</p>"


def test_recipients_read_messages_addressed_to_them() -> None:
    service = fresh_service("18.0")
    admin, chicago = login(service, "admin"), login(service, "chicago")
    partner = chicago("res.users", "read", [chicago.uid], ["partner_id"])[0]["partner_id"][0]
    message = admin(
        "mail.message",
        "create",
        {
            "model": "sale.order",
            "res_id": ref(service, "sale.sale_order_1"),
            "body": "<p>cc chicago</p>",
            "partner_ids": [(6, 0, [partner])],
        },
    )
    assert message in chicago("mail.message", "search", [])
    assert chicago("mail.message", "read", [message], ["body"])[0]["body"] == "<p>cc chicago</p>"


def test_writing_or_deleting_a_hidden_message_is_refused() -> None:
    service = shared_service("18.0")
    chicago = login(service, "chicago")
    hidden = _messages_on(service, "sale.sale_order_1")
    with rolled_back(service), pytest.raises(AccessError):
        chicago("mail.message", "write", hidden[:1], {"body": "<p>x</p>"})


def test_attachments_follow_their_document() -> None:
    service = shared_service("18.0")
    chicago, admin = login(service, "chicago"), login(service, "admin")
    attachment = ref(service, "sale.demo_attachment_1")
    assert attachment in admin("ir.attachment", "search", [])
    assert attachment not in chicago("ir.attachment", "search", [])
    assert chicago("ir.attachment", "search_count", [("id", "=", attachment)]) == 0
    with pytest.raises(AccessError) as denied:
        chicago("ir.attachment", "read", [attachment], ["name"])
    # the document's own refusal, as Odoo checks the attachment through its document
    assert "Sales Order (sale.order)" in str(denied.value)
    with rolled_back(service), pytest.raises(AccessError):
        chicago("ir.attachment", "write", [attachment], {"name": "renamed.txt"})


def test_attachment_changes_need_write_access_on_the_document() -> None:
    service = shared_service("18.0")
    viewer, admin = login(service, "viewer"), login(service, "admin")
    attachment = ref(service, "sale.demo_attachment_1")
    # a read-only user reads the attachment of an order they may read ...
    assert (
        viewer("ir.attachment", "read", [attachment], ["name"])[0]["name"]
        == (admin("ir.attachment", "read", [attachment], ["name"])[0]["name"])
    )
    # ... but may not change it, since that changes the order
    with rolled_back(service), pytest.raises(AccessError):
        viewer("ir.attachment", "unlink", [attachment])


@pytest.mark.parametrize("version", ["17.0", "19.0"])
def test_activities_of_documents_the_user_cannot_read_are_hidden(version: str) -> None:
    service = shared_service(version)
    chicago, admin = login(service, "chicago"), login(service, "admin")
    order = ref(service, "sale.sale_order_3")
    hidden = admin(
        "mail.activity", "search", [("res_model", "=", "sale.order"), ("res_id", "=", order)]
    )
    assert hidden, "demo data schedules an activity on sale_order_3"
    assert not set(hidden) & set(chicago("mail.activity", "search", []))
    assert chicago("mail.activity", "search_count", [("id", "in", hidden)]) == 0
    with pytest.raises(AccessError) as denied:
        chicago("mail.activity", "read", hidden[:1], ["summary"])
    assert "(Document type: Activity, Operation: read)" in str(denied.value)
