"""The telemetry signal matrix: the local stack exports OTLP to a receiver inside the test, a real
MCP client sends its own trace context (``traceparent`` header and ``_meta``), and one tool call
is one trace from front through auth, policy and worker down to the HTTP request into Odoo.

Denied and failed calls are traced with their reasons; no span, metric label or log line holds
the canary credentials, the domain's value or a record's values.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from google.protobuf.json_format import MessageToJson
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from tollgate_cli.remote import auth_headers
from tollgate_cli.testing import DevStack, running_dev_stack
from tollgate_common.metrics import INSTRUMENTS
from tollgate_odoo_sim.addons.demo import DEMO_USERS

from tests.observability.otlp_receiver import Received, ReceivedSpan, otlp_receiver

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
TENANT = "acme"
# A value the caller searches for: user input that must never reach telemetry.
CANARY_VALUE = "Canary-Value-5b1e"
# A record value the simulator returns for res.partner (must not reach telemetry either).
RECORD_VALUE = "info@azure.example.com"
SERVER, CLIENT = SpanKind.SERVER.value + 1, SpanKind.CLIENT.value + 1  # OTLP enum = API + 1


@dataclass
class Call:
    name: str
    trace_id: str
    span_id: str
    is_error: bool


@dataclass
class Observed:
    stack: DevStack
    received: Received
    calls: dict[str, Call]
    api_key: str

    def trace(self, call: str) -> list[ReceivedSpan]:
        wanted = self.calls[call].trace_id
        return [s for s in self.received.spans() if s.trace_id == wanted]


async def _calls(url: str, api_key: str) -> dict[str, Call]:
    plan: list[tuple[str, dict[str, Any]]] = [
        (
            "allowed",
            {
                "model": "res.partner",
                "domain": [["email", "!=", CANARY_VALUE]],
                "fields": ["name", "email"],
                "limit": 3,
            },
        ),
        ("denied", {"model": "hr.employee", "limit": 1}),
        ("failed", {"model": "res.partner", "domain": [["no_such_field", "=", CANARY_VALUE]]}),
    ]
    calls: dict[str, Call] = {}
    for name, arguments in plan:
        trace_id, span_id = secrets.randbits(128), secrets.randbits(64)
        parent = SpanContext(trace_id, span_id, is_remote=False, trace_flags=TraceFlags(1))
        traceparent = f"00-{trace_id:032x}-{span_id:016x}-01"
        # The client's own span: its context goes into _meta (the SDK injects it) and, like an
        # instrumented HTTP client would, into the traceparent header.
        with trace.use_span(NonRecordingSpan(parent)):
            headers = {**auth_headers(api_key), "traceparent": traceparent}
            async with (
                create_mcp_http_client(headers=headers) as http,
                Client(streamable_http_client(url, http_client=http), mode="2026-07-28") as client,
            ):
                result = await client.call_tool("search_records", arguments)
        calls[name] = Call(name, f"{trace_id:032x}", f"{span_id:016x}", bool(result.is_error))
    return calls


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    with otlp_receiver() as (endpoint, received), pytest.MonkeyPatch.context() as env:
        env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        env.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        env.setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")
        env.setenv("OTEL_BSP_SCHEDULE_DELAY", "200")
        env.setenv("OTEL_BLRP_SCHEDULE_DELAY", "200")
        env.setenv("OTEL_METRIC_EXPORT_INTERVAL", "500")
        env.setenv("TOLLGATE_AUTH_HTTP_PORT", "0")
        state = tmp_path_factory.mktemp("telemetry")
        with running_dev_stack(state, tenants_dir=REPO / "examples" / "tenants") as stack:
            endpoint_info = stack.info.tenants[TENANT]
            calls = anyio.run(_calls, endpoint_info.mcp_url, endpoint_info.api_key)
            seen = Observed(stack, received, calls, endpoint_info.api_key)
            received.wait_for(
                lambda: (
                    any(s.service == "worker" for s in seen.trace("allowed"))
                    and any(s.name.startswith("tools/call") for s in seen.trace("failed"))
                    and any(s.service == "policy" for s in seen.trace("denied"))
                )
            )
            received.wait_for(lambda: _all_outcomes_counted(received) and bool(received.logs))
            yield seen


def _one(spans: list[ReceivedSpan], service: str, name: str, kind: int) -> ReceivedSpan:
    found = [s for s in spans if s.service == service and s.name == name and s.kind == kind]
    assert len(found) == 1, (service, name, [(s.service, s.name) for s in spans])
    return found[0]


def test_calls_ended_as_planned(observed: Observed) -> None:
    assert not observed.calls["allowed"].is_error
    assert observed.calls["denied"].is_error
    assert observed.calls["failed"].is_error


def test_one_trace_from_the_client_through_every_service_to_odoo(observed: Observed) -> None:
    spans = observed.trace("allowed")
    client_span = observed.calls["allowed"].span_id
    assert {s.service for s in spans} >= {"front", "auth", "policy", "worker"}

    # The front opens no span of its own for the HTTP requests: the client's context (the
    # traceparent header) is the parent of what runs inside them, token verification first.
    # The first message asks auth about the new API key (a span, auth's server span under it);
    # later ones find the answer cached (an event on the tool call's span).
    assert not [s for s in spans if s.name == "POST /t/{tenant}/mcp"]
    (verification,) = [s for s in spans if s.name == "tollgate.verify_token"]
    assert verification.parent_span_id == client_span
    assert verification.attributes["tollgate.token.source"] == "auth"
    assert verification.attributes["tollgate.token.result"] == "ok"
    assert _one(spans, "auth", "/tollgate.v1.AuthService/VerifyToken", SERVER).parent_span_id == (
        verification.span_id
    )
    # One message asked auth; the other found the answer cached, an event on its span.
    messages = [s for s in spans if s.service == "front" and s.kind == SERVER]
    assert sorted(s.name for s in messages) == ["tools/call search_records", "tools/list"]
    assert sorted(tuple(s.events) for s in messages) == [(), ("token.cache_hit",)]

    tool = _one(spans, "front", "tools/call search_records", SERVER)
    assert tool.parent_span_id == client_span
    assert tool.attributes["mcp.method.name"] == "tools/call"
    assert tool.attributes["gen_ai.tool.name"] == "search_records"
    assert tool.attributes["tollgate.tenant"] == TENANT
    assert tool.attributes["tollgate.model"] == "res.partner"
    assert tool.attributes["tollgate.operation"] == "read"
    assert tool.attributes["tollgate.decision"] == "allow"
    assert tool.attributes["tollgate.outcome"] == "success"
    assert tool.attributes["tollgate.record_count"] > 0

    # A successful gRPC call has no client span: the callee's server span hangs from the tool.
    assert not [s for s in spans if s.service == "front" and s.kind == CLIENT]
    for method, callee in [
        ("/tollgate.v1.PolicyService/Authorize", "policy"),
        ("/tollgate.v1.WorkerService/ExecuteTool", "worker"),
    ]:
        assert _one(spans, callee, method, SERVER).parent_span_id == tool.span_id
    worker = _one(spans, "worker", "/tollgate.v1.WorkerService/ExecuteTool", SERVER)
    odoo = [s for s in spans if s.service == "worker" and s.kind == CLIENT]
    assert odoo, "no span for the worker's HTTP request to Odoo"
    assert all(s.parent_span_id == worker.span_id for s in odoo)
    assert all(s.attributes["http.request.method"] == "POST" for s in odoo)
    assert all(s.attributes["http.response.status_code"] == 200 for s in odoo)
    policy = _one(spans, "policy", "/tollgate.v1.PolicyService/Authorize", SERVER)
    assert policy.attributes["tollgate.decision"] == "allow"


def test_a_denied_call_is_traced_with_its_reason(observed: Observed) -> None:
    spans = observed.trace("denied")
    tool = _one(spans, "front", "tools/call search_records", SERVER)
    assert tool.attributes["tollgate.decision"] == "deny"
    assert tool.attributes["tollgate.outcome"] == "denied"
    assert tool.attributes["tollgate.reason"]
    assert tool.attributes["tollgate.error.code"] == "POLICY_DENIED"
    policy = _one(spans, "policy", "/tollgate.v1.PolicyService/Authorize", SERVER)
    assert policy.attributes["tollgate.decision"] == "deny"
    assert policy.attributes["tollgate.reason"] == tool.attributes["tollgate.reason"]
    assert not [s for s in spans if s.service == "worker"]  # never reached the worker


def test_a_failed_call_is_traced_with_its_error(observed: Observed) -> None:
    spans = observed.trace("failed")
    tool = _one(spans, "front", "tools/call search_records", SERVER)
    assert tool.attributes["tollgate.outcome"] == "error"
    assert tool.attributes["tollgate.error.code"]
    assert tool.status_code == 2  # STATUS_CODE_ERROR
    worker = _one(spans, "worker", "/tollgate.v1.WorkerService/ExecuteTool", SERVER)
    assert worker.status_code == 2
    assert worker.attributes["rpc.grpc.status_code"] == 3  # INVALID_ARGUMENT
    assert worker.attributes["tollgate.error.code"] == tool.attributes["tollgate.error.code"]
    # A failed gRPC call gets a client span, made once the failure is known: it and the
    # callee's server span are both children of the tool span.
    outgoing = _one(spans, "front", "/tollgate.v1.WorkerService/ExecuteTool", CLIENT)
    assert outgoing.status_code == 2
    assert outgoing.parent_span_id == tool.span_id == worker.parent_span_id


def _metric_points(received: Received) -> tuple[dict[str, list[dict[str, str]]], set[str]]:
    """Label sets per tollgate metric, and the trace ids their exemplars point at."""
    seen: dict[str, list[dict[str, str]]] = {}
    exemplar_traces: set[str] = set()
    for request in list(received.metrics):
        for resource in request.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if not metric.name.startswith("tollgate."):
                        continue
                    data = getattr(metric, metric.WhichOneof("data"))
                    for point in data.data_points:
                        labels = {kv.key: kv.value.string_value for kv in point.attributes}
                        seen.setdefault(metric.name, []).append(labels)
                        for exemplar in getattr(point, "exemplars", []):
                            exemplar_traces.add(exemplar.trace_id.hex())
    return seen, exemplar_traces


# Each service exports its metrics on its own timer, so wait for every one the tests read.
EXPECTED_METRICS = {
    "tollgate.tool.calls",
    "tollgate.policy.decisions",
    "tollgate.token.verifications",
    "tollgate.odoo.request.duration",
}


def _all_outcomes_counted(received: Received) -> bool:
    seen, _ = _metric_points(received)
    outcomes = {p.get("outcome") for p in seen.get("tollgate.tool.calls", [])}
    return outcomes >= {"success", "denied", "error"} and set(seen) >= EXPECTED_METRICS


def test_metrics_carry_only_declared_labels_and_exemplars(observed: Observed) -> None:
    declared = {i.name: set(i.labels) for i in INSTRUMENTS}
    seen, exemplar_traces = _metric_points(observed.received)
    assert set(seen) <= set(declared), set(seen) - set(declared)
    for name, points in seen.items():
        for labels in points:
            assert set(labels) <= declared[name], (name, labels)
    calls = seen["tollgate.tool.calls"]
    outcomes = {p["outcome"] for p in calls if p["tenant"] == TENANT}
    assert outcomes >= {"success", "denied", "error"}
    assert set(seen) >= EXPECTED_METRICS
    # Durations recorded inside the sampled tool call link back to its trace.
    assert exemplar_traces & {c.trace_id for c in observed.calls.values()}


def test_audit_records_leave_as_otlp_logs(observed: Observed) -> None:
    bodies = []
    for request in list(observed.received.logs):
        for resource in request.resource_logs:
            for scope in resource.scope_logs:
                for record in scope.log_records:
                    attributes = {kv.key for kv in record.attributes}
                    if "tollgate.audit.tenant" in attributes:
                        bodies.append(record)
    assert bodies, "no audit record arrived as an OTLP log"
    assert any(r.trace_id.hex() in {c.trace_id for c in observed.calls.values()} for r in bodies)


def test_service_log_lines_carry_the_call_s_trace_and_span_ids(observed: Observed) -> None:
    wanted = observed.calls["allowed"].trace_id
    lines = [
        json.loads(line)
        for path in observed.stack.state_dir.rglob("*.log")
        if path.stem in ("front", "policy") or path.stem.startswith("worker-")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("{")
    ]
    in_trace = [line for line in lines if line.get("trace_id") == wanted]
    assert in_trace, "no log line of the allowed call carries its trace id"
    assert all(len(line["span_id"]) == 16 for line in in_trace)
    assert {line["service"] for line in in_trace} >= {"policy"}  # its audit line at least


def test_no_secret_or_record_value_in_any_signal(observed: Observed) -> None:
    odoo_key = next(u.api_key for u in DEMO_USERS if u.login == "demo")
    canaries = [observed.api_key, odoo_key, CANARY_VALUE, RECORD_VALUE]
    exported = [
        MessageToJson(m)
        for m in [*observed.received.traces, *observed.received.metrics, *observed.received.logs]
    ]
    logs_dir = observed.stack.state_dir
    service_logs = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in logs_dir.rglob("*.log")
        if not path.name.startswith("odoo-")
    ]
    local_traces = (logs_dir / "traces.jsonl").read_text(encoding="utf-8")
    assert service_logs
    assert local_traces
    for text in [*exported, *service_logs, local_traces]:
        for canary in canaries:
            assert canary not in text


def test_tollgate_trace_prints_the_waterfall(observed: Observed) -> None:
    import subprocess
    import sys

    wanted = observed.calls["failed"].trace_id
    state = str(observed.stack.state_dir)
    result = subprocess.run(
        [sys.executable, "-m", "tollgate_cli", "trace", wanted[:12], "--state-dir", state],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"trace {wanted}")
    tool_line = next(line for line in lines if "tools/call search_records" in line)
    worker_line = next(
        line for line in lines if "WorkerService/ExecuteTool" in line and "worker" in line
    )
    assert "outcome=error" in tool_line
    assert " ms " in tool_line
    indent = len(worker_line) - len(worker_line.lstrip())
    assert indent > len(tool_line) - len(tool_line.lstrip())
