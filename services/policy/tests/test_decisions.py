"""Authorize end to end inside one process: rate limits, the approval lifecycle, the audit chain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tollgate.v1 import common_pb2, policy_pb2
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.stores import InMemoryStore, StoreUnavailable
from tollgate_common.tenants.config import TenantConfig, compile_tenant
from tollgate_common.tenants.registry import StaticSource, TenantRegistry
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_policy.audit import AuditQuery, AuditTrail, audit_stream
from tollgate_policy.decisions import Decider


def tenant(policy: dict[str, Any]) -> TenantConfig:
    spec = parse_tenant_spec(
        {"odoo": {"url": "https://acme.example", "database": "acme"}, "policy": policy}
    )
    return compile_tenant("acme", spec, endpoint_base="https://mcp.example", worker_address="w:1")


POLICY: dict[str, Any] = {
    "defaultModelAccess": "allow",
    "models": [{"model": "res.partner", "denyFields": ["vat"]}],
    "approvals": {"tools": ["delete_records"], "approvers": ["cfo@acme.example"]},
    "audit": {"payloadLogging": True},
}


async def decider(policy: dict[str, Any] = POLICY) -> tuple[Decider, InMemoryStore]:
    store = InMemoryStore()
    registry = TenantRegistry(StaticSource(tenant(policy)))
    await registry.refresh()
    return Decider(registry, store, approvals_url="https://auth/t/{tenant}/approvals"), store


def request(
    tool: str = "search_records",
    *,
    subject: str = "demo@acme.example",
    operation: str = "read",
    ids: tuple[int, ...] = (),
    arguments: dict[str, Any] | None = None,
) -> policy_pb2.AuthorizeRequest:
    return policy_pb2.AuthorizeRequest(
        principal=common_pb2.Principal(
            tenant="acme", subject=subject, email=subject, connection_id="c1"
        ),
        call=common_pb2.ToolCall(
            tool=tool,
            model="res.partner",
            operation=operation,
            record_ids=ids,
            arguments_json=json.dumps(arguments or {"model": "res.partner"}).encode(),
        ),
        client_ip="127.0.0.1",
    )


async def test_rate_limit_refuses_the_call_over_the_limit_with_when_to_retry() -> None:
    policy, _store = await decider({**POLICY, "rateLimits": {"perUserPerMinute": 3}})
    answers = [await policy.authorize(request()) for _ in range(4)]
    assert [a.decision for a in answers[:3]] == [policy_pb2.DECISION_ALLOW] * 3
    limited = answers[3]
    assert (limited.decision, limited.reason_code) == (policy_pb2.DECISION_DENY, "rate_limited")
    assert 1 <= limited.retry_after_seconds <= 60
    assert "3 calls a minute per user" in limited.message
    other = await policy.authorize(request(subject="other@acme.example"))
    assert other.decision == policy_pb2.DECISION_ALLOW


async def test_a_denied_call_is_not_counted() -> None:
    policy, _store = await decider({**POLICY, "tools": {"deny": ["export"]}})
    for _ in range(5):
        denied = await policy.authorize(request("export"))
        assert denied.reason_code == "tool_denied"
    assert (await policy.authorize(request())).decision == policy_pb2.DECISION_ALLOW


async def test_approval_lifecycle_request_approve_retry_once_then_replay_needs_new() -> None:
    policy, _store = await decider()
    delete = request("delete_records", operation="unlink", ids=(7,))
    first = await policy.authorize(delete)
    assert first.decision == policy_pb2.DECISION_APPROVAL_REQUIRED
    assert first.approval_id.startswith("apr_")
    assert "cfo@acme.example" in first.message
    assert "https://auth/t/acme/approvals" in first.message
    again = await policy.authorize(delete)
    assert (again.decision, again.approval_id) == (first.decision, first.approval_id)

    with pytest.raises(TollgateError) as stranger:
        await policy.approvals.decide(
            "acme", first.approval_id, "intern@acme.example", approve=True, comment=""
        )
    assert stranger.value.code is ErrorCode.PERMISSION_DENIED
    await policy.approvals.decide(
        "acme", first.approval_id, "CFO@acme.example", approve=True, comment="ok"
    )
    with pytest.raises(TollgateError, match=r"already approved by cfo@acme\.example"):
        await policy.approvals.decide(
            "acme", first.approval_id, "cfo@acme.example", approve=False, comment=""
        )

    tampered = await policy.authorize(request("delete_records", operation="unlink", ids=(8,)))
    assert tampered.decision == policy_pb2.DECISION_APPROVAL_REQUIRED
    assert tampered.approval_id != first.approval_id

    run = await policy.authorize(delete)
    assert (run.decision, run.approval_id) == (policy_pb2.DECISION_ALLOW, first.approval_id)
    replay = await policy.authorize(delete)
    assert replay.decision == policy_pb2.DECISION_APPROVAL_REQUIRED
    assert replay.approval_id not in (first.approval_id, tampered.approval_id)


async def test_rejected_requests_stay_rejected_with_the_comment() -> None:
    policy, _store = await decider()
    delete = request("delete_records", operation="unlink", ids=(7,))
    first = await policy.authorize(delete)
    await policy.approvals.decide(
        "acme", first.approval_id, "cfo@acme.example", approve=False, comment="not this one"
    )
    answer = await policy.authorize(delete)
    assert (answer.decision, answer.reason_code) == (policy_pb2.DECISION_DENY, "approval_rejected")
    assert "not this one" in answer.message


async def test_nobody_approves_their_own_request() -> None:
    policy, _store = await decider(
        {**POLICY, "approvals": {"tools": ["delete_records"], "approvers": ["*@acme.example"]}}
    )
    first = await policy.authorize(request("delete_records", operation="unlink"))
    with pytest.raises(TollgateError, match="own request"):
        await policy.approvals.decide(
            "acme", first.approval_id, "demo@acme.example", approve=True, comment=""
        )


async def test_expired_requests_cannot_be_approved_and_the_call_asks_again() -> None:
    policy, _store = await decider()
    clock = [1_000_000.0]
    policy.approvals._clock = lambda: clock[0]
    delete = request("delete_records", operation="unlink", ids=(7,))
    first = await policy.authorize(delete)
    clock[0] += 31 * 60
    with pytest.raises(TollgateError, match="expired"):
        await policy.approvals.decide(
            "acme", first.approval_id, "cfo@acme.example", approve=True, comment=""
        )
    loaded = await policy.approvals.load("acme", first.approval_id)
    assert loaded is not None
    assert await policy.approvals.state(loaded) == policy_pb2.APPROVAL_STATE_EXPIRED
    # The request key outlived its record's lifetime in this fake clock; a new call asks anew.
    await _store_drop_call_key(policy, delete)
    again = await policy.authorize(delete)
    assert again.approval_id != first.approval_id


async def _store_drop_call_key(policy: Decider, delete: policy_pb2.AuthorizeRequest) -> None:
    from tollgate_policy.approvals import call_hash

    await policy._store.delete(f"approval-call:acme:{call_hash(delete.principal, delete.call)}")


async def test_a_store_that_is_down_refuses_every_call() -> None:
    policy, store = await decider({"defaultModelAccess": "allow"})

    async def down(*args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailable("redis is down")

    store.hit = down  # type: ignore[method-assign]
    with pytest.raises(TollgateError) as raised:
        await policy.authorize(request())
    assert raised.value.code is ErrorCode.UNAVAILABLE
    assert "refused" in raised.value.message


def outcome(n: int, outcome: int = policy_pb2.OUTCOME_SUCCESS) -> policy_pb2.RecordOutcomeRequest:
    return policy_pb2.RecordOutcomeRequest(
        decision_id=f"dec_{n}",
        principal=common_pb2.Principal(tenant="acme", subject=f"u{n % 2}@acme.example"),
        call=common_pb2.ToolCall(
            tool="search_records",
            model="res.partner",
            operation="read",
            arguments_json=json.dumps(
                {"domain": [["vat", "=", "BE1"], ["name", "=", "Secret"]], "values": {"vat": 1}}
            ).encode(),
        ),
        outcome=outcome,  # type: ignore[arg-type]
        duration_ms=1.0,
    )


async def test_audit_chain_verifies_and_detects_edits_and_deletions() -> None:
    store = InMemoryStore()
    trail = AuditTrail(store, max_length=1000)
    config = tenant(POLICY)
    for n in range(6):
        await trail.record([outcome(n)], config, lambda _model: ("vat",))
    report = await trail.verify("acme")
    assert (report.intact, report.records) == (True, 6)
    entries = await store.stream_range(audit_stream("acme"))
    payload = entries[0].fields["payload"]
    assert "Secret" in payload
    assert "vat" not in payload
    assert "BE1" not in payload

    stream = store._streams[audit_stream("acme")]
    edited_id, edited = stream[2]
    stream[2] = (edited_id, {**edited, "outcome": "denied"})
    report = await trail.verify("acme")
    assert (report.intact, report.problem) == (False, "record was edited")
    stream[2] = (edited_id, edited)
    del stream[3]
    report = await trail.verify("acme")
    assert not report.intact
    assert "deleted" in report.problem


async def test_batches_from_several_writers_make_one_chain_in_order() -> None:
    store = InMemoryStore()
    config = tenant({**POLICY, "audit": {}})
    mine, other = AuditTrail(store, max_length=1000), AuditTrail(store, max_length=1000)
    first = await mine.record([outcome(0), outcome(1), outcome(2)], config)
    await other.record([outcome(3)], config)
    # ``mine`` still believes its own last record is the newest: it must notice and re-chain.
    last = await mine.record([outcome(4), outcome(5)], config)
    entries = await store.stream_range(audit_stream("acme"))
    assert [e.id for e in entries][:3] == first
    assert [e.id for e in entries][-2:] == last
    assert [e.fields["tool"] for e in entries] == ["search_records"] * 6
    assert [dict(e.fields)["user"] for e in entries] == [f"u{n % 2}@acme.example" for n in range(6)]
    report = await mine.verify("acme")
    assert (report.intact, report.records) == (True, 6)


async def test_records_stored_but_not_their_head_count_as_written_and_the_next_batch_heals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = InMemoryStore()
    trail = AuditTrail(store, max_length=1000)
    config = tenant({**POLICY, "audit": {}})
    real_put = store.put

    async def head_down(*args: Any, **kwargs: Any) -> bool:
        raise StoreUnavailable("redis went away")

    monkeypatch.setattr(store, "put", head_down)
    # Failing here would have the front send both again: they would be in the chain twice.
    written = await trail.record([outcome(0), outcome(1)], config)
    assert len(written) == 2
    monkeypatch.setattr(store, "put", real_put)
    await trail.record([outcome(2)], config)
    report = await trail.verify("acme")
    assert (report.intact, report.records) == (True, 3)


async def test_audit_query_filters_by_user_and_decision() -> None:
    store = InMemoryStore()
    trail = AuditTrail(store, max_length=1000)
    config = tenant({**POLICY, "audit": {}})
    for n in range(4):
        await trail.record([outcome(n)], config)
    await trail.record([outcome(5, policy_pb2.OUTCOME_DENIED)], config)
    users = await trail.query("acme", AuditQuery(user="u0@acme.example"))
    assert len(users) == 2
    denied = await trail.query("acme", AuditQuery(decision="deny"))
    assert [e.fields["user"] for e in denied] == ["u1@acme.example"]
    assert "payload" not in denied[0].fields
    assert len(await trail.query("acme", AuditQuery(limit=3))) == 3


async def test_every_record_also_leaves_as_an_opentelemetry_log_record() -> None:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
    from tollgate_common.audit_export import AUDIT_COLUMNS

    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    store = InMemoryStore()
    trail = AuditTrail(store, max_length=10, otel_logger=provider.get_logger("tollgate.audit"))
    call = outcome(1)
    call.trace_id, call.span_id, call.trace_sampled = (
        "0af7651916cd43dd8448eb211c80319c",
        "b7ad6b7169203331",
        True,
    )
    (record_id,) = await trail.record([call], tenant({**POLICY, "audit": {}}))
    (exported,) = exporter.get_finished_logs()
    # The record joins the call's trace, not the one of the batch that carried it.
    assert format(exported.log_record.trace_id, "032x") == call.trace_id
    assert format(exported.log_record.span_id, "016x") == call.span_id
    attributes = dict(exported.log_record.attributes or {})
    assert attributes["tollgate.audit.id"] == record_id
    assert attributes["tollgate.audit.tool"] == "search_records"
    (entry,) = await store.stream_range(audit_stream("acme"))
    assert set(entry.fields) == {*AUDIT_COLUMNS, "prev_hash", "hash"}
    assert "Secret" not in str(attributes)
    provider.shutdown()


async def test_a_confirm_tool_asks_first_without_counting_when_the_client_can_be_asked() -> None:
    policy, _store = await decider(
        {**POLICY, "tools": {"confirm": ["create_records"]}, "rateLimits": {"perUserPerDay": 1}}
    )
    ask = request("create_records", operation="create")
    ask.can_confirm = True
    first = await policy.authorize(ask)
    assert (first.decision, first.reason_code) == (
        policy_pb2.DECISION_CONFIRM_REQUIRED,
        "confirm_required",
    )
    ask.confirmed = True
    confirmed = await policy.authorize(ask)
    assert (confirmed.decision, confirmed.confirm) == (policy_pb2.DECISION_ALLOW, True)
    limited = await policy.authorize(ask)
    assert limited.reason_code == "rate_limited"
    cannot_ask = request("create_records", operation="create", subject="x@acme.example")
    assert (await policy.authorize(cannot_ask)).decision == policy_pb2.DECISION_ALLOW


async def test_cutting_the_newest_records_is_detected() -> None:
    store = InMemoryStore()
    trail = AuditTrail(store, max_length=1000)
    config = tenant({**POLICY, "audit": {}})
    for n in range(4):
        await trail.record([outcome(n)], config)
    assert (await trail.verify("acme")).intact
    del store._streams[audit_stream("acme")][-2:]
    report = await trail.verify("acme")
    assert (report.intact, report.problem) == (False, "the newest records were deleted")
    del store._streams[audit_stream("acme")][:]
    assert not (await trail.verify("acme")).intact
