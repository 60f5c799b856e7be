from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from tollgate.v1 import common_pb2, policy_pb2, policy_pb2_grpc
from tollgate_common.errors import ErrorCode, TollgateError, from_rpc_error
from tollgate_common.stores import InMemoryStore, StoreUnavailable
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_policy.audit import audit_stream
from tollgate_policy.config import Settings
from tollgate_policy.server import create_registry, create_server
from tollgate_policy.servicer import MAX_OUTCOMES


@pytest.fixture
def tenants_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "tenants"
    directory.mkdir()
    spec = parse_tenant_spec(
        {
            "odoo": {"url": "https://acme.example", "database": "acme"},
            "policy": {"models": [{"model": "res.partner", "allow": ["read"]}]},
        }
    )
    config = compile_tenant(
        "acme", spec, endpoint_base="http://127.0.0.1:8000", worker_address="127.0.0.1:50061"
    )
    (directory / "acme.json").write_text(config.to_json())
    return directory


class Policy:
    def __init__(self, stub: policy_pb2_grpc.PolicyServiceStub, store: InMemoryStore) -> None:
        self.stub = stub
        self.store = store


@pytest.fixture
async def policy(tenants_dir: Path) -> AsyncIterator[Policy]:
    settings = Settings(tenants_dir=tenants_dir, port=0)
    store = InMemoryStore()
    registry = create_registry(settings)
    await registry.start()
    server = create_server(settings, registry, store)
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    yield Policy(policy_pb2_grpc.PolicyServiceStub(channel), store)
    await channel.close()
    await server.stop(None)
    await registry.stop()


def principal(**overrides) -> common_pb2.Principal:
    values = {
        "tenant": "acme",
        "subject": "demo@acme.example",
        "odoo_login": "demo",
        "connection_id": "devkey:abc",
        "client_id": "claude-code",
        "credential": common_pb2.SealedCredential(key_id="k", ciphertext=b"sealed-secret"),
    }
    values.update(overrides)
    return common_pb2.Principal(**values)


def search_call(**overrides) -> common_pb2.ToolCall:
    values = {
        "tool": "search_records",
        "arguments_json": json.dumps(
            {"model": "res.partner", "domain": [["name", "=", "Secret Co"]]}
        ).encode(),
        "model": "res.partner",
        "operation": "read",
    }
    values.update(overrides)
    return common_pb2.ToolCall(**values)


def summary(name: str, operation: str = "read") -> policy_pb2.ToolSummary:
    return policy_pb2.ToolSummary(name=name, operation=operation)


async def error_of(call) -> TollgateError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return from_rpc_error(raised.value, "policy")


async def test_a_valid_call_is_allowed_with_a_fresh_decision_id(policy):
    first = await policy.stub.Authorize(
        policy_pb2.AuthorizeRequest(principal=principal(), call=search_call()), timeout=5
    )
    second = await policy.stub.Authorize(
        policy_pb2.AuthorizeRequest(principal=principal(), call=search_call()), timeout=5
    )
    assert first.decision == policy_pb2.DECISION_ALLOW
    assert first.decision_id.startswith("dec_")
    assert first.decision_id != second.decision_id


@pytest.mark.parametrize(
    ("request_principal", "call", "code"),
    [
        (principal(tenant="initech"), search_call(), ErrorCode.NOT_FOUND),
        (principal(tenant=""), search_call(), ErrorCode.INVALID_ARGUMENT),
        (principal(subject=""), search_call(), ErrorCode.INVALID_ARGUMENT),
        (principal(expires_at=int(time.time()) - 10), search_call(), ErrorCode.UNAUTHENTICATED),
        (principal(), search_call(tool=""), ErrorCode.INVALID_ARGUMENT),
        (principal(), search_call(operation="destroy"), ErrorCode.INVALID_ARGUMENT),
    ],
)
async def test_invalid_requests_fail_closed(policy, request_principal, call, code):
    error = await error_of(
        policy.stub.Authorize(
            policy_pb2.AuthorizeRequest(principal=request_principal, call=call), timeout=5
        )
    )
    assert error.code is code


async def test_filter_tools_keeps_every_tool_once(policy):
    response = await policy.stub.FilterTools(
        policy_pb2.FilterToolsRequest(
            principal=principal(),
            tools=[
                summary("search_records"),
                summary("get_records"),
                summary("search_records"),
            ],
        ),
        timeout=5,
    )
    assert list(response.tools) == ["search_records", "get_records"]


async def test_filter_tools_hides_writes_no_rule_allows(policy):
    response = await policy.stub.FilterTools(
        policy_pb2.FilterToolsRequest(
            principal=principal(),
            tools=[
                summary("search_records"),
                summary("create_records", "create"),
                summary("call_method", "execute"),
            ],
        ),
        timeout=5,
    )
    assert list(response.tools) == ["search_records"]


