"""RevokeTenant: a deleted tenant's OAuth grants (refresh families and the access tokens they
issued) and API keys are all revoked, and the revocation feed tells the fronts; other tenants
keep theirs."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tollgate.v1 import auth_pb2
from tollgate_auth.api_keys import ApiKeys
from tollgate_auth.odoo_login import OdooLoginChecker, WorkerKeys
from tollgate_auth.servicer import AuthServicer
from tollgate_auth.store import ApiKeyRecord, AuthStore, Grant, Identity, SealedValue
from tollgate_auth.tokens import TokenService
from tollgate_auth.verifier import TokenVerifier
from tollgate_common.access_tokens import SigningKey
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.stores import open_store
from tollgate_common.tenants.registry import StaticSource, TenantRegistry

CREDENTIAL = SealedValue(key_id="k", ciphertext="")


def identity(subject: str) -> Identity:
    return Identity(
        subject=subject, email=subject, name=subject, odoo_login="demo", credential=CREDENTIAL
    )


def grant(grant_id: str, tenant: str) -> Grant:
    return Grant(
        grant_id=grant_id,
        tenant=tenant,
        client_id="client",
        scope="",
        resource=f"https://mcp.example.com/t/{tenant}/mcp",
        identity=identity(f"{grant_id}@{tenant}.example"),
        created_at=time.time(),
    )


def api_key(key_id: str, tenant: str) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=key_id,
        secret_digest="x",
        tenant=tenant,
        subject=f"key:{key_id}",
        email="ci@example.com",
        name="ci",
        odoo_login="demo",
        credential=CREDENTIAL,
    )


@pytest.fixture
async def parts() -> Any:
    store = AuthStore(open_store("memory://", namespace="auth"), refresh_ttl=3600)
    registry = TenantRegistry(StaticSource())
    tokens = TokenService(
        store, [SigningKey.generate()], issuer_base="https://auth.example.com", access_ttl=300
    )
    checker = OdooLoginChecker(WorkerKeys(), timeout=1.0)
    api_keys = ApiKeys(store, registry, checker)
    verifier = TokenVerifier(
        registry, {}, cache_ttl=0, worker_keys=WorkerKeys(), tokens=tokens, api_keys=api_keys
    )
    servicer = AuthServicer(verifier, tokens, api_keys, registry)
    yield store, servicer
    await checker.close()
    await store.raw.close()


async def test_revoke_tenant_removes_every_grant_and_api_key_of_that_tenant(parts: Any) -> None:
    store, servicer = parts
    for grant_id, tenant in (("g1", "acme"), ("g2", "acme"), ("g3", "globex")):
        await store.save_grant(grant(grant_id, tenant))
    for key_id, tenant in (("k1", "acme"), ("k2", "globex")):
        await store.save_api_key(api_key(key_id, tenant))
    before = time.time()

    answer = await servicer.RevokeTenant(auth_pb2.RevokeTenantRequest(tenant="acme"), None)

    assert (answer.grants_revoked, answer.api_keys_revoked) == (2, 1)
    assert await store.grant("g1") is None
    assert await store.grant("g2") is None
    assert await store.tenant_grants("acme") == set()
    assert await store.api_keys("acme") == []
    revoked_at = await store.tenant_revoked_at("acme")
    assert revoked_at is not None
    assert revoked_at >= before
    feed = await store.revocations(after="", since=before - 1)
    assert {(r.tenant, r.connection_id) for r in feed} == {
        ("acme", "g1"),
        ("acme", "g2"),
        ("acme", "apikey:k1"),
    }
    # The other tenant keeps everything.
    assert await store.grant("g3") is not None
    assert [k.key_id for k in await store.api_keys("globex")] == ["k2"]
    assert await store.tenant_revoked_at("globex") is None

    again = await servicer.RevokeTenant(auth_pb2.RevokeTenantRequest(tenant="acme"), None)
    assert (again.grants_revoked, again.api_keys_revoked) == (0, 0)  # idempotent


async def test_a_grant_made_before_the_revocation_is_refused_even_if_unindexed(
    parts: Any,
) -> None:
    store, servicer = parts
    await store.save_grant(grant("old", "acme"))
    await store.raw.set_remove("tenant-grants:acme", "old")  # as stored before the index existed
    await servicer.RevokeTenant(auth_pb2.RevokeTenantRequest(tenant="acme"), None)
    tokens: TokenService = servicer.tokens
    revoked_at = await tokens._revoked_at("acme", "old@acme.example")
    assert revoked_at is not None
    assert revoked_at >= (await store.grant("old")).created_at


async def test_revoke_tenant_needs_a_tenant(parts: Any) -> None:
    _, servicer = parts
    with pytest.raises(TollgateError) as raised:
        await servicer.RevokeTenant(auth_pb2.RevokeTenantRequest(tenant=" "), None)
    assert raised.value.code == ErrorCode.INVALID_ARGUMENT
