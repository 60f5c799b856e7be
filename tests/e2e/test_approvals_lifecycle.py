"""Governance end to end: a real MCP client, the approver page in headless Chromium, policy on a
real redis-server, the Odoo simulator counting what reaches it.

Tests run in file order on one stack: the last ones tamper with the audit trail and stop Redis.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

import grpc
import pytest
import redis
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from playwright.sync_api import Browser, Page, sync_playwright
from tollgate.v1 import policy_pb2, policy_pb2_grpc
from tollgate_cli.remote import connect

from tests.e2e.policy_stack import APPROVER_EMAIL, TENANT, GovStack, running_gov_stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
# A new approval request reads the names of its records once (with the requester's rights).
NAME_LOOKUP = 1
APPROVAL_ID = re.compile(r"apr_[A-Za-z0-9_-]+")


@pytest.fixture(scope="module")
def stack() -> Iterator[GovStack]:
    with running_gov_stack() as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    import shutil

    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (make system-deps)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def partner_ids(stack: GovStack, count: int) -> list[int]:
    is_error, page, text = stack.call(
        "search_records", {"model": "res.partner", "fields": ["name"], "limit": count}
    )
    assert not is_error, text
    return [record["id"] for record in page["records"]]


def approval_id(text: str) -> str:
    match = APPROVAL_ID.search(text)
    assert match, text
    return match.group(0)


def sign_in(page: Page, stack: GovStack) -> None:
    page.goto(stack.approvals_url)
    page.get_by_label("Your Tollgate key").fill(stack.approver_key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Pending requests").wait_for()


def decide_in_page(
    browser: Browser, stack: GovStack, request_id: str, *, approve: bool, comment: str
) -> str:
    """Sign in, open the request from the list, decide it; returns the summary shown."""
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, stack)
        page.locator(f'a[href$="/requests/{request_id}"]').click()
        summary = page.locator("p.summary").inner_text()
        page.get_by_label("Comment (the requester sees it)").fill(comment)
        page.get_by_role("button", name="Approve" if approve else "Reject").click()
        notice = page.locator("p.notice").inner_text()
        assert request_id in notice, notice
        assert ("Approved" if approve else "Rejected") in notice
        return summary
    finally:
        context.close()


def phone_of(stack: GovStack, partner: int) -> Any:
    is_error, page, text = stack.call(
        "get_records", {"model": "res.partner", "ids": [partner], "fields": ["phone"]}
    )
    assert not is_error, text
    return page["records"][0]["phone"]


def test_approve_in_the_page_then_the_retry_runs_exactly_once(
    stack: GovStack, browser: Browser
) -> None:
    partner = partner_ids(stack, 1)[0]
    is_error, page, text = stack.call(
        "get_records", {"model": "res.partner", "ids": [partner], "fields": ["display_name"]}
    )
    name = page["records"][0]["display_name"]
    arguments = {"model": "res.partner", "ids": [partner], "values": {"phone": "+1 555 0100"}}
    before = stack.odoo_requests()
    is_error, _, text = stack.call("update_records", arguments)
    assert is_error
    assert APPROVER_EMAIL in text
    request_id = approval_id(text)
    # Only the records' names were read (for the approver); the write did not run.
    assert stack.odoo_requests() == before + NAME_LOOKUP, "an approval-required call ran"
    before += NAME_LOOKUP

    summary = decide_in_page(browser, stack, request_id, approve=True, comment="fine by me")
    assert f"demo@{TENANT}.example asks to change res.partner" in summary
    assert f"{name} (id {partner})" in summary
    assert "phone" in summary
    assert "+1 555 0100" in summary
    assert stack.odoo_requests() == before, "approving ran something"

    is_error, _result, text = stack.call("update_records", arguments)
    assert not is_error, text
    assert phone_of(stack, partner) == "+1 555 0100"

    writes_before = stack.odoo_requests()
    is_error, _, text = stack.call("update_records", arguments)
    assert is_error, "a used approval ran twice"
    assert approval_id(text) != request_id
    assert stack.odoo_requests() == writes_before + NAME_LOOKUP


def test_reject_in_the_page_keeps_the_record(stack: GovStack, browser: Browser) -> None:
    partner = partner_ids(stack, 3)[-1]
    arguments = {"model": "res.partner", "ids": [partner]}
    is_error, _, text = stack.call("delete_records", arguments)
    assert is_error
    request_id = approval_id(text)
    summary = decide_in_page(browser, stack, request_id, approve=False, comment="keep it")
    assert "delete res.partner" in summary
    before = stack.odoo_requests()
    is_error, _, text = stack.call("delete_records", arguments)
    assert is_error
    assert "rejected" in text
    assert "keep it" in text
    assert stack.odoo_requests() == before
    assert partner in partner_ids(stack, 3)


def policy_stub(stack: GovStack) -> policy_pb2_grpc.PolicyServiceStub:
    return policy_pb2_grpc.PolicyServiceStub(grpc.insecure_channel(stack.policy_address))


def test_a_tampered_call_needs_a_new_approval(stack: GovStack, browser: Browser) -> None:
    partner = partner_ids(stack, 2)[1]
    approved = {"model": "res.partner", "ids": [partner], "values": {"phone": "+1 555 0111"}}
    tampered = {**approved, "values": {"phone": "+1 555 0999"}}
    is_error, _, text = stack.call("update_records", approved)
    request_id = approval_id(text)
    decide_in_page(browser, stack, request_id, approve=True, comment="")

    before = stack.odoo_requests()
    is_error, _, text = stack.call("update_records", tampered)
    assert is_error
    assert approval_id(text) != request_id
    assert stack.odoo_requests() == before + NAME_LOOKUP
    is_error, _, text = stack.call("update_records", {**approved, "ids": [partner, 1]})
    assert is_error
    assert approval_id(text) != request_id

    is_error, _, text = stack.call("update_records", approved)
    assert not is_error, text
    assert phone_of(stack, partner) == "+1 555 0111"


def test_an_expired_request_cannot_be_approved_and_the_call_asks_anew(
    stack: GovStack, browser: Browser
) -> None:
    partner = partner_ids(stack, 1)[0]
    arguments = {"model": "res.partner", "ids": [partner], "values": {"phone": "+1 555 0222"}}
    is_error, _, text = stack.call("update_records", arguments)
    request_id = approval_id(text)
    # Let the request lapse: move its expiry into the past where policy keeps it.
    client = redis.Redis.from_url(stack.redis_url)
    key = f"policy:approval:{TENANT}:{request_id}"
    record = json.loads(client.get(key) or b"{}")
    record["expires_at"] = time.time() - 1
    client.set(key, json.dumps(record), keepttl=True)

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, stack)
    assert page.locator(f'a[href$="/requests/{request_id}"]').count() == 0
    page.goto(f"{stack.approvals_url}/requests/{request_id}")
    assert "expired" in page.locator("main").inner_text().lower()
    context.close()
    with pytest.raises(grpc.RpcError, match="expired"):
        policy_stub(stack).DecideApproval(
            policy_pb2.DecideApprovalRequest(
                tenant=TENANT,
                approval_id=request_id,
                approver_email=APPROVER_EMAIL,
                approve=True,
            ),
            timeout=5,
        )
    is_error, _, text = stack.call("update_records", arguments)
    assert is_error
    assert approval_id(text) != request_id


def test_a_denied_field_is_never_returned(stack: GovStack) -> None:
    partner = partner_ids(stack, 1)[0]
    is_error, page, text = stack.call(
        "get_records", {"model": "res.partner", "ids": [partner], "fields": ["name", "vat"]}
    )
    assert not is_error, text
    assert "vat" not in page["records"][0]
    assert "vat" in page["redacted_fields"]


def test_a_tool_marked_confirm_asks_the_user_in_the_client_first(stack: GovStack) -> None:
    arguments = {"model": "res.partner", "records": [{"name": "Confirmed Co"}]}
    before = stack.odoo_requests()
    is_error, text, asked = stack.call_asking("create_records", arguments, accept=False)
    assert is_error
    assert "did not confirm" in text
    assert len(asked) == 1
    assert "create_records" in asked[0]
    assert stack.odoo_requests() == before, "a declined call reached Odoo"
    is_error, text, asked = stack.call_asking("create_records", arguments, accept=True)
    assert not is_error, text
    assert len(asked) == 1
    # A client without elicitation cannot be asked: policy's allow stands.
    is_error, _structured, text = stack.call("create_records", arguments)
    assert not is_error, text


def audit_records(stack: GovStack) -> list[policy_pb2.AuditRecord]:
    answer = policy_stub(stack).QueryAudit(
        policy_pb2.QueryAuditRequest(tenant=TENANT, limit=100_000), timeout=10
    )
    return list(answer.records)


def audit_count(stack: GovStack) -> int:
    return len(audit_records(stack))


def traced_call(stack: GovStack, tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
    """One tool call in a trace of its own, as an instrumented client makes it (the SDK puts
    the trace context in ``_meta``): (is_error, the trace id its audit record carries)."""
    trace_id = secrets.randbits(128) | 1
    parent = SpanContext(trace_id, secrets.randbits(64) | 1, False, TraceFlags(1))

    async def go() -> bool:
        with trace.use_span(NonRecordingSpan(parent)):
            async with connect(stack.mcp_url, stack.api_key) as client:
                result = await client.call_tool(tool, arguments)
        return bool(result.is_error)

    # In a thread of its own: Playwright's sync API keeps an event loop in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result(), f"{trace_id:032x}"


def records_of(
    stack: GovStack, trace_ids: Sequence[str], *, within: float = 10.0
) -> list[policy_pb2.AuditRecord]:
    """The audit records in these traces, oldest first, once every trace has one (the front
    records a call's outcome after it has answered)."""
    wanted = set(trace_ids)
    deadline = time.monotonic() + within
    while True:
        records = [r for r in audit_records(stack) if r.fields.get("trace_id") in wanted]
        missing = wanted - {r.fields["trace_id"] for r in records}
        if not missing:
            return records
        assert time.monotonic() < deadline, f"no audit record within {within} s for {missing}"
        time.sleep(0.1)


def tollgate_audit(stack: GovStack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tollgate_cli",
            "audit",
            *args,
            "--tenant",
            TENANT,
            "--policy-address",
            stack.policy_address,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_n_calls_make_n_audit_records_in_an_intact_chain(stack: GovStack) -> None:
    # Earlier tests' outcomes were on their way to policy before this marker call began, and
    # policy appends in arrival order: once the marker's record is in, so are theirs.
    _is_error, marker = traced_call(stack, "search_records", {"model": "res.partner", "limit": 1})
    records_of(stack, [marker])
    before = audit_count(stack)
    calls = [
        ("search_records", {"model": "res.partner", "limit": 1}),  # allowed
        ("search_records", {"model": "hr.employee", "limit": 1}),  # denied by the model rules
        ("export_records", {"model": "res.partner", "fields": ["name"]}),  # denied tool
        ("search_records", {"model": "res.partner", "domain": [["no_such_field", "=", 1]]}),
        ("delete_records", {"model": "res.partner", "ids": [1]}),  # approval required
        ("search_records", {"model": "res.partner", "domain": [["vat", "=", "BE1"]]}),  # field
    ]
    traced = [traced_call(stack, tool, arguments) for tool, arguments in calls]
    assert [is_error for is_error, _ in traced] == [False, True, True, True, True, True]
    traces = [trace_id for _, trace_id in traced]
    # One record per call, in call order, and nothing besides them.
    assert [r.fields["trace_id"] for r in records_of(stack, traces)] == traces
    assert audit_count(stack) == before + len(calls)

    listed = tollgate_audit(stack, "query", "--user", f"demo@{TENANT}.example", "--limit", "6")
    assert listed.returncode == 0, listed.stderr
    decisions = [
        next(word for word in line.split() if "/" in word and "@" not in word).split("/")[0]
        for line in listed.stdout.splitlines()
    ]
    assert decisions == ["allow", "deny", "deny", "allow", "approval_required", "deny"]
    assert "no_such_field" not in listed.stdout
    assert "BE1" not in listed.stdout

    exported = tollgate_audit(stack, "export", "--decision", "deny")
    assert exported.returncode == 0, exported.stderr
    header, *rows = exported.stdout.splitlines()
    assert header.startswith("id,time,tenant,user,connection,client,tool,model,operation")
    assert len(rows) >= 3

    verified = tollgate_audit(stack, "verify")
    assert verified.returncode == 0, verified.stderr
    assert "intact" in verified.stdout
    # Counted again after the three CLI runs: no call left a second record late.
    assert audit_count(stack) == before + len(calls)

    client = redis.Redis.from_url(stack.redis_url)
    entries = client.xrange(f"policy:audit:{TENANT}")
    client.xdel(f"policy:audit:{TENANT}", entries[len(entries) // 2][0])
    broken = tollgate_audit(stack, "verify")
    assert broken.returncode == 1
    assert "BROKEN" in broken.stderr


def test_redis_stopped_mid_run_refuses_calls_then_recovers(stack: GovStack) -> None:
    arguments = {"model": "res.partner", "limit": 1}
    assert not stack.call("search_records", arguments)[0]
    stack.stop_redis()
    before = stack.odoo_requests()
    is_error, _, text = stack.call("search_records", arguments)
    assert is_error
    assert "refused" in text
    assert stack.odoo_requests() == before, "a call reached Odoo without a decision"
    stack.start_redis()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        is_error, _, text = stack.call("search_records", arguments)
        if not is_error:
            break
        time.sleep(0.2)
    assert not is_error, f"not recovered: {text}"


def test_the_approver_page_refuses_people_who_are_not_approvers(
    stack: GovStack, browser: Browser
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(stack.approvals_url)
    page.get_by_label("Your Tollgate key").fill(stack.api_key)
    page.get_by_role("button", name="Sign in").click()
    assert "is not an approver" in page.locator("p.error").inner_text()
    page.get_by_label("Your Tollgate key").fill("tg_dev_not_a_key")
    page.get_by_role("button", name="Sign in").click()
    assert "not valid" in page.locator("p.error").inner_text()
    context.close()