@pytest.mark.parametrize(
    ("tool", "field"),
    [
        (policy_pb2.ToolSummary(name="", operation="read"), "tools[0].name"),
        (policy_pb2.ToolSummary(name="x", operation="destroy"), "tools[0].operation"),
        (policy_pb2.ToolSummary(name="x"), "tools[0].operation"),
    ],
)
async def test_filter_tools_refuses_a_tool_it_cannot_judge(policy, tool, field):
    error = await error_of(
        policy.stub.FilterTools(
            policy_pb2.FilterToolsRequest(principal=principal(), tools=[tool]), timeout=5
        )
    )
    assert (error.code, error.field) == (ErrorCode.INVALID_ARGUMENT, field)


async def test_filter_tools_for_an_unknown_tenant_fails_closed(policy):
    error = await error_of(
        policy.stub.FilterTools(
            policy_pb2.FilterToolsRequest(
                principal=principal(tenant="initech"), tools=[summary("x")]
            ),
            timeout=5,
        )
    )
    assert error.code is ErrorCode.NOT_FOUND


def outcome_request(**overrides) -> policy_pb2.RecordOutcomeRequest:
    values = {
        "decision_id": "dec_1",
        "principal": principal(),
        "call": search_call(record_ids=[7, 8]),
        "outcome": policy_pb2.OUTCOME_SUCCESS,
        "record_count": 2,
        "duration_ms": 12.5,
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
    }
    values.update(overrides)
    return policy_pb2.RecordOutcomeRequest(**values)


async def record(policy: Policy, *records: policy_pb2.RecordOutcomeRequest):
    return await policy.stub.RecordOutcomes(
        policy_pb2.RecordOutcomesRequest(records=records), timeout=5
    )


async def test_record_outcomes_writes_one_audit_record_without_contents(policy, caplog):
    with caplog.at_level(logging.INFO, logger="tollgate.audit"):
        response = await record(policy, outcome_request())
    assert list(response.rejected) == []
    entries = await policy.store.stream_range(audit_stream("acme"))
    assert len(entries) == 1
    fields = dict(entries[0].fields)
    assert fields["tenant"] == "acme"
    assert fields["user"] == "demo@acme.example"
    assert fields["connection"] == "devkey:abc"
    assert fields["client"] == "claude-code"
    assert fields["tool"] == "search_records"
    assert fields["model"] == "res.partner"
    assert fields["operation"] == "read"
    assert fields["record_count"] == "2"
    assert fields["decision"] == "allow"
    assert fields["outcome"] == "success"
    assert fields["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    stored = json.dumps(fields) + " ".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "Secret Co" not in stored
    assert "sealed-secret" not in stored
    assert any(r.getMessage() == "audit" for r in caplog.records)


async def test_denied_and_failed_outcomes_are_recorded_as_such(policy):
    await record(
        policy,
        outcome_request(outcome=policy_pb2.OUTCOME_DENIED),
        outcome_request(outcome=policy_pb2.OUTCOME_ERROR, error_reason="PERMISSION_DENIED"),
    )
    denied, failed = await policy.store.stream_range(audit_stream("acme"))
    assert (denied.fields["decision"], denied.fields["outcome"]) == ("deny", "denied")
    assert failed.fields["outcome"] == "error:PERMISSION_DENIED"


async def test_a_batch_is_written_in_order_as_one_unbroken_chain(policy):
    for batch in range(3):
        await record(policy, *(outcome_request(decision_id=f"dec_{batch}_{n}") for n in range(4)))
    entries = await policy.store.stream_range(audit_stream("acme"))
    assert [e.fields["trace_id"] for e in entries] == ["0af7651916cd43dd8448eb211c80319c"] * 12
    report = await policy.stub.VerifyAudit(policy_pb2.VerifyAuditRequest(tenant="acme"), timeout=5)
    assert (report.intact, report.records) == (True, 12)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"decision_id": ""}, ErrorCode.INVALID_ARGUMENT),
        ({"outcome": policy_pb2.OUTCOME_UNSPECIFIED}, ErrorCode.INVALID_ARGUMENT),
        ({"outcome": 99}, ErrorCode.INVALID_ARGUMENT),
        ({"principal": principal(tenant="initech")}, ErrorCode.NOT_FOUND),
    ],
)
async def test_invalid_outcomes_are_rejected_and_the_others_written(policy, overrides, code):
    response = await record(
        policy,
        outcome_request(decision_id="dec_before"),
        outcome_request(**overrides),
        outcome_request(decision_id="dec_after"),
    )
    (rejected,) = response.rejected
    assert (rejected.index, rejected.code) == (1, code.value)
    assert rejected.message
    entries = await policy.store.stream_range(audit_stream("acme"))
    assert [e.fields["outcome"] for e in entries] == ["success", "success"]


