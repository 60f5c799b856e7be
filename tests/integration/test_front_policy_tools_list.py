"""tools/list through the front and a real policy over gRPC: each tool is judged with the
operation the catalog declares for it, so a read-only tenant is never shown a write tool, and a
write that is listed is one policy can allow."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from tollgate.v1 import auth_pb2, auth_pb2_grpc, common_pb2
from tollgate_auth.testing import serving
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.stores import InMemoryStore
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import free_port, running_grpc_server
from tollgate_front.app import create_app
from tollgate_front.config import Settings as FrontSettings
from tollgate_policy.config import Settings as PolicySettings
from tollgate_policy.server import create_registry, create_server

READ_TOOLS = {
    "list_models",
    "describe_model",
    "search_records",
    "get_records",
    "count_records",
    "aggregate_records",
    "render_report",
    "export_records",
}
WRITE_TOOLS = {
    "create_records",
    "update_records",
    "delete_records",
    "call_method",
    "post_message",
    "schedule_activity",
}

# Tenant name -> (access mode, policy).
TENANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "readonly": ("readOnly", {"defaultModelAccess": "allow", "methods": ["action_confirm"]}),
    "readwrite": ("readWrite", {"defaultModelAccess": "allow", "methods": ["action_confirm"]}),
    # Reads everywhere; the one writable model may be updated, but nothing created or deleted.
    "partners": (
        "readWrite",
        {
            "defaultModelAccess": "deny",
            "models": [
                {"model": "*", "allow": ["read"]},
                {"model": "res.partner", "allow": ["write"]},
            ],
        },
    ),
}


class TenantAuth(auth_pb2_grpc.AuthServiceServicer):
    """Every token is a key of the tenant it is presented at."""

    async def VerifyToken(
        self, request: auth_pb2.VerifyTokenRequest, context: Any
    ) -> auth_pb2.VerifyTokenResponse:
        if request.token != "key-0123456789":
            raise TollgateError(ErrorCode.UNAUTHENTICATED, "Unknown or revoked API key.")
        principal = common_pb2.Principal(
            tenant=request.tenant,
            subject="key:dev",
            email="admin@acme.example",
            odoo_login="admin",
            connection_id="dev",
            credential=common_pb2.SealedCredential(key_id="k", ciphertext=b"sealed"),
        )
        return auth_pb2.VerifyTokenResponse(principal=principal, cache_ttl_seconds=30)


@pytest.fixture
async def front(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for name, (mode, policy) in TENANTS.items():
        spec = parse_tenant_spec(
            {
                "odoo": {"url": "https://odoo.example.com", "database": name},
                "access": {"mode": mode, "allowedEmails": ["*@acme.example"]},
                "policy": policy,
            }
        )
        config = compile_tenant(name, spec, endpoint_base=base, worker_address="127.0.0.1:1")
        (tmp_path / f"{name}.json").write_text(config.to_json())
    policy_settings = PolicySettings(tenants_dir=tmp_path, port=0)
    registry = create_registry(policy_settings)
    await registry.start()
    policy_server = create_server(policy_settings, registry, InMemoryStore())
    await policy_server.start()
    auth = TenantAuth()
    try:
        async with running_grpc_server(
            lambda server: auth_pb2_grpc.add_AuthServiceServicer_to_server(auth, server)
        ) as auth_server:
            settings = FrontSettings(
                port=port,
                tenants_dir=tmp_path,
                auth_address=auth_server.address,
                policy_address=policy_server.address,
            )
            async with serving(create_app(settings), port=port, lifespan="on"):
                yield base
    finally:
        await policy_server.stop(None)
        await registry.stop()


@contextlib.asynccontextmanager
async def client(url: str) -> AsyncIterator[Client]:
    headers = {"Authorization": "Bearer key-0123456789"}
    async with (
        create_mcp_http_client(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as connected,  # type: ignore[arg-type]
    ):
        yield connected


@pytest.mark.parametrize(
    ("tenant", "visible"),
    [
        ("readonly", READ_TOOLS),
        ("readwrite", READ_TOOLS | WRITE_TOOLS),
        ("partners", READ_TOOLS | {"update_records", "post_message", "schedule_activity"}),
    ],
)
async def test_tools_list_shows_only_operations_policy_can_allow(
    front: str, tenant: str, visible: set[str]
) -> None:
    async with client(f"{front}/t/{tenant}/mcp") as connected:
        names = {tool.name for tool in (await connected.list_tools()).tools}
    assert names == visible


async def test_a_hidden_write_tool_is_one_policy_refuses(front: str) -> None:
    """What tools/list leaves out for the read-only tenant, Authorize refuses on any model."""
    async with client(f"{front}/t/readonly/mcp") as connected:
        names = {tool.name for tool in (await connected.list_tools()).tools}
        result = await connected.call_tool(
            "update_records", {"model": "res.partner", "ids": [1], "values": {"name": "X"}}
        )
    assert "update_records" not in names
    assert result.is_error
    assert "read-only" in str(result.content)
