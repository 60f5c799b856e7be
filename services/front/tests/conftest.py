"""The front over real HTTP and real gRPC, with small scripted auth, policy and worker servers.

The fakes speak the real contracts (``tollgate.v1`` stubs, structured errors through the common
error interceptor), so what these tests prove about the front holds against the real services.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from tollgate.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    common_pb2,
    policy_pb2,
    policy_pb2_grpc,
    worker_pb2,
    worker_pb2_grpc,
)
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.tenants import compile_tenant, parse_tenant_spec
from tollgate_common.testing import free_port, running_grpc_server
from tollgate_front.app import create_app
from tollgate_front.config import Settings

GOOD_TOKEN = "dev-acme-0123456789"
OTHER_TENANT_TOKEN = "dev-globex-0123456789"

PARTNERS = [
    {"id": 1, "name": "Azure Interior", "is_company": True},
    {"id": 2, "name": "Deco Addict", "is_company": True},
    {"id": 3, "name": "Gemini Furniture", "is_company": True},
]


class FakeAuth(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self) -> None:
        self.calls = 0
        self.down = False

    async def VerifyToken(
        self, request: auth_pb2.VerifyTokenRequest, context: Any
    ) -> auth_pb2.VerifyTokenResponse:
        self.calls += 1
        if self.down:
            raise TollgateError(ErrorCode.UNAVAILABLE, "auth's store is unavailable.")
        tenants = {GOOD_TOKEN: "acme", OTHER_TENANT_TOKEN: "globex"}
        if tenants.get(request.token) != request.tenant:
            raise TollgateError(ErrorCode.UNAUTHENTICATED, "Unknown or revoked API key.")
        principal = common_pb2.Principal(
            tenant=request.tenant,
            subject="key:dev",
            email="admin@acme.example",
            odoo_login="admin",
            connection_id="dev",
            client_id="tests",
            credential=common_pb2.SealedCredential(key_id="k", ciphertext=b"sealed"),
        )
        return auth_pb2.VerifyTokenResponse(principal=principal, cache_ttl_seconds=30)


@dataclass
class FakePolicy(policy_pb2_grpc.PolicyServiceServicer):
    denied_tools: set[str] = field(default_factory=set)
    authorized: list[policy_pb2.AuthorizeRequest] = field(default_factory=list)
    outcomes: list[policy_pb2.RecordOutcomeRequest] = field(default_factory=list)
    outcome_recorded: asyncio.Event = field(default_factory=asyncio.Event)
    filtered: list[policy_pb2.FilterToolsRequest] = field(default_factory=list)

    async def Authorize(
        self, request: policy_pb2.AuthorizeRequest, context: Any
    ) -> policy_pb2.AuthorizeResponse:
        self.authorized.append(request)
        if request.call.tool in self.denied_tools:
            return policy_pb2.AuthorizeResponse(
                decision=policy_pb2.DECISION_DENY,
                decision_id="d-deny",
                reason_code="tool_denied",
                message="The tenant's policy does not allow search_records.",
            )
        return policy_pb2.AuthorizeResponse(decision=policy_pb2.DECISION_ALLOW, decision_id="d-1")

    async def FilterTools(
        self, request: policy_pb2.FilterToolsRequest, context: Any
    ) -> policy_pb2.FilterToolsResponse:
        self.filtered.append(request)
        return policy_pb2.FilterToolsResponse(
            tools=[t.name for t in request.tools if t.name not in self.denied_tools]
        )

    async def RecordOutcomes(
        self, request: policy_pb2.RecordOutcomesRequest, context: Any
    ) -> policy_pb2.RecordOutcomesResponse:
        self.outcomes.extend(request.records)
        self.outcome_recorded.set()
        return policy_pb2.RecordOutcomesResponse()


class FakeWorker(worker_pb2_grpc.WorkerServiceServicer):
    """search_records over a fixed partner list; model ``secret.model`` is an access error."""

    def __init__(self) -> None:
        self.requests: list[worker_pb2.ExecuteToolRequest] = []

    async def ExecuteTool(
        self, request: worker_pb2.ExecuteToolRequest, context: Any
    ) -> worker_pb2.ExecuteToolResponse:
        self.requests.append(request)
        arguments = json.loads(request.call.arguments_json)
        if arguments["model"] == "secret.model":
            raise TollgateError(
                ErrorCode.PERMISSION_DENIED,
                "You are not allowed to access 'Secret' (secret.model) records.",
                hint="Ask your Odoo administrator for access.",
            )
        limit = arguments.get("limit", 20)
        offset = int(arguments.get("cursor", "0"))
        page = PARTNERS[offset : offset + limit]
        has_more = offset + limit < len(PARTNERS)
        result: dict[str, Any] = {
            "model": arguments["model"],
            "records": page,
            "count": len(page),
            "offset": offset,
            "has_more": has_more,
        }
        if has_more:
            result["next_cursor"] = str(offset + limit)
            result["more"] = f"{len(PARTNERS) - offset - limit} more"
        return worker_pb2.ExecuteToolResponse(
            result_json=json.dumps(result).encode(), record_count=len(page), odoo_requests=1
        )


def write_tenant(directory: Path, name: str, worker_address: str, endpoint_base: str) -> None:
    spec = parse_tenant_spec(
        {
            "odoo": {"url": "https://odoo.example.com", "database": name},
            "access": {"allowedEmails": ["*@acme.example"]},
        }
    )
    config = compile_tenant(name, spec, endpoint_base=endpoint_base, worker_address=worker_address)
    (directory / f"{name}.json").write_text(config.to_json())


@dataclass
class Stack:
    base_url: str
    tenants_dir: Path
    auth: FakeAuth
    policy: FakePolicy
    worker: FakeWorker

    good_token: str = GOOD_TOKEN
    other_tenant_token: str = OTHER_TENANT_TOKEN
    partners: tuple[dict[str, Any], ...] = tuple(PARTNERS)

    def url(self, tenant: str = "acme") -> str:
        return f"{self.base_url}/t/{tenant}/mcp"

    def client(
        self, tenant: str = "acme", token: str = GOOD_TOKEN, *, mode: str = "2026-07-28"
    ) -> contextlib.AbstractAsyncContextManager[Client]:
        return mcp_client(self.url(tenant), token, mode=mode)


def register(servicer: Any, adder: Callable[[Any, grpc.aio.Server], None]) -> Any:
    return lambda server: adder(servicer, server)


@contextlib.asynccontextmanager
async def running_front(settings: Settings) -> AsyncIterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the front stopped while starting")
            await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    auth, policy, worker = FakeAuth(), FakePolicy(), FakeWorker()
    async with (
        running_grpc_server(
            register(auth, auth_pb2_grpc.add_AuthServiceServicer_to_server)
        ) as auth_server,
        running_grpc_server(
            register(policy, policy_pb2_grpc.add_PolicyServiceServicer_to_server)
        ) as policy_server,
        running_grpc_server(
            register(worker, worker_pb2_grpc.add_WorkerServiceServicer_to_server)
        ) as worker_server,
    ):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        write_tenant(tmp_path, "acme", worker_server.address, base_url)
        # A tenant whose worker is down: nothing listens on its address.
        write_tenant(tmp_path, "globex", f"127.0.0.1:{free_port()}", base_url)
        settings = Settings(
            port=port,
            tenants_dir=tmp_path,
            auth_address=auth_server.address,
            policy_address=policy_server.address,
            tool_timeout=5.0,
            tenant_poll_interval=0.05,
        )
        async with running_front(settings):
            yield Stack(base_url, tmp_path, auth, policy, worker)


@contextlib.asynccontextmanager
async def mcp_client(
    url: str, token: str = GOOD_TOKEN, *, mode: str = "2026-07-28"
) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        create_mcp_http_client(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        yield client


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=stack.base_url) as client:
        yield client
