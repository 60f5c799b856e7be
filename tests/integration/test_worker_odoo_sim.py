"""The worker against the real Odoo simulator (17.0, 18.0 and 19.0), over real gRPC and HTTP."""

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
def odoo(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with running_simulator(request.param) as url:
        yield request.param, url


class Worker:
    def __init__(self, stub: worker_pb2_grpc.WorkerServiceStub) -> None:
        self.stub = stub

    async def call(
        self, tool: str, arguments: dict[str, Any], login: str = "demo", api_key: str | None = None
    ) -> tuple[dict[str, Any], worker_pb2.ExecuteToolResponse]:
        credential = seal_odoo_credential(
            WORKER_KEY.public_key,
            OdooCredential(login, api_key if api_key is not None else API_KEYS[login]),
            tenant="acme",
        )
        request = worker_pb2.ExecuteToolRequest(
            principal=common_pb2.Principal(
                tenant="acme",
                subject=f"{login}@example.com",
                odoo_login=login,
                credential=credential,
            ),
            call=common_pb2.ToolCall(tool=tool, arguments_json=json.dumps(arguments).encode()),
        )
        response = await self.stub.ExecuteTool(request, timeout=10)
        return json.loads(response.result_json), response

    async def error_of(self, *args: Any, **kwargs: Any) -> TollgateError:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await self.call(*args, **kwargs)
        return from_rpc_error(raised.value, "the worker")


async def start(url: str, protocol: str = "auto") -> tuple[Any, Any, grpc.aio.Channel, Worker]:
    settings = Settings(
        tenant="acme",
        odoo_url=url,
        odoo_database="odoo",
        odoo_protocol=protocol,
        private_keys=WORKER_KEY.to_base64(),
        port=0,
    )
    parts = build_parts(settings)
    server = create_server(settings, WorkerServicer(parts))
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    return parts, server, channel, Worker(worker_pb2_grpc.WorkerServiceStub(channel))


@pytest.fixture
async def worker(odoo: tuple[str, str]) -> AsyncIterator[Worker]:
    parts, server, channel, client = await start(odoo[1])
    yield client
    await channel.close()
    await server.stop(None)
    await parts.client.aclose()


async def test_search_records_returns_partners_in_one_request_when_warm(worker):
    arguments = {
        "model": "res.partner",
        "domain": [["is_company", "=", True]],
        "fields": ["name", "email", "parent_id", "is_company"],
        "limit": 3,
        "order": "name",
    }
    data, cold = await worker.call("search_records", arguments)
    assert data["count"] == 3
    assert data["has_more"] is True
    assert all(record["is_company"] is True for record in data["records"])
    names = [record["name"] for record in data["records"]]
    assert names == sorted(names)
    assert cold.odoo_requests >= 3
    _, warm = await worker.call("search_records", {**arguments, "offset": 3})
    assert warm.odoo_requests == 1


async def test_many2one_values_are_id_and_name(worker):
    data, _ = await worker.call(
        "search_records",
        {
            "model": "res.partner",
            "domain": [["parent_id", "!=", False]],
            "fields": ["name", "parent_id"],
            "limit": 1,
        },
    )
    parent = data["records"][0]["parent_id"]
    assert set(parent) == {"id", "name"}
    assert isinstance(parent["id"], int)


async def test_default_fields_keep_answers_small(worker):
    data, _ = await worker.call("search_records", {"model": "res.partner", "limit": 5})
    assert 2 <= len(data["records"][0]) <= 9
    assert "image_1920" not in data["records"][0]


async def test_an_access_error_carries_odoos_message(worker):
    error = await worker.error_of(
        "search_records", {"model": "project.task", "fields": ["name"]}, login="chicago"
    )
    assert error.code is ErrorCode.PERMISSION_DENIED
    assert "project.task" in error.message


async def test_an_invalid_domain_is_an_invalid_argument(worker):
    error = await worker.error_of(
        "search_records",
        {"model": "res.partner", "fields": ["name"], "domain": [["nope", "=", 1]]},
    )
    assert error.code is ErrorCode.INVALID_ARGUMENT
    assert "nope" in error.message


async def test_an_unknown_model_is_an_invalid_argument(worker):
    error = await worker.error_of("search_records", {"model": "res.nothing"})
    assert error.code is ErrorCode.INVALID_ARGUMENT


async def test_a_wrong_api_key_is_unauthenticated(worker):
    error = await worker.error_of("search_records", {"model": "res.partner"}, api_key="wrong")
    assert error.code is ErrorCode.UNAUTHENTICATED


async def test_verify_credential_and_describe_odoo(worker, odoo):
    version, _ = odoo
    credential = seal_odoo_credential(
        WORKER_KEY.public_key, OdooCredential("demo", API_KEYS["demo"]), tenant="acme"
    )
    user = await worker.stub.VerifyCredential(
        worker_pb2.VerifyCredentialRequest(odoo_login="demo", credential=credential), timeout=10
    )
    assert user.uid > 0
    assert user.name == "Marc Demo"
    assert list(user.company_ids)
    described = await worker.stub.DescribeOdoo(worker_pb2.DescribeOdooRequest(), timeout=10)
    assert described.version == version
    assert described.protocol == ("json2" if version == "19.0" else "jsonrpc")
    assert described.database == "odoo"


async def test_xml_rpc_gives_the_same_answer(odoo):
    parts, server, channel, client = await start(odoo[1], protocol="xmlrpc")
    try:
        arguments = {
            "model": "res.partner",
            "fields": ["name", "parent_id"],
            "limit": 5,
            "order": "id",
        }
        data, _ = await client.call("search_records", arguments)
    finally:
        await channel.close()
        await server.stop(None)
        await parts.client.aclose()
    parts, server, channel, client = await start(odoo[1])
    try:
        expected, _ = await client.call("search_records", arguments)
    finally:
        await channel.close()
        await server.stop(None)
        await parts.client.aclose()
    assert data == expected
