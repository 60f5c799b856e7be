"""Table-driven tests of tools/list visibility: a tool is shown only when its tool and connection
rules allow it and its operation could be allowed on at least one model; and never a tool every
call of which `decide` would refuse."""

from __future__ import annotations

from typing import Any

import pytest
from tollgate.v1 import common_pb2
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_policy.rules import CallFacts, CompiledPolicy, witness_models

ODOO = {"url": "https://acme.example", "database": "acme"}

# The catalog's tools and the operation each performs (as the front declares them).
TOOLS = {
    "search_records": "read",
    "create_records": "create",
    "update_records": "write",
    "delete_records": "unlink",
    "call_method": "execute",
    "post_message": "write",
}
WRITE_TOOLS = {name for name, operation in TOOLS.items() if operation != "read"}
EVERY_TOOL = set(TOOLS)


def compiled(policy: dict[str, Any], mode: str = "readWrite") -> CompiledPolicy:
    spec = parse_tenant_spec({"odoo": ODOO, "policy": policy, "access": {"mode": mode}})
    config = compile_tenant("acme", spec, endpoint_base="https://mcp.example", worker_address="w:1")
    return CompiledPolicy.of(config)


def caller(connection: str = "oauth:1", **restrictions: list[str]) -> common_pb2.Principal:
    return common_pb2.Principal(
        tenant="acme", subject="demo@acme.example", connection_id=connection, **restrictions
    )


ALLOW_ALL: dict[str, Any] = {"defaultModelAccess": "allow", "methods": ["action_confirm"]}

CASES: list[tuple[str, dict[str, Any], str, common_pb2.Principal, set[str]]] = [
    ("read-write, everything allowed", ALLOW_ALL, "readWrite", caller(), EVERY_TOOL),
    ("read-only tenant", ALLOW_ALL, "readOnly", caller(), {"search_records"}),
    (
        "read-only tenant whose rules allow writes",
        {
            "defaultModelAccess": "allow",
            "models": [{"model": "res.partner", "allow": ["read", "create", "write", "unlink"]}],
            "methods": ["res.partner.action_archive"],
        },
        "readOnly",
        caller(),
        {"search_records"},
    ),
    (
        "default deny, no rule",
        {"defaultModelAccess": "deny"},
        "readWrite",
        caller(),
        set(),
    ),
    (
        "default read-only by rule, one writable model",
        {
            "defaultModelAccess": "deny",
            "models": [
                {"model": "*", "allow": ["read"]},
                {"model": "res.partner", "allow": ["write"]},
            ],
        },
        "readWrite",
        caller(),
        {"search_records", "update_records", "post_message"},
    ),
    (
        "deny on '*' wins over an allow on '*'",
        {
            "defaultModelAccess": "allow",
            "models": [{"model": "*", "deny": ["unlink", "create"]}],
            "methods": ["action_confirm"],
        },
        "readWrite",
        caller(),
        EVERY_TOOL - {"delete_records", "create_records"},
    ),
    (
        "a more specific allow beats a deny on '*'",
        {
            "defaultModelAccess": "allow",
            "models": [
                {"model": "*", "deny": ["unlink"]},
                {"model": "project.*", "allow": ["unlink"]},
            ],
        },
        "readWrite",
        caller(),
        EVERY_TOOL - {"call_method"},
    ),
    (
        "an allow on a prefix every model of which is denied exactly",
        {
            "defaultModelAccess": "deny",
            "models": [
                {"model": "*", "allow": ["read"]},
                {"model": "sale.*", "allow": ["unlink"]},
                {"model": "sale.order", "deny": ["unlink"]},
            ],
        },
        "readWrite",
        caller(),
        # sale.order.line and any other sale.* model may still be deleted.
        {"search_records", "delete_records"},
    ),
    (
        "the caller's allowed models hold only a read-only model",
        {
            "defaultModelAccess": "deny",
            "models": [
                {"model": "res.partner", "allow": ["read"]},
                {"model": "project.task", "allow": ["read", "write"]},
            ],
        },
        "readWrite",
        caller(allowed_models=["res.partner"]),
        {"search_records"},
    ),
    (
        "the caller's allowed models hold a writable one",
        {
            "defaultModelAccess": "deny",
            "models": [
                {"model": "res.partner", "allow": ["read"]},
                {"model": "project.*", "allow": ["read", "write"]},
            ],
        },
        "readWrite",
        caller(allowed_models=["project.task"]),
        {"search_records", "update_records", "post_message"},
    ),
    (
        "a connection rule restricts tools and models",
        {
            "defaultModelAccess": "allow",
            "models": [{"model": "account.*", "deny": ["write", "create", "unlink"]}],
            "methods": ["action_confirm"],
            "connections": [
                {
                    "connection": "key:bot",
                    "tools": ["search_*", "update_*"],
                    "models": ["account.*"],
                }
            ],
        },
        "readWrite",
        caller("key:bot"),
        {"search_records"},
    ),
    (
        "tool rules still hide tools",
        {**ALLOW_ALL, "tools": {"allow": ["*"], "deny": ["delete_records"]}},
        "readWrite",
        caller(allowed_tools=["search_*", "delete_*", "call_*"]),
        {"search_records", "call_method"},
    ),
    (
        "execute without any allowed method",
        {"defaultModelAccess": "allow"},
        "readWrite",
        caller(),
        EVERY_TOOL - {"call_method"},
    ),
    (
        "execute allowed only where no rule allows it",
        {
            "defaultModelAccess": "deny",
            "models": [
                {"model": "sale.order", "allow": ["read", "execute"]},
                {"model": "account.move", "allow": ["read"]},
            ],
            "methods": ["account.move.action_post"],
        },
        "readWrite",
        caller(),
        {"search_records"},
    ),
    (
        "execute with a method on a model that allows it",
        {
            "defaultModelAccess": "deny",
            "models": [{"model": "sale.*", "allow": ["read", "execute"]}],
            "methods": ["sale.order.action_confirm"],
        },
        "readWrite",
        caller(),
        {"search_records", "call_method"},
    ),
    (
        "execute with a bare method and a model that allows it",
        {
            "defaultModelAccess": "deny",
            "models": [{"model": "sale.order", "allow": ["execute"]}],
            "methods": ["action_confirm"],
        },
        "readWrite",
        caller(),
        {"call_method"},
    ),
    (
        "execute method's model outside the caller's allowed models",
        {"defaultModelAccess": "allow", "methods": ["sale.order.action_confirm"]},
        "readWrite",
        caller(allowed_models=["res.partner"]),
        EVERY_TOOL - {"call_method"},
    ),
]


