"""RecordNames: the names an approval request shows, read from a real gRPC worker on loopback
with the requester's own principal, only when policy lets the requester read them; any failure
gives no names (the summary then lists ids) and never an error."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import pytest
from tollgate.v1 import common_pb2, worker_pb2, worker_pb2_grpc
from tollgate_common.tenants.config import TenantConfig, compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import free_port, running_grpc_server
from tollgate_policy.record_names import LOOKUP_TOOL, MAX_NAMES, RecordNames
from tollgate_policy.rules import CompiledPolicy

REQUESTER = common_pb2.Principal(
    tenant="acme", subject="clerk@acme.example", email="clerk@acme.example", connection_id="c1"
)
POLICY: dict[str, Any] = {
    "defaultModelAccess": "deny",
    "models": [
        {"model": "res.partner", "allow": ["read", "write", "unlink"]},
        {"model": "account.move", "allow": ["unlink"]},
    ],
    "approvals": {"tools": ["delete_records"], "approvers": ["cfo@acme.example"]},
}
# What a worker's get_records answers for ids 7 and 8 (Odoo gives False for an empty name).
NAMED = {"records": [{"id": 7, "display_name": "Deco Addict"}, {"id": 8, "display_name": False}]}

Answer = Callable[[worker_pb2.ExecuteToolRequest, Any], Any]


def tenant(worker_address: str, policy: dict[str, Any] = POLICY) -> TenantConfig:
    spec = parse_tenant_spec(
        {"odoo": {"url": "https://acme.example", "database": "acme"}, "policy": policy}
    )
    return compile_tenant(
        "acme", spec, endpoint_base="https://mcp.example", worker_address=worker_address
    )


def delete_call(model: str = "res.partner", ids: tuple[int, ...] = (7, 8)) -> common_pb2.ToolCall:
    return common_pb2.ToolCall(
        tool="delete_records",
        model=model,
        operation="unlink",
        record_ids=ids,
        arguments_json=json.dumps({"model": model, "ids": list(ids)}).encode(),
    )


class ScriptedWorker(worker_pb2_grpc.WorkerServiceServicer):
    """Answers ExecuteTool with whatever the test sets and keeps the requests it got."""

    def __init__(self) -> None:
        self.requests: list[worker_pb2.ExecuteToolRequest] = []
        self.answer: Answer = lambda _request, _context: worker_pb2.ExecuteToolResponse(
            result_json=json.dumps(NAMED).encode()
        )

    async def ExecuteTool(self, request: worker_pb2.ExecuteToolRequest, context: Any) -> Any:
        self.requests.append(request)
        answer = self.answer(request, context)
        return await answer if asyncio.iscoroutine(answer) else answer

    def result(self, value: Any) -> None:
        """Answer with ``value`` as the result (bytes as they are, anything else as JSON)."""
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        self.answer = lambda _request, _context: worker_pb2.ExecuteToolResponse(result_json=raw)


@pytest.fixture
async def worker() -> AsyncIterator[tuple[ScriptedWorker, str]]:
    servicer = ScriptedWorker()

    def register(server: grpc.aio.Server) -> None:
        worker_pb2_grpc.add_WorkerServiceServicer_to_server(servicer, server)

    async with running_grpc_server(register) as server:
        yield servicer, server.address


@pytest.fixture
async def names() -> AsyncIterator[RecordNames]:
    lookup = RecordNames(timeout=2.0)
    yield lookup
    await lookup.close()


async def look_up(
    names: RecordNames,
    config: TenantConfig,
    call: common_pb2.ToolCall,
    *,
    principal: common_pb2.Principal = REQUESTER,
    client_ip: str = "203.0.113.9",
) -> list[str]:
    return await names.lookup(config, CompiledPolicy.of(config), principal, call, client_ip)


async def test_names_come_in_the_calls_id_order_with_a_question_mark_for_no_name(
    worker: tuple[ScriptedWorker, str], names: RecordNames
) -> None:
    servicer, address = worker
    # The worker answers in its own order and leaves one id out (deleted, or not readable).
    servicer.result({"records": [{"id": 8, "display_name": "Azure"}, {"id": 7, "name": "Deco"}]})
    found = await look_up(names, tenant(address), delete_call(ids=(7, 99, 8)))
    assert found == ["Deco (id 7)", "? (id 99)", "Azure (id 8)"]


async def test_the_worker_is_asked_to_read_only_display_name_as_the_requester(
    worker: tuple[ScriptedWorker, str], names: RecordNames
) -> None:
    servicer, address = worker
    found = await look_up(names, tenant(address), delete_call())
    assert found == ["Deco Addict (id 7)", "? (id 8)"]
    (request,) = servicer.requests
    assert request.principal == REQUESTER
    assert (request.call.tool, request.call.model, request.call.operation) == (
        LOOKUP_TOOL,
        "res.partner",
        "read",
    )
    assert list(request.call.record_ids) == [7, 8]
    assert json.loads(request.call.arguments_json) == {
        "model": "res.partner",
        "ids": [7, 8],
        "fields": ["display_name"],
    }
    # A plain read: no obligations, and it really runs (it is no dry run of the write).
    assert list(request.redact_fields) == []
    assert not request.dry_run


async def test_at_most_max_names_ids_are_looked_up(
    worker: tuple[ScriptedWorker, str], names: RecordNames
) -> None:
    servicer, address = worker
    ids = tuple(range(1, MAX_NAMES + 6))
    servicer.result({"records": [{"id": i, "display_name": f"P{i}"} for i in ids]})
    found = await look_up(names, tenant(address), delete_call(ids=ids))
    assert found == [f"P{i} (id {i})" for i in ids[:MAX_NAMES]]
    assert list(servicer.requests[0].call.record_ids) == list(ids[:MAX_NAMES])


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(delete_call(model=""), id="no model"),
        pytest.param(delete_call(ids=()), id="no ids"),
    ],
)
async def test_a_call_naming_no_records_needs_no_names(
    worker: tuple[ScriptedWorker, str], names: RecordNames, call: common_pb2.ToolCall
) -> None:
    servicer, address = worker
    assert await look_up(names, tenant(address), call) == []
    assert servicer.requests == []


async def test_no_names_are_read_where_the_requester_may_not_read(
    worker: tuple[ScriptedWorker, str], names: RecordNames
) -> None:
    servicer, address = worker
    # account.move may be deleted (with an approval) but not read.
    assert await look_up(names, tenant(address), delete_call(model="account.move")) == []
    # An address outside the tenant's allowlist may not read anything.
    fenced = tenant(address, {**POLICY, "ip": {"allow": ["10.0.0.0/8"]}})
    assert await look_up(names, fenced, delete_call(), client_ip="203.0.113.9") == []
    # A connection limited to other models may not read res.partner either.
    limited = common_pb2.Principal(
        tenant="acme", subject=REQUESTER.subject, connection_id="c2", allowed_models=["sale.order"]
    )
    assert await look_up(names, tenant(address), delete_call(), principal=limited) == []
    assert servicer.requests == []


@pytest.mark.parametrize(
    "result",
    [
        pytest.param(b"not json", id="not JSON"),
        pytest.param(b"\xff\xfe", id="not UTF-8"),
        pytest.param([1, 2], id="a list, not an object"),
        pytest.param({"count": 2}, id="no records"),
        pytest.param({"records": None}, id="records null"),
        pytest.param({"records": 7}, id="records a number"),
        pytest.param({"records": "Deco Addict"}, id="records a string"),
    ],
)
async def test_a_malformed_answer_gives_no_names_and_no_error(
    worker: tuple[ScriptedWorker, str], names: RecordNames, result: Any
) -> None:
    servicer, address = worker
    servicer.result(result)
    assert await look_up(names, tenant(address), delete_call()) == []
    assert len(servicer.requests) == 1


async def test_entries_that_are_not_records_are_skipped(
    worker: tuple[ScriptedWorker, str], names: RecordNames
) -> None:
    servicer, address = worker
    servicer.result({"records": ["Deco Addict", None, 7, {"id": 8, "display_name": "Azure"}]})
    assert await look_up(names, tenant(address), delete_call()) == ["? (id 7)", "Azure (id 8)"]


async def test_a_worker_error_gives_no_names_and_logs_no_record_contents(
    worker: tuple[ScriptedWorker, str], names: RecordNames, caplog: pytest.LogCaptureFixture
) -> None:
    servicer, address = worker

    async def refuse(_request: Any, context: Any) -> Any:
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, "clerk may not read Deco Addict")

    servicer.answer = refuse
    with caplog.at_level(logging.INFO, logger="tollgate_policy.record_names"):
        assert await look_up(names, tenant(address), delete_call()) == []
    (logged,) = caplog.records
    assert logged.__dict__["error"] == "AioRpcError"
    assert logged.__dict__["model"] == "res.partner"
    assert "Deco Addict" not in caplog.text


async def test_a_worker_slower_than_the_timeout_gives_no_names(
    worker: tuple[ScriptedWorker, str],
) -> None:
    servicer, address = worker
    never = asyncio.Event()

    async def hang(_request: Any, _context: Any) -> Any:
        await never.wait()

    servicer.answer = hang
    names = RecordNames(timeout=0.2)
    try:
        assert await look_up(names, tenant(address), delete_call()) == []
    finally:
        await names.close()


async def test_an_unreachable_worker_gives_no_names(names: RecordNames) -> None:
    nobody = f"127.0.0.1:{free_port()}"
    assert await look_up(names, tenant(nobody), delete_call()) == []


async def test_one_channel_per_worker_reused_and_reopened_after_close(
    worker: tuple[ScriptedWorker, str], names: RecordNames
) -> None:
    servicer, address = worker
    config = tenant(address)
    for _ in range(3):
        assert await look_up(names, config, delete_call()) == ["Deco Addict (id 7)", "? (id 8)"]
    assert len(servicer.requests) == 3
    await names.close()
    assert await look_up(names, config, delete_call()) == ["Deco Addict (id 7)", "? (id 8)"]
    assert len(servicer.requests) == 4
