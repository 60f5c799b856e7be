"""Registry facts: chatter models are concrete (the mixins abstract); rollbacks undo xml ids."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import DB, fresh_service, ref, shared_service

CHATTER_MODELS = (
    "res.partner",
    "sale.order",
    "account.move",
    "crm.lead",
    "project.project",
    "project.task",
)


def test_models_with_chatter_are_concrete_and_mixins_are_not() -> None:
    registry = shared_service("18.0").registry
    for name in CHATTER_MODELS:
        assert not registry.models[name]._abstract, name
        assert name in registry.tables, name
        assert "message_ids" in registry.models[name]._fields, name
    for mixin in ("mail.thread", "mail.activity.mixin"):
        assert registry.models[mixin]._abstract
        assert mixin not in registry.tables


def test_a_rollback_restores_the_xml_ids_an_unlink_dropped() -> None:
    service = fresh_service("18.0")
    registry = service.registry
    target = registry.xmlid_to_res("sale.demo_attachment_1")
    assert target is not None
    env = service.env(DB, ref(service, "base.user_admin"), {})
    with contextlib.suppress(_Boom), registry.transaction():
        env["ir.attachment"].browse(target[1]).unlink()
        assert registry.xmlid_to_res("sale.demo_attachment_1") is None
        registry.load_records("res.partner.category", "test.fresh_tag", {"name": "Fresh"})
        raise _Boom
    assert registry.xmlid_to_res("sale.demo_attachment_1") == target
    assert registry.xmlid_to_res("test.fresh_tag") is None
    assert env["ir.attachment"].browse(target[1]).exists()


class _Boom(Exception):
    pass