@pytest.mark.parametrize(
    ("policy", "mode", "principal", "visible"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_visible_tools(
    policy: dict[str, Any], mode: str, principal: common_pb2.Principal, visible: set[str]
) -> None:
    compiled_policy = compiled(policy, mode)
    shown = {
        tool
        for tool, operation in TOOLS.items()
        if compiled_policy.tool_visible(principal, tool, operation)
    }
    assert shown == visible


# Models a decision could meet, for checking visibility against `decide` itself.
SAMPLE_MODELS = (
    "res.partner",
    "res.users",
    "sale.order",
    "sale.order.line",
    "account.move",
    "account.payment",
    "project.task",
    "project.project",
    "hr.employee",
    "crm.lead",
)


@pytest.mark.parametrize(
    ("policy", "mode", "principal"),
    [case[1:4] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_hidden_tool_is_refused_on_every_model(
    policy: dict[str, Any], mode: str, principal: common_pb2.Principal
) -> None:
    compiled_policy = compiled(policy, mode)
    methods = [m.rpartition(".")[2] for m in compiled_policy.config.policy.methods]
    for tool, operation in TOOLS.items():
        allowed_somewhere = any(
            compiled_policy.decide(
                CallFacts(
                    tool=tool,
                    model=model,
                    operation=operation,
                    method=method,
                    client_ip="192.0.2.1",
                    connection_id=principal.connection_id,
                    subject=principal.subject,
                    allowed_tools=tuple(principal.allowed_tools),
                    allowed_models=tuple(principal.allowed_models),
                )
            ).outcome
            != "deny"
            for model in SAMPLE_MODELS
            for method in (methods or [""])
        )
        if allowed_somewhere:
            assert compiled_policy.tool_visible(principal, tool, operation), tool


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ([], ["x_unnamed0"]),
        (["*"], ["x_unnamed0"]),
        (["res.partner"], ["res.partner", "x_unnamed0"]),
        (["sale.*", "sale.order"], ["sale.order", "x_unnamed0", "sale.x_unnamed0"]),
        # A fresh name is never one of the exact names.
        (["x_unnamed0", "sale.*"], ["x_unnamed0", "x_unnamed1", "sale.x_unnamed0"]),
        (
            ["sale.*", "sale.order.*", "x_unnamed0.*"],
            ["x_unnamed0", "sale.x_unnamed0", "sale.order.x_unnamed0", "x_unnamed0.x_unnamed0"],
        ),
    ],
)
def test_witness_models(patterns: list[str], expected: list[str]) -> None:
    assert witness_models(patterns) == expected
