"""The front's token verifier against a real auth over gRPC: access tokens checked locally (no
VerifyToken on the hot path), tenant and resource binding, expiry, the revocation feed, the
allowlist, and the fall-back to auth when the feed goes stale or the credential lives in auth."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from tollgate.v1 import auth_pb2, auth_pb2_grpc
from tollgate_auth.config import Settings
from tollgate_auth.server import AuthParts, build_parts, create_registry
from tollgate_auth.servicer import AuthServicer
from tollgate_auth.store import Identity, SealedValue
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.registry import StaticSource, TenantRegistry
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import running_grpc_server
from tollgate_front.token_verifier import AuthTokenVerifier, PrincipalCache

FRONT = "http://127.0.0.1:8000"


class CountingStub:
    """The real stub, counting VerifyToken calls."""

    def __init__(self, stub: auth_pb2_grpc.AuthServiceStub) -> None:
        self._stub = stub
        self.verify_calls = 0

    async def VerifyToken(self, *args: Any, **kwargs: Any) -> auth_pb2.VerifyTokenResponse:
        self.verify_calls += 1
        return await self._stub.VerifyToken(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stub, name)


@dataclass
class Setup:
    parts: AuthParts
    stub: CountingStub
    verifier: AuthTokenVerifier
    registry: TenantRegistry

    async def token(self, tenant: str = "acme", email: str = "marc@acme.example") -> str:
        config = self.parts.registry.require(tenant)
        pair = await self.parts.tokens.start_grant(
            config,
            client_id="client-1",
            scope="mcp",
            resource=config.endpoint,
            identity=Identity(
                subject=email,
                email=email,
                name="Marc",
                odoo_login="marc",
                credential=SealedValue(key_id="k", ciphertext="c2VhbGVk"),
            ),
            grant_id=f"oauth:{time.monotonic_ns()}",
        )
        return pair.access_token


def tenants(directory: Path) -> list[Any]:
    configs = []
    for name, storage in (("acme", "token"), ("globex", "server")):
        spec = parse_tenant_spec(
            {
                "odoo": {"url": "http://o", "database": "odoo", "allowInsecureHttp": True},
                "access": {"credentialStorage": storage, "allowedEmails": ["*@acme.example"]},
            }
        )
        config = compile_tenant(
            name,
            spec,
            endpoint_base=FRONT,
            worker_address="127.0.0.1:1",
            worker_public_key=SealingPrivateKey.generate().public_key.to_base64(),
        )
        (directory / f"{name}.json").write_text(config.to_json())
        configs.append(config)
    return configs


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    configs = tenants(tmp_path)
    settings = Settings(tenants_dir=tmp_path, issuer_base="http://auth.test")
    async with contextlib.AsyncExitStack() as stack:
        registry = create_registry(settings)
        await registry.start()
        stack.push_async_callback(registry.stop)
        parts = build_parts(settings, registry, {})
        stack.push_async_callback(parts.close)
        servicer = AuthServicer(parts.verifier, parts.tokens, parts.api_keys, registry)
        server = await stack.enter_async_context(
            running_grpc_server(
                lambda s: auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, s),
                service_names=["tollgate.v1.AuthService"],
            )
        )
        channel = grpc.aio.insecure_channel(server.address)
        stack.push_async_callback(channel.close)
        stub = CountingStub(auth_pb2_grpc.AuthServiceStub(channel))
        front_registry = TenantRegistry(StaticSource(*configs))
        await front_registry.refresh()
        verifier = AuthTokenVerifier(
            stub,  # type: ignore[arg-type]
            timeout=5,
            cache=PrincipalCache(max_ttl=60, max_size=100),
            registry=front_registry,
            sync_interval=3600,  # the tests sync by hand
        )
        await verifier.start()
        stack.push_async_callback(verifier.stop)
        yield Setup(parts, stub, verifier, front_registry)


async def refused(setup: Setup, token: str, tenant: str = "acme") -> None:
    with pytest.raises(TollgateError) as raised:
        await setup.verifier.verify(token, tenant=tenant, resource=f"{FRONT}/t/{tenant}/mcp")
    assert raised.value.code is ErrorCode.UNAUTHENTICATED


async def test_access_tokens_are_verified_locally(setup: Setup) -> None:
    token = await setup.token()
    for _ in range(3):
        principal = await setup.verifier.verify(
            token, tenant="acme", resource=f"{FRONT}/t/acme/mcp"
        )
        assert principal.subject == "marc@acme.example"
        assert principal.credential.ciphertext == b"sealed"
    assert setup.stub.verify_calls == 0


async def test_a_token_is_bound_to_its_tenant_and_resource(setup: Setup) -> None:
    token = await setup.token()
    await refused(setup, token, "globex")
    with pytest.raises(TollgateError):
        await setup.verifier.verify(token, tenant="acme", resource=f"{FRONT}/t/acme/other")


async def test_a_revoked_grant_is_refused_after_the_next_feed_read(setup: Setup) -> None:
    token = await setup.token()
    principal = await setup.verifier.verify(token, tenant="acme", resource=f"{FRONT}/t/acme/mcp")
    await setup.parts.tokens.revoke_grant("acme", principal.connection_id)
    await setup.verifier.sync_revocations()
    await refused(setup, token)


async def test_revoking_a_person_reaches_the_front(setup: Setup) -> None:
    token = await setup.token()
    await setup.parts.tokens.revoke_subject("acme", "marc@acme.example")
    await setup.verifier.sync_revocations()
    await refused(setup, token)


async def test_a_stale_feed_sends_tokens_to_auth(setup: Setup) -> None:
    token = await setup.token()
    setup.verifier.revocations.synced_at = None
    principal = await setup.verifier.verify(token, tenant="acme", resource=f"{FRONT}/t/acme/mcp")
    assert principal.tenant == "acme"
    assert setup.stub.verify_calls == 1


async def test_server_stored_credentials_come_from_auth(setup: Setup) -> None:
    token = await setup.token("globex")
    principal = await setup.verifier.verify(
        token, tenant="globex", resource=f"{FRONT}/t/globex/mcp"
    )
    assert principal.credential.ciphertext == b"sealed"
    assert setup.stub.verify_calls == 1


async def test_someone_removed_from_the_allowlist_is_refused(setup: Setup) -> None:
    token = await setup.token(email="ex@elsewhere.example")
    await refused(setup, token)


async def test_the_signature_is_checked_once_per_token_revocation_every_time(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tollgate_front.token_verifier as module

    checks: list[str] = []
    real = module.verify_access_token

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        checks.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(module, "verify_access_token", counting)
    token = await setup.token()
    resource = f"{FRONT}/t/acme/mcp"
    for _ in range(3):
        principal = await setup.verifier.verify(token, tenant="acme", resource=resource)
    assert len(checks) == 1
    await setup.parts.tokens.revoke_grant("acme", principal.connection_id)
    await setup.verifier.sync_revocations()
    await refused(setup, token)
