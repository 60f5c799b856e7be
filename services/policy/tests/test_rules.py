"""Table-driven tests of the rule engine: every rule kind, combinations, precedence, bad specs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tollgate.v1 import common_pb2
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import TenantSpecError, parse_tenant_spec
from tollgate_policy.rules import CallFacts, CompiledPolicy, model_specificity, tool_matches

ODOO = {"url": "https://acme.example", "database": "acme"}

BASE_POLICY: dict[str, Any] = {
    "defaultModelAccess": "deny",
    "models": [
        {"model": "res.partner", "allow": ["read", "create", "write"], "denyFields": ["vat"]},
        {"model": "sale.*", "allow": ["read", "write"]},
        {"model": "sale.order", "deny": ["write"], "allow": ["execute"]},
        {"model": "account.move", "allow": ["read"]},
        {"model": "project.*", "allow": ["read", "write", "unlink"]},
        {"model": "project.task", "deny": ["unlink"]},
        {"model": "*", "denyFields": ["password"]},
    ],
    "tools": {
        "allow": [
            "search_*",
            "get_records",
            "create_records",
            "update_records",
            "delete_records",
            "call_method",
        ],
        "deny": ["search_secret"],
        "confirm": ["update_records"],
    },
    "methods": ["action_confirm", "account.move.action_post"],
    "approvals": {
        "tools": ["delete_records"],
        "models": [{"model": "account.move", "operations": ["execute"]}],
        "approvers": ["cfo@acme.example"],
    },
    "ip": {"block": ["203.0.113.0/24"]},
    "connections": [
        {
            "connection": "key:ci-bot",
            "tools": ["search_*"],
            "models": ["res.partner"],
            "ip": {"allow": ["10.0.0.0/8"]},
        },
    ],
}


def compiled(policy: dict[str, Any] | None = None, **access: Any) -> CompiledPolicy:
    spec = parse_tenant_spec(
        {"odoo": ODOO, "policy": policy if policy is not None else BASE_POLICY, "access": access}
    )
    config = compile_tenant("acme", spec, endpoint_base="https://mcp.example", worker_address="w:1")
    return CompiledPolicy.of(config)


def facts(
    tool: str = "search_records",
    model: str = "res.partner",
    operation: str = "read",
    *,
    method: str = "",
    arguments: dict[str, Any] | None = None,
    ip: str = "192.0.2.10",
    connection: str = "oauth:1",
    allowed_tools: tuple[str, ...] = (),
    allowed_models: tuple[str, ...] = (),
) -> CallFacts:
    principal = common_pb2.Principal(
        tenant="acme",
        subject="demo@acme.example",
        connection_id=connection,
        allowed_tools=allowed_tools,
        allowed_models=allowed_models,
    )
    call = common_pb2.ToolCall(
        tool=tool,
        model=model,
        operation=operation,
        method=method,
        arguments_json=json.dumps(arguments or {}).encode(),
    )
    return CallFacts.of(principal, call, ip)


DECISIONS = [
    # (case, facts, outcome, reason, rule)
    ("exact model rule allows", facts(), "allow", "", "policy.models[0] (res.partner)"),
    (
        "write allowed",
        facts("update_records", operation="write"),
        "allow",
        "",
        "policy.models[0] (res.partner)",
    ),
    (
        "unlisted operation falls to default deny",
        facts("delete_records", operation="unlink"),
        "deny",
        "model_operation_denied",
        "policy.defaultModelAccess (deny)",
    ),
    (
        "unlisted model falls to default deny",
        facts(model="hr.employee"),
        "deny",
        "model_operation_denied",
        "policy.defaultModelAccess (deny)",
    ),
    (
        "wildcard allows",
        facts(model="sale.order.line", operation="write", tool="update_records"),
        "allow",
        "",
        "policy.models[1] (sale.*)",
    ),
    (
        "exact deny beats wildcard allow",
        facts("update_records", "sale.order", "write"),
        "deny",
        "model_operation_denied",
        "policy.models[2] (sale.order)",
    ),
    (
        "exact model still inherits wildcard's other operations",
        facts(model="sale.order"),
        "allow",
        "",
        "policy.models[1] (sale.*)",
    ),
    (
        "exact deny of unlink beats wildcard allow",
        facts("delete_records", "project.task", "unlink"),
        "deny",
        "model_operation_denied",
        "policy.models[5] (project.task)",
    ),
    (
        "wildcard unlink elsewhere needs approval (tool)",
        facts("delete_records", "project.project", "unlink"),
        "approval",
        "approval_required",
        "policy.approvals.tools[0]",
    ),
    ("denied tool", facts("search_secret"), "deny", "tool_denied", "policy.tools.deny[0]"),
    (
        "tool not in allow list",
        facts("export_everything"),
        "deny",
        "tool_not_allowed",
        "policy.tools.allow",
    ),
    (
        "method allowed by name",
        facts("call_method", "sale.order", "execute", method="action_confirm"),
        "allow",
        "",
        "policy.models[2] (sale.order)",
    ),
    (
        "method not in allowlist",
        facts("call_method", "sale.order", "execute", method="action_cancel"),
        "deny",
        "method_not_allowed",
        "policy.methods",
    ),
    (
        "private methods never",
        facts("call_method", "sale.order", "execute", method="_write"),
        "deny",
        "method_not_allowed",
        "policy.methods",
    ),
    (
        "execute denied by model before method check",
        facts("call_method", "res.partner", "execute", method="action_confirm"),
        "deny",
        "model_operation_denied",
        "policy.defaultModelAccess (deny)",
    ),
    (
        "writing a denied field",
        facts("update_records", operation="write", arguments={"values": {"vat": "X"}}),
        "deny",
        "field_denied",
        "policy.models denyFields (res.partner)",
    ),
    (
        "filtering on a denied field",
        facts(arguments={"domain": [["vat", "=", "BE1"]]}),
        "deny",
        "field_denied",
        "policy.models denyFields (res.partner)",
    ),
    ("blocked address", facts(ip="203.0.113.7"), "deny", "ip_blocked", "policy.ip.block"),
    (
        "connection: outside its address range",
        facts(connection="key:ci-bot", ip="192.0.2.1"),
        "deny",
        "ip_not_allowed",
        "policy.connections[0].ip.allow",
    ),
    (
        "connection: tool outside its list",
        facts("get_records", connection="key:ci-bot", ip="10.1.2.3"),
        "deny",
        "connection_tool_denied",
        "policy.connections[0].tools",
    ),
    (
        "connection: model outside its list",
        facts(model="sale.order", connection="key:ci-bot", ip="10.1.2.3"),
        "deny",
        "connection_model_denied",
        "policy.connections[0].models",
    ),
    (
        "connection: inside all its limits",
        facts(connection="key:ci-bot", ip="10.1.2.3"),
        "allow",
        "",
        "policy.models[0] (res.partner)",
    ),
    (
        "blocked address beats everything",
        facts(connection="key:ci-bot", ip="203.0.113.7"),
        "deny",
        "ip_blocked",
        "policy.ip.block",
    ),
    (
        "principal's own tool restriction",
        facts(allowed_tools=("get_*",)),
        "deny",
        "connection_tool_denied",
        "connection.tools",
    ),
    (
        "principal's own model restriction",
        facts(allowed_models=("sale.*",)),
        "deny",
        "connection_model_denied",
        "connection.models",
    ),
    (
        "an operation no rule names on a named model",
        facts("call_method", "account.move", "execute", method="action_post"),
        "deny",
        "model_operation_denied",
        "policy.defaultModelAccess (deny)",
    ),
    (
        "an unreadable address fails closed",
        facts(connection="key:ci-bot", ip="unknown"),
        "deny",
        "ip_unknown",
        "policy.ip",
    ),
]


@pytest.mark.parametrize(
    ("case", "call", "outcome", "reason", "rule"), DECISIONS, ids=[d[0] for d in DECISIONS]
)
def test_decisions(case: str, call: CallFacts, outcome: str, reason: str, rule: str) -> None:
    verdict = compiled().decide(call)
    assert (verdict.outcome, verdict.reason_code, verdict.rule) == (outcome, reason, rule)
    if outcome == "deny":
        assert verdict.message.endswith(".")


def test_one_compiled_policy_decides_every_case_in_any_order_as_a_fresh_one() -> None:
    # A compiled policy remembers what its rules say per tool, model, operation and method;
    # the caller's address, connection and arguments must still decide every call anew.
    policy = compiled()
    for _round in range(2):
        for case, call, outcome, reason, rule in [*DECISIONS, *reversed(DECISIONS)]:
            verdict = policy.decide(call)
            assert (verdict.outcome, verdict.reason_code, verdict.rule) == (
                outcome,
                reason,
                rule,
            ), case


def test_obligations_redact_denied_fields_of_every_matching_rule() -> None:
    verdict = compiled().decide(facts(arguments={"fields": ["name", "vat"]}))
    assert verdict.outcome == "allow"
    assert verdict.redact_fields == ("password", "vat")


def test_approval_on_model_operation_names_its_rule_and_approvers() -> None:
    policy = {
        **BASE_POLICY,
        "models": [{"model": "account.move", "allow": ["read", "execute"]}],
    }
    verdict = compiled(policy).decide(
        facts("call_method", "account.move", "execute", method="action_post")
    )
    assert verdict.outcome == "approval"
    assert verdict.rule == "policy.approvals.models[0]"
    assert verdict.approvers == ("cfo@acme.example",)


def test_confirm_and_dry_run_are_obligations_on_writes() -> None:
    verdict = compiled({**BASE_POLICY, "dryRun": True}).decide(
        facts("update_records", operation="write", arguments={"values": {"name": "X"}})
    )
    assert (verdict.outcome, verdict.confirm, verdict.dry_run) == ("allow", True, True)
    read = compiled({**BASE_POLICY, "dryRun": True}).decide(facts())
    assert (read.confirm, read.dry_run) == (False, False)


@pytest.mark.parametrize("operation", ["create", "write", "unlink", "execute"])
def test_read_only_mode_refuses_every_write_even_when_rules_allow_it(operation: str) -> None:
    policy = {
        "defaultModelAccess": "allow",
        "models": [{"model": "res.partner", "allow": ["read", operation]}],
        "methods": ["action_confirm"],
    }
    verdict = compiled(policy, mode="readOnly").decide(
        facts("call_method", operation=operation, method="action_confirm")
    )
    assert (verdict.outcome, verdict.reason_code, verdict.rule) == (
        "deny",
        "read_only",
        "access.mode (readOnly)",
    )
    assert compiled(policy, mode="readOnly").decide(facts()).outcome == "allow"


def test_default_allow_lets_unlisted_models_through() -> None:
    verdict = compiled({"defaultModelAccess": "allow"}).decide(facts(model="hr.employee"))
    assert (verdict.outcome, verdict.rule) == ("allow", "policy.defaultModelAccess (allow)")


def test_a_tool_without_a_model_is_decided_by_tool_rules_only() -> None:
    verdict = compiled().decide(facts("search_models", model="", operation=""))
    assert verdict.outcome == "allow"


def test_filter_tools_hides_what_can_never_run() -> None:
    policy = compiled()
    bot = common_pb2.Principal(tenant="acme", subject="key:ci-bot", connection_id="key:ci-bot")
    user = common_pb2.Principal(tenant="acme", subject="a@acme.example", allowed_tools=["get_*"])
    anyone = common_pb2.Principal(tenant="acme", subject="b@acme.example")
    assert policy.tool_visible(anyone, "delete_records", "unlink")
    assert not policy.tool_visible(anyone, "search_secret", "read")
    assert not policy.tool_visible(anyone, "export_everything", "read")
    assert not policy.tool_visible(bot, "get_records", "read")
    assert policy.tool_visible(bot, "search_records", "read")
    assert not policy.tool_visible(user, "search_records", "read")


@pytest.mark.parametrize(
    ("pattern", "tool", "matches"),
    [
        ("*", "x", True),
        ("search_*", "search_records", True),
        ("search_*", "get", False),
        ("get_records", "get_records", True),
        ("get_records", "get_record", False),
    ],
)
def test_tool_patterns(pattern: str, tool: str, matches: bool) -> None:
    assert tool_matches(pattern, tool) is matches


def test_model_specificity_orders_exact_over_prefix_over_star() -> None:
    exact = model_specificity("sale.order", "sale.order")
    prefix = model_specificity("sale.*", "sale.order")
    assert exact > prefix > model_specificity("*", "sale.order") >= 0
    assert model_specificity("sale.*", "sale") == -1
    assert model_specificity("sale.*", "salesman.x") == -1


INVALID_SPECS = [
    (
        {"models": [{"model": "res.partner", "allow": ["read"], "deny": ["read"]}]},
        "spec.policy.models[0].deny",
    ),
    ({"models": [{"model": "Res Partner", "allow": ["read"]}]}, "spec.policy.models[0].model"),
    ({"models": [{"model": "res.partner", "allow": ["delete"]}]}, "spec.policy.models[0].allow[0]"),
    (
        {"tools": {"allow": ["search_records"], "deny": ["search_records"]}},
        "spec.policy.tools.deny",
    ),
    (
        {
            "tools": {"deny": ["delete_records"]},
            "approvals": {"tools": ["delete_records"], "approvers": ["cfo@acme.example"]},
        },
        "spec.policy.approvals",
    ),
    (
        {
            "models": [{"model": "account.move", "deny": ["unlink"]}],
            "approvals": {
                "models": [{"model": "account.move", "operations": ["unlink"]}],
                "approvers": ["cfo@acme.example"],
            },
        },
        "spec.policy.approvals",
    ),
    ({"approvals": {"tools": ["delete_records"]}}, "spec.policy.approvals.approvers"),
    ({"ip": {"allow": ["10.0.0.0/33"]}}, "spec.policy.ip.allow[0]"),
    ({"ip": {"allow": ["10.0.0.0/8"], "block": ["10.0.0.0/8"]}}, "spec.policy.ip.block"),
    (
        {"connections": [{"connection": "key:a"}, {"connection": "key:a"}]},
        "spec.policy.connections",
    ),
    (
        {"connections": [{"connection": "key:a", "ip": {"block": ["nope"]}}]},
        "spec.policy.connections[0].ip.block[0]",
    ),
    (
        {"rateLimits": {"perUserPerMinute": 100, "perUserPerDay": 10}},
        "spec.policy.rateLimits.perUserPerMinute",
    ),
    ({"rateLimits": {"perTenantPerDay": 0}}, "spec.policy.rateLimits.perTenantPerDay"),
    ({"methods": ["_private"]}, "spec.policy.methods[0]"),
    ({"tools": {"confirm": ["Bad Tool"]}}, "spec.policy.tools.confirm[0]"),
    ({"audit": {"maxRecords": 0}}, "spec.policy.audit.maxRecords"),
    ({"dryRun": "sometimes"}, "spec.policy.dryRun"),
    ({"rateLimit": {}}, "spec.policy.rateLimit"),
]


@pytest.mark.parametrize(("policy", "path"), INVALID_SPECS, ids=[p for _, p in INVALID_SPECS])
def test_invalid_or_contradictory_specs_name_the_field(policy: dict[str, Any], path: str) -> None:
    with pytest.raises(TenantSpecError) as raised:
        parse_tenant_spec({"odoo": ODOO, "policy": policy})
    paths = [problem_path for problem_path, _ in raised.value.problems]
    assert path in paths, raised.value.problems
