"""Business models that inherit the abstract chatter mixins stay real models with tables."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import shared_service

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
