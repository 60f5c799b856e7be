"""The worker's tools against the simulator (17.0, 18.0, 19.0) with users of different rights:
one Odoo request per warm read, access errors naming operation and model, company context,
validation errors naming the field, and a dead Odoo turned into a fast error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
from tollgate.v1 import common_pb2, worker_pb2, worker_pb2_grpc
from tollgate_common.errors import ErrorCode, TollgateError, from_rpc_error
from tollgate_common.odoo_credentials import OdooCredential, seal_odoo_credential
from tollgate_common.sealing import SealingPrivateKey
from tollgate_odoo_sim.addons.demo import DEMO_USERS
from tollgate_odoo_sim.testing import running_simulator
from tollgate_worker.config import Settings
from tollgate_worker.server import build_parts, create_server
from tollgate_worker.servicer import WorkerServicer

API_KEYS = {user.login: user.api_key for user in DEMO_USERS}
WORKER_KEY = SealingPrivateKey.generate()


@pytest.fixture(scope="module", params=["17.0", "18.0", "19.0"])
def odoo(request: pytest.FixtureRequest) -> Iterator[str]:
    with running_simulator(request.param) as url:
        yield url


class Worker:
    def __init__(self, stub: worker_pb2_grpc.WorkerServiceStub) -> None:
        self.stub = stub

    async def call(
        self, tool: str, arguments: dict[str, Any], login: str = "demo", **call: Any
    ) -> tuple[dict[str, Any], worker_pb2.ExecuteToolResponse]:
        credential = seal_odoo_credential(
            WORKER_KEY.public_key, OdooCredential(login, API_KEYS[login]), tenant="acme"
        )
        request = worker_pb2.ExecuteToolRequest(
            principal=common_pb2.Principal(
                tenant="acme", subject=login, odoo_login=login, credential=credential
            ),
            call=common_pb2.ToolCall(
                tool=tool, arguments_json=json.dumps(arguments).encode(), **call
            ),
        )
        response = await self.stub.ExecuteTool(request, timeout=10)
        return json.loads(response.result_json), response

    async def error_of(self, *args: Any, **kwargs: Any) -> TollgateError:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await self.call(*args, **kwargs)
        return from_rpc_error(raised.value, "the worker")


@pytest.fixture
async def worker(odoo: str) -> AsyncIterator[Worker]:
    settings = Settings(
        tenant="acme",
        odoo_url=odoo,
        odoo_database="odoo",
        private_keys=WORKER_KEY.to_base64(),
        port=0,
        breaker_threshold=2,
    )
    parts = build_parts(settings)
    server = create_server(settings, WorkerServicer(parts))
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    yield Worker(worker_pb2_grpc.WorkerServiceStub(channel))
    await channel.close()
    await server.stop(None)
    await parts.client.aclose()


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("search_records", {"model": "res.partner", "limit": 5}),
        ("get_records", {"model": "res.partner", "ids": [8]}),
        ("count_records", {"model": "sale.order"}),
        (
            "aggregate_records",
            {"model": "sale.order", "groupby": ["partner_id"], "aggregates": ["amount_total:sum"]},
        ),
    ],
)
async def test_a_warm_read_is_one_odoo_request(
    worker: Worker, tool: str, arguments: dict[str, Any]
) -> None:
    await worker.call(tool, arguments)
    data, warm = await worker.call(tool, arguments)
    assert warm.odoo_requests == 1
    assert data


async def test_access_errors_name_the_operation_and_model(worker: Worker) -> None:
    error = await worker.error_of(
        "update_records",
        {"model": "res.partner", "ids": [8], "values": {"city": "Ghent"}},
        login="viewer",
    )
    assert error.code is ErrorCode.PERMISSION_DENIED
    assert error.message.startswith("Your Odoo user may not change res.partner records.")


async def test_validation_errors_name_the_field(worker: Worker) -> None:
    error = await worker.error_of(
        "create_records", {"model": "res.partner", "records": [{"email": "a@b.c"}]}
    )
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert error.field == "name"


async def test_unknown_names_get_suggestions(worker: Worker) -> None:
    model = await worker.error_of("count_records", {"model": "sale.ordr"})
    assert model.code is ErrorCode.INVALID_ARGUMENT
    assert "sale.order" in model.suggestions
    field = await worker.error_of(
        "aggregate_records", {"model": "sale.order", "groupby": ["partner"]}
    )
    assert "partner_id" in field.suggestions


async def test_company_context_is_checked_and_applied(worker: Worker) -> None:
    everywhere, _ = await worker.call("count_records", {"model": "res.partner"}, login="admin")
    chicago, _ = await worker.call("describe_tenant", {}, login="admin")
    companies = {c["name"]: c["id"] for c in chicago["companies"]}
    assert len(companies) == 2
    assert chicago["user"]["company_ids"] == sorted(companies.values())
    for company_id in companies.values():
        data, _ = await worker.call(
            "count_records", {"model": "res.partner", "company_ids": [company_id]}, login="admin"
        )
        assert 0 < data["count"] <= everywhere["count"]
    refused = await worker.error_of(
        "count_records",
        {"model": "res.partner", "company_ids": [companies["My Company (Chicago)"]]},
    )
    assert refused.code is ErrorCode.PERMISSION_DENIED
    assert refused.field == "company_ids"


async def test_the_users_language_and_time_zone_go_along(worker: Worker) -> None:
    data, _ = await worker.call("describe_tenant", {}, login="admin")
    assert data["user"]["lang"] == "en_US"
    assert data["user"]["tz"] == "Europe/Brussels"


async def test_call_method_must_match_the_authorized_method(worker: Worker) -> None:
    error = await worker.error_of(
        "call_method",
        {"model": "sale.order", "method": "action_cancel", "ids": [1]},
        model="sale.order",
        operation="execute",
        method="action_confirm",
    )
    assert error.code is ErrorCode.INVALID_ARGUMENT
    assert error.field == "method"


async def test_a_dead_odoo_opens_the_breaker() -> None:
    settings = Settings(
        tenant="acme",
        odoo_url="http://127.0.0.1:9",
        odoo_database="odoo",
        private_keys=WORKER_KEY.to_base64(),
        port=0,
        breaker_threshold=2,
        breaker_cooldown=60,
    )
    parts = build_parts(settings)
    server = create_server(settings, WorkerServicer(parts))
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    worker = Worker(worker_pb2_grpc.WorkerServiceStub(channel))
    try:
        first = await worker.error_of("count_records", {"model": "res.partner"})
        assert first.code is ErrorCode.UNAVAILABLE
        sent = parts.client.transport.requests_sent
        fast = await worker.error_of("count_records", {"model": "res.partner"})
        assert fast.code is ErrorCode.UNAVAILABLE
        assert "stopped calling it" in fast.message
        assert parts.client.transport.requests_sent == sent
    finally:
        await channel.close()
        await server.stop(None)
        await parts.client.aclose()
