"""The front's OAuth discovery with a real auth behind it: the 401 challenge names the tenant's
protected-resource metadata (RFC 9728), which names the tenant's issuer at auth, whose metadata
(RFC 8414) is served by auth; an access token from that issuer gets through."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tollgate.v1 import auth_pb2_grpc
from tollgate_auth.config import Settings as AuthSettings
from tollgate_auth.server import AuthParts, build_parts, create_registry
from tollgate_auth.servicer import AuthServicer
from tollgate_auth.store import Identity, SealedValue
from tollgate_auth.testing import serving
from tollgate_auth.web.app import create_web_app
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import free_port, running_grpc_server
from tollgate_front.app import create_app
from tollgate_front.config import Settings as FrontSettings


@dataclass
class Setup:
    front: str
    auth: str
    parts: AuthParts


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    front_port = free_port()
    front = f"http://127.0.0.1:{front_port}"
    spec = parse_tenant_spec(
        {
            "odoo": {"url": "http://o", "database": "odoo", "allowInsecureHttp": True},
            "access": {"allowedEmails": ["*@acme.example"]},
        }
    )
    config = compile_tenant(
        "acme",
        spec,
        endpoint_base=front,
        worker_address="127.0.0.1:1",
        worker_public_key=SealingPrivateKey.generate().public_key.to_base64(),
    )
    (tmp_path / "acme.json").write_text(config.to_json())
    async with contextlib.AsyncExitStack() as stack:
        auth_settings = AuthSettings(tenants_dir=tmp_path, issuer_base="http://placeholder")
        registry = create_registry(auth_settings)
        await registry.start()
        stack.push_async_callback(registry.stop)
        parts = build_parts(auth_settings, registry, {})
        stack.push_async_callback(parts.close)
        auth_http = await stack.enter_async_context(serving(create_web_app(parts.web)))
        parts.tokens.issuer_base = auth_http  # the issuer is where auth actually listens
        servicer = AuthServicer(parts.verifier, parts.tokens, parts.api_keys, registry)
        grpc_server = await stack.enter_async_context(
            running_grpc_server(
                lambda s: auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, s),
                service_names=["tollgate.v1.AuthService"],
            )
        )
        front_settings = FrontSettings(
            tenants_dir=tmp_path,
            auth_address=grpc_server.address,
            policy_address="127.0.0.1:1",
            port=front_port,
        )
        await stack.enter_async_context(
            serving(create_app(front_settings), port=front_port, lifespan="on")
        )
        yield Setup(front, auth_http, parts)


async def test_discovery_chain_from_the_401(setup: Setup) -> None:
    mcp_url = f"{setup.front}/t/acme/mcp"
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(mcp_url, json={})
        assert answer.status_code == 401
        challenge = answer.headers["www-authenticate"]
        prm_url = f"{setup.front}/.well-known/oauth-protected-resource/t/acme/mcp"
        assert f'resource_metadata="{prm_url}"' in challenge
        assert "error=" not in challenge  # no token was given (RFC 6750 §3.1)
        prm = (await http.get(prm_url)).json()
        assert prm["resource"] == mcp_url
        assert prm["authorization_servers"] == [f"{setup.auth}/t/acme"]
        asm_url = f"{setup.auth}/.well-known/oauth-authorization-server/t/acme"
        asm = (await http.get(asm_url)).json()
        assert asm["issuer"] == f"{setup.auth}/t/acme"
        unknown = await http.get(f"{setup.front}/.well-known/oauth-protected-resource/t/x/mcp")
        assert unknown.status_code == 404
        bad = await http.post(mcp_url, json={}, headers={"Authorization": "Bearer eyJx.eyJ.y"})
        assert bad.status_code == 401
        assert 'error="invalid_token"' in bad.headers["www-authenticate"]


async def test_an_access_token_from_the_tenants_issuer_gets_through(setup: Setup) -> None:
    config = setup.parts.registry.require("acme")
    pair = await setup.parts.tokens.start_grant(
        config,
        client_id="c",
        scope="mcp",
        resource=config.endpoint,
        identity=Identity(
            subject="marc@acme.example",
            email="marc@acme.example",
            name="Marc",
            odoo_login="marc",
            credential=SealedValue(key_id="k", ciphertext="c2VhbGVk"),
        ),
        grant_id="oauth:front-test",
    )
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            f"{setup.front}/t/acme/mcp",
            json=initialize,
            headers={
                "Authorization": f"Bearer {pair.access_token}",
                "Accept": "application/json, text/event-stream",
            },
        )
    assert answer.status_code == 200, answer.text