async def test_too_many_outcomes_at_once_change_nothing(policy):
    records = [outcome_request()] * (MAX_OUTCOMES + 1)
    error = await error_of(
        policy.stub.RecordOutcomes(policy_pb2.RecordOutcomesRequest(records=records), timeout=5)
    )
    assert (error.code, error.field) == (ErrorCode.INVALID_ARGUMENT, "records")
    assert await policy.store.stream_length(audit_stream("acme")) == 0


async def test_a_store_that_is_down_rejects_the_records_as_unavailable(policy, monkeypatch):
    async def down(*args, **kwargs):
        raise StoreUnavailable("redis is down")

    monkeypatch.setattr(policy.store, "stream_extend_if_last", down)
    response = await record(policy, outcome_request(), outcome_request(decision_id=""))
    assert [(r.index, r.code) for r in response.rejected] == [
        (0, ErrorCode.UNAVAILABLE.value),
        (1, ErrorCode.INVALID_ARGUMENT.value),
    ]


def run_policy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tollgate_policy"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_missing_or_invalid_settings_stop_the_service_naming_them(tenants_dir):
    missing = run_policy({})
    assert missing.returncode == 2
    assert "TOLLGATE_POLICY_TENANTS_DIR" in missing.stderr
    invalid = run_policy(
        {"TOLLGATE_POLICY_TENANTS_DIR": str(tenants_dir), "TOLLGATE_POLICY_STORE_URL": "mongo://x"}
    )
    assert invalid.returncode == 2
    assert "TOLLGATE_POLICY_STORE_URL" in invalid.stderr
    assert "Traceback" not in missing.stderr + invalid.stderr


async def test_explain_names_the_deciding_rule_without_counting(policy):
    allowed = await policy.stub.Explain(
        policy_pb2.AuthorizeRequest(principal=principal(), call=search_call()), timeout=5
    )
    assert (allowed.decision, allowed.rule) == (
        policy_pb2.DECISION_ALLOW,
        "policy.models[0] (res.partner)",
    )
    denied = await policy.stub.Explain(
        policy_pb2.AuthorizeRequest(
            principal=principal(), call=search_call(model="hr.employee", operation="unlink")
        ),
        timeout=5,
    )
    assert (denied.decision, denied.reason_code, denied.rule) == (
        policy_pb2.DECISION_DENY,
        "model_operation_denied",
        "policy.defaultModelAccess (deny)",
    )
    assert "unlink on hr.employee" in denied.message
    assert await policy.store.stream_length(audit_stream("acme")) == 0


async def test_unknown_approvals_and_tenants_are_named(policy):
    missing = await error_of(
        policy.stub.GetApproval(
            policy_pb2.GetApprovalRequest(tenant="acme", approval_id="apr_nope"), timeout=5
        )
    )
    assert missing.code is ErrorCode.NOT_FOUND
    assert "apr_nope" in missing.message
    unknown = await error_of(
        policy.stub.QueryAudit(policy_pb2.QueryAuditRequest(tenant="initech"), timeout=5)
    )
    assert unknown.code is ErrorCode.NOT_FOUND
    none = await error_of(policy.stub.VerifyAudit(policy_pb2.VerifyAuditRequest(), timeout=5))
    assert none.code is ErrorCode.INVALID_ARGUMENT


async def test_a_tenant_whose_policy_is_invalid_is_refused(tmp_path: Path):
    spec = parse_tenant_spec({"odoo": {"url": "https://x.example", "database": "x"}})
    config = compile_tenant(
        "broken", spec, endpoint_base="http://127.0.0.1:8000", worker_address="127.0.0.1:1"
    )
    document = json.loads(config.to_json())
    document["policy"]["ip"] = {"allow": ["10.0.0.0/33"], "block": []}
    (tmp_path / "broken.json").write_text(json.dumps(document))
    settings = Settings(tenants_dir=tmp_path, port=0)
    registry = create_registry(settings)
    await registry.start()
    assert "broken.json" in registry.errors
    server = create_server(settings, registry, InMemoryStore())
    await server.start()
    async with grpc.aio.insecure_channel(server.address) as channel:
        stub = policy_pb2_grpc.PolicyServiceStub(channel)
        error = await error_of(
            stub.Authorize(
                policy_pb2.AuthorizeRequest(
                    principal=principal(tenant="broken"), call=search_call()
                ),
                timeout=5,
            )
        )
    await server.stop(None)
    await registry.stop()
    assert error.code is ErrorCode.NOT_FOUND
