"""The approver pages over HTTP with a scripted policy: sign-in, approvers only, CSRF, decisions."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tollgate.v1 import common_pb2, policy_pb2
from tollgate_auth.approvals.router import SESSION_COOKIE, ApprovalPages
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.stores import InMemoryStore
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.registry import StaticSource, TenantRegistry
from tollgate_common.tenants.resource import parse_tenant_spec

APPROVER_KEY = "key-of-the-cfo"
REQUESTER_KEY = "key-of-a-clerk"
PENDING = policy_pb2.Approval(
    id="apr_1",
    tenant="acme",
    requester="clerk@acme.example",
    summary="clerk@acme.example asks to delete res.partner Deco Addict (id 7) with delete_records.",
    state=policy_pb2.APPROVAL_STATE_PENDING,
    approvers=["cfo@acme.example"],
    tool="delete_records",
)


POLICY_TIMEOUT = 4.0
AUDIT_TIMEOUT = 42.0
AUDIT_RECORD = policy_pb2.AuditRecord(
    id="1-0", fields={"user": "clerk@acme.example", "tool": "delete_records", "decision": "deny"}
)


class ScriptedPolicy:
    def __init__(self) -> None:
        self.decisions: list[policy_pb2.DecideApprovalRequest] = []
        # (method, the gRPC timeout the pages gave it)
        self.timeouts: list[tuple[str, float]] = []

    async def ListApprovals(self, request: Any, **options: Any) -> Any:
        self.timeouts.append(("ListApprovals", options["timeout"]))
        return policy_pb2.ListApprovalsResponse(approvals=[PENDING])

    async def GetApproval(self, request: Any, **options: Any) -> Any:
        self.timeouts.append(("GetApproval", options["timeout"]))
        return PENDING

    async def DecideApproval(self, request: Any, **options: Any) -> Any:
        self.timeouts.append(("DecideApproval", options["timeout"]))
        self.decisions.append(request)
        return PENDING

    async def QueryAudit(self, request: Any, **options: Any) -> Any:
        self.timeouts.append(("QueryAudit", options["timeout"]))
        return policy_pb2.QueryAuditResponse(records=[AUDIT_RECORD])

    async def VerifyAudit(self, request: Any, **options: Any) -> Any:
        self.timeouts.append(("VerifyAudit", options["timeout"]))
        return policy_pb2.VerifyAuditResponse(intact=True, records=1)


async def verify_key(token: str, tenant: str) -> common_pb2.Principal:
    emails = {APPROVER_KEY: "cfo@acme.example", REQUESTER_KEY: "clerk@acme.example"}
    if token not in emails or tenant != "acme":
        raise TollgateError(ErrorCode.UNAUTHENTICATED, "no")
    return common_pb2.Principal(tenant=tenant, subject=emails[token], email=emails[token])


@pytest.fixture
async def pages() -> Any:
    spec = parse_tenant_spec(
        {
            "odoo": {"url": "https://acme.example", "database": "acme"},
            "policy": {
                "approvals": {"tools": ["delete_records"], "approvers": ["cfo@acme.example"]}
            },
        }
    )
    config = compile_tenant("acme", spec, endpoint_base="https://mcp.example", worker_address="w:1")
    registry = TenantRegistry(StaticSource(config))
    await registry.refresh()
    policy = ScriptedPolicy()
    approval_pages = ApprovalPages(
        registry=registry,
        store=InMemoryStore(),
        verify_key=verify_key,
        policy=policy,  # type: ignore[arg-type]
        secure_cookies=False,
        policy_timeout=POLICY_TIMEOUT,
        audit_timeout=AUDIT_TIMEOUT,
    )
    app = FastAPI()
    app.include_router(approval_pages.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://auth") as client:
        yield client, policy


async def sign_in(client: httpx.AsyncClient, key: str) -> httpx.Response:
    return await client.post("/t/acme/approvals/sign-in", data={"token": key})


async def test_an_approver_signs_in_sees_the_summary_and_decides(pages: Any) -> None:
    client, policy = pages
    signed = await sign_in(client, APPROVER_KEY)
    assert signed.status_code == 303
    assert "httponly" in signed.headers["set-cookie"].lower()
    listing = await client.get("/t/acme/approvals")
    assert "Deco Addict (id 7)" in listing.text
    assert listing.headers["x-frame-options"] == "DENY"
    detail = await client.get("/t/acme/approvals/requests/apr_1")
    csrf = re.search(r'name="csrf" value="([^"]+)"', detail.text)
    assert csrf
    decided = await client.post(
        "/t/acme/approvals/requests/apr_1",
        data={"csrf": csrf.group(1), "decision": "approve", "comment": "ok"},
    )
    assert decided.status_code == 303
    (decision,) = policy.decisions
    assert (decision.approver_email, decision.approve, decision.comment) == (
        "cfo@acme.example",
        True,
        "ok",
    )


async def test_a_decision_without_the_session_csrf_token_changes_nothing(pages: Any) -> None:
    client, policy = pages
    await sign_in(client, APPROVER_KEY)
    forged = await client.post(
        "/t/acme/approvals/requests/apr_1", data={"csrf": "guess", "decision": "approve"}
    )
    assert forged.status_code == 400
    assert policy.decisions == []


async def test_only_approvers_get_in(pages: Any) -> None:
    client, _policy = pages
    refused = await sign_in(client, REQUESTER_KEY)
    assert refused.status_code == 403
    assert "not an approver" in refused.text
    assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    wrong = await sign_in(client, "nonsense")
    assert wrong.status_code == 401
    assert "not valid" in wrong.text
    anonymous = await client.get("/t/acme/approvals/audit")
    assert "Your Tollgate key" in anonymous.text
    unknown = await client.get("/t/initech/approvals")
    assert unknown.status_code == 404


async def test_sign_in_attempts_are_limited_per_address(pages: Any) -> None:
    client, _policy = pages
    answers = [(await sign_in(client, "nonsense")).status_code for _ in range(11)]
    assert answers[:10] == [401] * 10
    assert answers[10] == 429


async def test_audit_calls_get_the_audit_deadline_and_the_others_the_policy_one(
    pages: Any,
) -> None:
    client, policy = pages
    await sign_in(client, APPROVER_KEY)
    listing = await client.get("/t/acme/approvals")
    assert listing.status_code == 200
    assert policy.timeouts == [("ListApprovals", POLICY_TIMEOUT)]
    policy.timeouts.clear()

    trail = await client.get("/t/acme/approvals/audit")
    assert trail.status_code == 200
    assert "clerk@acme.example" in trail.text
    exported = await client.get("/t/acme/approvals/audit.csv")
    assert exported.status_code == 200
    assert "delete_records" in exported.text
    assert policy.timeouts == [
        ("QueryAudit", AUDIT_TIMEOUT),
        ("VerifyAudit", AUDIT_TIMEOUT),
        ("QueryAudit", AUDIT_TIMEOUT),
    ]
