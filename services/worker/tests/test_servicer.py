"""The worker's gRPC API through a real grpc.aio server, with Odoo faked at the HTTP layer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
import pytest
from tollgate.v1 import common_pb2, worker_pb2, worker_pb2_grpc
from tollgate_common.errors import ErrorCode, TollgateError, from_rpc_error
from tollgate_common.sealing import SealingPrivateKey
from tollgate_worker.config import Settings
from tollgate_worker.server import build_parts, create_server
from tollgate_worker.servicer import WorkerServicer


def make_settings(key: SealingPrivateKey, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "tenant": "acme",
        "odoo_url": "http://odoo.test",
        "odoo_database": "odoo",
        "private_keys": key.to_base64(),
        "port": 0,
        "max_limit": 50,
    }
    values.update(overrides)
    return Settings(**values)


class Worker:
    def __init__(self, stub: worker_pb2_grpc.WorkerServiceStub, seal: Any) -> None:
        self.stub = stub
        self.seal = seal

    def principal(self, login: str = "demo", key: str = "demo-key", **fields: Any):
        values: dict[str, Any] = {
            "tenant": "acme",
            "subject": "demo@example.com",
            "odoo_login": login,
            "credential": self.seal(login, key),
        }
        values.update(fields)
        return common_pb2.Principal(**values)

    async def search(self, arguments: dict[str, Any], *, principal=None, redact=(), seconds=5.0):
        request = worker_pb2.ExecuteToolRequest(
            principal=principal or self.principal(),
            call=common_pb2.ToolCall(
                tool="search_records",
                arguments_json=json.dumps(arguments).encode(),
                model=arguments.get("model", ""),
                operation="read",
            ),
            redact_fields=list(redact),
        )
        response = await self.stub.ExecuteTool(request, timeout=seconds)
        return json.loads(response.result_json), response

    async def error_of(self, call: Any) -> TollgateError:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await call
        return from_rpc_error(raised.value, "the worker")


async def start_worker(settings: Settings, transport: httpx.AsyncBaseTransport, seal: Any):
    parts = build_parts(settings, transport=transport)
    server = create_server(settings, WorkerServicer(parts))
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    return parts, server, channel, Worker(worker_pb2_grpc.WorkerServiceStub(channel), seal)


@pytest.fixture
async def worker(worker_key, mock_transport, seal) -> AsyncIterator[Worker]:
    parts, server, channel, client = await start_worker(
        make_settings(worker_key), mock_transport, seal
    )
    yield client
    await channel.close()
    await server.stop(None)
    await parts.client.aclose()


async def test_search_records_returns_shaped_partners(worker, fake_odoo):
    data, response = await worker.search(
        {"model": "res.partner", "fields": ["name", "email", "is_company", "parent_id"], "limit": 3}
    )
    assert data["model"] == "res.partner"
    assert data["count"] == 3
    assert response.record_count == 3
    assert data["has_more"] is True
    assert data["next_cursor"]
    assert data["more"].startswith("1+ more")
    first, second, third = data["records"]
    assert first == {
        "id": 1,
        "name": "Partner 1",
        "email": "p1@example.com",
        "is_company": False,
        "parent_id": None,
        "url": "http://odoo.test/odoo/res.partner/1",
    }
    assert second["email"] is None  # Odoo's False for an unset char field
    assert second["parent_id"] == {"id": 1, "name": "Partner 1"}
    assert third["is_company"] is True


async def test_a_warm_call_is_exactly_one_odoo_request(worker, fake_odoo):
    _, cold = await worker.search({"model": "res.partner", "fields": ["name"]})
    # version detection, authenticate, the user's context, fields_get, search_read
    assert cold.odoo_requests == 5
    sent = len(fake_odoo.requests)
    _, warm = await worker.search({"model": "res.partner", "fields": ["name"], "offset": 5})
    assert warm.odoo_requests == 1
    assert len(fake_odoo.requests) == sent + 1
    assert fake_odoo.object_calls[-1][1] == "search_read"


async def test_the_last_page_says_there_is_no_more(worker):
    data, _ = await worker.search(
        {"model": "res.partner", "fields": ["name"], "offset": 20, "limit": 10}
    )
    assert data["count"] == 5
    assert data["has_more"] is False
    assert "next_cursor" not in data


async def test_default_fields_are_few_and_telling(worker, fake_odoo):
    data, _ = await worker.search({"model": "res.partner", "limit": 1})
    assert set(data["records"][0]) == {"id", "name", "email", "phone", "is_company", "url"}
    assert "display_name" not in data["records"][0]


async def test_unknown_field_is_refused_with_suggestions(worker):
    error = await worker.error_of(worker.search({"model": "res.partner", "fields": ["emial"]}))
    assert error.code is ErrorCode.INVALID_ARGUMENT
    assert "emial" in error.message
    assert "email" in error.suggestions


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"model": "Res Partner"}, "model"),
        ({"model": "res.partner", "limit": 0}, "limit"),
        ({"model": "res.partner", "limit": 51}, "limit"),
        ({"model": "res.partner", "offset": -1}, "offset"),
        ({"model": "res.partner", "domain": [["name", "="]]}, "domain"),
        ({"model": "res.partner", "domain": ["&&"]}, "domain"),
        ({"model": "res.partner", "order": "name; drop table"}, "order"),
        ({"model": "res.partner", "fields": ["na-me"]}, "fields"),
        ({"model": "res.partner", "colour": "red"}, "colour"),
        ({}, "model"),
    ],
)
async def test_bad_arguments_are_refused_before_odoo_is_asked(worker, fake_odoo, arguments, field):
    error = await worker.error_of(worker.search(arguments))
    assert error.code is ErrorCode.INVALID_ARGUMENT
    assert error.field == field
    assert fake_odoo.object_calls == []


async def test_redacted_fields_are_never_asked_for_nor_returned(worker, fake_odoo):
    data, _ = await worker.search(
        {"model": "res.partner", "fields": ["name", "email"], "limit": 2},
        redact=["res.partner.email"],
    )
    assert all("email" not in record for record in data["records"])
    assert data["redacted_fields"] == ["email"]
    assert fake_odoo.object_calls[-1][3]["fields"] == ["name"]


async def test_a_call_for_another_tenant_is_refused(worker, fake_odoo):
    principal = worker.principal(tenant="globex")
    error = await worker.error_of(worker.search({"model": "res.partner"}, principal=principal))
    assert error.code is ErrorCode.PERMISSION_DENIED
    assert fake_odoo.requests == []


async def test_a_credential_sealed_for_another_tenant_cannot_be_opened(worker, fake_odoo, seal):
    principal = worker.principal(credential=seal("demo", "demo-key", tenant="globex"))
    error = await worker.error_of(worker.search({"model": "res.partner"}, principal=principal))
    assert error.code is ErrorCode.UNAUTHENTICATED
    assert "demo-key" not in error.message
    assert fake_odoo.requests == []


async def test_a_credential_of_another_login_is_refused(worker, seal):
    principal = worker.principal(login="admin", credential=seal("demo", "demo-key"))
    error = await worker.error_of(worker.search({"model": "res.partner"}, principal=principal))
    assert error.code is ErrorCode.UNAUTHENTICATED


async def test_a_wrong_api_key_is_unauthenticated(worker):
    principal = worker.principal(key="not-the-key")
    error = await worker.error_of(worker.search({"model": "res.partner"}, principal=principal))
    assert error.code is ErrorCode.UNAUTHENTICATED
    assert "not-the-key" not in error.message


async def test_a_key_revoked_after_caching_is_checked_again(worker, fake_odoo):
    await worker.search({"model": "res.partner", "fields": ["name"]})
    fake_odoo.users["demo"] = ("rotated-key", 6)
    error = await worker.error_of(worker.search({"model": "res.partner", "fields": ["name"]}))
    assert error.code is ErrorCode.UNAUTHENTICATED
    fake_odoo.users["demo"] = ("demo-key", 6)
    _, response = await worker.search({"model": "res.partner", "fields": ["name"]})
    # The uid is asked again (authenticate + search_read); the schema stays cached.
    assert response.odoo_requests == 2


async def test_odoo_access_errors_keep_odoos_message(worker, fake_odoo):
    await worker.search({"model": "res.partner", "fields": ["name"]})
    fake_odoo.fail_with = (
        "odoo.exceptions.AccessError",
        "You are not allowed to access 'Contact'.",
    )
    error = await worker.error_of(worker.search({"model": "res.partner", "fields": ["name"]}))
    assert error.code is ErrorCode.PERMISSION_DENIED
    assert error.message == (
        "Your Odoo user may not read res.partner records. "
        "Odoo said: You are not allowed to access 'Contact'."
    )
    assert error.hint


async def test_an_invalid_domain_is_invalid_argument(worker, fake_odoo):
    await worker.search({"model": "res.partner", "fields": ["name"]})
    fake_odoo.fail_with = ("builtins.ValueError", "Invalid field 'nope' in leaf ('nope', '=', 1)")
    error = await worker.error_of(
        worker.search({"model": "res.partner", "fields": ["name"], "domain": [["nope", "=", 1]]})
    )
    assert error.code is ErrorCode.INVALID_ARGUMENT
    assert "nope" in error.message


async def test_an_unknown_tool_is_refused(worker):
    request = worker_pb2.ExecuteToolRequest(
        principal=worker.principal(), call=common_pb2.ToolCall(tool="drop_everything")
    )
    error = await worker.error_of(worker.stub.ExecuteTool(request, timeout=5))
    assert error.code is ErrorCode.INVALID_ARGUMENT
    assert "search_records" in error.suggestions


async def test_arguments_that_are_not_json_are_refused(worker):
    request = worker_pb2.ExecuteToolRequest(
        principal=worker.principal(),
        call=common_pb2.ToolCall(tool="search_records", arguments_json=b"{nope"),
    )
    error = await worker.error_of(worker.stub.ExecuteTool(request, timeout=5))
    assert error.code is ErrorCode.INVALID_ARGUMENT


async def test_verify_credential_describes_the_user(worker):
    response = await worker.stub.VerifyCredential(
        worker_pb2.VerifyCredentialRequest(
            odoo_login="demo", credential=worker.seal("demo", "demo-key")
        ),
        timeout=5,
    )
    assert response.uid == 6
    assert response.name == "Marc Demo"
    assert response.email == "demo@example.com"
    assert list(response.company_ids) == [1]
    assert response.lang == "en_US"
    assert response.tz == ""


async def test_verify_credential_refuses_a_wrong_key(worker):
    error = await worker.error_of(
        worker.stub.VerifyCredential(
            worker_pb2.VerifyCredentialRequest(
                odoo_login="demo", credential=worker.seal("demo", "wrong")
            ),
            timeout=5,
        )
    )
    assert error.code is ErrorCode.UNAUTHENTICATED


async def test_describe_odoo(worker):
    response = await worker.stub.DescribeOdoo(worker_pb2.DescribeOdooRequest(), timeout=5)
    assert (response.version, response.protocol, response.database) == ("18.0", "jsonrpc", "odoo")


async def test_odoo_down_is_unavailable(worker_key, seal):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    parts, server, channel, client = await start_worker(
        make_settings(worker_key), httpx.MockTransport(refuse), seal
    )
    try:
        error = await client.error_of(client.search({"model": "res.partner"}))
        assert error.code is ErrorCode.UNAVAILABLE
        assert "http://odoo.test" in error.message
        assert error.retry_after
        describe = await client.error_of(
            client.stub.DescribeOdoo(worker_pb2.DescribeOdooRequest(), timeout=5)
        )
        assert describe.code is ErrorCode.UNAVAILABLE
    finally:
        await channel.close()
        await server.stop(None)
        await parts.client.aclose()


async def test_a_slow_odoo_ends_within_the_callers_deadline(worker_key, seal, fake_odoo):
    async def slow(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/jsonrpc":
            await asyncio.sleep(30)
        return fake_odoo.handler(request)

    parts, server, channel, client = await start_worker(
        make_settings(worker_key), httpx.MockTransport(slow), seal
    )
    try:
        error = await client.error_of(client.search({"model": "res.partner"}, seconds=0.5))
        assert error.code is ErrorCode.DEADLINE_EXCEEDED
    finally:
        await channel.close()
        await server.stop(None)
        await parts.client.aclose()


async def test_json2_is_used_on_odoo_19(worker_key, seal, fake_odoo):
    fake_odoo.version = "19.0"
    parts, server, channel, client = await start_worker(
        make_settings(worker_key), httpx.MockTransport(fake_odoo.handler), seal
    )
    try:
        data, _ = await client.search({"model": "res.partner", "fields": ["name"], "limit": 2})
        assert [r["name"] for r in data["records"]] == ["Partner 1", "Partner 2"]
        assert fake_odoo.requests[-1].url.path == "/json/2/res.partner/search_read"
    finally:
        await channel.close()
        await server.stop(None)
        await parts.client.aclose()


@pytest.mark.parametrize(
    ("model", "operation", "field"),
    [("account.move", "read", "model"), ("res.partner", "unlink", "operation")],
)
async def test_a_call_that_differs_from_what_policy_saw_is_refused(
    worker, fake_odoo, model, operation, field
):
    request = worker_pb2.ExecuteToolRequest(
        principal=worker.principal(),
        call=common_pb2.ToolCall(
            tool="search_records",
            arguments_json=json.dumps({"model": "res.partner"}).encode(),
            model=model,
            operation=operation,
        ),
    )
    error = await worker.error_of(worker.stub.ExecuteTool(request, timeout=5))
    assert error.code is ErrorCode.INVALID_ARGUMENT
    assert error.field == field
    assert fake_odoo.requests == []


async def test_a_burst_of_cold_calls_checks_the_key_and_schema_once(worker, fake_odoo):
    arguments = {"model": "res.partner", "fields": ["name"], "limit": 1}
    results = await asyncio.gather(*(worker.search(arguments) for _ in range(8)))
    assert all(data["count"] == 1 for data, _ in results)
    methods = [
        json.loads(r.content)["params"]["method"]
        for r in fake_odoo.requests
        if r.url.path == "/jsonrpc"
    ]
    assert methods.count("authenticate") == 1
    assert [call[1] for call in fake_odoo.object_calls].count("fields_get") == 1
