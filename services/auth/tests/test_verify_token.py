from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from tollgate.v1 import auth_pb2, auth_pb2_grpc
from tollgate_auth.config import Settings
from tollgate_auth.dev_keys import load_dev_keys
from tollgate_auth.server import build_parts, create_registry, create_server
from tollgate_common.errors import ErrorCode, TollgateError, from_rpc_error
from tollgate_common.odoo_credentials import open_odoo_credential
from tollgate_common.sealing import SealingError

ACME_KEY = "tg_dev_acme_0123456789abcdef"
GLOBEX_KEY = "tg_dev_globex_0123456789abcdef"


@pytest.fixture
async def auth(
    tenants_dir: Path, dev_keys_file: Path
) -> AsyncIterator[auth_pb2_grpc.AuthServiceStub]:
    settings = Settings(tenants_dir=tenants_dir, dev_keys_file=dev_keys_file, port=0, cache_ttl=30)
    registry = create_registry(settings)
    await registry.start()
    parts = build_parts(settings, registry, load_dev_keys(dev_keys_file))
    server = create_server(settings, parts)
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    yield auth_pb2_grpc.AuthServiceStub(channel)
    await channel.close()
    await server.stop(None)
    await parts.close()
    await registry.stop()


async def verify(stub, token: str, tenant: str) -> auth_pb2.VerifyTokenResponse:
    return await stub.VerifyToken(
        auth_pb2.VerifyTokenRequest(
            token=token, tenant=tenant, resource=f"http://x/t/{tenant}/mcp"
        ),
        timeout=5,
    )


async def refusal(stub, token: str, tenant: str) -> TollgateError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await verify(stub, token, tenant)
    return from_rpc_error(raised.value, "auth")


async def test_a_dev_key_gives_the_principal_with_a_sealed_credential(auth, worker_keys):
    response = await verify(auth, ACME_KEY, "acme")
    principal = response.principal
    assert principal.tenant == "acme"
    assert principal.subject == "demo@acme.example"
    assert principal.email == "demo@acme.example"
    assert principal.odoo_login == "demo"
    assert principal.client_id == "claude-code"
    assert principal.connection_id.startswith("devkey:")
    assert ACME_KEY not in principal.connection_id
    assert response.cache_ttl_seconds == 30
    assert principal.expires_at > 0
    assert principal.credential.key_id == worker_keys["acme"].key_id
    assert b"odoo-demo-key" not in principal.credential.ciphertext
    credential = open_odoo_credential([worker_keys["acme"]], principal.credential, tenant="acme")
    assert (credential.login, credential.api_key) == ("demo", "odoo-demo-key")


async def test_only_the_tenants_worker_can_open_the_credential(auth, worker_keys):
    principal = (await verify(auth, ACME_KEY, "acme")).principal
    with pytest.raises(SealingError):
        open_odoo_credential([worker_keys["globex"]], principal.credential, tenant="acme")
    with pytest.raises(SealingError):
        open_odoo_credential([worker_keys["acme"]], principal.credential, tenant="globex")


async def test_a_key_presented_at_another_tenant_is_refused_like_an_unknown_key(auth):
    elsewhere = await refusal(auth, ACME_KEY, "globex")
    unknown = await refusal(auth, "tg_dev_nobody_0123456789abcdef", "globex")
    assert elsewhere.code is ErrorCode.UNAUTHENTICATED
    assert (elsewhere.message, elsewhere.hint) == (unknown.message, unknown.hint)
    assert "acme" not in elsewhere.message


@pytest.mark.parametrize("token", ["", " ", ACME_KEY + "x", ACME_KEY.upper()])
async def test_near_misses_are_refused(auth, token):
    assert (await refusal(auth, token, "acme")).code is ErrorCode.UNAUTHENTICATED


async def test_an_unknown_tenant_is_not_found(auth):
    error = await refusal(auth, ACME_KEY, "initech")
    assert error.code is ErrorCode.NOT_FOUND
    assert "initech" in error.message


async def test_a_missing_tenant_is_an_invalid_argument(auth):
    assert (await refusal(auth, ACME_KEY, "")).code is ErrorCode.INVALID_ARGUMENT


async def test_a_tenant_without_worker_key_fails_closed(auth):
    error = await refusal(auth, "tg_dev_unready_0123456789abcdef", "unready")
    assert error.code is ErrorCode.UNAVAILABLE


def run_auth(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tollgate_auth"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_missing_settings_stop_the_service_naming_them():
    result = run_auth({})
    assert result.returncode == 2
    assert "TOLLGATE_AUTH_TENANTS_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_dev_keys_file_stops_the_service_naming_the_setting(tmp_path, tenants_dir):
    bad = tmp_path / "keys.yaml"
    bad.write_text("keys: [{key: tg_dev_0123456789abcdef}]")
    result = run_auth(
        {"TOLLGATE_AUTH_TENANTS_DIR": str(tenants_dir), "TOLLGATE_AUTH_DEV_KEYS_FILE": str(bad)}
    )
    assert result.returncode == 2
    assert "TOLLGATE_AUTH_DEV_KEYS_FILE" in result.stderr
    assert "tg_dev_0123456789abcdef" not in result.stderr
